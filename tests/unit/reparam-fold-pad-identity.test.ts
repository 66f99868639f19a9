/** BN fold, kernel padding and the identity kernel, each against a direct float64 convolution of the unfused form. */
import { describe, expect, it } from 'vitest';
import { foldBatchNorm } from '../../src/lib/reparam/bn-fold';
import { padKernel } from '../../src/lib/reparam/pad-kernel';
import { identityKernel } from '../../src/lib/reparam/identity-kernel';
import { directConv } from '../../src/lib/reparam/direct-conv';
import { batchNorm, conv, convPair, randomBn, randomGeometry, randomImage, randomKernel, relDiff } from '../helpers/conv64';

const TOL = 1e-12;

describe('BN fold', () => {
	it('BN(conv(x) + b) = folded conv, 60 random shapes, with and without the conv’s own bias', () => {
		const seen = new Set<string>();
		for (let s = 0; s < 60; s++) {
			const g = randomGeometry(s);
			const k = randomKernel(1000 + s, [g.cout, g.cin / g.groups, g.kernel, g.kernel], g.groups, s % 2 === 0);
			const bn = randomBn(2000 + s, g.cout);
			const x = randomImage(3000 + s, [g.n, g.cin, g.size, g.size]);
			const unfused = batchNorm(convPair(x, k, g.stride), bn);
			const step = foldBatchNorm(k, bn);
			expect(relDiff(convPair(x, step.output, g.stride), unfused)).toBeLessThan(TOL);
			seen.add(`${g.groupsKind}/k${g.kernel}/s${g.stride}`);
		}
		expect(seen.size).toBeGreaterThan(12);
	});

	it('records t and s, and keeps the bias: b′ = s + t·b', () => {
		const k = randomKernel(1, [3, 2, 3, 3], 1, true);
		const bn = randomBn(2, 3);
		const step = foldBatchNorm(k, bn, 'after-sum');
		expect(step.where).toBe('after-sum');
		for (let o = 0; o < 3; o++) {
			const t = bn.gamma[o] / Math.sqrt(bn.variance[o] + bn.eps);
			expect(step.scale[o]).toBeCloseTo(t, 14);
			expect(step.shift[o]).toBeCloseTo(bn.beta[o] - bn.mean[o] * t, 14);
			expect(step.output.bias[o]).toBeCloseTo(step.shift[o] + t * k.bias[o], 14);
		}
		expect(() => foldBatchNorm(k, randomBn(3, 4))).toThrow(/4 channels/);
	});
});

describe('kernel padding', () => {
	it('a 1×1, 1×K or K×1 conv with its own padding = the K×K padded one', () => {
		for (let s = 0; s < 40; s++) {
			const g = randomGeometry(100 + s);
			const K = [3, 5, 7][s % 3];
			const which = (['1x1', '1xK', 'Kx1'] as const)[s % 3 === 0 ? 0 : (s % 9) % 3];
			const [kh, kw] = which === '1x1' ? [1, 1] : which === '1xK' ? [1, K] : [K, 1];
			const small = randomKernel(200 + s, [g.cout, g.cin / g.groups, kh, kw], g.groups, true);
			const x = randomImage(300 + s, [g.n, g.cin, g.size + K, g.size + K]);
			// the small conv as ACNet runs it: padding only where it has taps, (kh−1)/2 and (kw−1)/2
			const ph = (kh - 1) / 2;
			const pw = (kw - 1) / 2;
			const own = conv(x, { shape: small.shape, weight: small.weight, bias: small.bias, groups: small.groups, stride: g.stride, pads: [ph, pw, ph, pw] });
			const step = padKernel(small, K, K);
			expect(step.output.shape).toEqual([g.cout, g.cin / g.groups, K, K]);
			expect(relDiff(convPair(x, step.output, g.stride), own)).toBeLessThan(TOL);
			expect(step.placed.reduce((a, b) => a + b, 0)).toBe(kh * kw);
		}
	});

	it('places a 1×3 in the middle row of a 3×3 and refuses what has no centre', () => {
		const step = padKernel(randomKernel(5, [1, 1, 1, 3], 1), 3, 3);
		expect(Array.from(step.placed)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0]);
		expect(step.offset).toEqual([1, 0]);
		expect(() => padKernel(randomKernel(5, [1, 1, 3, 3], 1), 1, 1)).toThrow(/smaller/);
		expect(() => padKernel(randomKernel(5, [1, 1, 3, 3], 1), 5, 4)).toThrow();
	});
});

describe('identity as a kernel', () => {
	for (const [label, channels, groups, size] of [
		['dense 1×1', 6, 1, 1],
		['dense 3×3', 4, 1, 3],
		['depthwise 3×3', 5, 5, 3],
		['depthwise 7×7', 3, 3, 7],
		['grouped 5×5', 6, 2, 5],
		['grouped 1×1', 6, 3, 1]
	] as const)
		it(`conv with it returns the input (${label})`, () => {
			const step = identityKernel(channels, groups, size);
			const x = randomImage(size * 10 + groups, [2, channels, 6, 5]);
			expect(relDiff(convPair(x, step.output), x)).toBe(0);
			expect(step.ones.length).toBe(channels);
			const per = channels / groups;
			const kk = size * size;
			step.ones.forEach((j, i) => expect(j).toBe((i * per + (i % per)) * kk + ((size - 1) / 2) * (size + 1)));
		});

	it('names its rule', () => {
		expect(identityKernel(4, 4, 3).rule).toBe('centred-delta');
		expect(identityKernel(4, 1, 1).rule).toBe('identity-matrix');
		expect(identityKernel(4, 2, 3).rule).toBe('grouped');
		expect(() => identityKernel(5, 2, 3)).toThrow(/groups/);
	});
});

describe('the engine’s direct convolution', () => {
	it('agrees with the test reference, zero and value padding, strides and dilation', () => {
		for (let s = 0; s < 30; s++) {
			const g = randomGeometry(500 + s);
			const d = 1 + (s % 3);
			const k = randomKernel(600 + s, [g.cout, g.cin / g.groups, g.kernel, g.kernel], g.groups, true);
			const x = randomImage(700 + s, [g.n, g.cin, g.size + 2 * d * g.kernel, g.size + d * g.kernel]);
			expect(relDiff(directConv(x, k, { stride: g.stride, dilation: d }), convPair(x, k, g.stride, d))).toBeLessThan(TOL);
			const values = Array.from({ length: g.cin }, (_, i) => i - 0.5);
			const p = (g.kernel - 1) / 2;
			const ref = conv(x, { shape: k.shape, weight: k.weight, bias: k.bias, groups: k.groups, stride: g.stride, pads: [p, p, p, p], padValue: values });
			expect(relDiff(directConv(x, k, { stride: g.stride, padValue: values }), ref)).toBeLessThan(TOL);
		}
	});
});
