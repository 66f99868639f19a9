/**
 * The latency benchmark's protocol, shared by the latency lab's worker and `npm run bench:latency`.
 * Pure TypeScript: it never touches a clock, a runtime or the DOM itself; callers hand it a
 * `now()` and a `run(form)`.
 *
 * The protocol, in order:
 *   1. Warm-up rounds (excluded), at least `warmupRounds` and `warmupMs`: the first runs of a
 *      session include compilation, allocation and cache misses, and browsers first run WebAssembly
 *      from a quick baseline compile, swapping in optimized code while it runs.
 *   2. Measured rounds until the time budget is spent (and at least `minRounds`). Each round runs
 *      every form once, in an order taken from a Williams design, so over a cycle every form runs
 *      in every position and after every other form equally often: slow drifts of the machine
 *      (a background job, thermal throttling) fall on all forms alike.
 *   3. Per form: median, quartiles (d3-array's `quantile`, R-7 interpolation) and the count.
 *      Speed-ups are ratios of medians, with a seeded percentile-bootstrap interval that resamples
 *      whole rounds (the forms of one round ran back to back, under the same conditions).
 *
 * A sample is one run, or the mean of `repeat` back-to-back runs when a single run would last
 * fewer than ~200 ticks of the clock (browsers coarsen `performance.now()` to 100 µs without
 * cross-origin isolation).
 */
import { median, quantile } from 'd3-array';
import type { OnnxGraph } from '../io/onnx/build';
import { seededRandom } from '../core/random';

export const RESULT_FORMAT = 'mobileone-lab.latency/1';

// ---------------------------------------------------------------------------------------------
// The three forms of the same network

export type FormId = 'unfused-raw' | 'unfused-ort' | 'fused';
export type OrtOptimization = 'disabled' | 'all';

export interface FormDef {
	id: FormId;
	letter: 'a' | 'b' | 'c';
	/** Full name, for tables and exports. */
	label: string;
	/** A few words, for narrow charts. */
	short: string;
	/** Which ONNX graph the session loads. */
	graph: 'unfused' | 'fused';
	/** ONNX Runtime's `graphOptimizationLevel` for the session. */
	optimization: OrtOptimization;
}

export const FORMS: readonly FormDef[] = [
	{
		id: 'unfused-raw',
		letter: 'a',
		label: 'Multi-branch, ORT optimizations off',
		short: 'multi-branch, ORT opt. off',
		graph: 'unfused',
		optimization: 'disabled'
	},
	{
		id: 'unfused-ort',
		letter: 'b',
		label: 'Multi-branch, ORT optimizations on',
		short: 'multi-branch, ORT opt. on',
		graph: 'unfused',
		optimization: 'all'
	},
	{
		id: 'fused',
		letter: 'c',
		label: 'Fused by MobileOne Lab, ORT optimizations on',
		short: 'fused',
		graph: 'fused',
		optimization: 'all'
	}
];

export const FORM_IDS: readonly FormId[] = FORMS.map((f) => f.id);

export function formDef(id: FormId): FormDef {
	const f = FORMS.find((d) => d.id === id);
	if (!f) throw new RangeError(`unknown form "${id}"`);
	return f;
}

/** The speed-ups reported, numerator ÷ denominator (how many times slower the numerator runs). */
export const RATIO_PAIRS: readonly (readonly [FormId, FormId])[] = [
	['unfused-ort', 'fused'],
	['unfused-raw', 'fused'],
	['unfused-raw', 'unfused-ort']
];

// ---------------------------------------------------------------------------------------------
// Interleaving

/**
 * A Williams design for `n` treatments: rows are orders. Every treatment appears once per row;
 * over all rows, in every position equally often, and immediately after every other treatment
 * equally often (first-order carry-over balance). `n` rows for even `n`, `2n` for odd `n`.
 */
export function williamsDesign(n: number): number[][] {
	if (!Number.isInteger(n) || n < 1) throw new RangeError(`need a positive number of forms, got ${n}`);
	if (n === 1) return [[0]];
	// First row 0, 1, n−1, 2, n−2, …; row i adds i (mod n).
	const first: number[] = [0];
	for (let lo = 1, hi = n - 1, j = 1; j < n; j++) first.push(j % 2 === 1 ? lo++ : hi--);
	const rows = Array.from({ length: n }, (_, i) => first.map((v) => (v + i) % n));
	return n % 2 === 0 ? rows : [...rows, ...rows.map((r) => [...r].reverse())];
}

