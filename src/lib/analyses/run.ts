/**
 * Timing the networks of one analysis with the latency protocol (`bench/protocol.ts`), in any
 * runtime (injected, as in `bench/session.ts`): onnxruntime-web in the page's worker,
 * onnxruntime-node or -web under Node in `npm run bench:zoo`.
 *
 *  - interleaved (activations, branches): all the analysis's sessions are opened and every round
 *    runs each network once, in a Williams order, so slow drifts of the machine hit all alike;
 *  - one at a time (zoo): ~29 networks are too many to hold open in a browser tab at once, so each
 *    gets its own warm-up and an equal share of the budget, and its session is released after.
 */
import { encodeGraph, INPUT_NAME } from '../io/onnx/build';
import { seededNormal } from '../core/random';
import type { BenchRuntime } from '../bench/session';
import { runProtocol, TICKS_PER_SAMPLE, timerResolution, type ProtocolOptions } from '../bench/protocol';
import { sampleStats } from '../bench/stats';
import { countGraph } from '../zoo/count';
import type { AnalysisId, AnalysisNetwork } from './networks';
import type { AnalysisResult, TimedNetwork } from './record';

export interface AnalysisRunOptions {
	/** Measuring time for the whole analysis, ms (shared equally when networks run one at a time). */
	budgetMs: number;
	inputSize: number;
	interleave: boolean;
	/** Warm-up per session or group; default 2 rounds and 300 ms. */
	warmupRounds?: number;
	warmupMs?: number;
	/** Measured rounds at least; default 3. */
	minRounds?: number;
}

/**
 * What a run is doing, as a record with its numbers; the page and the CLI word it themselves.
 *   build   encoding a network's graph and opening its session
 *   warmup  the interleaved networks' warm-up rounds
 *   round   the interleaved networks' measured rounds, `round` done so far
 *   time    one network timed on its own (the zoo)
 *   done    every network timed
 */
export type AnalysisStep =
	| { stage: 'build' | 'time'; network: { id: string; label: string } }
	| { stage: 'warmup' }
	| { stage: 'round'; round: number }
	| { stage: 'done' };

export interface AnalysisRunHooks {
	shouldStop?(): boolean;
	pause?(): Promise<void>;
	/** What is happening and the share of the analysis done (0…1). */
	onProgress?(step: AnalysisStep, fraction: number): void;
}

interface Prepared {
	network: AnalysisNetwork;
	bytes: Uint8Array;
	macs: number;
	params: number;
}

function prepare(network: AnalysisNetwork, size: number): Prepared {
	const graph = network.build(size);
	const count = countGraph(graph);
	return { network, bytes: encodeGraph(graph), macs: count.macs, params: count.params };
}

function inputFor(size: number): Float32Array {
	const normal = seededNormal(1);
	return Float32Array.from({ length: 3 * size * size }, normal);
}

export async function runAnalysis(runtime: BenchRuntime, analysis: AnalysisId, networks: readonly AnalysisNetwork[], o: AnalysisRunOptions, hooks: AnalysisRunHooks = {}): Promise<AnalysisResult> {
	if (networks.length === 0) throw new RangeError('no networks to time');
	const resolution = timerResolution(runtime.now);
	const protocol: Partial<ProtocolOptions> = {
		warmupRounds: o.warmupRounds ?? 2,
		warmupMs: o.warmupMs ?? 300,
		minRounds: o.minRounds ?? 3,
		minSampleMs: TICKS_PER_SAMPLE * resolution
	};
	const x = inputFor(o.inputSize);
	const feeds = { [INPUT_NAME]: new runtime.ort.Tensor('float32', x, [1, 3, o.inputSize, o.inputSize]) };
	const stopped = () => hooks.shouldStop?.() ?? false;
	const timed: TimedNetwork[] = [];
	const started = runtime.now();
	let cancelled = false;
	const open = (p: Prepared) => runtime.ort.InferenceSession.create(p.bytes, { ...runtime.sessionOptions, graphOptimizationLevel: 'all' });

	const record = (p: Prepared, samples: number[], repeat: number) => {
		if (samples.length >= 2) timed.push({ id: p.network.id, label: p.network.label, highlight: p.network.highlight, macs: p.macs, params: p.params, stats: sampleStats(samples), samples, repeat });
	};

	if (o.interleave) {
		const prepared: Prepared[] = [];
		const sessions = new Map<string, Awaited<ReturnType<typeof open>>>();
		try {
			for (const [i, n] of networks.entries()) {
				hooks.onProgress?.({ stage: 'build', network: { id: n.id, label: n.label } }, (0.1 * i) / networks.length);
				await hooks.pause?.();
				if (stopped()) break;
				const p = prepare(n, o.inputSize);
				prepared.push(p);
				sessions.set(n.id, await open(p));
			}
			if (!stopped()) {
				const outcome = await runProtocol(
					prepared.map((p) => p.network.id),
					{
						run: (id) => sessions.get(id)!.run(feeds),
						now: runtime.now,
						shouldStop: hooks.shouldStop,
						pause: hooks.pause,
						onProgress: (pr) => hooks.onProgress?.(pr.phase === 'warmup' ? { stage: 'warmup' } : { stage: 'round', round: pr.round }, 0.1 + 0.9 * (pr.phase === 'warmup' ? 0 : pr.fraction))
					},
					{ ...protocol, budgetMs: o.budgetMs }
				);
				cancelled = outcome.cancelled;
				for (const p of prepared) record(p, outcome.samples[p.network.id], outcome.repeat);
			} else cancelled = true;
		} finally {
			for (const s of sessions.values()) await s.release();
		}
	} else {
		const share = o.budgetMs / networks.length;
		for (const [i, n] of networks.entries()) {
			const base = i / networks.length;
			hooks.onProgress?.({ stage: 'build', network: { id: n.id, label: n.label } }, base);
			await hooks.pause?.();
			if (stopped()) {
				cancelled = true;
				break;
			}
			const p = prepare(n, o.inputSize);
			const session = await open(p);
			try {
				const outcome = await runProtocol(
					[n.id],
					{
						run: () => session.run(feeds),
						now: runtime.now,
						shouldStop: hooks.shouldStop,
						pause: hooks.pause,
						onProgress: (pr) => hooks.onProgress?.({ stage: 'time', network: { id: n.id, label: n.label } }, base + (pr.phase === 'measure' ? pr.fraction : 0) / networks.length)
					},
					{ ...protocol, budgetMs: share }
				);
				record(p, outcome.samples[n.id], outcome.repeat);
				if (outcome.cancelled) {
					cancelled = true;
					break;
				}
			} finally {
				await session.release();
			}
		}
	}
	hooks.onProgress?.({ stage: 'done' }, 1);
	return {
		analysis,
		inputSize: o.inputSize,
		interleaved: o.interleave,
		budgetMs: o.budgetMs,
		elapsedMs: runtime.now() - started,
		cancelled,
		networks: timed
	};
}
