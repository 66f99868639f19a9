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
	return { run: 'shipped model', k, seed: null, top1Fused, top1Unfused, paramsFused, paramsTrainTime, curve: curveOf(r.history), source: 'shipped' };
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
