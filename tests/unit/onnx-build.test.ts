import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { forwardModel } from '../../src/lib/mobileone/forward';
import { buildOnnx, onnxGraph, summarizeGraph } from '../../src/lib/io/onnx/build';
import { ProtoMessage, varintSize } from '../../src/lib/io/onnx/protobuf';
import { seededRandom } from '../../src/lib/core/random';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { blocksOf, paramCount, validateSpec, variantSpec, type MobileOneSpec } from '../../src/lib/mobileone/spec';
import { randomInput, syntheticModel } from '../../src/lib/mobileone/synthetic';
import { maxAbs, maxAbsDiff, type Tensor } from '../../src/lib/core/tensor';
import type { FusedModel, UnfusedModel } from '../../src/lib/mobileone/model';

type Runtime = typeof ortNode | typeof ortWeb;

async function runOnnx(ort: Runtime, bytes: Uint8Array, x: Tensor, options: ortNode.InferenceSession.SessionOptions = {}): Promise<Tensor> {
	const session = await ort.InferenceSession.create(bytes, options);
	try {
		const result = await session.run({ input: new ort.Tensor('float32', x.data, [...x.shape]) });
		const logits = result.logits;
		return { shape: logits.dims.map(Number), data: logits.data as Float32Array };
	} finally {
		await session.release();
	}
}

/** Reads the top level of a protobuf message: enough to check ModelProto's header fields. */
function readFields(bytes: Uint8Array): { field: number; value: number | Uint8Array }[] {
	const out: { field: number; value: number | Uint8Array }[] = [];
	let at = 0;
	const varint = (): number => {
		let v = 0;
		let scale = 1;
		for (;;) {
			const byte = bytes[at++];
			v += (byte & 0x7f) * scale;
			scale *= 128;
			if (byte < 128) return v;
		}
	};
	while (at < bytes.length) {
		const key = varint();
		const field = Math.floor(key / 8);
		const wire = key % 8;
		if (wire === 0) out.push({ field, value: varint() });
		else if (wire === 2) {
			const n = varint();
			out.push({ field, value: bytes.subarray(at, at + n) });
			at += n;
		} else throw new Error(`unexpected wire type ${wire}`);
	}
	return out;
}

const text = (v: number | Uint8Array) => new TextDecoder().decode(v as Uint8Array);

