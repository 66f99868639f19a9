/**
 * The record a benchmark run leaves: what was timed, where, how, and the statistics. It is what the
 * page shows, what the exports write and what `npm run bench:latency -- --json` prints.
 */
import { formDef, FORM_IDS, RATIO_PAIRS, REFERENCE_FORM, REFERENCE_RATIO_PAIRS, UNFUSED_FORM_IDS } from './forms';
import type { BenchFormId, FormDef, FormId, OrtOptimization, ReferenceId, UnfusedFormId } from './forms';
import type { GraphSize } from './graphs';
import type { ProtocolOptions, ProtocolOutcome } from './protocol';
import { bootstrapRatio, sampleStats, type BootstrapOptions, type RatioInterval, type SampleStats } from './stats';

export const RESULT_FORMAT = 'mobileone-lab.latency/1';

export interface ModelInfo {
	/** `cifar10`, `s0` … `s4` */
	id: string;
	label: string;
	/** Square input side, pixels. */
	inputSize: number;
	/** 'trained' or e.g. 'synthetic (seed 7)'. Latency does not depend on weight values. */
	weights: string;
}

export interface EnvironmentInfo {
	runtime: 'onnxruntime-web' | 'onnxruntime-node';
	ortVersion: string;
	/** 'wasm', 'webgpu' (onnxruntime-web) or 'cpu' (onnxruntime-node). */
	backend: string;
	threads: number;
	/** `self.crossOriginIsolated`; null outside a browser. */
	crossOriginIsolated: boolean | null;
	/** `navigator.userAgent`, or Node's version and platform. */
	userAgent: string;
	logicalCores: number | null;
	/** Smallest step of the clock used, ms. */
	timerResolutionMs: number;
}

interface TimedForm<Id extends BenchFormId> {
	id: Id;
	letter: FormDef['letter'];
	label: string;
	optimization: OrtOptimization;
	graph: GraphSize | null;
	stats: SampleStats;
	samples: number[];
	warmup: number[];
	/** Largest |difference| of its output from form (a)'s on the benchmark input; null for (a). */
	maxAbsDiff: number | null;
}

export type FormResult = TimedForm<FormId>;

export interface RatioResult extends RatioInterval {
	numerator: FormId;
	denominator: FormId;
}

export interface ReferenceRatio extends RatioInterval {
	numerator: BenchFormId;
	denominator: BenchFormId;
}

/** The reference graph, timed in the same rounds as our forms. */
export interface ReferenceResult extends TimedForm<ReferenceId> {
	/** Who made the graph, e.g. "torch 2.4.1, torch.onnx.export, eval mode, opset 17". */
	source: string;
	/** Our forms against it, and it against (c): see REFERENCE_RATIO_PAIRS. */
	ratios: ReferenceRatio[];
}

export interface LatencyResult {
	format: typeof RESULT_FORMAT;
	createdAt: string;
	model: ModelInfo;
	environment: EnvironmentInfo;
	protocol: ProtocolOptions & {
		order: 'williams';
		/** Warm-up rounds actually run, and the time they took (ms). */
		warmupRoundsRun: number;
		warmupElapsedMs: number;
		rounds: number;
		repeat: number;
		elapsedMs: number;
		cancelled: boolean;
	};
	forms: FormResult[];
	ratios: RatioResult[];
	/**
	 * The faster of the multi-branch forms here (lower median): the baseline of the headline
	 * speed-up, so fusion is credited only with what ONNX Runtime could not do on its own.
	 */
	strongestUnfused: UnfusedFormId;
	/** PyTorch's export of the same network, when it was timed (the CLI, with torch installed). */
	reference: ReferenceResult | null;
}

export interface ResultInput {
	model: ModelInfo;
	environment: EnvironmentInfo;
	protocol: ProtocolOptions;
	/** Our three forms, with or without the reference. */
	outcome: ProtocolOutcome<FormId> | ProtocolOutcome<BenchFormId>;
	graphs?: Partial<Record<BenchFormId, GraphSize>>;
	maxAbsDiff?: Partial<Record<BenchFormId, number>>;
	/** Required when the outcome holds the reference form. */
	referenceSource?: string;
	createdAt?: Date;
	bootstrap?: BootstrapOptions;
}