/** The order in which `items` run in round `round` (0-based; warm-up rounds count too). */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
	const design = williamsDesign(items.length);
	return design[round % design.length].map((i) => items[i]);
}

// ---------------------------------------------------------------------------------------------
// Statistics

export interface SampleStats {
	n: number;
	median: number;
	/** First and third quartiles (d3-array `quantile`, linear interpolation, R-7). */
	q1: number;
	q3: number;
	iqr: number;
	min: number;
	max: number;
}

export function sampleStats(samples: readonly number[]): SampleStats {
	if (samples.length === 0) throw new RangeError('no samples');
	if (samples.some((x) => !Number.isFinite(x))) throw new RangeError('samples must be finite numbers');
	const q1 = quantile(samples, 0.25)!;
	const q3 = quantile(samples, 0.75)!;
	let min = Infinity;
	let max = -Infinity;
	for (const x of samples) {
		if (x < min) min = x;
		if (x > max) max = x;
	}
	return { n: samples.length, median: median(samples)!, q1, q3, iqr: q3 - q1, min, max };
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
		ratios[it] = median(a)! / median(b)!;
	}
	const tail = (1 - confidence) / 2;
	return {
		ratio: median(numerator)! / median(denominator)!,
		low: quantile(ratios, tail)!,
		high: quantile(ratios, 1 - tail)!,
		confidence,
		iterations,
		resampling: paired ? 'paired' : 'independent'
	};
}

/**
 * The smallest step of a clock, in its own unit: the smallest positive difference between
 * consecutive readings. Browsers coarsen `performance.now()` (to 100 µs without cross-origin
 * isolation, 5 µs with it); Node's is far finer.
 */
export function timerResolution(now: () => number, steps = 20, maxReadings = 2_000_000): number {
	let best = Infinity;
	let seen = 0;
	let last = now();
	for (let i = 0; i < maxReadings && seen < steps; i++) {
		const t = now();
		if (t > last) {
			best = Math.min(best, t - last);
			seen++;
			last = t;
		}
	}
	return Number.isFinite(best) ? best : 0;
}

// ---------------------------------------------------------------------------------------------
// Running the protocol

export interface ProtocolOptions {
	/** Rounds run first and thrown away, at least; default 3. */
	warmupRounds: number;
	/** Time spent warming up, at least, ms; default 1000. */
	warmupMs: number;
	/** Measuring time after the warm-up, in ms. */
	budgetMs: number;
	/** Measured rounds at least, even past the budget; default 5. */
	minRounds: number;
	/** Measured rounds at most; default 2000. */
	maxRounds: number;
	/** A sample should last at least this long (ms); shorter runs are repeated back to back. 0 = never repeat. */
	minSampleMs: number;
	/** Repeats per sample at most; default 50. */
	maxRepeat: number;
}

export const DEFAULT_PROTOCOL: ProtocolOptions = {
	warmupRounds: 3,
	warmupMs: 1000,
	budgetMs: 10_000,
	minRounds: 5,
	maxRounds: 2000,
	minSampleMs: 0,
	maxRepeat: 50
};

/** A sample should span this many ticks of the clock, so that its rounding is under 0.5 %. */
export const TICKS_PER_SAMPLE = 200;

export interface ProtocolProgress<F extends string> {
	phase: 'warmup' | 'measure';
	/** Rounds completed in this phase. */
	round: number;
	/** Measuring time spent so far, ms (0 during warm-up). */
	elapsedMs: number;
	/** Share of the phase done, 0…1. */
	fraction: number;
	repeat: number;
	/** Samples so far (live arrays; copy before keeping). */
	samples: Readonly<Record<F, readonly number[]>>;
}

export interface ProtocolHooks<F extends string> {
	/** One inference of `form`. */
	run(form: F): Promise<unknown> | unknown;
	now(): number;
	/** Polled between rounds: stop early, keeping the rounds completed. */
	shouldStop?(): boolean;
	/** Awaited between rounds, outside any timing: lets a worker see a cancel message. */
	pause?(): Promise<void>;
	onProgress?(p: ProtocolProgress<F>): void;
}

export interface ProtocolOutcome<F extends string> {
	forms: F[];
	/** Measured samples per form, in round order: samples[f][r] comes from round r. */
	samples: Record<F, number[]>;
	/** Warm-up times per form (single runs), excluded from every statistic. */
	warmup: Record<F, number[]>;
	warmupRounds: number;
	warmupMs: number;
	rounds: number;
	/** Runs averaged into each measured sample. */
	repeat: number;
	/** Measuring time, ms. */
	elapsedMs: number;
	cancelled: boolean;
}

