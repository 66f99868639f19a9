/**
 * The latency benchmark's protocol, shared by the latency lab's worker and `npm run bench:latency`
 * (both through `session.ts`). Pure TypeScript: it never touches a clock, a runtime or the DOM
 * itself; callers hand it a `now()` and a `run(form)`.
 *
 * The protocol, in order:
 *   1. Warm-up rounds (excluded), at least `warmupRounds` and `warmupMs`: the first runs of a
 *      session include compilation, allocation and cache misses, and browsers first run WebAssembly
 *      from a quick baseline compile, swapping in optimized code while it runs.
 *   2. Measured rounds until the time budget is spent (and at least `minRounds`). Each round runs
 *      every form once, in the order of a Williams design (`design.ts`).
 *   3. Per form: median, quartiles and the count; speed-ups are ratios of medians with a
 *      bootstrap interval over whole rounds (`stats.ts`, `result.ts`).
 *
 * A sample is one run, or the mean of `repeat` back-to-back runs when a single run would last
 * fewer than ~200 ticks of the clock (browsers coarsen `performance.now()` to 100 µs without
 * cross-origin isolation).
 */
import { roundOrder } from './design';

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
