import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { blocksOf, paramCount, validateSpec, variantSpec, VARIANTS } from '../../src/lib/mobileone/spec';

const millions = (n: number) => Math.round(n / 1e4) / 100;

describe('MobileOne spec', () => {
	it('parameter counts match Apple’s code for S0–S4', () => {
		// trainable parameters, BN running statistics excluded, counted from Apple's ml-mobileone
		// mobileone.py; apple-keys.test.ts recounts them exactly from tests/fixtures/apple-keys-*.json
		const expected = { s0: [5.29, 2.08], s1: [4.83, 4.76], s2: [7.88, 7.81], s3: [10.17, 10.08], s4: [14.95, 14.84] };
		for (const v of VARIANTS) {
			const spec = variantSpec(v);
			expect([millions(paramCount(spec, 'unfused')), millions(paramCount(spec, 'fused'))], v).toEqual(expected[v]);
		}
	});

	it('S0 has Apple’s block list', () => {
		const blocks = blocksOf(variantSpec('s0'));
		expect(blocks.length).toBe(1 + 2 * (2 + 8 + 10 + 1));
		expect(blocks[0]).toMatchObject({ name: 'stage0', cin: 3, cout: 48, kernel: 3, stride: 2, k: 1, hasScale: true, hasSkip: false });
		expect(blocks[1]).toMatchObject({ name: 'stage1.0', role: 'depthwise', cin: 48, cout: 48, groups: 48, stride: 2, k: 4, hasSkip: false });
		expect(blocks[2]).toMatchObject({ name: 'stage1.1', role: 'pointwise', cin: 48, cout: 48, stride: 1, hasScale: false, hasSkip: true });
		expect(blocks[3]).toMatchObject({ name: 'stage1.2', role: 'depthwise', stride: 1, hasSkip: true, hasScale: true });
		expect(blocks.at(-1)).toMatchObject({ name: 'stage4.1', cin: 256, cout: 1024 });
	});

	it('S4 has SE on the last 5 pairs of stage 3 and on stage 4', () => {
		const se = blocksOf(variantSpec('s4')).filter((b) => b.se).map((b) => b.name);
		expect(se).toEqual([...Array.from({ length: 10 }, (_, i) => `stage3.${10 + i}`), 'stage4.0', 'stage4.1']);
	});

	it('rejects malformed specs with a message naming the field', () => {
		const ok = { numClasses: 10, stem: { width: 8 }, stages: [{ width: 8, blocks: 1 }] };
		expect(validateSpec(ok).stages[0]).toEqual({ width: 8, blocks: 1, stride: 2, k: 1, seBlocks: 0 });
		const bad: [unknown, RegExp][] = [
			[null, /not a JSON object/],
			[{ ...ok, numClasses: -1 }, /numClasses/],
			[{ ...ok, stem: { width: 1e9 } }, /stem.width/],
			[{ ...ok, stages: [] }, /stages/],
			[{ ...ok, stages: [{ width: 8, blocks: 1, seBlocks: 2 }] }, /seBlocks/],
			[{ ...ok, stages: [{ width: 8.5, blocks: 1 }] }, /width/],
			[{ ...ok, format: 'other/2' }, /format/],
			[{ ...ok, stages: [{ width: 8, blocks: 1, seBlocks: 1 }] }, /squeeze-excite on fewer than 16 channels/]
		];
		for (const [raw, msg] of bad) {
			expect(() => validateSpec(raw)).toThrow(WeightsError);
			expect(() => validateSpec(raw)).toThrow(msg);
		}
	});
});
