/** RepVGG A0–B1: parameters and FLOPs, train → deploy, computed from the layout against the published figures. */
import { describe, expect, it } from 'vitest';
import { REPVGG_LAYOUTS, repvggBlocks, repvggCount } from '../../src/lib/families/repvgg-layouts';

// mmpretrain's RepVGG README (../shared/reference/reparam-family.md): params in M, FLOPs in G, train → deploy
const PUBLISHED: Record<string, [number, number, number, number]> = {
	'RepVGG-A0': [9.11, 8.31, 1.52, 1.36],
	'RepVGG-A1': [14.09, 12.79, 2.64, 2.37],
	'RepVGG-A2': [28.21, 25.5, 5.7, 5.12],
	'RepVGG-B0': [15.82, 14.34, 3.42, 3.06],
	'RepVGG-B1': [57.42, 51.83, 13.16, 11.82]
};

const round2 = (v: number) => Math.round(v * 100) / 100;

describe('RepVGG layouts', () => {
	it('RepVGG-A0: deploy 8.31 M parameters / 1.36 GFLOPs, train 9.11 M / 1.52 G', () => {
		const a0 = REPVGG_LAYOUTS[0];
		expect(round2(repvggCount(a0, 'deploy').parameters / 1e6)).toBe(8.31);
		expect(round2(repvggCount(a0, 'deploy').flops / 1e9)).toBe(1.36);
		expect(round2(repvggCount(a0, 'train').parameters / 1e6)).toBe(9.11);
		expect(round2(repvggCount(a0, 'train').flops / 1e9)).toBe(1.52);
	});

	it('every published figure of A0–B1, to the digits published', () => {
		for (const layout of REPVGG_LAYOUTS) {
			const [pt, pd, ft, fd] = PUBLISHED[layout.name];
			const train = repvggCount(layout, 'train');
			const deploy = repvggCount(layout, 'deploy');
			expect(round2(train.parameters / 1e6), layout.name).toBe(pt);
			expect(round2(deploy.parameters / 1e6), layout.name).toBe(pd);
			expect(round2(train.flops / 1e9), layout.name).toBe(ft);
			expect(round2(deploy.flops / 1e9), layout.name).toBe(fd);
		}
	});

	it('builds the blocks as repvgg.py names them', () => {
		const blocks = repvggBlocks(REPVGG_LAYOUTS[0]);
		expect(blocks.length).toBe(1 + 2 + 4 + 14 + 1);
		expect(blocks[0]).toMatchObject({ name: 'stage0', cin: 3, cout: 48, stride: 2, outSize: 112 });
		expect(blocks[1]).toMatchObject({ name: 'stage1.0', cin: 48, cout: 48, stride: 2, outSize: 56 });
		expect(blocks[blocks.length - 1]).toMatchObject({ name: 'stage4.0', cin: 192, cout: 1280, outSize: 7 });
	});
});
