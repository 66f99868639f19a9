/** Each family's block: synthetic weights under its original keys, fused = unfused (float64 and as float32 weights). */
import { describe, expect, it } from 'vitest';
import { FAMILIES, familyById } from '../../src/lib/families';
import type { BlockGeometry, FamilyBlock } from '../../src/lib/families/block';
import { proveFamilyBlock } from '../../src/lib/families/prove';
import { dbbBorderError } from '../../src/lib/families/dbb';
import { directConv } from '../../src/lib/reparam/direct-conv';
import { randomImage, relDiff } from '../helpers/conv64';

const GEOMETRIES: Record<string, BlockGeometry[]> = {
	mobileone: [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 4, branches: 4 },
		{ cin: 4, cout: 6, kernel: 1, stride: 1, groups: 1, branches: 2 },
		{ cin: 4, cout: 4, kernel: 3, stride: 2, groups: 4, branches: 1 }
	],
	repvgg: [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 1 },
		{ cin: 4, cout: 6, kernel: 3, stride: 2, groups: 2 },
		{ cin: 6, cout: 6, kernel: 3, stride: 1, groups: 3 },
		{ cin: 5, cout: 5, kernel: 3, stride: 1, groups: 5 }
	],
	acnet: [
		{ cin: 3, cout: 4, kernel: 3, stride: 1, groups: 1 },
		{ cin: 4, cout: 4, kernel: 5, stride: 2, groups: 2 },
		{ cin: 3, cout: 3, kernel: 7, stride: 1, groups: 3 }
	],
	dbb: [
		{ cin: 4, cout: 6, kernel: 3, stride: 1, groups: 1 },
		{ cin: 4, cout: 4, kernel: 3, stride: 2, groups: 2 },
		{ cin: 4, cout: 4, kernel: 5, stride: 1, groups: 1, internal: 6 },
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 4 },
		{ cin: 3, cout: 3, kernel: 5, stride: 2, groups: 3 }
	],
	repvggdw: [{ cin: 5, cout: 5, kernel: 3, stride: 1, groups: 5 }],
	repmixer: [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 4 },
		{ cin: 3, cout: 3, kernel: 5, stride: 1, groups: 3, branches: 2 }
	],
	repcpe: [
		{ cin: 4, cout: 4, kernel: 7, stride: 1, groups: 4 },
		{ cin: 3, cout: 3, kernel: 3, stride: 1, groups: 3 }
	],
	'learnable-rep': [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 1, branches: 2 },
		{ cin: 4, cout: 8, kernel: 5, stride: 2, groups: 4, branches: 3 },
		{ cin: 6, cout: 6, kernel: 3, stride: 1, groups: 6, branches: 4 },
		{ cin: 3, cout: 3, kernel: 1, stride: 1, groups: 1 }
	]
};

function prove(f: FamilyBlock, g: BlockGeometry, seed: number) {
	const sd = f.synthetic(g, seed);
	const x = randomImage(seed + 1, [2, g.cin, 9, 8]);
	return { sd, x, proof: proveFamilyBlock(f, g, sd, x) };
}

