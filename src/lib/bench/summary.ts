/**
 * A latency result shaped for reading: the headline speed-ups said the natural way round and the
 * rows of the history table.
 */
import type { FormId } from './forms';
import { ratioOf, type LatencyResult } from './result';
import type { RatioInterval } from './stats';

/** Why each pair is worth a headline. */
const DETAILS: { num: FormId; den: FormId; detail: string }[] = [
	{ num: 'unfused-ort', den: 'fused', detail: 'what fusion adds on top of ONNX Runtime’s own optimizations' },
	{ num: 'unfused-raw', den: 'fused', detail: 'against the multi-branch graph run exactly as written' },
	{ num: 'unfused-raw', den: 'unfused-ort', detail: 'what ONNX Runtime’s optimizations alone do for the multi-branch graph' }
];

export interface Verdict {
	/** ≥ 1: how many times faster (or slower) the denominator runs. */
	factor: number;
	word: 'faster' | 'slower';
	low: number;
	high: number;
	/** The interval includes 1: no clear difference either way. */
	unclear: boolean;
}

/** A ratio time(num) ÷ time(den), said the way round that reads naturally: "den is r× faster/slower than num". */
export function verdict(r: Pick<RatioInterval, 'ratio' | 'low' | 'high'>): Verdict {
	const faster = r.ratio >= 1;
	return {
		factor: faster ? r.ratio : 1 / r.ratio,
		word: faster ? 'faster' : 'slower',
		low: faster ? r.low : 1 / r.high,
		high: faster ? r.high : 1 / r.low,
		unclear: r.low <= 1 && r.high >= 1
	};
}

export interface Headline {
	num: FormId;
	den: FormId;
	detail: string;
	verdict: Verdict;
}

/** The speed-ups worth a headline, the fused form against `rival` first. */
export function headlines(result: LatencyResult, rival: FormId = result.strongestUnfused): Headline[] {
	const main = DETAILS.find((d) => d.num === rival && d.den === 'fused') ?? { num: rival, den: 'fused' as FormId, detail: '' };
	return [main, ...DETAILS.filter((d) => d !== main)].flatMap((d) => {
		const r = ratioOf(result, d.num, d.den);
		return r ? [{ ...d, verdict: verdict(r) }] : [];
	});
}

/** What one run in the history table shows. */
export interface HistoryRow {
	key: string;
	model: string;
	environment: LatencyResult['environment'];
	fusedMedian: number | null;
	/** time(rival) ÷ time(fused) and time(a) ÷ time(fused). */
	rivalRatio: number | null;
	rawRatio: number | null;
}

export function historyRow(result: LatencyResult, rival: FormId = result.strongestUnfused): HistoryRow {
	return {
		key: result.createdAt,
		model: result.model.label,
		environment: result.environment,
		fusedMedian: result.forms.find((f) => f.id === 'fused')?.stats.median ?? null,
		rivalRatio: ratioOf(result, rival, 'fused')?.ratio ?? null,
		rawRatio: ratioOf(result, 'unfused-raw', 'fused')?.ratio ?? null
	};
}
