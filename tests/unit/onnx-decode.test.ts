import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { buildOnnx, onnxGraph } from '../../src/lib/io/onnx/build';
import { decodeOnnx, MAX_GRAPH_DEPTH } from '../../src/lib/io/onnx/decode';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import { DATA_TYPE, tensorValues } from '../../src/lib/io/onnx/model';
import { ProtoMessage } from '../../src/lib/io/onnx/protobuf';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { randomInput, syntheticModel } from '../../src/lib/mobileone/synthetic';

const spec = validateSpec({
	numClasses: 5,
	inputSize: 12,
	stem: { width: 16, k: 2 },
	stages: [
		{ width: 16, blocks: 1, stride: 1, k: 3, seBlocks: 1 },
		{ width: 24, blocks: 1, stride: 2, k: 1 }
	]
});
const unfused = syntheticModel(spec, 1);

function expectCode(f: () => unknown, code: string, message?: RegExp): void {
	try {
		f();
	} catch (e) {
		expect(e).toBeInstanceOf(WeightsError);
		expect((e as WeightsError).code).toBe(code);
		if (message) expect((e as WeightsError).message).toMatch(message);
		return;
	}
	throw new Error(`expected a WeightsError ${code}`);
}

/** A ModelProto around `graph`, opset `opset`. */
function modelBytes(graph: ProtoMessage, opset = 17, extra?: (m: ProtoMessage) => void): Uint8Array {
	const m = new ProtoMessage().varint(1, 8).string(2, 'hand').message(7, graph).message(8, new ProtoMessage().string(1, '').varint(2, opset));
	extra?.(m);
	return m.encode();
}

function tensorBytes(t: (m: ProtoMessage) => void): Uint8Array {
	const tensor = new ProtoMessage();
	t(tensor);
	return modelBytes(new ProtoMessage().string(2, 'g').message(5, tensor));
}

describe('decodeOnnx on our own builder', () => {
	for (const [form, model] of [['unfused', unfused], ['fused', fuseModel(unfused)]] as const) {
		it(`reads back every node, attribute, initializer and value info (${form})`, () => {
			const expected = onnxGraph(model);
			const m = decodeOnnx(buildOnnx(model));
			expect(m.irVersion).toBe(8);
			expect(m.opsetImport).toEqual([{ domain: '', version: 17 }]);
			expect(m.producerName).toBe('mobileone-lab');
			expect(m.graph.name).toBe(expected.name);
			expect(m.graph.docString).toBe(expected.docString);
			expect(m.graph.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs])).toEqual(expected.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs]));
			const conv = m.graph.nodes.find((n) => n.opType === 'Conv')!;
			const want = expected.nodes.find((n) => n.opType === 'Conv')!;
			expect(conv.attributes.map((a) => [a.name, a.type, a.ints.length ? a.ints : a.i])).toEqual(want.attributes.map((a) => [a.name, a.type === 'int' ? 2 : 7, a.value]));
			expect(m.graph.initializers.map((t) => [t.name, t.dims, t.dataType])).toEqual(expected.initializers.map((t) => [t.name, t.dims, DATA_TYPE.FLOAT]));
			for (const [i, t] of m.graph.initializers.entries()) expect(Float32Array.from(tensorValues(t)!)).toEqual(expected.initializers[i].data);
			expect(m.graph.inputs[0].type).toEqual({ kind: 'tensor', elemType: 1, shape: ['N', 3, 'H', 'W'] });
			expect(m.graph.outputs[0].type).toEqual({ kind: 'tensor', elemType: 1, shape: ['N', 5] });
		});
	}

	it('round-trips: decode(encode(decode(x))) = decode(x), and onnxruntime gives identical outputs', async () => {
		const bytes = buildOnnx(unfused);
		const once = decodeOnnx(bytes);
		const again = encodeOnnx(once);
		expect(decodeOnnx(again)).toEqual(once);
		const x = randomInput(spec, 2, 2);
		const run = async (b: Uint8Array) => {
			const s = await ortNode.InferenceSession.create(b);
			const r = await s.run({ input: new ortNode.Tensor('float32', x.data, [...x.shape]) });
			await s.release();
			return r.logits.data as Float32Array;
		};
		expect(await run(again)).toEqual(await run(bytes));
	});
});