describe('families', () => {
	it('every family has geometries here', () => {
		for (const f of FAMILIES) expect(GEOMETRIES[f.id]?.length, f.id).toBeGreaterThan(0);
		expect(familyById('dbb')?.name).toBe('Diverse Branch Block');
	});

	for (const f of FAMILIES)
		describe(f.name, () => {
			it('fused = train-time, float64 exactly and with float32 weights to ≤ 1e-5 of max |y|', () => {
				GEOMETRIES[f.id].forEach((g, i) => {
					expect(f.check(g), JSON.stringify(g)).toBeNull();
					const { sd, x, proof } = prove(f, g, 10 * i + 3);
					expect(proof.relative, JSON.stringify(g)).toBeLessThan(1e-5);
					expect(proof.agrees).toBe(true);
					expect(proof.maxOutput).toBeGreaterThan(0.1);
					// before rounding, the algebra is exact
					const exact = directConv(x, proof.fusion.fused, { stride: proof.fusion.stride });
					expect(relDiff(exact, f.forward(g, sd, x))).toBeLessThan(1e-12);
					expect(proof.fusion.fused.shape).toEqual([g.cout, g.cin / g.groups, g.kernel, g.kernel]);
				});
			});

			it('weights under the original key names, every key read by the fuse', () => {
				const g = GEOMETRIES[f.id][0];
				const sd = f.synthetic(g, 1);
				expect([...sd.keys()].sort()).toEqual(f.keys(g).map((k) => k.key).sort());
				for (const { key, shape } of f.keys(g)) expect(sd.get(key)?.shape).toEqual(shape);
				// dropping any key makes the fuse say which one
				for (const key of sd.keys()) {
					const partial = new Map(sd);
					partial.delete(key);
					expect(() => f.fuse(g, partial), key).toThrow(key);
				}
			});

			it('a changed weight changes the proof’s unfused side and the fused side alike (not a tautology)', () => {
				const g = GEOMETRIES[f.id][0];
				const sd = f.synthetic(g, 2);
				const x = randomImage(9, [1, g.cin, 7, 7]);
				const before = proveFamilyBlock(f, g, sd, x);
				const key = f.keys(g).find((k) => k.shape.length === 4 || k.key === 'lab.scale')!.key;
				const t = sd.get(key)!;
				const data = t.data.slice();
				data[0] += 0.5;
				const edited = new Map(sd).set(key, { shape: t.shape, data });
				const after = proveFamilyBlock(f, g, edited, x);
				expect(relDiff(after.unfused, before.unfused)).toBeGreaterThan(1e-4);
				expect(after.relative).toBeLessThan(1e-5);
			});
		});

	it('records name the transforms each family needs', () => {
		const kinds = (id: string) => {
			const f = familyById(id)!;
			const g = GEOMETRIES[id][0];
			return new Set(f.fuse(g, f.synthetic(g, 0)).steps.map((s) => s.record.kind));
		};
		expect(kinds('repvgg')).toEqual(new Set(['bn-fold', 'pad', 'identity', 'add']));
		expect(kinds('dbb')).toEqual(new Set(['bn-fold', 'pad', 'identity', 'add', 'sequential', 'avg-pool']));
		expect(kinds('repmixer').has('scale')).toBe(true);
		const dw = familyById('repvggdw')!;
		const steps = dw.fuse(GEOMETRIES.repvggdw[0], dw.synthetic(GEOMETRIES.repvggdw[0], 0)).steps;
		const last = steps[steps.length - 1].record;
		expect(last.kind === 'bn-fold' && last.where).toBe('after-sum');
	});

	it('DBB’s 1×1 → K×K merged naively is off exactly on the border pixels; with bn1’s bias in the gap it is exact', () => {
		for (const g of GEOMETRIES.dbb) {
			const f = familyById('dbb')!;
			const e = dbbBorderError(g, f.synthetic(g, 5), randomImage(6, [1, g.cin, 10, 9]));
			expect(e.maxZeroGapBorder, JSON.stringify(g)).toBeGreaterThan(1e-3);
			expect(e.maxZeroGapInterior).toBeLessThan(1e-12);
			expect(e.maxBiasGap).toBeLessThan(1e-12);
		}
	});

	it('refuses geometries a family does not have', () => {
		expect(familyById('repvgg')!.check({ cin: 4, cout: 4, kernel: 5, stride: 1, groups: 1 })).toMatch(/3×3/);
		expect(familyById('repmixer')!.check({ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 1 })).toMatch(/depthwise/);
		expect(() => proveFamilyBlock(familyById('repvggdw')!, { cin: 4, cout: 4, kernel: 3, stride: 2, groups: 4 }, new Map(), randomImage(1, [1, 4, 5, 5]))).toThrow(/stride 1/);
	});
});

describe('MobileOne as a family', () => {
	it('fuses bit for bit as mobileone/reparam does, from the same weights under Apple’s names', async () => {
		const { validateSpec, blocksOf } = await import('../../src/lib/mobileone/spec');
		const { syntheticModel } = await import('../../src/lib/mobileone/synthetic');
		const { fuseBlock } = await import('../../src/lib/mobileone/reparam');
		const { roundOnce } = await import('../../src/lib/reparam/conv-kernel');
		const spec = validateSpec({ numClasses: 2, inputSize: 8, stem: { width: 4, stride: 2, k: 1 }, stages: [{ width: 6, blocks: 2, stride: 2, k: 3, seBlocks: 0 }] });
		const model = syntheticModel(spec, 8);
		const f = familyById('mobileone')!;
		for (const block of model.blocks) {
			const b = block.spec;
			const sd = new Map<string, { shape: readonly number[]; data: Float32Array }>();
			const bn = (prefix: string, p: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array }) => {
				sd.set(`${prefix}.weight`, { shape: [p.gamma.length], data: p.gamma });
				sd.set(`${prefix}.bias`, { shape: [p.gamma.length], data: p.beta });
				sd.set(`${prefix}.running_mean`, { shape: [p.gamma.length], data: p.mean });
				sd.set(`${prefix}.running_var`, { shape: [p.gamma.length], data: p.variance });
			};
			block.convs.forEach((c, i) => {
				sd.set(`rbr_conv.${i}.conv.weight`, c.weight);
				bn(`rbr_conv.${i}.bn`, c.bn);
			});
			if (block.scale) {
				sd.set('rbr_scale.conv.weight', block.scale.weight);
				bn('rbr_scale.bn', block.scale.bn);
			}
			if (block.skip) bn('rbr_skip', block.skip);
			const g = { cin: b.cin, cout: b.cout, kernel: b.kernel, stride: b.stride, groups: b.groups, branches: b.k };
			expect([...sd.keys()].sort()).toEqual(f.keys(g).map((k) => k.key).sort());
			const mine = roundOnce(f.fuse(g, sd).fused);
			const theirs = fuseBlock(block);
			expect(mine.weight.data).toEqual(theirs.weight.data);
			expect(mine.bias).toEqual(theirs.bias);
		}
		expect(blocksOf(spec).length).toBe(model.blocks.length);
	});
});
