/** Add, scale, sequential (with the border error map), average pooling, dilation, BN into linear; and the algebra's properties. */
import { describe, expect, it } from 'vitest';
import { addBranches } from '../../src/lib/reparam/add-branches';
import { scaleKernel } from '../../src/lib/reparam/scale-kernel';
import { composeSequential } from '../../src/lib/reparam/sequential';
import { sequentialBorderError } from '../../src/lib/reparam/sequential-border';
import { avgPoolKernel } from '../../src/lib/reparam/avg-pool';
import { denseFromDilated } from '../../src/lib/reparam/dilation';
import { foldBatchNormIntoLinear, linearLayer } from '../../src/lib/reparam/linear-bn';
import { foldBatchNorm } from '../../src/lib/reparam/bn-fold';
import { padKernel } from '../../src/lib/reparam/pad-kernel';
import { identityKernel } from '../../src/lib/reparam/identity-kernel';
import { seededNormal } from '../../src/lib/core/random';
import { addImages, affine, avgPool, batchNorm, conv, convPair, randomBn, randomGeometry, randomImage, randomKernel, relDiff } from '../helpers/conv64';

const TOL = 1e-12;

function sameKernel(a: { weight: Float64Array; bias: Float64Array }, b: { weight: Float64Array; bias: Float64Array }) {
	return Math.max(relDiff({ data: a.weight }, { data: b.weight }), relDiff({ data: a.bias }, { data: b.bias }));
}

describe('add and scale', () => {
	it('conv of the sum = sum of the convs; a·conv + c = conv of the scaled pair', () => {
		for (let s = 0; s < 30; s++) {
			const g = randomGeometry(s + 40);
			const shape = [g.cout, g.cin / g.groups, g.kernel, g.kernel] as [number, number, number, number];
			const terms = [0, 1, 2].map((i) => randomKernel(100 * s + i, shape, g.groups, true));
			const x = randomImage(s, [g.n, g.cin, g.size, g.size]);
			const sum = addBranches(terms);
			expect(relDiff(convPair(x, sum.output, g.stride), addImages(...terms.map((t) => convPair(x, t, g.stride))))).toBeLessThan(TOL);
			const r = seededNormal(s);
			const a = Array.from({ length: g.cout }, () => r());
			const c = Array.from({ length: g.cout }, () => r());
			expect(relDiff(convPair(x, scaleKernel(terms[0], a, c).output, g.stride), affine(convPair(x, terms[0], g.stride), a, c))).toBeLessThan(TOL);
			expect(relDiff(convPair(x, scaleKernel(terms[1], -1).output, g.stride), affine(convPair(x, terms[1], g.stride), -1))).toBeLessThan(TOL);
		}
	});

	it('refuses to add kernels of different sizes', () => {
		expect(() => addBranches([randomKernel(1, [2, 2, 3, 3], 1), randomKernel(2, [2, 2, 1, 1], 1)])).toThrow(/pad it/);
	});
});

