/**
 * The constant-folding pass in front of the branch pass, on DBB's pieces written by hand the way
 * PyTorch 1.13 exports them: the gap's pads computed by ConstantOfShape → Concat → Reshape → Slice
 * (reversed) → Transpose → Reshape → Cast, and the identity-based 1×1's weight built by ScatterND.
 * Folded, both merge into one Conv that onnxruntime agrees with; too large a constant is not folded
 * and the gap stays outside the merge, with the reason.
 */
import { describe, expect, it } from 'vitest';
import { foldConstants, encodeTensor } from '../../src/lib/graph/fold-constants';
import { fuseParallelBranches } from '../../src/lib/graph/fuse-branches';
import { ATTRIBUTE_TYPE, DATA_TYPE, tensorValues, type ModelNode } from '../../src/lib/io/onnx/model';
import { Hand, checkSame, opCounts } from '../helpers/onnx-hand';

const P1 = { pads: [1, 1, 1, 1] };

function withTensor(g: Hand, opType: string, name: string, inputs: string[], attr: string, dataType: number, dims: number[], values: (number | bigint)[]): string {
	const data = dataType === DATA_TYPE.INT64 ? BigInt64Array.from(values, (v) => BigInt(v)) : Float64Array.from(values, Number);
	const t = encodeTensor(attr, { dataType, dims, data });
	g.nodes.push({ name, opType, inputs, outputs: [name], attributes: [{ name: attr, type: ATTRIBUTE_TYPE.TENSOR, t, floats: [], ints: [], strings: [], tensors: [], graphs: [], extra: [] }], extra: [] });
	return name;
}

/** F.pad's pads as torch 1.13 writes them for [p, p, p, p] on a 4-D tensor: `zeros` is ConstantOfShape's length. */
function torchPads(g: Hand, p: number, zeros = 4): string {
	const z = withTensor(g, 'ConstantOfShape', 'pads/zeros', [g.ints('pads/n', [zeros])], 'value', DATA_TYPE.INT64, [1], [0]);
	const cat = g.op('Concat', 'pads/cat', [g.ints('pads/p', [p, p, p, p]), z], { axis: 0 });
	const pairs = g.op('Reshape', 'pads/pairs', [cat, g.ints('pads/shape', [-1, 2])]);
	const flipped = g.op('Slice', 'pads/flip', [pairs, g.ints('pads/s', [-1]), g.ints('pads/e', [-(2 ** 53) + 1]), g.ints('pads/a', [0]), g.ints('pads/st', [-1])]);
	const flat = g.op('Reshape', 'pads/flat', [g.op('Transpose', 'pads/t', [flipped], { perm: [1, 0] }), g.ints('pads/minus1', [-1])]);
	return g.op('Cast', 'pads/cast', [flat], { to: DATA_TYPE.INT64 });
}

/** DBB's 1×1 → BN-and-pad → unpadded 3×3 beside a padded 3×3 and a 1×1, the gap's pads from `pads`. */
function dbbGap(g: Hand, pads: string, weightOf: (g: Hand) => string = (h) => h.conv('conv1', 'x', [1, 1])): void {
	const [gamma, beta, mean, variance] = [[1.2, 0.7, 1.1], [0.3, -0.2, 0.5], [0.4, 0.1, -0.6], [0.8, 1.5, 0.6]];
	const bn = g.op('BatchNormalization', 'bn1', [weightOf(g), ...[gamma, beta, mean, variance].map((v, i) => g.constant(`bn1.${i}`, [3], v))]);
	const v = gamma.map((t, c) => beta[c] - (mean[c] * t) / Math.sqrt(variance[c] + 1e-5));
	const padded = g.op('Pad', 'pad', [g.op('Sub', 'sub', [bn, g.constant('v', [1, 3, 1, 1], v)]), pads]);
	const back = g.op('Add', 'back', [padded, g.constant('v2', [1, 3, 1, 1], v)]);
	g.op('Sum', 'y', [g.conv('conv2', back, [3, 3]), g.conv('origin', 'x', [3, 3], P1, true), g.conv('dbb_1x1', 'x', [1, 1], {}, true)]);
}

