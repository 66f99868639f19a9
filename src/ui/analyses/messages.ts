/** Messages between the analyses page and its worker, and the words of analysis 4's chart and notes. */
import { SHIPPED_RUN, type CurveLine, type KComparison, type KGroup } from '$lib/analyses/ablation';
import { formatInt, formatPercentage } from '$lib/format';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';
import type { AnalysisId } from '$lib/analyses/networks';
import type { AnalysisStep } from '$lib/analyses/run';
import type { AnalysesRecord } from '$lib/analyses/record';

export interface RunRequest {
	type: 'run';
	id: number;
	analyses: AnalysisId[];
	budgetS: number;
	size: number;
	networks: string[] | null;
}
export type ToWorker = RunRequest | { type: 'cancel'; id: number };

/** The engine's step, or the worker loading onnxruntime-web before any analysis; the page words it (`words.ts`). */
export type AnalysisProgress = AnalysisStep | { stage: 'runtime' };

export type FromWorker =
	| { type: 'progress'; id: number; analysis: AnalysisId | null; step: AnalysisProgress; fraction: number }
	| { type: 'result'; id: number; record: AnalysesRecord }
	| { type: 'error'; id: number; message: string };

// What the page says about the training runs (analysis 4); the words are in messages/analyses.

const pct = (v: number) => `${formatPercentage(v)} %`;
const points = (d: number) => m.analyses_k_points({ sign: d >= 0 ? '+' : '−', value: formatPercentage(Math.abs(d)) });
const runs = (n: number) => (n === 1 ? m.analyses_k_runs_one() : m.analyses_k_runs_many({ count: n }));
const groupText = (g: KGroup) =>
	g.runs.length === 1
		? m.analyses_k_group_one({ k: g.k, top1: pct(g.mean) })
		: m.analyses_k_group_many({ k: g.k, mean: pct(g.mean), runs: runs(g.runs.length), min: pct(g.min), max: pct(g.max) });
const lineName = (l: Pick<CurveLine, 'k' | 'seed' | 'run'>) => (l.seed === null ? m.analyses_curve_line_run({ k: l.k, run: l.run === SHIPPED_RUN ? m.analyses_run_shipped() : l.run }) : m.analyses_curve_line_seed({ k: l.k, seed: l.seed }));

export const TRAINING_TEXT = {
	get chartTitle() {
		return m.analyses_curve_title();
	},
	get xAxis() {
		return m.analyses_curve_x();
	},
	get yAxis() {
		return m.analyses_curve_y();
	},
	get legendTitle() {
		return m.analyses_curve_legend();
	},
	lineName,
	lineTitle: (l: CurveLine) =>
		m.analyses_curve_line_title({ name: lineName(l), last: pct(l.points[l.points.length - 1].accuracy), epoch: l.points.length, fused: pct(l.top1Fused) }),
	noK1: (runName: string) => m.analyses_k_no_k1({ run: runName })
};

/** The comparison of k = 4 with k = 1 in words, saying only what the runs support. */
export function comparisonText(c: KComparison): string {
	if (c.kind === 'missing') return '';
	const head = m.analyses_k_head({
		high: groupText(c.high),
		low: groupText(c.low),
		kHigh: c.high.k,
		kLow: c.low.k,
		difference: points(c.difference),
		means: c.kind === 'seeds' ? m.analyses_k_means() : ''
	});
	const params = c.sameFusedParams ? m.analyses_k_same_params({ params: formatInt(c.high.runs[0].paramsFused, getLocale()) }) : m.analyses_k_end();
	if (c.kind === 'single-runs') return `${head}${params} ${m.analyses_k_single()}`;
	const single = [c.high, c.low].filter((g) => g.runs.length === 1).map((g) => m.analyses_k_one_run({ k: g.k }));
	const spread = c.rangesOverlap
		? m.analyses_k_overlap()
		: m.analyses_k_no_overlap({ high: runs(c.high.runs.length), low: runs(c.low.runs.length) });
	return `${head}${params} ${spread}${single.length ? ` (${single.join('; ')}.)` : ''}`;
}
