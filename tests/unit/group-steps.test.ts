/** The explorer's records for ONNX groups: the pass's own terms, the file's numbers as stored, a proof that can fail. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuseParallelBranches } from '../../src/lib/graph/fuse-branches';
import { graphGroupSteps, groupChannel, groupInput, proveGroup, type GroupSteps } from '../../src/lib/graph/group-steps';
import { convolve } from '../../src/lib/graph/convolve';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { unfusedOnnx } from '../fixtures/yours';

function expectTermsSumToMerged(g: GroupSteps) {
	const sum = new Float64Array(g.sum.weight.length);
	const bias = new Float64Array(g.cout);
	for (const b of g.branches) {
		b.term.placed.forEach((v, i) => (sum[i] += v));
		b.term.bias.forEach((v, i) => (bias[i] += v));
	}
	sum.forEach((v, i) => expect(v).toBeCloseTo(g.sum.weight[i], 12));
	bias.forEach((v, i) => expect(v).toBeCloseTo(g.sum.bias[i], 12));
}

describe('graphGroupSteps on our builder’s unfused graph (BatchNorms still in the file)', () => {
	const model = decodeOnnx(unfusedOnnx());
	const groups = graphGroupSteps(model);
	const { model: fused, summary } = fuseParallelBranches(model);

	it('has one record per merged group, holding exactly the weights the pass writes', () => {
		expect(groups.map((g) => g.name)).toEqual(summary.groups.filter((g) => g.merged).map((g) => g.output));
		for (const g of groups) {
			const node = fused.graph.nodes.find((n) => n.outputs[0] === g.name)!;
			expect(node.opType).toBe('Conv');
			const w = fused.graph.initializers.find((t) => t.name === node.inputs[1])!;
			expect(w.dims).toEqual([g.cout, g.cinPerGroup, ...g.geometry.kernel]);
			expectTermsSumToMerged(g);
		}
	});

	it('folds the BatchNorms the file holds, pads the 1×1 branch, writes the skip as an identity kernel', () => {
		const dw = groups.find((g) => g.geometry.group > 1 && g.branches.some((b) => b.kind === 'bn'))!;
		expect(dw).toBeDefined();
		// The pass's report names the same transforms the steps show.
		expect(dw.transforms).toEqual(['fold', 'identity', 'pad']);
		const v = groupChannel(dw, 5);
		expect(v.channel).toBe(5);
		expect(v.square).toBe(true);
		for (const b of v.branches) expect(b.bn).not.toBeNull();
		const conv = v.branches.find((b) => b.kind === 'conv-bn' && !b.padded)!;
		// W′ = W·t and b′ = β − μ·t (no Conv bias in our builder's branches)
		conv.folded.values.forEach((x, i) => expect(x).toBeCloseTo(conv.stored!.kernel.values[i] * conv.bn!.scale, 12));
		expect(conv.stored!.bias).toBeNull();
		expect(conv.bias).toBeCloseTo(conv.bn!.shift, 12);
		const scale = v.branches.find((b) => b.padded)!;
		expect(scale.folded.size).toBe(1);
		expect(scale.offset).toEqual([1, 1]);
		expect(scale.placed.values[4]).toBe(scale.folded.values[0]);
		expect([...scale.placed.values].filter((x, i) => i !== 4 && x !== 0)).toEqual([]);
		const skip = v.branches.find((b) => b.kind === 'bn')!;
		expect([...skip.identity!.values]).toEqual([1]);
		expect(skip.stored).toBeNull();
	});

	it('proves every group on a seeded input, and the proof fails when a term is dropped', () => {
		for (const g of groups) {
			const p = proveGroup(g, groupInput(g, 3));
			expect(p.agrees).toBe(true);
			expect(p.maxOutput).toBeGreaterThan(0);
		}
		const g = groups[0];
		const broken: GroupSteps = { ...g, branches: g.branches.slice(1) };
		expect(proveGroup(broken, groupInput(g, 3)).agrees).toBe(false);
	});

	it('convolve agrees with a hand count on a strided, padded, grouped case', () => {
		const x = { shape: [1, 2, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i) };
		const y = convolve(x, [1, 1, 1, 1, 2, 0, 0, 0], 2, 1, { kernel: [2, 2], strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1], group: 2 }, [10, 0]);
		expect(y.shape).toEqual([1, 2, 2, 2]);
		expect([...y.data]).toEqual([10 + 0 + 1 + 3 + 4, 10 + 2 + 5, 10 + 6 + 7, 10 + 8, 2 * 9, 2 * 11, 2 * 15, 2 * 17]);
	});
});

const PYTHON = '/usr/bin/python3';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!torchAvailable)('graphGroupSteps on torch.onnx.export (BatchNorms folded by the exporter)', () => {
	it('shows the branch Convs as stored, with their biases and no BatchNorm, and proves each group', () => {
		const spec = validateSpec({ name: 'export', numClasses: 4, inputSize: 16, stem: { width: 8, stride: 2, k: 2 }, stages: [{ width: 8, blocks: 1, stride: 1, k: 2, seBlocks: 0 }] });
		const dir = mkdtempSync(join(tmpdir(), 'group-steps-'));
		writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
		const done = spawnSync(PYTHON, ['models/export_onnx_fixture.py', join(dir, 'spec.json'), join(dir, 'm.onnx'), '5'], { encoding: 'utf8' });
		expect(done.status, done.stderr).toBe(0);
		const groups = graphGroupSteps(decodeOnnx(new Uint8Array(readFileSync(join(dir, 'm.onnx')))));
		expect(groups.length).toBe(3);
		for (const g of groups) {
			for (const b of g.branches.filter((b) => b.kind === 'conv')) {
				expect(b.bn).toBeNull();
				expect(b.stored!.bias).not.toBeNull();
			}
			expectTermsSumToMerged(g);
			expect(proveGroup(g, groupInput(g, 1)).agrees).toBe(true);
		}
		expect(groups.some((g) => g.branches.some((b) => b.kind === 'bn' && b.bn !== null))).toBe(true);
	});
});
