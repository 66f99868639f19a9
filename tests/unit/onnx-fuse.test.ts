import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff } from '../../src/lib/core/tensor';
import { fuseParallelBranches, type FuseSummary } from '../../src/lib/graph/fuse-branches';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import type { ModelNode, OnnxModel } from '../../src/lib/io/onnx/model';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { blocksOf, validateSpec, type MobileOneSpec } from '../../src/lib/mobileone/spec';
import { randomInput, syntheticModel } from '../../src/lib/mobileone/synthetic';
import { Hand, checkSame, opCounts, run } from '../helpers/onnx-hand';


/** Rewrites every n-input Sum as a chain of two-input Adds, as PyTorch's exporter writes `a + b + c`. */
function sumsToAddChains(m: OnnxModel): OnnxModel {
	const nodes = m.graph.nodes.flatMap((n): ModelNode[] => {
		if (n.opType !== 'Sum' || n.inputs.length < 2) return [n];
		const chain: ModelNode[] = [];
		let acc = n.inputs[0];
		for (let i = 1; i < n.inputs.length; i++) {
			const out = i === n.inputs.length - 1 ? n.outputs[0] : `${n.name}/add${i}`;
			chain.push({ name: `${n.name}/add${i}`, opType: 'Add', inputs: [acc, n.inputs[i]], outputs: [out], attributes: [], extra: [] });
			acc = out;
		}
		return chain;
	});
	return { ...m, graph: { ...m.graph, nodes } };
}

function specs(): MobileOneSpec[] {
	return [
		// SE on a stride-1 stage of equal width (skip branches), k = 3, a k = 2 stem.
		validateSpec({ numClasses: 4, inputSize: 10, stem: { width: 16, k: 2 }, stages: [{ width: 16, blocks: 2, stride: 1, k: 3, seBlocks: 1 }] }),
		// k = 1, widening pointwise (single branch), stride 2.
		validateSpec({ numClasses: 3, inputSize: 9, stem: { width: 4 }, stages: [{ width: 6, blocks: 1, k: 1 }, { width: 12, blocks: 1, k: 1 }] }),
		// k = 4, narrowing, SE on a stride-2 stage.
		validateSpec({ numClasses: 7, inputSize: 16, stem: { width: 20, k: 4 }, stages: [{ width: 16, blocks: 1, stride: 1, k: 4 }, { width: 18, blocks: 1, k: 2, seBlocks: 1 }] })
	];
}

function branchCount(b: ReturnType<typeof blocksOf>[number]): number {
	return b.k + (b.hasScale ? 1 : 0) + (b.hasSkip ? 1 : 0);
}

