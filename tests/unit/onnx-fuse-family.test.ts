/**
 * The graph pass on each reparameterization family's block, written by hand in the shapes
 * torch.onnx.export emits (BN folded into each branch Conv, Add chains, constants as initializers),
 * plus what must stay untouched. Every merged graph is run against the original in onnxruntime-node.
 */
import { describe, expect, it } from 'vitest';
import { seededNormal } from '../../src/lib/core/random';
import { fuseParallelBranches, type FuseSummary } from '../../src/lib/graph/fuse-branches';
import { Hand, checkSame, opCounts } from '../helpers/onnx-hand';

function only(summary: FuseSummary) {
	expect(summary.groups).toHaveLength(1);
	return summary.groups[0];
}

const P1 = { pads: [1, 1, 1, 1] };

describe('the graph pass on each family, as exported', () => {
	it('ACNet: 3×3, 1×3 with pads (0, 1), 3×1 with pads (1, 0), each with its folded bias', async () => {
		const g = new Hand(4);
		const a = g.conv('square', 'x', [3, 3], P1, true);
		const h = g.conv('hor', 'x', [1, 3], { pads: [0, 1, 0, 1] }, true);
		const v = g.conv('ver', 'x', [3, 1], { pads: [1, 0, 1, 0] }, true);
		g.op('Add', 'y', [g.op('Add', 's', [a, h]), v]);
		const m = g.model(['y'], 7);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(true);
		expect(group.transforms).toEqual(['pad']);
		expect(group.kernel).toEqual([3, 3]);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});

	it('RepVGGDW / QARepVGG: depthwise 3×3 + 1×1 + identity, then one BN after the sum', async () => {
		const g = new Hand(6);
		const a = g.conv('conv', 'x', [3, 3], { ...P1, group: 6 }, true);
		const b = g.conv('conv1', 'x', [1, 1], { group: 6 }, true);
		g.bn('y', g.op('Add', 's2', [g.op('Add', 's1', [a, b]), 'x']));
		const m = g.model(['y'], 8);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(true);
		expect(group.transforms).toEqual(['identity', 'pad', 'post-BN']);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});

	it('PP-LCNetV3 LearnableRepLayer: k×k + 1×1 + BN identity, then a scalar a·x + b', async () => {
		const g = new Hand(4);
		const sum = g.op('Sum', 's', [g.conv('kxk', 'x', [3, 3], P1, true), g.conv('k1', 'x', [1, 1], {}, true), g.bn('identity', 'x')]);
		const scaled = g.op('Mul', 'mul', [g.constant('lab.scale', [1], [0.7]), sum]);
		g.op('Add', 'y', [scaled, g.constant('lab.bias', [1], [-0.3])]);
		const m = g.model(['y'], 6);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(true);
		expect(group.transforms).toEqual(['fold', 'identity', 'scale', 'pad']);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});

	it('FastViT RepMixer: x + γ·(mixer(x) − norm(x)), γ per channel, mixer and norm MobileOne blocks', async () => {
		const g = new Hand(5);
		const mixer = g.op('Add', 'mixer', [g.bn('mixer.skip', 'x'), g.conv('mixer.conv', 'x', [3, 3], { ...P1, group: 5 }, true)]);
		const norm = g.bn('norm.skip', 'x');
		const diff = g.op('Sub', 'diff', [mixer, norm]);
		const scaled = g.op('Mul', 'scaled', [g.constant('layer_scale', [5, 1, 1]), diff]);
		g.op('Add', 'y', ['x', scaled]);
		const m = g.model(['y'], 7);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(true);
		expect(group.transforms).toEqual(['fold', 'identity', 'scale', 'pad']);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});

	it('FastViT RepCPE: x + pe(x), pe a depthwise 7×7 with bias', async () => {
		const g = new Hand(3);
		g.op('Add', 'y', [g.conv('pe', 'x', [7, 7], { pads: [3, 3, 3, 3], group: 3 }, true), 'x']);
		const m = g.model(['y'], 9);
		const { model, summary } = fuseParallelBranches(m);
		expect(only(summary).transforms).toEqual(['identity', 'pad']);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});

	it('DBB 1×1 → K×K: exact when nothing is added before the padded K×K', async () => {
		const g = new Hand(4);
		const seq = g.conv('kxk', g.conv('idconv1', 'x', [1, 1]), [3, 3], P1);
		g.op('Add', 'y', [seq, g.conv('origin', 'x', [3, 3], P1, true)]);
		const m = g.model(['y'], 6);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(true);
		expect(group.transforms).toEqual(['sequential']);
		expect(group.branches.map((b) => b.kind)).toEqual(['chain', 'conv']);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});

	it('DBB 1×1 → BN → zero-padded K×K: refused, the border would differ', async () => {
		const g = new Hand(4);
		const seq = g.conv('kxk', g.bn('bn1', g.conv('idconv1', 'x', [1, 1])), [3, 3], P1);
		g.op('Add', 'y', [seq, g.conv('origin', 'x', [3, 3], P1, true)]);
		const m = g.model(['y'], 6);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged).toBe(false);
		expect(group.reason).toMatch(/"kxk" pads with zeros what "bn1" outputs with a bias, so one merged conv would differ on the border pixels/);
		expect(model.graph.nodes).toEqual(m.graph.nodes);
	});

	it('DBB 1×1 → BN → explicit zero Pad → K×K without pads: the Pad is read as padding, and refused the same', () => {
		const g = new Hand(4);
		const padded = g.op('Pad', 'pad', [g.bn('bn1', g.conv('idconv1', 'x', [1, 1])), g.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])]);
		g.op('Add', 'y', [g.conv('kxk', padded, [3, 3]), g.conv('origin', 'x', [3, 3], P1, true)]);
		const { summary } = fuseParallelBranches(g.model(['y'], 6));
		expect(only(summary).reason).toMatch(/border pixels/);
	});

	it.each([
		{ label: 'holds the BN bias: merged', nudge: 0, merged: true },
		{ label: 'holds something else: refused', nudge: 0.05, merged: false }
	])('DBB BN-and-pad as pad(y − v) + v in front of an unpadded K×K, when the border $label', async ({ nudge, merged }) => {
		const g = new Hand(3);
		const [gamma, beta, mean, variance] = [[1.2, 0.7, 1.1], [0.3, -0.2, 0.5], [0.4, 0.1, -0.6], [0.8, 1.5, 0.6]];
		const bn = g.op('BatchNormalization', 'bn1', [g.conv('conv1', 'x', [1, 1]), ...[gamma, beta, mean, variance].map((v, i) => g.constant(`bn1.${i}`, [3], v))]);
		// v = β − μ·γ/√(σ²+ε), as BNAndPadLayer computes it (ε = 1e-5, the BatchNormalization default).
		const v = gamma.map((t, c) => beta[c] - (mean[c] * t) / Math.sqrt(variance[c] + 1e-5) + nudge);
		const shifted = g.op('Sub', 'sub', [bn, g.constant('v', [1, 3, 1, 1], v)]);
		const padded = g.op('Pad', 'pad', [shifted, g.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])]);
		const back = g.op('Add', 'back', [padded, g.constant('v2', [1, 3, 1, 1], v)]);
		g.op('Add', 'y', [g.conv('conv2', back, [3, 3]), g.conv('origin', 'x', [3, 3], P1, true)]);
		const m = g.model(['y'], 6);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged, group.reason).toBe(merged);
		if (merged) {
			expect(group.transforms).toEqual(['fold', 'sequential', 'scale']);
			expect(opCounts(model)).toEqual({ Conv: 1 });
		} else expect(group.reason).toMatch(/"conv2" reads a border that does not hold what "back" outputs for a zero input/);
		await checkSame(m, model);
	});

	it('DBB average branch: zero Pad → AveragePool 3×3 → BN beside a 3×3 and a 1×1 → AveragePool (count_include_pad) → BN', async () => {
		const g = new Hand(4);
		const pooled = g.bn('avgbn', g.op('AveragePool', 'avg', [g.op('Pad', 'pad', ['x', g.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])])], { kernel_shape: [3, 3] }));
		const seqPool = g.bn('avgbn2', g.op('AveragePool', 'avg2', [g.conv('avg.conv', 'x', [1, 1])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }));
		g.op('Sum', 'y', [g.conv('origin', 'x', [3, 3], P1, true), pooled, seqPool]);
		const m = g.model(['y'], 7);
		const { model, summary } = fuseParallelBranches(m);
		const group = only(summary);
		expect(group.merged, group.reason).toBe(true);
		expect(group.transforms).toEqual(['fold', 'sequential', 'avgpool']);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});

	it('stride 2: a 3×3, a 1×1 and a 3×3 average pool, all stride 2', async () => {
		const g = new Hand(4);
		const s2 = { strides: [2, 2] };
		const pooled = g.bn('avgbn', g.op('AveragePool', 'avg', ['x'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1, ...s2 }));
		g.op('Sum', 'y', [g.conv('a', 'x', [3, 3], { ...P1, ...s2 }, true), g.conv('b', 'x', [1, 1], s2), pooled]);
		const m = g.model(['y'], 9);
		const { model, summary } = fuseParallelBranches(m);
		expect(only(summary).merged).toBe(true);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});
});

