import { interpolateRdBu, scaleDiverging } from 'd3';

/**
 * Diverging, centred on zero, safe for colour-blind readers (ColorBrewer RdBu): negative values
 * red, positive blue, zero white. One shared `extent` per picture keeps heatmaps comparable.
 */
export function kernelColor(extent: number) {
	const m = extent > 0 ? extent : 1;
	return scaleDiverging(interpolateRdBu).domain([-m, 0, m]).clamp(true);
}

/** Text colour readable on a cell of that value. */
export function inkOn(value: number, extent: number): string {
	return Math.abs(value) > 0.55 * (extent || 1) ? '#ffffff' : '#1b1d22';
}

export function extentOf(...arrays: ArrayLike<number>[]): number {
	let m = 0;
	for (const a of arrays) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
	return m;
}
