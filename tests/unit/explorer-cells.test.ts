import { describe, expect, it } from 'vitest';
import { cellLabels, MIN_LABEL_PX, MONO_ADVANCE } from '../../src/ui/explorer/cells';
import { SLIDE_CELL } from '../../src/ui/shared/presenting';

describe('heatmap cell labels', () => {
	const values = [-0.0413, -0.0127, 0.0013, 0.25, -1.2e-5, 0.5, 0, 3.1, -0.9];
	for (const side of [20, 28, 30, 44, 60]) {
		it(`every label fits a ${side} px cell, or there are none`, () => {
			const l = cellLabels(values, side);
			if (!l) return;
			expect(l.fontPx).toBeGreaterThanOrEqual(MIN_LABEL_PX);
			for (const t of l.texts) expect(t.length * MONO_ADVANCE * l.fontPx).toBeLessThanOrEqual(side - 1);
		});
	}

	it('labels big cells and gives up on tiny ones', () => {
		expect(cellLabels(values, 44)).not.toBeNull();
		expect(cellLabels(values, 12)).toBeNull();
	});

	it('the labels of the overlap seen at 1280 px no longer overflow a 30 px cell', () => {
		const l = cellLabels([-0.0413, -0.0127, 0.0013], 30);
		// "-0.041" at 9 px was 32 px wide in a 29 px cell; now a shorter label or a smaller font, or none
		if (l) for (const t of l.texts) expect(t.length * MONO_ADVANCE * l.fontPx).toBeLessThanOrEqual(29);
	});

	it('a slide’s cells get labels readable from the back of a room (≥ 24 px), still inside their cells', () => {
		const l = cellLabels(values, SLIDE_CELL);
		expect(l).not.toBeNull();
		expect(l!.fontPx).toBeGreaterThanOrEqual(24);
		for (const t of l!.texts) expect(t.length * MONO_ADVANCE * l!.fontPx).toBeLessThanOrEqual(SLIDE_CELL - 1);
	});

	it('a pointwise identity on a slide: 0s and 1s in 64 px cells grow past a quarter of the side, long labels do not', () => {
		const ones = cellLabels([0, 1, 0], 64, 0.4);
		expect(ones!.fontPx).toBeGreaterThanOrEqual(24);
		expect(cellLabels([0, 1, 0], 64)!.fontPx).toBeLessThan(24);
		const long = cellLabels([-0.0413, 0.0127], 64, 0.4)!;
		for (const t of long.texts) expect(t.length * MONO_ADVANCE * long.fontPx).toBeLessThanOrEqual(64 - 1 - 8);
	});
});
