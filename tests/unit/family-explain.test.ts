import { describe, expect, it } from 'vitest';
import { dbbBorderError } from '../../src/lib/families/dbb';
import { FAMILY_DEMO_GEOMETRY, FAMILY_DEMO_SEED } from '../../src/lib/families/demo';
import { borderPlane, familyStepView, sliceOf } from '../../src/lib/families/explain';
import { FAMILIES, familyById } from '../../src/lib/families/index';
import { proveFamilyBlock } from '../../src/lib/families/prove';
import { familyTable, repvggTable } from '../../src/lib/families/table';
import { convKernel } from '../../src/lib/reparam/conv-kernel';
import { seededRandom } from '../../src/lib/core/random';

function image(seed: number, c = 3, n = 12) {
	const r = seededRandom(seed);
	return { shape: [1, c, n, n], data: Float64Array.from({ length: c * n * n }, () => r() * 2 - 1) };
}

describe('family step views', () => {
	it('slices one output channel plane by plane, rows × cols', () => {
		const k = convKernel([2, 3, 1, 3], 1, Array.from({ length: 18 }, (_, i) => i), [5, 6]);
		const s = sliceOf(k, 1);
		expect([s.planes, s.rows, s.cols, s.size]).toEqual([3, 1, 3, 3]);
		expect(Array.from(s.values)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
	});

	it('every demo block of every family fuses, proves, and gives a view for each step and channel', () => {
		for (const f of FAMILIES) {
			const g = FAMILY_DEMO_GEOMETRY[f.id];
			expect(f.check(g)).toBeNull();
			const sd = f.synthetic(g, FAMILY_DEMO_SEED);
			const fusion = f.fuse(g, sd);
			for (const step of fusion.steps)
				for (let o = 0; o < g.cout; o++) {
					const v = familyStepView(step, o);
					expect(v.module).toBe(step.label);
					expect(v.output).not.toBeNull();
				}
			expect(proveFamilyBlock(f, g, sd, image(3)).agrees).toBe(true);
		}
	});

	it("ACNet's pad step: a 1×3 kernel lands on the middle row, outlined", () => {
		const f = familyById('acnet')!;
		const g = FAMILY_DEMO_GEOMETRY.acnet;
		const steps = f.fuse(g, f.synthetic(g, FAMILY_DEMO_SEED)).steps;
		const pad = steps.find((s) => s.record.kind === 'pad' && s.label === 'hor_conv')!;
		const v = familyStepView(pad, 2);
		expect([v.inputs[0].slice.rows, v.inputs[0].slice.cols]).toEqual([1, 3]);
		expect(v.output!.highlight).toEqual([3, 4, 5, 12, 13, 14, 21, 22, 23]);
		expect(v.numbers).toEqual({ top: 1, left: 0 });
	});

	it("a sum's view lists each term's bias, and they add to the output's", () => {
		const f = familyById('repvgg')!;
		const g = FAMILY_DEMO_GEOMETRY.repvgg;
		const steps = f.fuse(g, f.synthetic(g, FAMILY_DEMO_SEED)).steps;
		const v = familyStepView(steps[steps.length - 1], 1);
		expect(v.kind).toBe('add');
		expect(v.termBiases.reduce((a, b) => a + b, 0)).toBeCloseTo(v.numbers.biasOut, 12);
	});

	it("DBB's border plane: zeros in the gap err only on the border; the bias leaves nothing", () => {
		const g = FAMILY_DEMO_GEOMETRY.dbb;
		const sd = familyById('dbb')!.synthetic(g, FAMILY_DEMO_SEED);
		const e = dbbBorderError(g, sd, image(5));
		for (let o = 0; o < g.cout; o++) {
			const zero = borderPlane(e, o, 'zero');
			expect(zero.maxBorder).toBeGreaterThan(1e-3);
			expect(zero.maxInterior).toBeLessThan(1e-9);
			const bias = borderPlane(e, o, 'bias');
			expect(Math.max(bias.maxBorder, bias.maxInterior)).toBeLessThan(1e-9);
		}
	});
});

describe('family table', () => {
	it("reads each family's transforms from its fuse", () => {
		const rows = familyTable();
		expect(rows.map((r) => r.id)).toEqual(FAMILIES.map((f) => f.id));
		const kinds = (id: string) => rows.find((r) => r.id === id)!.transforms.map((t) => t.kind);
		expect(kinds('dbb')).toEqual(expect.arrayContaining(['bn-fold', 'pad', 'identity', 'add', 'sequential', 'avg-pool']));
		expect(kinds('acnet')).not.toContain('identity');
		expect(kinds('learnable-rep')).toContain('scale');
		expect(rows.find((r) => r.id === 'repvgg')!.fusedKey).toBe('rbr_reparam.weight');
	});

	it('RepVGG sizes train → deploy as published', () => {
		const a0 = repvggTable().find((r) => r.name === 'RepVGG-A0')!;
		expect((a0.deploy.parameters / 1e6).toFixed(2)).toBe('8.31');
		expect((a0.train.parameters / 1e6).toFixed(2)).toBe('9.11');
		expect((a0.deploy.flops / 1e9).toFixed(2)).toBe('1.36');
		expect((a0.train.flops / 1e9).toFixed(2)).toBe('1.52');
	});
});