describe('protobuf writer', () => {
	it('writes varints as the protobuf spec shows them', () => {
		const bytesOf = (v: number) => Array.from(new ProtoMessage().varint(1, v).encode().subarray(1));
		expect(bytesOf(0)).toEqual([0]);
		expect(bytesOf(1)).toEqual([1]);
		expect(bytesOf(127)).toEqual([127]);
		expect(bytesOf(128)).toEqual([0x80, 0x01]);
		expect(bytesOf(300)).toEqual([0xac, 0x02]);
		// Above 2^32, where 32-bit bit operators would silently wrap.
		expect(bytesOf(2 ** 35)).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
		// Negative int64s are sign-extended to ten bytes.
		expect(bytesOf(-1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
		expect(varintSize(-1)).toBe(10);
		expect(() => new ProtoMessage().varint(1, 0.5)).toThrow(RangeError);
	});

	it('writes keys, fixed32 floats, strings, packed fields and nested messages', () => {
		const inner = new ProtoMessage().varint(1, 150);
		const bytes = new ProtoMessage()
			.float(2, 1)
			.string(4, 'é')
			.packedVarints(8, [3, 270])
			.packedFloats(7, [0.5])
			.message(20, inner)
			.encode();
		expect(Array.from(bytes)).toEqual([
			0x15, 0x00, 0x00, 0x80, 0x3f, // field 2, wire 5: 1.0f little-endian
			0x22, 0x02, 0xc3, 0xa9, // field 4: UTF-8, length in bytes not characters
			0x42, 0x03, 0x03, 0x8e, 0x02, // field 8 packed: 3, 270
			0x3a, 0x04, 0x00, 0x00, 0x00, 0x3f, // field 7 packed floats: 0.5f
			0xa2, 0x01, 0x03, 0x08, 0x96, 0x01 // field 20 needs a two-byte key
		]);
	});

	it('sizes a message without writing it, and copies large byte fields whole', () => {
		const blob = new Uint8Array(3_000_000);
		for (let i = 0; i < blob.length; i++) blob[i] = i % 251;
		const m = new ProtoMessage().string(1, 'w').bytes(9, blob);
		const bytes = m.encode();
		expect(bytes.length).toBe(m.size());
		expect(bytes.length).toBe(3 + 1 + 4 + blob.length);
		// A plain comparison: vitest's deep equality over 3M elements takes seconds.
		const tail = bytes.subarray(bytes.length - blob.length);
		expect(tail.every((v, i) => v === blob[i])).toBe(true);
	});
});

/** Tiny specs covering every block shape the builder handles differently. */
function tinySpecs(): MobileOneSpec[] {
	const fixed = [
		// stride-1 stage of equal width: skip branches everywhere, k = 3, SE on the last pair
		validateSpec({ numClasses: 4, inputSize: 10, stem: { width: 16, k: 2 }, stages: [{ width: 16, blocks: 2, stride: 1, k: 3, seBlocks: 1 }] }),
		// k = 1, widening pointwise (single branch, no Sum), stride 2, odd input size
		validateSpec({ numClasses: 3, inputSize: 9, stem: { width: 4 }, stages: [{ width: 6, blocks: 1, k: 1 }, { width: 12, blocks: 1, k: 1 }] }),
		// k = 5, narrowing widths, SE on a stride-2 stage
		validateSpec({ numClasses: 7, inputSize: 16, stem: { width: 20, k: 5 }, stages: [{ width: 16, blocks: 1, stride: 1, k: 5 }, { width: 18, blocks: 1, k: 2, seBlocks: 1 }] })
	];
	const random = seededRandom(2024);
	const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
	// SE squeezes to ⌊C/16⌋ channels and sits on both halves of a pair, so a stage gets SE only when
	// its input and output widths are both ≥ 16 (validateSpec refuses zero-channel SE).
	const width = () => (random() < 0.5 ? int(4, 12) : int(16, 20));
	const drawn = Array.from({ length: 3 }, () => {
		const stem = { width: width(), k: int(1, 5) };
		let planes = stem.width;
		const stages = Array.from({ length: int(1, 2) }, () => {
			const w = width();
			const se = planes >= 16 && w >= 16 && random() < 0.7;
			planes = w;
			return { width: w, blocks: int(1, 2), stride: int(1, 2), k: int(1, 5), seBlocks: se ? 1 : 0 };
		});
		return validateSpec({ numClasses: int(3, 7), inputSize: int(8, 16), stem, stages });
	});
	return [...fixed, ...drawn];
}

describe('buildOnnx matches the engine in onnxruntime-node and onnxruntime-web', () => {
	beforeAll(() => {
		ortWeb.env.wasm.numThreads = 1;
	});

	const cases = tinySpecs().map((spec, i) => ({ spec, label: `spec ${i}: ${JSON.stringify(spec.stages.map((s) => [s.width, s.stride, s.k, s.seBlocks]))}` }));

	it.each(cases)('$label', async ({ spec }) => {
		const unfused = syntheticModel(spec, 7);
		const fused = fuseModel(unfused);
		const x = randomInput(spec, 11, 2);
		for (const model of [unfused, fused] as (UnfusedModel | FusedModel)[]) {
			const expected = forwardModel(model, x);
			const tolerance = 1e-4 * maxAbs(expected.data);
			const bytes = buildOnnx(model);
			// The benchmark's forms: ORT's optimizations off (a) and on (b, c); on, ORT rewrites the Add chain.
			const levels = model.blocks[0].form === 'unfused' ? (['disabled', 'all'] as const) : (['all'] as const);
			for (const [runtime, ort] of [['node', ortNode], ['web', ortWeb]] as const) {
				for (const graphOptimizationLevel of levels) {
					const got = await runOnnx(ort, bytes, x, { graphOptimizationLevel });
					expect(got.shape, `${runtime}`).toEqual([2, spec.numClasses]);
					expect(maxAbsDiff(got.data, expected.data), `${model.blocks[0].form} in onnxruntime-${runtime}, ${graphOptimizationLevel}`).toBeLessThanOrEqual(tolerance);
				}
			}
		}
	});

	it('also runs at opset 13', async () => {
		const spec = tinySpecs()[0];
		const model = syntheticModel(spec, 3);
		const x = randomInput(spec, 4, 1);
		const expected = forwardModel(model, x);
		const got = await runOnnx(ortNode, buildOnnx(model, { opset: 13 }), x);
		expect(maxAbsDiff(got.data, expected.data)).toBeLessThanOrEqual(1e-4 * maxAbs(expected.data));
	});

	it('runs at input sizes other than the spec’s, in both forms (height and width are symbolic)', async () => {
		const spec = tinySpecs()[0];
		const model = syntheticModel(spec, 5);
		for (const [h, w] of [[spec.inputSize + 9, spec.inputSize + 9], [20, 28]]) {
			const x: Tensor = { shape: [1, spec.inChannels, h, w], data: Float32Array.from({ length: spec.inChannels * h * w }, (_, i) => Math.sin(i * 0.37)) };
			const expected = forwardModel(model, x);
			for (const m of [model, fuseModel(model)]) {
				const got = await runOnnx(ortNode, buildOnnx(m), x);
				expect(maxAbsDiff(got.data, expected.data), `${m.blocks[0].form} at ${h}×${w}`).toBeLessThanOrEqual(1e-4 * maxAbs(expected.data));
			}
		}
	});
});

describe('graph structure', () => {
	const spec = validateSpec({
		name: 'tiny',
		numClasses: 5,
		inputSize: 12,
		stem: { width: 16, k: 2 },
		stages: [
			{ width: 16, blocks: 1, stride: 1, k: 3, seBlocks: 1 },
			{ width: 24, blocks: 1, stride: 2, k: 1 }
		]
	});
	const unfused = syntheticModel(spec, 1);
	const fused = fuseModel(unfused);

	it('counts nodes per op type, by hand and by formula', () => {
		// Blocks: stem 3×3 k2 (+scale), stage1.0 dw k3 (+scale, skip, SE), stage1.1 pw k3 (skip, SE),
		// stage2.0 dw stride 2 k1 (+scale), stage2.1 pw 16→24 k1 (one branch: no Sum).
		const u = summarizeGraph(unfused);
		expect(u.byType).toEqual({
			Conv: 3 + 4 + 3 + 2 + 1 + 2 * 2, // branch convs + SE reduce/expand
			BatchNormalization: 3 + 5 + 4 + 2 + 1,
			Add: 2 + 4 + 3 + 1 + 0, // branches − 1 per block: two-input Adds, as Apple's forward sums
			Relu: 5 + 2, // one per block + one inside each SE
			GlobalAveragePool: 1 + 2,
			Sigmoid: 2,
			Mul: 2,
			Flatten: 1,
			Gemm: 1
		});
		const f = summarizeGraph(fused);
		expect(f.byType).toEqual({ Conv: 5 + 2 * 2, Relu: 5 + 2, GlobalAveragePool: 3, Sigmoid: 2, Mul: 2, Flatten: 1, Gemm: 1 });

		const blocks = blocksOf(spec);
		const seBlocks = blocks.filter((b) => b.se).length;
		const branchConvs = blocks.reduce((n, b) => n + b.k + (b.hasScale ? 1 : 0), 0);
		const batchNorms = blocks.reduce((n, b) => n + b.k + (b.hasScale ? 1 : 0) + (b.hasSkip ? 1 : 0), 0);
		expect(u.byType.Conv).toBe(branchConvs + 2 * seBlocks);
		expect(u.byType.BatchNormalization).toBe(batchNorms);
		expect(f.byType.Conv).toBe(blocks.length + 2 * seBlocks);
		expect(f.byType.BatchNormalization).toBeUndefined();
		expect(u.nodes).toBe(Object.values(u.byType).reduce((a, b) => a + b, 0));
	});

	it('reports the parameters and exact file size of what buildOnnx writes', () => {
		const u = summarizeGraph(unfused);
		const f = summarizeGraph(fused);
		expect(u.bytes).toBe(buildOnnx(unfused).length);
		expect(f.bytes).toBe(buildOnnx(fused).length);
		expect(f.parameters).toBe(paramCount(spec, 'fused'));
		// BN running mean and variance are stored but are not trainable parameters.
		const bnChannels = blocksOf(spec).reduce((n, b) => n + (b.k + (b.hasScale ? 1 : 0)) * b.cout + (b.hasSkip ? b.cin : 0), 0);
		expect(u.parameters).toBe(paramCount(spec, 'unfused') + 2 * bnChannels);
		expect(u.initializers).toBe(onnxGraph(unfused).initializers.length);
	});

	it("names nodes and initializers after Apple's modules, with a symbolic batch", () => {
		const g = onnxGraph(unfused);
		const initializers = g.initializers.map((t) => t.name);
		expect(initializers).toContain('stage1.0.rbr_conv.0.conv.weight');
		expect(initializers).toContain('stage1.0.rbr_conv.2.bn.running_var');
		expect(initializers).toContain('stage1.0.rbr_scale.conv.weight');
		expect(initializers).toContain('stage1.0.rbr_skip.running_mean');
		expect(initializers).toContain('stage1.1.se.reduce.weight');
		expect(initializers).toContain('linear.weight');
		expect(new Set(initializers).size).toBe(initializers.length);
		const nodes = g.nodes.map((n) => n.name);
		expect(nodes).toContain('stage1.0/rbr_conv.0/conv');
		expect(nodes).toContain('stage1.0/rbr_conv.0/bn');
		// Apple's order: out = scale + skip, then out += conv for each conv branch; the last Add's output is the block's sum.
		const adds = g.nodes.filter((n) => n.name.startsWith('stage1.0/add.'));
		expect(adds.map((n) => [n.name, n.inputs, n.outputs])).toEqual([
			['stage1.0/add.1', ['stage1.0/rbr_scale/bn', 'stage1.0/rbr_skip'], ['stage1.0/add.1']],
			['stage1.0/add.2', ['stage1.0/add.1', 'stage1.0/rbr_conv.0/bn'], ['stage1.0/add.2']],
			['stage1.0/add.3', ['stage1.0/add.2', 'stage1.0/rbr_conv.1/bn'], ['stage1.0/add.3']],
			['stage1.0/add.4', ['stage1.0/add.3', 'stage1.0/rbr_conv.2/bn'], ['stage1.0/sum']]
		]);
		expect(g.nodes.every((n) => n.opType !== 'Add' || n.inputs.length === 2)).toBe(true);
		// A block without a scale branch starts its chain at the skip; a lone branch gets no Add.
		expect(g.nodes.find((n) => n.name === 'stage1.1/add.1')!.inputs).toEqual(['stage1.1/rbr_skip', 'stage1.1/rbr_conv.0/bn']);
		expect(nodes.filter((n) => n.startsWith('stage2.1/add'))).toEqual([]);
		// Each branch is added as soon as it exists: at most two branch outputs are alive at once.
		const order = nodes.filter((n) => n.startsWith('stage1.0/'));
		expect(order.indexOf('stage1.0/add.2')).toBeLessThan(order.indexOf('stage1.0/rbr_conv.1/conv'));
		expect(onnxGraph(fused).nodes.map((n) => n.name)).toContain('stage1.0/reparam_conv');
		expect(g.inputs).toEqual([{ name: 'input', shape: ['N', 3, 'H', 'W'] }]);
		// A graph that only ever runs at one size can say so (the benchmark's forms do).
		expect(onnxGraph(unfused, 12).inputs).toEqual([{ name: 'input', shape: ['N', 3, 12, 12] }]);
		expect(() => onnxGraph(unfused, 0)).toThrow(RangeError);
		expect(g.outputs).toEqual([{ name: 'logits', shape: ['N', 5] }]);
		// SE sits between the branches' sum and the block's ReLU.
		const mul = g.nodes.find((n) => n.name === 'stage1.0/se/scale')!;
		expect(mul.inputs[0]).toBe('stage1.0/sum');
		expect(g.nodes.find((n) => n.name === 'stage1.0/relu')!.inputs).toEqual([mul.outputs[0]]);
	});

	it('writes the ModelProto header: IR 8, opset 17, producer', () => {
		const top = readFields(buildOnnx(fused));
		expect(top.find((f) => f.field === 1)!.value).toBe(8);
		expect(text(top.find((f) => f.field === 2)!.value)).toBe('mobileone-lab');
		const opset = readFields(top.find((f) => f.field === 8)!.value as Uint8Array);
		expect(opset).toEqual([{ field: 1, value: new Uint8Array() }, { field: 2, value: 17 }]);
		const custom = readFields(buildOnnx(fused, { producer: 'class demo', opset: 15 }));
		expect(text(custom.find((f) => f.field === 2)!.value)).toBe('class demo');
		expect(readFields(custom.find((f) => f.field === 8)!.value as Uint8Array)[1].value).toBe(15);
	});

	it('refuses bad options and inconsistent models', () => {
		expect(() => buildOnnx(fused, { opset: 9 })).toThrow(RangeError);
		expect(() => buildOnnx(fused, { opset: 17.5 })).toThrow(RangeError);
		const wrongShape: FusedModel = { ...fused, classifier: { ...fused.classifier, bias: new Float32Array(2) } };
		expect(() => buildOnnx(wrongShape)).toThrow(/linear\.bias/);
		const mixed = { ...unfused, blocks: [...unfused.blocks.slice(0, 2), ...fused.blocks.slice(2)] } as unknown as UnfusedModel;
		expect(() => buildOnnx(mixed)).toThrow(/mixes/);
	});
});

describe('an S0-sized graph', () => {
	it('loads in onnxruntime-node and gives the same finite logits in both forms', async () => {
		const spec = variantSpec('s0');
		const unfused = syntheticModel(spec, 42);
		const fused = fuseModel(unfused);
		const x = randomInput(spec, 43, 1);
		// The TS reference forward is slow at 224×224, so the two ONNX forms check each other.
		const fromUnfused = await runOnnx(ortNode, buildOnnx(unfused), x);
		const fromFused = await runOnnx(ortNode, buildOnnx(fused), x);
		expect(fromUnfused.shape).toEqual([1, 1000]);
		expect(fromUnfused.data.every(Number.isFinite)).toBe(true);
		expect(fromFused.data.every(Number.isFinite)).toBe(true);
		expect(maxAbs(fromUnfused.data)).toBeGreaterThan(0);
		expect(maxAbsDiff(fromUnfused.data, fromFused.data)).toBeLessThanOrEqual(1e-4 * maxAbs(fromUnfused.data));
		const summary = summarizeGraph(fused);
		expect(summary.parameters).toBe(paramCount(spec, 'fused'));
	});
});