describe('fuseParallelBranches on our own builder, Sum and Add-chain forms', () => {
	beforeAll(() => {
		ortWeb.env.wasm.numThreads = 1;
	});

	const cases = specs().map((spec, i) => ({ spec, label: `spec ${i}: ${JSON.stringify(spec.stages.map((s) => [s.width, s.stride, s.k, s.seBlocks]))}` }));

	it.each(cases)('$label', async ({ spec }) => {
		const unfused = syntheticModel(spec, 7);
		const blocks = blocksOf(spec);
		const se = blocks.filter((b) => b.se).length;
		const original = buildOnnx(unfused);
		const engineFused = buildOnnx(fuseModel(unfused));
		const x = randomInput(spec, 11, 2);
		const decoded = decodeOnnx(original);
		for (const [form, model] of [['builder', decoded], ['add chains', sumsToAddChains(decoded)]] as const) {
			const { model: fused, summary } = fuseParallelBranches(model);
			// Multi-branch blocks are sums; single-branch blocks a lone Conv → BN, folded all the same.
			expect(summary.groups.filter((g) => g.merged), form).toHaveLength(blocks.length);
			expect(summary.groups.filter((g) => g.sumNodes.length === 0)).toHaveLength(blocks.filter((b) => branchCount(b) === 1).length);
			expect(summary.groups.every((g) => g.merged), summary.groups.map((g) => g.reason).join('; ')).toBe(true);
			const counts = opCounts(fused);
			expect(counts.Conv, form).toBe(blocks.length + 2 * se);
			expect(counts.BatchNormalization).toBeUndefined();
			expect(counts.Sum).toBeUndefined();
			expect(counts.Add).toBeUndefined();
			expect(summary.convs.after).toBe(counts.Conv);
			expect(summary.nodes.after).toBe(fused.graph.nodes.length);
			expect(summary.nodes.after).toBeLessThan(summary.nodes.before);
			// One fact: the rewritten file and the engine's fused model hold the same number of values.
			expect(summary.parameters.after).toBe(decodeOnnx(engineFused).graph.initializers.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0));
			const bytes = encodeOnnx(fused);
			for (const [runtime, ort] of [['node', ortNode], ['web', ortWeb]] as const) {
				const want = await run(ort, original, x);
				const got = await run(ort, bytes, x);
				expect(maxAbsDiff(got, want), `${form} in onnxruntime-${runtime}`).toBeLessThanOrEqual(1e-4 * maxAbs(want));
				// The pass and the engine's reparameterization compute the same network.
				const engine = await run(ort, engineFused, x);
				expect(maxAbsDiff(got, engine), `${form} vs engine`).toBeLessThanOrEqual(1e-5 * maxAbs(engine));
			}
		}
	});

	it('keeps the sum output names, so SE and ReLU still read them', () => {
		const spec = specs()[0];
		const decoded = decodeOnnx(buildOnnx(syntheticModel(spec, 3)));
		const { model, summary } = fuseParallelBranches(decoded);
		const relu = model.graph.nodes.find((n) => n.name === 'stage1.0/relu')!;
		const original = decoded.graph.nodes.find((n) => n.name === 'stage1.0/relu')!;
		expect(relu.inputs).toEqual(original.inputs);
		for (const g of summary.groups) expect(model.graph.nodes.find((n) => n.name === g.node)!.outputs).toEqual([g.output]);
		// Whatever form the builder sums in (Sum or Add chain), the block's ReLU reads its sum (no SE on stage1.0).
		const summed = original.inputs[0];
		const block = summary.groups.find((g) => g.output === summed)!;
		expect(block.sumNodes.length).toBeGreaterThan(0);
		// In the order the sum reads them (Apple's: scale + skip first, then each conv branch).
		const branches = block.branches.map((b) => `${b.kind} ${b.kernel?.join('×')}`);
		expect([...branches].sort()).toEqual(['bn 1×1', 'conv-bn 1×1', 'conv-bn 3×3', 'conv-bn 3×3', 'conv-bn 3×3']);
		expect(block.kernel).toEqual([3, 3]);
	});

	it('says so when there is nothing to fuse', () => {
		const fused = decodeOnnx(buildOnnx(fuseModel(syntheticModel(specs()[0], 3))));
		const { model, summary } = fuseParallelBranches(fused);
		expect(summary.groups).toEqual([]);
		expect(summary.message).toBe(`already fused: ${opCounts(fused).Conv} convs, no parallel branches`);
		expect(model.graph.nodes).toEqual(fused.graph.nodes);
		expect(summary.nodes).toEqual({ before: fused.graph.nodes.length, after: fused.graph.nodes.length });
	});
});

// ————— hand-made graphs —————

function only(summary: FuseSummary) {
	expect(summary.groups).toHaveLength(1);
	return summary.groups[0];
}