describe('decodeOnnx reads every encoding a producer may choose', () => {
	it('unpacked and packed repeated fields, float_data, int64_data, double_data, float16 in int32_data', () => {
		// dims written unpacked (proto2's default), float_data packed.
		const floats = decodeOnnx(tensorBytes((t) => t.varint(1, 2).varint(1, 2).varint(2, 1).string(8, 'f').packedFloats(4, [1, -2, 0.5, 3]))).graph.initializers[0];
		expect(floats.dims).toEqual([2, 2]);
		expect(Array.from(tensorValues(floats)!)).toEqual([1, -2, 0.5, 3]);
		const ints = decodeOnnx(tensorBytes((t) => t.packedVarints(1, [3]).varint(2, 7).string(8, 'i').packedVarints(7, [-1, 2 ** 40, 5]))).graph.initializers[0];
		expect(Array.from(tensorValues(ints)!)).toEqual([-1, 2 ** 40, 5]);
		const doubles = new ProtoMessage().packedVarints(1, [2]).varint(2, 11).string(8, 'd');
		const d = new Uint8Array(16);
		new DataView(d.buffer).setFloat64(0, Math.PI, true);
		new DataView(d.buffer).setFloat64(8, -1e300, true);
		doubles.bytes(10, d);
		const dm = decodeOnnx(modelBytes(new ProtoMessage().message(5, doubles))).graph.initializers[0];
		expect(Array.from(tensorValues(dm)!)).toEqual([Math.PI, -1e300]);
		// float16 bits 0x3c00 = 1, 0xc000 = -2, 0x3555 ≈ 1/3.
		const half = decodeOnnx(tensorBytes((t) => t.packedVarints(1, [3]).varint(2, 10).string(8, 'h').packedVarints(5, [0x3c00, 0xc000, 0x3555]))).graph.initializers[0];
		expect(Array.from(tensorValues(half)!)).toEqual([1, -2, 0.333251953125]);
		// Re-encoded as raw_data, the values stay.
		const m = decodeOnnx(tensorBytes((t) => t.packedVarints(1, [3]).varint(2, 10).string(8, 'h').packedVarints(5, [0x3c00, 0xc000, 0x3555])));
		expect(decodeOnnx(encodeOnnx(m))).toEqual(m);
	});

	it('keeps unknown fields of every wire type, and int64 attributes beyond 2^53, through a round trip', () => {
		const big = 2n ** 63n - 1n;
		const attr = new ProtoMessage().string(1, 'ends').varint(20, 7);
		// INT64_MAX as an unpacked int64: ten bytes would not fit in a double exactly.
		const raw = [0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
		attr.raw(Uint8Array.from(raw)).varint(8, 1);
		const node = new ProtoMessage().string(1, 'x').string(2, 'y').string(3, 'n').string(4, 'Slice').message(5, attr);
		node.raw(Uint8Array.from([0x79, 1, 2, 3, 4, 5, 6, 7, 8])); // field 15, fixed64
		node.raw(Uint8Array.from([0x85, 0x01, 9, 9, 9, 9])); // field 16, fixed32
		node.varint(99, 12345); // an unknown varint field
		const bytes = modelBytes(new ProtoMessage().message(1, node).string(2, 'g'), 17, (m) => m.varint(5, 3).string(14, 'metadata?'));
		const m = decodeOnnx(bytes);
		expect(m.graph.nodes[0].attributes[0].ints).toEqual([big, 1]);
		expect(m.graph.nodes[0].extra.map((f) => f.field)).toEqual([15, 16, 99]);
		expect(m.extra.map((f) => f.field)).toEqual([5, 14]);
		const back = encodeOnnx(m);
		expect(decodeOnnx(back)).toEqual(m);
	});

	it('reads shapes with dim_value, dim_param and unknown dims', () => {
		const dim = (d: number | string | null) => (d === null ? new ProtoMessage() : typeof d === 'number' ? new ProtoMessage().varint(1, d) : new ProtoMessage().string(2, d));
		const shape = new ProtoMessage();
		for (const d of ['batch', 3, null]) shape.message(1, dim(d));
		const type = new ProtoMessage().message(1, new ProtoMessage().varint(1, 1).message(2, shape));
		const m = decodeOnnx(modelBytes(new ProtoMessage().message(11, new ProtoMessage().string(1, 'x').message(2, type))));
		expect(m.graph.inputs[0]).toEqual({ name: 'x', type: { kind: 'tensor', elemType: 1, shape: ['batch', 3, null] }, extra: [] });
	});
});

describe('decodeOnnx refuses damaged and unsupported files with typed errors', () => {
	const good = buildOnnx(fuseModel(unfused));

	it('truncation anywhere', () => {
		for (const cut of [1, 7, 100, good.length >> 1, good.length - 1]) expect(() => decodeOnnx(good.subarray(0, cut))).toThrow(WeightsError);
	});

	it('a length past the end, a varint over 10 bytes, an unused wire type', () => {
		expectCode(() => decodeOnnx(Uint8Array.from([0x3a, 0xff, 0xff, 0x03, 0x00])), 'truncated', /claims/);
		expectCode(() => decodeOnnx(Uint8Array.from([0x08, ...new Array(10).fill(0xff), 0x01])), 'bad-onnx', /10 bytes/);
		expectCode(() => decodeOnnx(Uint8Array.from([0x0b])), 'bad-onnx', /wire type 3/);
		expectCode(() => decodeOnnx(new Uint8Array(0)), 'bad-onnx', /no ir_version/);
	});

	it('element counts that do not match dims, negative dims', () => {
		expectCode(() => decodeOnnx(tensorBytes((t) => t.packedVarints(1, [2, 3]).varint(2, 1).string(8, 'w').packedFloats(4, [1, 2]))), 'shape-mismatch', /"w"/);
		expectCode(() => decodeOnnx(tensorBytes((t) => t.packedVarints(1, [4]).varint(2, 1).string(8, 'w').bytes(9, new Uint8Array(15)))), 'shape-mismatch');
		expectCode(() => decodeOnnx(tensorBytes((t) => t.packedVarints(1, [-4]).varint(2, 1).string(8, 'w'))), 'bad-onnx', /dimension -4/);
		// 2^31 · 2^31 · 2^31 elements: the count is refused before anything is sized by it.
		expectCode(() => decodeOnnx(tensorBytes((t) => t.packedVarints(1, [2 ** 31, 2 ** 31, 2 ** 31]).varint(2, 1).string(8, 'w'))), 'bad-onnx');
	});

	it('weights in an external file', () => {
		const entry = new ProtoMessage().string(1, 'location').string(2, 'weights.bin');
		expectCode(() => decodeOnnx(tensorBytes((t) => t.packedVarints(1, [4]).varint(2, 1).string(8, 'w').message(13, entry).varint(14, 1))), 'onnx-external-data', /external file/);
	});

	it('opsets outside 7–22, or no standard opset', () => {
		const g = new ProtoMessage().string(2, 'g');
		expect(decodeOnnx(modelBytes(g, 7)).opsetImport[0].version).toBe(7);
		expectCode(() => decodeOnnx(modelBytes(new ProtoMessage().string(2, 'g'), 6)), 'onnx-opset', /opset 6/);
		expectCode(() => decodeOnnx(modelBytes(new ProtoMessage().string(2, 'g'), 23)), 'onnx-opset', /opset 23/);
		const custom = new ProtoMessage().varint(1, 8).message(7, new ProtoMessage()).message(8, new ProtoMessage().string(1, 'com.example').varint(2, 1)).encode();
		expectCode(() => decodeOnnx(custom), 'onnx-opset');
	});

	it('subgraphs nested deeper than the limit', () => {
		const nest = (depth: number): ProtoMessage => {
			const g = new ProtoMessage().string(2, `g${depth}`);
			if (depth > 0) g.message(1, new ProtoMessage().string(4, 'If').message(5, new ProtoMessage().string(1, 'then_branch').varint(20, 5).message(6, nest(depth - 1))));
			return g;
		};
		expect(decodeOnnx(modelBytes(nest(MAX_GRAPH_DEPTH))).graph.nodes).toHaveLength(1);
		expectCode(() => decodeOnnx(modelBytes(nest(MAX_GRAPH_DEPTH + 1))), 'bad-onnx', /nest/);
	});
});

