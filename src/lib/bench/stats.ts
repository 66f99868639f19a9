/**
 * The statistics of the benchmark, and the one median of the code base (the classifier's timing
 * and the latency lab's live progress use it too): quantiles with R-7 interpolation (R's default,
 * numpy's "linear", d3-array's `quantile`), quartiles and IQR, and a seeded percentile-bootstrap
 * interval for a ratio of medians.
 */
import { seededRandom } from '../core/random';

/** The `p`-quantile (0…1) of values already sorted ascending, R-7: linear between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
	const n = sorted.length;
	if (n === 0) return NaN;
	if (!(p >= 0 && p <= 1)) throw new RangeError(`a quantile needs 0 ≤ p ≤ 1, got ${p}`);
	const h = (n - 1) * p;
	const lo = Math.floor(h);
	const hi = Math.min(n - 1, lo + 1);
	return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
	return Float64Array.from(values).sort();
}

/** The `p`-quantile (0…1) of a list, R-7; NaN when empty. */
export function quantile(values: ArrayLike<number>, p: number): number {
	return quantileSorted(sortedCopy(values), p);
}

/** Median of a list of numbers (mean of the middle two for an even count); NaN when empty. */
export function median(values: ArrayLike<number>): number {
	return quantile(values, 0.5);
}

export interface SampleStats {
	n: number;
	median: number;
	/** First and third quartiles (R-7, linear interpolation). */
	q1: number;
	q3: number;
	iqr: number;
	min: number;
	max: number;
}

export function sampleStats(samples: readonly number[]): SampleStats {
	if (samples.length === 0) throw new RangeError('no samples');
	if (samples.some((x) => !Number.isFinite(x))) throw new RangeError('samples must be finite numbers');
	const s = sortedCopy(samples);
	const q1 = quantileSorted(s, 0.25);
	const q3 = quantileSorted(s, 0.75);
	return { n: s.length, median: quantileSorted(s, 0.5), q1, q3, iqr: q3 - q1, min: s[0], max: s[s.length - 1] };
}

export interface BootstrapOptions {
	/** Resamples; default 2000. */
	iterations?: number;
	/** Coverage of the percentile interval; default 0.95. */
	confidence?: number;
	/** Seed of the resampling, so the same samples always give the same interval; default 1. */
	seed?: number;
}

export interface RatioInterval {
	/** median(numerator) ÷ median(denominator) of the samples themselves. */
	ratio: number;
	low: number;
	high: number;
	confidence: number;
	iterations: number;
	/** 'paired' when both lists have one sample per round and rounds were resampled together. */
	resampling: 'paired' | 'independent';
}

/**
 * Ratio of medians with a percentile-bootstrap interval. With lists of equal length (one sample
 * per round each) whole rounds are resampled, keeping each round's samples together; otherwise
 * the lists are resampled independently.
 */
export function bootstrapRatio(numerator: readonly number[], denominator: readonly number[], opts: BootstrapOptions = {}): RatioInterval {
	const iterations = opts.iterations ?? 2000;
	const confidence = opts.confidence ?? 0.95;
	if (numerator.length === 0 || denominator.length === 0) throw new RangeError('no samples');
	if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError('iterations must be a positive integer');
	if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must lie strictly between 0 and 1');
	const paired = numerator.length === denominator.length;
	const random = seededRandom(opts.seed ?? 1);
	const pick = (n: number) => Math.floor(random() * n);
	const a = new Float64Array(numerator.length);
	const b = new Float64Array(denominator.length);
	const ratios = new Float64Array(iterations);
	for (let it = 0; it < iterations; it++) {
		if (paired) {
			for (let i = 0; i < a.length; i++) {
				const j = pick(a.length);
				a[i] = numerator[j];
				b[i] = denominator[j];
			}
		} else {
			for (let i = 0; i < a.length; i++) a[i] = numerator[pick(a.length)];
			for (let i = 0; i < b.length; i++) b[i] = denominator[pick(b.length)];
		}
		// The scratch arrays are refilled next time, so they may be sorted in place.
		ratios[it] = quantileSorted(a.sort(), 0.5) / quantileSorted(b.sort(), 0.5);
	}
	const tail = (1 - confidence) / 2;
	ratios.sort();
	return {
		ratio: median(numerator) / median(denominator),
		low: quantileSorted(ratios, tail),
		high: quantileSorted(ratios, 1 - tail),
		confidence,
		iterations,
		resampling: paired ? 'paired' : 'independent'
	};
}