describe('fuseParallelBranches on hand-made graphs', () => {
	it('merges ACNet-like branches: 3×3, 1×3, 3×1, conv+BN with bias, BN skip, Identity, the input itself', async () => {
		const g = new Hand(4);
		const a = g.conv('k33', 'x', [3, 3], { pads: [1, 1, 1, 1] });
		const b = g.conv('k13', 'x', [1, 3], { pads: [0, 1, 0, 1] }, true);
		const c = g.conv('k31', 'x', [3, 1], { pads: [1, 0, 1, 0] });
		const d = g.bn('k11bn', g.conv('k11', 'x', [1, 1], {}, true));
		const e = g.bn('skip', 'x');
		const f = g.op('Identity', 'id', ['x']);
		const s1 = g.op('Add', 's1', [a, b]);
		const s2 = g.op('Sum', 's2', [s1, c, d]);
		const s3 = g.op('Add', 's3', [s2, e]);
		const s4 = g.op('Add', 's4', [s3, f]);
		g.op('Add', 'y', [s4, 'x']);
		const m = g.model(['y'], 7);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(true);
		expect(group.output).toBe('y');
		expect(group.branches.map((br) => br.kind)).toEqual(['conv', 'conv', 'conv', 'conv-bn', 'bn', 'identity', 'identity']);
		expect(group.kernel).toEqual([3, 3]);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		expect(model.graph.initializers).toHaveLength(2);
		await checkSame(m, model);
	});

	it('merges depthwise branches with dilation 2, and a 1×1 whose dilation does not matter', async () => {
		const g = new Hand(6);
		const a = g.conv('a', 'x', [3, 3], { group: 6, dilations: [2, 2], pads: [2, 2, 2, 2] });
		const b = g.conv('b', 'x', [1, 1], { group: 6, dilations: [1, 1] });
		g.op('Add', 'y', [a, g.bn('skip', 'x')]);
		g.op('Sum', 'z', [b, 'y']);
		const m = g.model(['z'], 9);
		// 'y' feeds a second sum, but it is that sum's only reader: one tree.
		const { model, summary } = fuseParallelBranches(m);
		expect(only(summary).merged).toBe(true);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model, 'z');
	});

	it('merges stride-2 branches whose pads centre a 1×1 in a 3×3', async () => {
		const g = new Hand(3);
		g.op('Add', 'y', [g.conv('a', 'x', [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }), g.bn('abn', g.conv('b', 'x', [1, 1], { strides: [2, 2] }))]);
		const m = g.model(['y'], 8);
		const { model, summary } = fuseParallelBranches(m);
		expect(only(summary).merged).toBe(true);
		await checkSame(m, model);
	});

	const refusals: { label: string; build: (g: Hand) => string[]; reason: RegExp }[] = [
		{
			label: 'different strides',
			// 3×3 stride 2 pad 1 and 5×5 stride 1 pad 0 both map 8×8 to 4×4.
			build: (g) => [g.op('Add', 'y', [g.conv('a', 'x', [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }), g.conv('b', 'x', [5, 5], {})])],
			reason: /different strides/
		},
		{
			label: 'asymmetric pads that do not centre the kernel',
			build: (g) => [g.op('Add', 'y', [g.conv('a', 'x', [3, 3], { pads: [1, 1, 1, 1] }), g.conv('b', 'x', [3, 3], { pads: [0, 0, 2, 2] })])],
			reason: /pads \[0,0,2,2\] of "b"/
		},
		{
			label: 'a branch with a second consumer',
			build: (g) => {
				const a = g.conv('a', 'x', [3, 3], { pads: [1, 1, 1, 1] });
				g.op('Relu', 'r', [a]);
				return [g.op('Add', 'y', [a, g.conv('b', 'x', [1, 1])]), 'r'];
			},
			reason: /"a" .* is also read by "r"/
		},
		{
			label: 'a Conv before BN whose output is also a graph output',
			build: (g) => [g.op('Add', 'y', [g.bn('abn', g.conv('a', 'x', [3, 3], { pads: [1, 1, 1, 1] })), 'x']), 'a'],
			reason: /also read by the graph output/
		},
		{
			label: 'different groups',
			build: (g) => [g.op('Add', 'y', [g.conv('a', 'x', [3, 3], { pads: [1, 1, 1, 1], group: 4 }), g.conv('b', 'x', [1, 1])])],
			reason: /different groups/
		},
		{
			label: 'a branch that reads another tensor under a BN after the sum',
			build: (g) => {
				const r = g.op('Relu', 'r', ['x']);
				return [g.bn('y', g.op('Sum', 's', [g.conv('a', 'x', [3, 3], { pads: [1, 1, 1, 1] }), g.conv('b', 'x', [1, 1]), g.conv('c', r, [1, 1])]))];
			},
			reason: /"c" reads "r", which comes from Relu "r", not from "x", and it is not simply added/
		}
	];

	it('merges the branches on the common input and adds one that reads another tensor, saying so', async () => {
		const g = new Hand(4);
		const r = g.op('Relu', 'r', ['x']);
		g.op('Sum', 'y', [g.conv('a', 'x', [3, 3], { pads: [1, 1, 1, 1] }), g.conv('b', 'x', [1, 1]), g.conv('c', r, [1, 1])]);
		const m = g.model(['y'], 8);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(true);
		expect(group.partial).toBe('"c" reads "r", which comes from Relu "r": it stays outside the merged Conv and is added to it');
		expect(group.transforms).toEqual(['pad']);
		expect(opCounts(model)).toEqual({ Relu: 1, Conv: 2, Sum: 1 });
		expect(summary.message).toMatch(/merged 1 of 1 groups of parallel branches \(1 in part\)/);
		await checkSame(m, model);
	});

	it.each(refusals)('leaves $label unmerged and says why', async ({ build, reason }) => {
		const g = new Hand(4);
		const outputs = build(g);
		const m = g.model(outputs, 8);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(false);
		expect(group.reason).toMatch(reason);
		expect(model.graph.nodes).toEqual(m.graph.nodes);
		expect(summary.message).toMatch(/merged 0 of 1 groups/);
		await checkSame(m, model);
	});

	it('ignores residual adds, which are no parallel branches', () => {
		const g = new Hand(4);
		g.op('Add', 'y', ['x', g.op('Relu', 'r', [g.conv('a', 'x', [3, 3], { pads: [1, 1, 1, 1] })])]);
		const { summary } = fuseParallelBranches(g.model(['y'], 5));
		expect(summary.groups).toEqual([]);
		expect(summary.message).toBe('already fused: 1 convs, no parallel branches');
	});
});

