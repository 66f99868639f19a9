/**
 * What over-parameterization buys: the training runs of our CIFAR-10 MobileOne at different k,
 * read from the files `models/train_cifar10.py` writes (`models/ablation/RUN.json`, format
 * `mobileone-lab.ablation/1`, and the shipped k = 4 model's `mobileone-cifar10.metrics.json`).
 * Only numbers the files hold are shown; nothing is filled in.
 */
export const ABLATION_FORMAT = 'mobileone-lab.ablation/1';

export interface TrainingRun {
	run: string;
	k: number;
	seed: number | null;
	top1Fused: number;
	top1Unfused: number;
	paramsFused: number;
	paramsTrainTime: number;
	/** Test accuracy per epoch, %. */
	curve: number[];
	source: 'ablation' | 'shipped';
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function curveOf(history: unknown): number[] {
	if (!Array.isArray(history)) return [];
	return history.map((h) => num((h as { testAcc?: unknown })?.testAcc)).filter((v): v is number => v !== null).map((a) => (a <= 1 ? 100 * a : a));
}

/** A run from an ablation file's parsed JSON, or null when it is not one. */
export function ablationRun(raw: unknown): TrainingRun | null {
	if (typeof raw !== 'object' || raw === null) return null;
	const r = raw as Record<string, unknown>;
	const k = num(r.k);
	const top1Fused = num(r.top1Fused);
	const top1Unfused = num(r.top1Unfused);
	const paramsFused = num(r.paramsFused);
	const paramsTrainTime = num(r.paramsTrainTime);
	if (r.format !== ABLATION_FORMAT || k === null || top1Fused === null || top1Unfused === null || paramsFused === null || paramsTrainTime === null) return null;
	return { run: typeof r.run === 'string' ? r.run : `k${k}`, k, seed: num(r.seed), top1Fused, top1Unfused, paramsFused, paramsTrainTime, curve: curveOf(r.history), source: 'ablation' };
}

/** The shipped model's run name (a page shows its own words for it). */
export const SHIPPED_RUN = 'shipped model';

/** The shipped model (k from its spec's stages) as a run, or null when its metrics lack a number. */
export function shippedRun(raw: unknown): TrainingRun | null {
	if (typeof raw !== 'object' || raw === null) return null;
	const r = raw as Record<string, unknown>;
	const stages = (r.spec as { stages?: { k?: unknown }[] } | undefined)?.stages;
	const k = num(stages?.[0]?.k);
	const top1Fused = num(r.top1Fused);
	const top1Unfused = num(r.top1Unfused);
	const paramsFused = num(r.paramsFused);
	const paramsTrainTime = num(r.paramsTrainTime);
	if (k === null || top1Fused === null || top1Unfused === null || paramsFused === null || paramsTrainTime === null) return null;
	return { run: SHIPPED_RUN, k, seed: null, top1Fused, top1Unfused, paramsFused, paramsTrainTime, curve: curveOf(r.history), source: 'shipped' };
}

export interface KGroup {
	k: number;
	runs: TrainingRun[];
	/** Mean top-1 of the fused networks, and the range over seeds when there are several. */
	mean: number;
	min: number;
	max: number;
}

/** Runs grouped by k, ascending. */
export function groupByK(runs: readonly TrainingRun[]): KGroup[] {
	const ks = [...new Set(runs.map((r) => r.k))].sort((a, b) => a - b);
	return ks.map((k) => {
		const group = runs.filter((r) => r.k === k);
		const top = group.map((r) => r.top1Fused);
		return { k, runs: group, mean: top.reduce((s, v) => s + v, 0) / top.length, min: Math.min(...top), max: Math.max(...top) };
	});
}

/** One line of the training-curve chart: a run's test accuracy per epoch, styled by its k and seed. */
export interface CurveLine {
	run: string;
	k: number;
	seed: number | null;
	/** Index into the chart's colours: one per k, in ascending k. */
	colorIndex: number;
	/** Index into the chart's dash patterns: one per run within its k, in ascending seed (unknown seed last). */
	dashIndex: number;
	points: { epoch: number; accuracy: number }[];
	/** Top-1 of the fused network after training (the end of the line may differ: it is the unfused eval of the last epoch). */
	top1Fused: number;
}

/** The lines of the chart, one per run with a curve, and the epoch and accuracy ranges they span. */
export function curveLines(runs: readonly TrainingRun[]): { lines: CurveLine[]; epochs: number; accuracy: [number, number] } {
	const groups = groupByK(runs.filter((r) => r.curve.length > 0));
	const lines = groups.flatMap((g, colorIndex) =>
		[...g.runs]
			.sort((a, b) => (a.seed ?? Infinity) - (b.seed ?? Infinity) || (a.run < b.run ? -1 : 1))
			.map((r, dashIndex) => ({ run: r.run, k: r.k, seed: r.seed, colorIndex, dashIndex, top1Fused: r.top1Fused, points: r.curve.map((accuracy, i) => ({ epoch: i + 1, accuracy })) }))
	);
	const all = lines.flatMap((l) => l.points.map((p) => p.accuracy));
	return { lines, epochs: Math.max(0, ...lines.map((l) => l.points.length)), accuracy: all.length ? [Math.min(...all), Math.max(...all)] : [0, 100] };
}

/**
 * What the runs support saying about k = 4 against k = 1, as a record the page words: nothing
 * without both; with one run per k, the two numbers and their difference, flagged as single runs
 * (one seed is not a distribution); with several seeds of either, means, ranges and whether the
 * ranges overlap (if they do, the difference is within the seed-to-seed spread measured).
 */
export type KComparison =
	| { kind: 'missing'; missing: number[] }
	| {
			kind: 'single-runs' | 'seeds';
			high: KGroup;
			low: KGroup;
			/** mean(k = high) − mean(k = low), percentage points. */
			difference: number;
			/** Only with seeds: the two groups' [min, max] ranges overlap. */
			rangesOverlap: boolean;
			/** Every run of both groups fuses to the same number of parameters. */
			sameFusedParams: boolean;
	  };

export function compareK(runs: readonly TrainingRun[], high = 4, low = 1): KComparison {
	const groups = groupByK(runs);
	const hi = groups.find((g) => g.k === high);
	const lo = groups.find((g) => g.k === low);
	if (!hi || !lo) return { kind: 'missing', missing: [low, high].filter((k) => !groups.some((g) => g.k === k)) };
	const fused = new Set([...hi.runs, ...lo.runs].map((r) => r.paramsFused));
	return {
		kind: hi.runs.length === 1 && lo.runs.length === 1 ? 'single-runs' : 'seeds',
		high: hi,
		low: lo,
		difference: hi.mean - lo.mean,
		rangesOverlap: hi.min <= lo.max && lo.min <= hi.max,
		sameFusedParams: fused.size === 1
	};
}
