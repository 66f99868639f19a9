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

/** Short, honest number formatting: 3 significant digits, exponent when tiny or huge. */
export function fmt(v: number, digits = 3): string {
	if (v === 0) return '0';
	const a = Math.abs(v);
	if (a < 1e-3 || a >= 1e4) return v.toExponential(digits - 1);
	return Number(v.toPrecision(digits)).toString();
}