describe('constant folding in front of the branch pass', () => {
	it("DBB's gap with pads computed as PyTorch writes them: folded to [0, 0, 1, 1, 0, 0, 1, 1], then one Conv", async () => {
		const g = new Hand(3);
		dbbGap(g, torchPads(g, 1));
		const m = g.model(['y'], 6);
		const folded = foldConstants(m.graph);
		const pad = folded.graph.nodes.find((n) => n.opType === 'Pad')!;
		const pads = folded.graph.initializers.find((t) => t.name === pad.inputs[1])!;
		expect(Array.from(tensorValues(pads)!)).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
		expect(folded.graph.nodes.map((n) => n.opType)).not.toContain('ConstantOfShape');
		const { model, summary } = fuseParallelBranches(m);
		expect(summary.groups).toHaveLength(1);
		expect(summary.groups[0].merged, summary.groups[0].reason).toBe(true);
		expect(summary.groups[0].partial).toBeUndefined();
		expect(opCounts(model)).toEqual({ Conv: 1 });
		expect(summary.nodes.before).toBe(m.graph.nodes.length);
		await checkSame(m, model);
	});

	it("DBB's identity-based 1×1: weight + ScatterND(zeros, the diagonal, ones) cast to float32, folded into the merge", async () => {
		const g = new Hand(3);
		const diag = g.ints('diag', [0, 0, 0, 0, 1, 1, 0, 0, 2, 2, 0, 0]);
		g.inits[g.inits.length - 1].dims = [3, 4];
		const zeros = withTensor(g, 'Constant', 'eye/zeros', [], 'value', DATA_TYPE.DOUBLE, [3, 3, 1, 1], Array(9).fill(0));
		const ones = withTensor(g, 'Constant', 'eye/ones', [], 'value', DATA_TYPE.DOUBLE, [3], [1, 1, 1]);
		const eye = g.op('Cast', 'eye/cast', [g.op('ScatterND', 'eye', [zeros, diag, ones])], { to: DATA_TYPE.FLOAT });
		const weight = g.op('Add', 'idconv1.effective', [g.constant('idconv1.weight', [3, 3, 1, 1]), eye]);
		dbbGap(g, g.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1]), (h) => h.op('Conv', 'idconv1', ['x', weight]));
		const m = g.model(['y'], 6);
		const { model, summary } = fuseParallelBranches(m);
		expect(summary.groups[0].merged, summary.groups[0].reason).toBe(true);
		expect(opCounts(model)).toEqual({ Conv: 1 });
		await checkSame(m, model);
	});

	it('a constant past the cap is not folded: the note says so, and the gap stays outside the merge', async () => {
		const g = new Hand(3);
		dbbGap(g, torchPads(g, 1, 1 << 23));
		const m = g.model(['y'], 6);
		const folded = foldConstants(m.graph);
		expect(folded.notes.join(' ')).toMatch(/ConstantOfShape "pads\/zeros" stays: .* more than \d+ values/);
		expect(folded.graph.nodes.map((n) => n.opType)).toContain('ConstantOfShape');
		const { summary } = fuseParallelBranches(m);
		expect(summary.groups[0].partial).toMatch(/pads the graph computes from shapes at run time/);
	});

	it('a file with nothing to merge comes back as it was, its shape arithmetic included', () => {
		const g = new Hand(3);
		g.op('Pad', 'y', [g.op('Relu', 'r', ['x']), torchPads(g, 1)]);
		const m = g.model(['y'], 6);
		expect(foldConstants(m.graph).folded).toBeGreaterThan(0);
		const { model, summary } = fuseParallelBranches(m);
		expect(model).toBe(m);
		expect(summary.nodes.after).toBe(summary.nodes.before);
	});

	it('a computed tensor the graph returns is not folded away; a negative dimension is refused', () => {
		const g = new Hand(3);
		const shape = g.op('Shape', 'shape', [g.constant('w', [2, 5])]);
		g.op('Relu', 'y', ['x']);
		const m = g.model(['y', shape], 6);
		const folded = foldConstants(m.graph);
		expect(folded.graph.nodes.map((n: ModelNode) => n.name)).toContain('shape');
		const bad = new Hand(3);
		withTensor(bad, 'ConstantOfShape', 'c', [bad.ints('n', [2, -3])], 'value', DATA_TYPE.FLOAT, [1], [0]);
		bad.op('Add', 'y', ['x', 'c']);
		expect(() => foldConstants(bad.model(['y'], 6).graph)).toThrow(/dimension -3/);
	});
});
