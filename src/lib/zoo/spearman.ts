/**
 * Spearman's rank correlation with ties (average ranks, then Pearson's r of the ranks) and a
 * seeded percentile-bootstrap 95 % interval over the (x, y) pairs.
 */
import { seededRandom } from '../core/random';
import { quantileSorted } from '../bench/stats';

/** Ranks 1…n, ties given the mean of the ranks they span. */
export function averageRanks(values: readonly number[]): number[] {
	const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
	const ranks = new Array<number>(values.length);
	for (let i = 0; i < order.length; ) {
		let j = i;
		while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
		const rank = (i + j) / 2 + 1;
		for (let k = i; k <= j; k++) ranks[order[k][1]] = rank;
		i = j + 1;
	}
	return ranks;
}

/** Pearson's r; NaN when either list is constant. */
export function pearson(x: readonly number[], y: readonly number[]): number {
	const n = x.length;
	const mx = x.reduce((s, v) => s + v, 0) / n;
	const my = y.reduce((s, v) => s + v, 0) / n;
	let sxy = 0;
	let sxx = 0;
	let syy = 0;
	for (let i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) ** 2;
		syy += (y[i] - my) ** 2;
	}
	return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

export function spearman(x: readonly number[], y: readonly number[]): number {
	if (x.length !== y.length) throw new RangeError(`${x.length} x values but ${y.length} y values`);
	if (x.length < 2) return NaN;
	return pearson(averageRanks(x), averageRanks(y));
}

export interface CorrelationInterval {
	rho: number;
	low: number;
	high: number;
	n: number;
	confidence: number;
	iterations: number;
}

/** ρ and a percentile-bootstrap interval, resampling pairs; resamples with a constant side are skipped. */
export function spearmanInterval(x: readonly number[], y: readonly number[], opts: { iterations?: number; confidence?: number; seed?: number } = {}): CorrelationInterval {
	const iterations = opts.iterations ?? 2000;
	const confidence = opts.confidence ?? 0.95;
	const rho = spearman(x, y);
	const n = x.length;
	const random = seededRandom(opts.seed ?? 1);
	const rhos: number[] = [];
	const bx = new Array<number>(n);
	const by = new Array<number>(n);
	for (let it = 0; it < iterations && n >= 3; it++) {
		for (let i = 0; i < n; i++) {
			const j = Math.floor(random() * n);
			bx[i] = x[j];
			by[i] = y[j];
		}
		const r = spearman(bx, by);
		if (Number.isFinite(r)) rhos.push(r);
	}
	const sorted = Float64Array.from(rhos).sort();
	const tail = (1 - confidence) / 2;
	return { rho, low: sorted.length ? quantileSorted(sorted, tail) : NaN, high: sorted.length ? quantileSorted(sorted, 1 - tail) : NaN, n, confidence, iterations };
}
