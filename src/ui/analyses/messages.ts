/** Messages between the analyses page and its worker, and the words of analysis 4's chart and notes. */
import type { CurveLine, KComparison, KGroup } from '$lib/analyses/ablation';
import { formatInt, formatPercentage } from '$lib/format';
import type { AnalysisId } from '$lib/analyses/networks';
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

export type FromWorker =
	| { type: 'progress'; id: number; analysis: AnalysisId | null; label: string; fraction: number }
	| { type: 'result'; id: number; record: AnalysesRecord }
	| { type: 'error'; id: number; message: string };

// What the page says about the training runs (analysis 4), in one place for translation.

const pct = (v: number) => `${formatPercentage(v)} %`;
const points = (d: number) => `${d >= 0 ? '+' : '−'}${formatPercentage(Math.abs(d))} points`;
const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
const groupText = (g: KGroup) => (g.runs.length === 1 ? `k = ${g.k}: ${pct(g.mean)} top-1` : `k = ${g.k}: mean ${pct(g.mean)} top-1 over ${runs(g.runs.length)} (${pct(g.min)} to ${pct(g.max)})`);

export const TRAINING_TEXT = {
	chartTitle: 'Test accuracy per epoch of every training run, by k and seed',
	xAxis: 'epoch',
	yAxis: 'test top-1, %',
	legendTitle: 'Runs',
	lineName: (l: Pick<CurveLine, 'k' | 'seed' | 'run'>) => `k = ${l.k}, ${l.seed === null ? l.run : `seed ${l.seed}`}`,
	lineTitle: (l: CurveLine) => `k = ${l.k}, ${l.seed === null ? l.run : `seed ${l.seed}`}: ${pct(l.points[l.points.length - 1].accuracy)} after epoch ${l.points.length}; ${pct(l.top1Fused)} fused`,
	noK1: (runName: string) =>
		`No k = 1 training run has been shipped yet, so there is nothing to compare the k = 4 model with. It is being trained with the same recipe (models/train_cifar10.py --k 1 --run ${runName}); the chart and this note fill in when its file lands in models/ablation/.`
};

/** The comparison of k = 4 with k = 1 in words, saying only what the runs support. */
export function comparisonText(c: KComparison): string {
	if (c.kind === 'missing') return '';
	const head = `${groupText(c.high)}; ${groupText(c.low)}. k = ${c.high.k} − k = ${c.low.k}: ${points(c.difference)}${c.kind === 'seeds' ? ' (difference of the means)' : ''}`;
	const params = c.sameFusedParams ? `, with the same ${formatInt(c.high.runs[0].paramsFused)} parameters after fusion.` : '.';
	if (c.kind === 'single-runs')
		return `${head}${params} That is one training run per k, and one seed is not a distribution: how large a difference seed-to-seed variation alone gives is not measured here, so this one may be within it.`;
	const single = [c.high, c.low].filter((g) => g.runs.length === 1).map((g) => `k = ${g.k} has one run, so its spread is not measured`);
	const spread = c.rangesOverlap
		? 'The ranges over seeds overlap: the difference is within the seed-to-seed spread measured, so these runs do not show that the extra branches help.'
		: `The ranges over seeds do not overlap; with ${runs(c.high.runs.length)} and ${runs(c.low.runs.length)} that is a small sample, not a test of significance.`;
	return `${head}${params} ${spread}${single.length ? ` (${single.join('; ')}.)` : ''}`;
}
