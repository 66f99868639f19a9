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

/**
 * `largest`: the biggest label as a fraction of the side. A quarter leaves room for five
 * characters; a slide asks for more so short labels (a 0, a 1) grow where its cells cannot.
 */
export function cellLabels(values: ArrayLike<number>, side: number, largest = 0.25): CellLabels | null {
	const room = side - 1 - 2 * INSET;
	// Bigger cells (a slide's) get bigger labels, as long as they still fit their cells (below).
	const top = side < 34 ? 9 : Math.max(11, Math.floor(side * largest));
	for (const digits of [2, 1]) {
		const texts = Array.from(values, (v) => formatValue(v, digits));
		const chars = Math.max(...texts.map((t) => t.length));
		for (let font = top; font >= MIN_LABEL_PX; font--) {
			if (chars * MONO_ADVANCE * font <= room) return { texts, fontPx: font };
		}
	}
	return null;
}