function emptyRecord<F extends string>(forms: readonly F[]): Record<F, number[]> {
	return Object.fromEntries(forms.map((f) => [f, [] as number[]])) as Record<F, number[]>;
}

/** Runs per sample so that the fastest form's sample lasts at least `minSampleMs`. */
export function chooseRepeat(fastestRunMs: number, minSampleMs: number, maxRepeat: number): number {
	if (!(minSampleMs > 0)) return 1;
	if (!(fastestRunMs > 0)) return maxRepeat;
	return Math.max(1, Math.min(maxRepeat, Math.ceil(minSampleMs / fastestRunMs)));
}

export async function runProtocol<F extends string>(
	forms: readonly F[],
	hooks: ProtocolHooks<F>,
	options: Partial<ProtocolOptions> = {}
): Promise<ProtocolOutcome<F>> {
	const o: ProtocolOptions = { ...DEFAULT_PROTOCOL, ...options };
	if (forms.length === 0) throw new RangeError('nothing to benchmark');
	if (new Set(forms).size !== forms.length) throw new RangeError('each form may appear only once');
	const warmup = emptyRecord(forms);
	const samples = emptyRecord(forms);
	const stopped = () => hooks.shouldStop?.() ?? false;
	let round = 0;

	const warmStart = hooks.now();
	let warmed = 0;
	for (;;) {
		const spent = hooks.now() - warmStart;
		if (stopped() || warmed >= o.maxRounds || (warmed >= o.warmupRounds && spent >= o.warmupMs)) break;
		for (const f of roundOrder(forms, round)) {
			const t0 = hooks.now();
			await hooks.run(f);
			warmup[f].push(hooks.now() - t0);
		}
		round++;
		warmed++;
		const fraction = Math.min(1, o.warmupRounds > 0 ? warmed / o.warmupRounds : 1, o.warmupMs > 0 ? (hooks.now() - warmStart) / o.warmupMs : 1);
		hooks.onProgress?.({ phase: 'warmup', round: warmed, elapsedMs: 0, fraction, repeat: 1, samples });
		await hooks.pause?.();
	}

	// The last warm-up round is the best guess of a warm run's length.
	const lastWarm = Math.min(...forms.map((f) => warmup[f][warmup[f].length - 1] ?? Infinity));
	const repeat = chooseRepeat(Number.isFinite(lastWarm) ? lastWarm : 0, o.minSampleMs, o.maxRepeat);

	const warmupMs = hooks.now() - warmStart;
	const start = hooks.now();
	let elapsed = 0;
	let rounds = 0;
	let cancelled = false;
	for (;;) {
		if (stopped()) {
			cancelled = true;
			break;
		}
		if (rounds >= o.maxRounds || (rounds >= o.minRounds && elapsed >= o.budgetMs)) break;
		for (const f of roundOrder(forms, round)) {
			const t0 = hooks.now();
			for (let i = 0; i < repeat; i++) await hooks.run(f);
			samples[f].push((hooks.now() - t0) / repeat);
		}
		round++;
		rounds++;
		elapsed = hooks.now() - start;
		const fraction = Math.min(1, Math.max(Math.min(elapsed / o.budgetMs, rounds / o.minRounds), rounds / o.maxRounds));
		hooks.onProgress?.({ phase: 'measure', round: rounds, elapsedMs: elapsed, fraction, repeat, samples });
		await hooks.pause?.();
	}
	return { forms: [...forms], samples, warmup, warmupRounds: warmed, warmupMs, rounds, repeat, elapsedMs: elapsed, cancelled };
}

// ---------------------------------------------------------------------------------------------
// Graph sizes

export interface GraphSize {
	nodes: number;
	/** Node count per op type. */
	byType: Record<string, number>;
	/** Float values in initializers. */
	parameters: number;
	/** Size of the ONNX file; null for a graph that exists only inside ONNX Runtime. */
	bytes: number | null;
}

/**
 * The unfused graph as ONNX Runtime's basic optimization level leaves it: every BatchNormalization
 * that reads a Conv's output (the Conv feeding nothing else) is folded into that Conv, which gains
 * a bias. The BatchNorm-only skips stay; so do the parallel branches and their Sum, because ORT has
 * no rule that merges convolutions running side by side. The unit tests check this against the
 * graph onnxruntime-node writes out.
 */