describe('sequential composition', () => {
	it('1×1 → K×K (groups 1, g, depthwise; stride 1/2) = the merged conv when the gap is padded with the first bias', () => {
		for (let s = 0; s < 30; s++) {
			const g = randomGeometry(s + 900);
			const K = [3, 5, 7][s % 3];
			const mid = g.groups * (1 + (s % 2));
			const first = foldBatchNorm(randomKernel(s, [mid, g.cin / g.groups, 1, 1], g.groups), randomBn(s, mid)).output;
			const second = foldBatchNorm(randomKernel(s + 1, [g.cout, mid / g.groups, K, K], g.groups), randomBn(s + 1, g.cout)).output;
			const x = randomImage(s, [g.n, g.cin, g.size + K, g.size + K]);
			const hidden = convPair(x, first);
			const p = (K - 1) / 2;
			const twoConvs = conv(hidden, { shape: second.shape, weight: second.weight, bias: second.bias, groups: g.groups, stride: g.stride, pads: [p, p, p, p], padValue: first.bias });
			const step = composeSequential(first, second);
			expect(step.output.shape).toEqual([g.cout, g.cin / g.groups, K, K]);
			expect(relDiff(convPair(x, step.output, g.stride), twoConvs)).toBeLessThan(TOL);
			expect(Array.from(step.padValues)).toEqual(Array.from(first.bias));
		}
	});

	it('1×K → K×1 = the K×K outer product (with and without a first bias padded in)', () => {
		for (let s = 0; s < 20; s++) {
			const g = randomGeometry(s + 1300);
			const K = [3, 5, 7][s % 3];
			const first = randomKernel(s, [g.cin, g.cin / g.groups, 1, K], g.groups, true);
			const second = randomKernel(s + 7, [g.cout, g.cin / g.groups, K, 1], g.groups, true);
			const x = randomImage(s, [g.n, g.cin, g.size + 3, g.size + 2]);
			const hidden = convPair(x, first);
			const p = (K - 1) / 2;
			const twoConvs = conv(hidden, { shape: second.shape, weight: second.weight, bias: second.bias, groups: g.groups, stride: g.stride, pads: [p, 0, p, 0], padValue: first.bias });
			const merged = composeSequential(first, second).output;
			expect(merged.shape.slice(2)).toEqual([K, K]);
			expect(relDiff(convPair(x, merged, g.stride), twoConvs)).toBeLessThan(TOL);
		}
	});

	it('refuses a K×K → K×K pair, which has no exact single conv', () => {
		expect(() => composeSequential(randomKernel(1, [2, 2, 3, 3], 1), randomKernel(2, [2, 2, 3, 3], 1))).toThrow(/no exact/);
	});

	it('the naive merge (zeros in the gap) is wrong exactly on the border pixels; bias padding fixes it', () => {
		for (const [stride, K, groups] of [
			[1, 3, 1],
			[2, 3, 2],
			[1, 5, 4],
			[2, 7, 1]
		] as const) {
			const cin = 4;
			const first = foldBatchNorm(randomKernel(K, [4, cin / groups, 1, 1], groups), randomBn(K, 4)).output;
			const second = foldBatchNorm(randomKernel(K + 1, [4, 4 / groups, K, K], groups), randomBn(K + 1, 4)).output;
			const x = randomImage(stride + K, [1, cin, 11, 12]);
			const e = sequentialBorderError(first, second, x, stride);
			expect(e.maxZeroGapInterior).toBeLessThan(1e-12);
			expect(e.maxZeroGapBorder).toBeGreaterThan(1e-3);
			expect(e.maxBiasGap).toBeLessThan(1e-12);
			// every border pixel of every channel is off, and only those
			const plane = e.height * e.width;
			for (let i = 0; i < e.zeroGapError.length; i++) expect(e.zeroGapError[i] > 1e-12).toBe(e.border[i % plane] === 1);
			const interior = e.border.reduce((n, b) => n + (b ? 0 : 1), 0);
			expect(interior).toBeGreaterThan(0);
		}
	});
});

describe('average pooling as a kernel', () => {
	it('= AvgPool2d (count_include_pad) for groups 1, g and depthwise, stride 1/2; and 1×1 → avg pool with bias padding', () => {
		for (const [C, groups, K, stride] of [
			[4, 1, 3, 1],
			[6, 2, 5, 2],
			[3, 3, 3, 2],
			[4, 4, 7, 1]
		] as const) {
			const x = randomImage(C * K, [2, C, 9, 10]);
			const step = avgPoolKernel(C, K, groups);
			expect(relDiff(convPair(x, step.output, stride), avgPool(x, K, stride, (K - 1) / 2))).toBeLessThan(TOL);
			// DBB's dbb_avg: 1×1 conv, BN, pad with the BN's bias, average pool without padding
			const first = foldBatchNorm(randomKernel(C, [C, C / groups, 1, 1], groups), randomBn(C, C)).output;
			const hidden = convPair(x, first);
			const p = (K - 1) / 2;
			const padded = conv(hidden, { shape: [C, 1, 1, 1], weight: new Float64Array(C).fill(1), groups: C, pads: [p, p, p, p], padValue: first.bias });
			const ref = avgPool(padded, K, stride, 0);
			expect(relDiff(convPair(x, composeSequential(first, step.output).output, stride), ref)).toBeLessThan(TOL);
		}
	});
});

describe('dilation made dense', () => {
	it('a dilated conv = the dense kernel with zeros between its taps', () => {
		for (let s = 0; s < 20; s++) {
			const g = randomGeometry(s + 70);
			const d = 2 + (s % 3);
			const k = randomKernel(s, [g.cout, g.cin / g.groups, g.kernel, g.kernel], g.groups, true);
			const x = randomImage(s, [g.n, g.cin, g.size + d * g.kernel, g.size + d * g.kernel]);
			const step = denseFromDilated(k, d);
			expect(step.output.shape[2]).toBe(d * (g.kernel - 1) + 1);
			expect(relDiff(convPair(x, step.output, g.stride), convPair(x, k, g.stride, d))).toBeLessThan(TOL);
			expect(step.placed.reduce((a, b) => a + b, 0)).toBe(g.kernel * g.kernel);
		}
	});
});

