/**
 * A latency result shaped for reading: the headline speed-ups said the natural way round, the rows
 * of the history table, the one-line description of each network. Pure and DOM-free; it belongs
 * with `$lib/bench` and sits here only until that module's owner takes it.
 */
import type { FormId, LatencyResult, RatioResult } from '$lib/bench';
import { variantSpec, isVariantName } from '$lib/mobileone/spec';
import type { ModelId } from '$lib/models';

/**
 * The unfused form the fused one is judged against in the headline: the fastest multi-branch
 * graph the result has. Results name it themselves once they carry a reference export; until
 * then it is (b), the multi-branch graph with ONNX Runtime's own optimizations.
 */
export function strongestUnfused(_result: LatencyResult): FormId {
	return 'unfused-ort';
}

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
export function verdict(r: Pick<RatioResult, 'ratio' | 'low' | 'high'>): Verdict {
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

export function ratioOf(result: LatencyResult, num: FormId, den: FormId): RatioResult | undefined {
	return result.ratios.find((r) => r.numerator === num && r.denominator === den);
}

/** The speed-ups worth a headline, the fused form against `rival` first. */
export function headlines(result: LatencyResult, rival: FormId = strongestUnfused(result)): Headline[] {
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

export function historyRow(result: LatencyResult, rival: FormId = strongestUnfused(result)): HistoryRow {
	return {
		key: result.createdAt,
		model: result.model.label,
		environment: result.environment,
		fusedMedian: result.forms.find((f) => f.id === 'fused')?.stats.median ?? null,
		rivalRatio: ratioOf(result, rival, 'fused')?.ratio ?? null,
		rawRatio: ratioOf(result, 'unfused-raw', 'fused')?.ratio ?? null
	};
}

/** One line under a network's name in the picker: "224×224 · synthetic weights · k = 1 · squeeze-excite". */
export function modelDetails(id: ModelId): string {
	if (id === 'cifar10') return '32×32 · trained weights · k = 4';
	if (!isVariantName(id)) return '';
	const spec = variantSpec(id);
	const se = spec.stages.some((s) => s.seBlocks > 0);
	return `${spec.inputSize}×${spec.inputSize} · synthetic weights · k = ${spec.stages[0].k}${se ? ' · squeeze-excite' : ''}`;
}
