/**
 * The zoo's own parameter and MAC counter (src/lib/zoo/count.ts) against published figures, and
 * Spearman's rank correlation against scipy.stats.spearmanr on known data.
 *
 * How the published figures count, and so how these tests match them:
 *  - "FLOPs" in the ResNet, RepVGG, MobileOne (mmpretrain) and EfficientNet tables are
 *    multiply-accumulates of conv and linear layers; our MACs are exactly that.
 *  - Parameters are PyTorch's `model.parameters()`: BN γ and β included, running statistics not,
 *    the classifier included (1000 classes).
 *  - RepVGG-A0 train's 1.52 G also counts a little of the BN and identity work that we call
 *    memory traffic; we count 1.513 G, within 1 %.
 */
import { describe, expect, it } from 'vitest';
import { paramCount } from '../../src/lib/mobileone/spec';
import { ZOO, zooEntry } from '../../src/lib/zoo/catalogue';
import { countGraph } from '../../src/lib/zoo/count';
import { mobileOne, mobileOneSpec } from '../../src/lib/zoo/families/mobileone';
import { averageRanks, spearman, spearmanInterval } from '../../src/lib/zoo/spearman';

/** [id, published MACs (G), published parameters (M), relative tolerance of MACs, of parameters]. */
const PUBLISHED: [string, number, number, number, number][] = [
	['resnet-18', 1.82, 11.69, 0.01, 0.001], // torchvision: 1.81 GFLOPS (MACs), 11,689,512 params
	['mobilenet-v2-1', 0.3, 3.5, 0.01, 0.005], // paper: 300 M multiply-adds, 3.4 M (torchvision 3,504,872)
	['repvgg-a0-deploy', 1.36, 8.31, 0.005, 0.002],
	['repvgg-a0-train', 1.52, 9.11, 0.01, 0.002],
	['mobileone-s0-deploy', 0.27, 2.08, 0.02, 0.002], // mmpretrain 0.27 G (2 digits); Apple 2.08 M
	['mobileone-s0-train', 1.05, 5.29, 0.02, 0.002],
	['mobileone-s1-deploy', 0.82, 4.76, 0.01, 0.002],
	['mobileone-s1-train', 0.83, 4.83, 0.01, 0.002],
	['mobileone-s2-deploy', 1.3, 7.81, 0.01, 0.002],
	['mobileone-s2-train', 1.3, 7.88, 0.01, 0.002],
	['mobileone-s3-deploy', 1.89, 10.08, 0.01, 0.002],
	['mobileone-s3-train', 1.9, 10.17, 0.01, 0.002],
	['mobileone-s4-deploy', 2.98, 14.84, 0.01, 0.002],
	['mobileone-s4-train', 2.99, 14.95, 0.01, 0.002],
	['mobilenet-v1-1', 0.569, 4.2, 0.005, 0.01], // paper Table 8: 569 M mult-adds, 4.2 M
	['mobilenet-v1-0.25', 0.041, 0.47, 0.02, 0.01], // paper: 41 M, 0.47 M
	['efficientnet-b0', 0.39, 5.3, 0.02, 0.01], // paper: 0.39 B FLOPs (MACs), 5.3 M
	['shufflenet-v2-1.0', 0.146, 2.28, 0.01, 0.01], // paper 146 M FLOPs (MACs); torchvision 2,278,604
	['resnet-34', 3.6, 21.8, 0.02, 0.002] // torchvision 3.66 G, 21,797,672
];