// ————— PyTorch's exporter —————

const PYTHON = '/usr/bin/python3';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

describe.skipIf(!torchAvailable)('fuseParallelBranches on torch.onnx.export of the train-time MobileOne', () => {
	it('merges every block into one Conv with the same outputs (opset 17, eval mode)', async () => {
		const spec = validateSpec({
			name: 'export',
			numClasses: 6,
			inputSize: 16,
			stem: { width: 16, stride: 2, k: 2 },
			stages: [
				{ width: 16, blocks: 1, stride: 1, k: 3, seBlocks: 1 },
				{ width: 24, blocks: 1, stride: 2, k: 1, seBlocks: 0 }
			]
		});
		const dir = mkdtempSync(join(tmpdir(), 'onnx-export-'));
		writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
		const done = spawnSync(PYTHON, ['models/export_onnx_fixture.py', join(dir, 'spec.json'), join(dir, 'm.onnx'), '5'], { encoding: 'utf8' });
		expect(done.status, done.stderr).toBe(0);
		const bytes = new Uint8Array(readFileSync(join(dir, 'm.onnx')));
		const m = decodeOnnx(bytes);
		// What the exporter writes: BN folded into each branch Conv, Add chains, the skip a standalone BN.
		const before = opCounts(m);
		expect(before.Sum).toBeUndefined();
		expect(before.Add).toBeGreaterThan(0);
		expect(before.BatchNormalization).toBe(blocksOf(spec).filter((b) => b.hasSkip).length);

		const { model, summary } = fuseParallelBranches(m);
		const blocks = blocksOf(spec);
		const se = blocks.filter((b) => b.se).length;
		expect(summary.groups.map((g) => [g.merged, g.reason])).toEqual(blocks.filter((b) => branchCount(b) > 1).map(() => [true, undefined]));
		const after = opCounts(model);
		expect(after.Conv).toBe(blocks.length + 2 * se);
		expect(after.Add).toBeUndefined();
		expect(after.BatchNormalization).toBeUndefined();
		// PyTorch shares equal constants through Identity nodes; those feeding merged branches go too.
		expect(after.Identity ?? 0).toBeLessThanOrEqual(before.Identity ?? 0);
		expect(summary.parameters.after).toBeLessThan(summary.parameters.before);

		const x = randomInput(spec, 4, 3);
		const want = await run(ortNode, bytes, x);
		const got = await run(ortNode, encodeOnnx(model), x);
		expect(got).toHaveLength(3 * 6);
		expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-4 * maxAbs(want));
	});
});