/** The outcome's per-form lists, looked up by any form id (present ones only, as callers check). */
function series(input: ResultInput, id: BenchFormId): { samples: number[]; warmup: number[] } {
	const o = input.outcome as ProtocolOutcome<BenchFormId>;
	return { samples: o.samples[id], warmup: o.warmup[id] };
}

function timed<Id extends BenchFormId>(id: Id, input: ResultInput): TimedForm<Id> {
	const d = formDef(id);
	const { samples, warmup } = series(input, id);
	return {
		id,
		letter: d.letter,
		label: d.label,
		optimization: d.optimization,
		graph: input.graphs?.[id] ?? null,
		stats: sampleStats(samples),
		samples: samples.slice(),
		warmup: warmup.slice(),
		maxAbsDiff: input.maxAbsDiff?.[id] ?? null
	};
}

function ratiosOf<N extends BenchFormId, D extends BenchFormId>(pairs: readonly (readonly [N, D])[], input: ResultInput) {
	const forms: readonly BenchFormId[] = input.outcome.forms;
	return pairs
		.filter(([n, d]) => forms.includes(n) && forms.includes(d))
		.map(([n, d]) => ({ numerator: n, denominator: d, ...bootstrapRatio(series(input, n).samples, series(input, d).samples, input.bootstrap) }));
}

export function buildResult(input: ResultInput): LatencyResult {
	const outcome = input.outcome as ProtocolOutcome<BenchFormId>;
	if (outcome.rounds < 2) throw new RangeError(`a result needs at least 2 measured rounds, got ${outcome.rounds}`);
	const forms = outcome.forms.filter((id): id is FormId => (FORM_IDS as readonly BenchFormId[]).includes(id)).map((id) => timed(id, input));
	const unfused = forms.filter((f): f is FormResult & { id: UnfusedFormId } => (UNFUSED_FORM_IDS as readonly FormId[]).includes(f.id));
	if (unfused.length === 0) throw new RangeError('a result needs at least one multi-branch form');
	// Ties go to the earlier form, (a), whose graph ORT runs as written.
	const strongest = unfused.reduce((best, f) => (f.stats.median < best.stats.median ? f : best));
	let reference: ReferenceResult | null = null;
	if (outcome.forms.includes(REFERENCE_FORM.id)) {
		if (!input.referenceSource) throw new RangeError('a timed reference needs its source');
		reference = { ...timed(REFERENCE_FORM.id, input), source: input.referenceSource, ratios: ratiosOf(REFERENCE_RATIO_PAIRS, input) };
	}
	return {
		format: RESULT_FORMAT,
		createdAt: (input.createdAt ?? new Date()).toISOString(),
		model: input.model,
		environment: input.environment,
		protocol: {
			...input.protocol,
			order: 'williams',
			warmupRoundsRun: outcome.warmupRounds,
			warmupElapsedMs: outcome.warmupMs,
			rounds: outcome.rounds,
			repeat: outcome.repeat,
			elapsedMs: outcome.elapsedMs,
			cancelled: outcome.cancelled
		},
		forms,
		ratios: ratiosOf(RATIO_PAIRS, input),
		strongestUnfused: strongest.id,
		reference
	};
}

/** The headline speed-up: the strongest multi-branch form ÷ the fused one; undefined without (c). */
export function headlineRatio(result: LatencyResult): RatioResult | undefined {
	return result.ratios.find((r) => r.numerator === result.strongestUnfused && r.denominator === 'fused');
}

/** `id`'s median ÷ `denominator`'s, with its interval, from our forms' ratios or the reference's. */
export function ratioOf(result: LatencyResult, id: BenchFormId, denominator: BenchFormId): RatioInterval | undefined {
	const all: (RatioInterval & { numerator: BenchFormId; denominator: BenchFormId })[] = [...result.ratios, ...(result.reference?.ratios ?? [])];
	return all.find((r) => r.numerator === id && r.denominator === denominator);
}
