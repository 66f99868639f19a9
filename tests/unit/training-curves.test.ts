/**
 * Analysis 4's curves and words. Runs are built in memory (no made-up file is ever shipped): the
 * chart's lines and styles, and what the page may say about k = 4 against k = 1 for one run per k,
 * for several seeds whose ranges overlap, and for ranges that do not.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ablationRun, compareK, curveLines, shippedRun, type TrainingRun } from '../../src/lib/analyses/ablation';
import { comparisonText, TRAINING_TEXT } from '../../src/ui/analyses/messages';

const shipped = shippedRun(JSON.parse(readFileSync('models/mobileone-cifar10.metrics.json', 'utf8')))!;

function run(k: number, seed: number, top1: number, curve: number[], paramsFused = shipped.paramsFused): TrainingRun {
	return ablationRun({ format: 'mobileone-lab.ablation/1', run: `k${k}-seed${seed}`, k, seed, top1Fused: top1, top1Unfused: top1, paramsFused, paramsTrainTime: 1000, history: curve.map((a) => ({ testAcc: a / 100 })) })!;
}

describe('curveLines', () => {
	it('the shipped model: one line, its 40 epochs in percent', () => {
		const c = curveLines([shipped]);
		expect(c.lines).toHaveLength(1);
		expect(c.lines[0]).toMatchObject({ k: 4, seed: null, colorIndex: 0, dashIndex: 0 });
		expect(c.epochs).toBe(40);
		expect(c.lines[0].points[0]).toEqual({ epoch: 1, accuracy: shipped.curve[0] });
		expect(c.lines[0].points[0].accuracy).toBeGreaterThan(1); // percent, not a fraction
		expect(c.accuracy[1]).toBe(Math.max(...shipped.curve));
	});

	it('one colour per k in ascending k, one dash per seed within a k, runs without a curve left out', () => {
		const runs = [shipped, run(1, 1, 80, [40, 70, 80]), run(1, 0, 81, [45, 72, 81]), { ...run(2, 0, 82, [1]), curve: [] }];
		const c = curveLines(runs);
		expect(c.lines.map((l) => [l.run, l.colorIndex, l.dashIndex])).toEqual([
			['k1-seed0', 0, 0],
			['k1-seed1', 0, 1],
			['shipped model', 1, 0]
		]);
		expect(c.accuracy[0]).toBe(40);
	});
});

describe('compareK and its words', () => {
	it('without a k = 1 run there is nothing to compare', () => {
		expect(compareK([shipped])).toEqual({ kind: 'missing', missing: [1] });
		expect(comparisonText(compareK([shipped]))).toBe('');
		expect(TRAINING_TEXT.noK1('k1-seed0')).toContain('--k 1 --run k1-seed0');
	});

	it('one run per k: the numbers and their difference, and that one seed is not a distribution', () => {
		const c = compareK([shipped, run(1, 0, 85.5, [85.5])]);
		expect(c.kind).toBe('single-runs');
		if (c.kind === 'missing') throw new Error('unreachable');
		expect(c.difference).toBeCloseTo(shipped.top1Fused - 85.5, 10);
		expect(c.sameFusedParams).toBe(true);
		const text = comparisonText(c);
		expect(text).toContain(`k = 4: ${shipped.top1Fused.toFixed(2)} % top-1; k = 1: 85.50 % top-1.`);
		expect(text).toContain(`k = 4 − k = 1: +${(shipped.top1Fused - 85.5).toFixed(2)} points`);
		expect(text).toContain('one seed is not a distribution');
		expect(text).not.toMatch(/mean|range|significan/);
	});

	it('k = 1 ahead: the sign says so', () => {
		const text = comparisonText(compareK([shipped, run(1, 0, shipped.top1Fused + 0.3, [1])]));
		expect(text).toContain('k = 4 − k = 1: −0.30 points');
	});

	it('several seeds whose ranges overlap: the difference is within the spread', () => {
		const c = compareK([run(4, 0, 86.9, [1]), run(4, 1, 87.3, [1]), run(1, 0, 86.5, [1]), run(1, 1, 87.0, [1])]);
		expect(c.kind).toBe('seeds');
		const text = comparisonText(c);
		expect(text).toContain('k = 4: mean 87.10 % top-1 over 2 runs (86.90 % to 87.30 %)');
		expect(text).toContain('+0.35 points (difference of the means)');
		expect(text).toContain('within the seed-to-seed spread');
		expect(text).not.toContain('one seed is not a distribution');
	});

	it('ranges apart: said, but not called significant; a k with one run is flagged', () => {
		const text = comparisonText(compareK([shipped, run(1, 0, 80, [1]), run(1, 1, 80.4, [1])]));
		expect(text).toContain('do not overlap');
		expect(text).toContain('not a test of significance');
		expect(text).toContain('k = 4 has one run, so its spread is not measured');
	});

	it('different fused sizes are not called the same', () => {
		const c = compareK([shipped, run(1, 0, 80, [1], shipped.paramsFused + 1)]);
		expect(comparisonText(c)).not.toContain('same');
	});
});