export function ortFoldedSize(graph: OnnxGraph): GraphSize {
	const producer = new Map<string, (typeof graph.nodes)[number]>();
	const consumers = new Map<string, number>();
	for (const n of graph.nodes) {
		for (const out of n.outputs) producer.set(out, n);
		for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
	}
	const sizeOf = new Map(graph.initializers.map((t) => [t.name, t.data.length]));
	let parameters = 0;
	for (const t of graph.initializers) parameters += t.data.length;
	const byType: Record<string, number> = {};
	let nodes = 0;
	for (const n of graph.nodes) {
		if (n.opType === 'BatchNormalization') {
			const src = producer.get(n.inputs[0]);
			if (src && src.opType === 'Conv' && consumers.get(n.inputs[0]) === 1) {
				// γ, β, μ, σ² go; the conv gains a bias of one value per channel (if it had none).
				const channels = sizeOf.get(n.inputs[1]) ?? 0;
				parameters -= 4 * channels;
				if (src.inputs.length < 3) parameters += channels;
				continue;
			}
		}
		byType[n.opType] = (byType[n.opType] ?? 0) + 1;
		nodes++;
	}
	return { nodes, byType, parameters, bytes: null };
}

// ---------------------------------------------------------------------------------------------
// Result records

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

export interface FormResult {
	id: FormId;
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

export interface RatioResult extends RatioInterval {
	numerator: FormId;
	denominator: FormId;
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
}

export interface ResultInput {
	model: ModelInfo;
	environment: EnvironmentInfo;
	protocol: ProtocolOptions;
	outcome: ProtocolOutcome<FormId>;
	graphs?: Partial<Record<FormId, GraphSize>>;
	maxAbsDiff?: Partial<Record<FormId, number>>;
	createdAt?: Date;
	bootstrap?: BootstrapOptions;
}

export function buildResult(input: ResultInput): LatencyResult {
	const { outcome } = input;
	if (outcome.rounds < 2) throw new RangeError(`a result needs at least 2 measured rounds, got ${outcome.rounds}`);
	const forms: FormResult[] = outcome.forms.map((id) => {
		const d = formDef(id);
		return {
			id,
			letter: d.letter,
			label: d.label,
			optimization: d.optimization,
			graph: input.graphs?.[id] ?? null,
			stats: sampleStats(outcome.samples[id]),
			samples: outcome.samples[id].slice(),
			warmup: outcome.warmup[id].slice(),
			maxAbsDiff: input.maxAbsDiff?.[id] ?? null
		};
	});
	const ratios: RatioResult[] = RATIO_PAIRS.filter(([n, d]) => outcome.forms.includes(n) && outcome.forms.includes(d)).map(([n, d]) => ({
		numerator: n,
		denominator: d,
		...bootstrapRatio(outcome.samples[n], outcome.samples[d], input.bootstrap)
	}));
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
		ratios
	};
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** Milliseconds with three significant digits, never in exponent notation. */
export function formatMs(ms: number): string {
	if (!Number.isFinite(ms)) return String(ms);
	const a = Math.abs(ms);
	if (a >= 100) return ms.toFixed(0);
	if (a >= 10) return ms.toFixed(1);
	if (a >= 1) return ms.toFixed(2);
	return ms.toFixed(3);
}

export function formatRatio(r: number): string {
	return `${r.toFixed(r >= 10 ? 1 : 2)}×`;
}

export function formatInterval(r: RatioInterval): string {
	return `${r.low.toFixed(2)}–${r.high.toFixed(2)}`;
}

/** A float difference, short: `0`, `3.1e-6`. */
export function formatDiff(d: number | null): string {
	if (d === null) return '—';
	if (d === 0) return '0';
	return d.toExponential(1);
}

export function formatThreads(env: EnvironmentInfo): string {
	return `${env.threads} thread${env.threads === 1 ? '' : 's'}`;
}

export function describeBackend(env: EnvironmentInfo): string {
	const name = env.backend === 'wasm' ? 'WebAssembly' : env.backend === 'webgpu' ? 'WebGPU' : env.backend === 'cpu' ? 'native CPU' : env.backend;
	return env.backend === 'webgpu' ? name : `${name}, ${formatThreads(env)}`;
}

function ratioAgainst(result: LatencyResult, id: FormId, denominator: FormId = 'fused'): RatioResult | undefined {
	return result.ratios.find((r) => r.numerator === id && r.denominator === denominator);
}

/** The details a reader needs to judge a number, as label/value pairs. */
export function environmentRows(result: LatencyResult): [string, string][] {
	const e = result.environment;
	const p = result.protocol;
	return [
		['model', `${result.model.label}, ${result.model.inputSize}×${result.model.inputSize} input, ${result.model.weights} weights`],
		['runtime', `${e.runtime} ${e.ortVersion}`],
		['backend', describeBackend(e)],
		['threads', String(e.threads)],
		['cross-origin isolated', e.crossOriginIsolated === null ? 'n/a' : e.crossOriginIsolated ? 'yes' : 'no'],
		['logical cores', e.logicalCores === null ? 'unknown' : String(e.logicalCores)],
		['timer resolution', `${(e.timerResolutionMs * 1000).toPrecision(2)} µs`],
		['user agent', e.userAgent],
		[
			'protocol',
			`${p.warmupRoundsRun} warm-up rounds (${(p.warmupElapsedMs / 1000).toFixed(1)} s) excluded; ${p.rounds} measured rounds in ${(p.elapsedMs / 1000).toFixed(1)} s, forms interleaved (Williams design)` +
				(p.repeat > 1 ? `; each sample is the mean of ${p.repeat} back-to-back runs` : '') +
				(p.cancelled ? '; stopped early' : '')
		],
		['measured', result.createdAt]
	];
}

function markdownCell(s: string): string {
	return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(result: LatencyResult): string {
	const lines: string[] = [];
	lines.push(`### MobileOne latency: ${result.model.label} on ${describeBackend(result.environment)}`, '');
	lines.push('| form | median (ms) | IQR (ms) | runs | vs fused (95% CI) | max abs diff vs (a) |');
	lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
	for (const f of result.forms) {
		const r = ratioAgainst(result, f.id);
		const runs = f.stats.n * result.protocol.repeat;
		lines.push(
			`| (${f.letter}) ${markdownCell(f.label)} | ${formatMs(f.stats.median)} | ${formatMs(f.stats.q1)}–${formatMs(f.stats.q3)} | ${runs} | ${
				f.id === 'fused' ? '1×' : r ? `${formatRatio(r.ratio)} (${formatInterval(r)})` : '—'
			} | ${formatDiff(f.maxAbsDiff)} |`
		);
	}
	lines.push('');
	for (const [k, v] of environmentRows(result)) lines.push(`- ${k}: ${markdownCell(v)}`);
	lines.push('', '_Measured with MobileOne Lab’s latency lab._');
	return lines.join('\n') + '\n';
}

function csvCell(v: string | number | boolean | null): string {
	if (v === null) return '';
	const s = String(v);
	return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = [
	'model',
	'input_size',
	'weights',
	'form',
	'form_label',
	'ort_optimization',
	'median_ms',
	'q1_ms',
	'q3_ms',
	'iqr_ms',
	'min_ms',
	'max_ms',
	'samples',
	'runs_per_sample',
	'speedup_vs_fused',
	'ci_low',
	'ci_high',
	'max_abs_diff_vs_a',
	'graph_nodes',
	'runtime',
	'ort_version',
	'backend',
	'threads',
	'cross_origin_isolated',
	'logical_cores',
	'timer_resolution_ms',
	'user_agent',
	'measured_at'
] as const;

/** One row per form and result; every row carries the device details, so rows can be pooled. */
export function toCsv(results: LatencyResult | readonly LatencyResult[]): string {
	const list = Array.isArray(results) ? results : [results as LatencyResult];
	const rows: string[] = [CSV_COLUMNS.join(',')];
	for (const result of list) {
		const e = result.environment;
		for (const f of result.forms) {
			const r = ratioAgainst(result, f.id);
			const s = f.stats;
			const cells: (string | number | boolean | null)[] = [
				result.model.id,
				result.model.inputSize,
				result.model.weights,
				f.id,
				`(${f.letter}) ${f.label}`,
				f.optimization,
				s.median,
				s.q1,
				s.q3,
				s.iqr,
				s.min,
				s.max,
				s.n,
				result.protocol.repeat,
				f.id === 'fused' ? 1 : (r?.ratio ?? null),
				f.id === 'fused' ? null : (r?.low ?? null),
				f.id === 'fused' ? null : (r?.high ?? null),
				f.maxAbsDiff,
				f.graph?.nodes ?? null,
				e.runtime,
				e.ortVersion,
				e.backend,
				e.threads,
				e.crossOriginIsolated,
				e.logicalCores,
				e.timerResolutionMs,
				e.userAgent,
				result.createdAt
			];
			rows.push(cells.map(csvCell).join(','));
		}
	}
	return rows.join('\n') + '\n';
}

/** The result as JSON text; numbers keep 6 significant digits, to keep files small. */
export function toJson(results: LatencyResult | readonly LatencyResult[]): string {
	return JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v), 2) + '\n';
}
