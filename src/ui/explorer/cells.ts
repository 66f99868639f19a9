/**
 * In-cell value labels for a heatmap: one font size and one number of digits for the whole
 * picture, the largest that lets every label fit inside its cell. When even the smallest cannot,
 * the cells stay unlabelled and the hover/focus readout gives the values.
 */
import { formatValue } from '$lib/format';

/** JetBrains Mono's advance width, in em. */
export const MONO_ADVANCE = 0.6;
/** Smallest label still legible at 100 % zoom. */
export const MIN_LABEL_PX = 8;
/** Free space kept between a label and its cell's edges, in px. */
const INSET = 4;

export interface CellLabels {
	texts: string[];
	fontPx: number;
}

export function cellLabels(values: ArrayLike<number>, side: number): CellLabels | null {
	const room = side - 1 - 2 * INSET;
	// Bigger cells (a slide's) get bigger labels: a quarter of the side, which leaves room for five characters.
	const largest = side < 34 ? 9 : Math.max(11, Math.floor(side / 4));
	for (const digits of [2, 1]) {
		const texts = Array.from(values, (v) => formatValue(v, digits));
		const chars = Math.max(...texts.map((t) => t.length));
		for (let font = largest; font >= MIN_LABEL_PX; font--) {
			if (chars * MONO_ADVANCE * font <= room) return { texts, fontPx: font };
		}
	}
	return null;
}