describe('parameter and MAC counter', () => {
	for (const [id, gmacs, mparams, tm, tp] of PUBLISHED) {
		it(`${id}: ${gmacs} G MACs, ${mparams} M parameters`, () => {
			const c = countGraph(zooEntry(id)!.build(224));
			expect(Math.abs(c.macs / 1e9 - gmacs) / gmacs).toBeLessThanOrEqual(tm);
			expect(Math.abs(c.params / 1e6 - mparams) / mparams).toBeLessThanOrEqual(tp);
		}, 60_000);
	}

	it('counts exactly on a graph small enough to do by hand', () => {
		// MobileNet-V1 0.25 at 32×32: the stem alone is 8·16·16·3·3·3 MACs.
		const c = countGraph(zooEntry('mobilenet-v1-0.25')!.build(32));
		const stem = c.layers.find((l) => l.opType === 'Conv')!;
		expect(stem.output).toEqual([1, 8, 16, 16]);
		expect(stem.macs).toBe(8 * 16 * 16 * 3 * 9);
		expect(stem.params).toBe(8 * 3 * 9);
		const bn = c.layers.find((l) => l.opType === 'BatchNormalization')!;
		expect(bn.params).toBe(16); // γ and β; running statistics are buffers
		const fc = c.layers.find((l) => l.opType === 'Gemm')!;
		expect(fc.output).toEqual([1, 1000]);
		expect(fc.macs).toBe(256 * 1000);
		expect(c.macs).toBe(c.layers.reduce((s, l) => s + l.macs, 0));
	});

	it('every zoo network is counted, and the fused forms have fewer parameters than the train-time ones', () => {
		const counts = new Map(ZOO.map((e) => [e.id, countGraph(e.build(64))]));
		for (const e of ZOO) {
			expect(counts.get(e.id)!.params).toBeGreaterThan(0);
			if (e.form === 'deploy') expect(counts.get(e.id)!.params).toBeLessThan(counts.get(e.id.replace(/deploy$/, 'train'))!.params);
		}
		// Parameters do not depend on the input size; conv MACs grow with its square (exactly, for
		// sides that halve evenly all the way down), the classifier's do not.
		const small = countGraph(zooEntry('resnet-18')!.build(128));
		const big = countGraph(zooEntry('resnet-18')!.build(256));
		expect(small.params).toBe(big.params);
		expect(big.macsByType.Conv).toBe(4 * small.macsByType.Conv);
		expect(big.macsByType.Gemm).toBe(small.macsByType.Gemm);
	}, 120_000);

	it('S0 with k = 1…5 has the parameter counts the spec predicts, in both forms', () => {
		for (let k = 1; k <= 5; k++) {
			const spec = mobileOneSpec('s0', 64, k);
			expect(countGraph(mobileOne('s0', 'unfused', 64, 7, k)).params).toBe(paramCount(spec, 'unfused'));
			expect(countGraph(mobileOne('s0', 'fused', 64, 7, k)).params).toBe(paramCount(spec, 'fused'));
		}
		// Each extra branch adds a conv+BN per block at train time and nothing after fusion.
		expect(paramCount(mobileOneSpec('s0', 64, 5), 'fused')).toBe(paramCount(mobileOneSpec('s0', 64, 1), 'fused'));
	}, 60_000);

	it('refuses an op it does not know instead of guessing', () => {
		const g = zooEntry('mobilenet-v1-0.25')!.build(32);
		g.nodes[0] = { ...g.nodes[0], opType: 'ConvTranspose' };
		expect(() => countGraph(g)).toThrow(/does not know the op ConvTranspose/);
	});
});

describe('Spearman rank correlation', () => {
	it('gives average ranks to ties', () => {
		expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
	});

	it('matches scipy.stats.spearmanr on known data, ties included', () => {
		expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
		expect(spearman([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8])).toBeCloseTo(0.19885368120992467, 12);
		expect(spearman([1, 2, 3], [3, 2, 1])).toBe(-1);
		expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBe(1); // monotone, not linear
	});

	it('its bootstrap interval contains ρ, is seeded, and is tight for a perfect relation', () => {
		const x = Array.from({ length: 20 }, (_, i) => i);
		const y = x.map((v) => v * v);
		const perfect = spearmanInterval(x, y);
		expect(perfect.rho).toBe(1);
		expect(perfect.low).toBe(1);
		const noisy = x.map((v, i) => v + ((i * 7) % 5) * 3);
		const a = spearmanInterval(x, noisy, { seed: 3 });
		expect(a.low).toBeLessThanOrEqual(a.rho);
		expect(a.high).toBeGreaterThanOrEqual(a.rho);
		expect(a.high - a.low).toBeGreaterThan(0.01);
		expect(spearmanInterval(x, noisy, { seed: 3 })).toEqual(a);
	});
});