describe('what the pass cannot prove linear stays untouched', () => {
	const cases: { label: string; build: (g: Hand) => void; merged: boolean; says: RegExp | null }[] = [
		{
			label: 'a ReLU inside a branch (the branch stays, added to the merged rest)',
			build: (g) => g.op('Sum', 'y', [g.conv('a', 'x', [3, 3], P1), g.conv('b', 'x', [1, 1]), g.op('Relu', 'r', [g.conv('c', 'x', [1, 1])])]),
			merged: true,
			says: /"r" comes from Relu "r": it stays outside/
		},
		{
			label: 'a Mul of two computed tensors',
			build: (g) => g.op('Add', 'y', [g.op('Mul', 'm', [g.conv('a', 'x', [3, 3], P1), g.op('Sigmoid', 's', ['x'])]), g.conv('b', 'x', [1, 1])]),
			merged: false,
			says: null
		},
		{
			label: 'a [C] constant, which broadcasts along the width',
			build: (g) => g.op('Add', 'y', [g.op('Mul', 'm', [g.conv('a', 'x', [3, 3], P1), g.constant('c', [6])]), g.conv('b', 'x', [1, 1])]),
			merged: false,
			says: /"c" of shape \[6\] does not act per channel/
		},
		{
			label: 'an AveragePool that leaves its padding out of the average',
			build: (g) => g.op('Add', 'y', [g.op('AveragePool', 'avg', ['x'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), g.conv('b', 'x', [3, 3], P1)]),
			merged: false,
			says: /leaves its padding out of the average/
		}
	];
	it.each(cases)('$label', async ({ build, merged, says }) => {
		const g = new Hand(4);
		build(g);
		const m = g.model(['y'], 6);
		const { model, summary } = fuseParallelBranches(m);
		const mergedGroups = summary.groups.filter((x) => x.merged);
		expect(mergedGroups.length).toBe(merged ? 1 : 0);
		if (says) expect(summary.groups.map((x) => x.partial ?? x.reason).join(' | ')).toMatch(says);
		if (!merged) expect(model.graph.nodes).toEqual(m.graph.nodes);
		await checkSame(m, model);
	});
});

describe('random shapes: each family-like composition fuses to the same outputs', () => {
	const next = seededNormal(2026);
	const pick = <T,>(xs: T[]): T => xs[Math.min(xs.length - 1, Math.floor(Math.abs(next()) * xs.length) % xs.length)];
	const cases = Array.from({ length: 8 }, (_, i) => {
		const channels = pick([2, 4, 6]);
		const group = pick([1, channels, channels / 2]);
		const stride = i % 2 === 0 ? 1 : 2;
		const k = pick([3, 5]);
		return { i, channels, group, stride, k, size: pick([6, 7, 9]) };
	});
	it.each(cases)('case $i: $channels channels, groups $group, stride $stride, k $k', async ({ channels, group, stride, k, size }) => {
		const g = new Hand(channels);
		const s = { strides: [stride, stride], group };
		const p = (k - 1) / 2;
		const terms = [
			g.conv('kk', 'x', [k, k], { ...s, pads: [p, p, p, p] }, true),
			g.conv('hor', 'x', [1, k], { ...s, pads: [0, p, 0, p] }),
			g.conv('ver', 'x', [k, 1], { ...s, pads: [p, 0, p, 0] }, true),
			g.bn('avgbn', g.op('AveragePool', 'avg', ['x'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1, strides: [stride, stride] }))
		];
		if (stride === 1) terms.push(g.bn('skip', 'x'));
		const sum = g.op('Sum', 'sum', terms);
		g.op('Add', 'y', [g.op('Mul', 'scaled', [g.bn('post', sum), g.constant('gamma', [1, channels, 1, 1])]), g.constant('beta', [channels, 1, 1])]);
		const m = g.model(['y'], size);
		const { model, summary } = fuseParallelBranches(m);
		const group0 = only(summary);
		expect(group0.merged, group0.reason).toBe(true);
		expect(group0.transforms).toEqual(expect.arrayContaining(['avgpool', 'pad', 'post-BN', 'scale']));
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});
});