describe('BN folded into a linear layer', () => {
	it('BN before and after a linear layer', () => {
		const r = seededNormal(5);
		for (const [out, inF] of [
			[3, 5],
			[7, 2]
		]) {
			const L = linearLayer(out, inF, Array.from({ length: out * inF }, () => r()), Array.from({ length: out }, () => r()));
			const x = Array.from({ length: inF }, () => r());
			const apply = (l: typeof L, v: number[]) => Array.from({ length: l.shape[0] }, (_, o) => v.reduce((s, xi, i) => s + l.weight[o * l.shape[1] + i] * xi, l.bias[o]));
			const bnIn = randomBn(1, inF);
			const bnOut = randomBn(2, out);
			const norm = (bn: typeof bnIn, v: number[]) => v.map((vi, i) => ((vi - bn.mean[i]) / Math.sqrt(bn.variance[i] + bn.eps)) * bn.gamma[i] + bn.beta[i]);
			expect(relDiff({ data: apply(foldBatchNormIntoLinear(L, bnIn, 'bn-before').output, x) }, { data: apply(L, norm(bnIn, x)) })).toBeLessThan(TOL);
			expect(relDiff({ data: apply(foldBatchNormIntoLinear(L, bnOut, 'bn-after').output, x) }, { data: norm(bnOut, apply(L, x)) })).toBeLessThan(TOL);
			expect(() => foldBatchNormIntoLinear(L, bnOut, 'bn-before')).toThrow(/features/);
		}
	});
});

describe('properties', () => {
	it('fusion of a sum = sum of fusions (BN fold, padding, scaling, sequential)', () => {
		for (let s = 0; s < 20; s++) {
			const g = randomGeometry(s + 2000);
			const shape = [g.cout, g.cin / g.groups, 1, 1] as [number, number, number, number];
			const [A, B] = [randomKernel(s, shape, g.groups, true), randomKernel(s + 50, shape, g.groups, true)];
			const bn = randomBn(s, g.cout);
			const sum = addBranches([A, B]).output;
			// post-sum BN = BN fold of A plus B scaled by t (its shift counted once)
			const folded = foldBatchNorm(sum, bn, 'after-sum');
			const parts = addBranches([foldBatchNorm(A, bn).output, scaleKernel(B, folded.scale).output]).output;
			expect(sameKernel(folded.output, parts)).toBeLessThan(TOL);
			expect(sameKernel(padKernel(sum, 5, 5).output, addBranches([padKernel(A, 5, 5).output, padKernel(B, 5, 5).output]).output)).toBeLessThan(TOL);
			expect(sameKernel(scaleKernel(sum, -2).output, addBranches([scaleKernel(A, -2).output, scaleKernel(B, -2).output]).output)).toBeLessThan(TOL);
			const P = randomKernel(s + 9, [g.cin, g.cin / g.groups, 1, 1], g.groups, true);
			const K3 = [randomKernel(s + 3, [g.cout, g.cin / g.groups, 3, 3], g.groups, true), randomKernel(s + 4, [g.cout, g.cin / g.groups, 3, 3], g.groups, true)];
			const whole = composeSequential(P, addBranches(K3).output).output;
			const split = addBranches(K3.map((k) => composeSequential(P, k).output)).output;
			expect(sameKernel(whole, split)).toBeLessThan(TOL);
		}
	});

	it('identity ∘ X = X = X ∘ identity, and X + 0·I = X', () => {
		for (let s = 0; s < 20; s++) {
			const g = randomGeometry(s + 3000);
			const X = randomKernel(s, [g.cout, g.cin / g.groups, g.kernel, g.kernel], g.groups, true);
			const before = composeSequential(identityKernel(g.cin, g.groups, 1).output, X).output;
			const after = composeSequential(X, identityKernel(g.cout, g.groups, 1).output);
			expect(sameKernel(before, X)).toBe(0);
			expect(sameKernel(after.output, X)).toBe(0);
		}
	});

	it('a wrong transform is caught: an off-centre pad changes the output', () => {
		const k = randomKernel(1, [2, 2, 1, 1], 1, true);
		const x = randomImage(1, [1, 2, 6, 6]);
		const padded = padKernel(k, 3, 3).output;
		const shifted = { ...padded, weight: new Float64Array(padded.weight.length) };
		for (let o = 0; o < 2; o++) for (let c = 0; c < 2; c++) shifted.weight[(o * 2 + c) * 9] = k.weight[o * 2 + c];
		expect(relDiff(convPair(x, shifted), convPair(x, k))).toBeGreaterThan(0.01);
		expect(relDiff(batchNorm(convPair(x, k), randomBn(1, 2)), convPair(x, k))).toBeGreaterThan(0.01);
	});
});
