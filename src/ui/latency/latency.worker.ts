/// <reference lib="webworker" />
/**
 * The latency lab's worker: loads the network and onnxruntime-web, then runs the benchmark
 * (`$lib/bench`: build the three forms, one session each, check them, time them) off the page's
 * thread, so the page stays responsive. One worker per backend and thread count: onnxruntime-web
 * fixes its thread count when its first session is created.
 *
 * All of onnxruntime-web's files come from our own origin, at the URLs `$ui/shared/ort` gives the
 * classify page too, so each file downloads once.
 */
import {
	benchModelInfo,
	buildBenchGraphs,
	familyBenchGraphs,
	fileBenchGraphs,
	FORM_IDS,
	measureBench,
	median,
	openBenchSessions,
	type BenchGraphs,
	type BenchRuntime,
	type BenchSessions,
	type PrepareHooks,
	type FormId
} from '$lib/bench';
import type { UnfusedModel } from '$lib/mobileone/model';
import { fetchBytes, loadShippedCheckpoint, modelChoice, syntheticVariant } from '$ui/shared/models';
import { isFamilyModelId, OWN_NETWORK, type LabModelId, type ModelId } from '$lib/models';
import { loadOwnNetwork } from '$ui/yours/store';
import { requireUnfused } from '$lib/io/checkpoint';
import { WeightsError } from '$lib/core/errors';
import type { BackendId, FromWorker, Phase, ProgressStep, RunRequest, ToWorker, WorkerErrorReason } from './messages';
import { ORT_FILES } from '$ui/shared/ort';

type Ort = typeof import('onnxruntime-web');

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let ortLoaded: { ort: Ort; backend: BackendId; threads: number } | null = null;

let prepared: { model: LabModelId; bench: BenchSessions; sizeNote: string | null } | null = null;
let current: { id: number; cancel: boolean } | null = null;

let lastProgress = { at: -Infinity, phase: '' };
/** Posts progress, at most every 50 ms within one phase (a download reports every chunk). */
function progress(id: number, phase: Phase, step: ProgressStep, fraction: number | null, extra: Partial<FromWorker & { type: 'progress' }> = {}) {
	const t = performance.now();
	if (phase === lastProgress.phase && t - lastProgress.at < 50 && fraction !== 1) return;
	lastProgress = { at: t, phase };
	post({ type: 'progress', id, phase, step, fraction, ...extra });
}

/** Let queued messages (a cancel) in, without the 4 ms clamp nested timers get. */
const channel = new MessageChannel();
function pause(): Promise<void> {
	return new Promise((resolve) => {
		channel.port1.onmessage = () => resolve();
		channel.port2.postMessage(null);
	});
}

async function loadOrt(req: RunRequest): Promise<Ort> {
	if (ortLoaded) {
		if (ortLoaded.backend !== req.backend || ortLoaded.threads !== req.threads)
			throw new Error('this worker was started for another backend; the page should have started a new one');
		return ortLoaded.ort;
	}
	const gpu = req.backend === 'webgpu';
	progress(req.id, 'runtime', { step: 'runtime' }, null);
	const ort = (gpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm')) as Ort;
	const files = gpu ? ORT_FILES.webgpu : ORT_FILES.wasm;
	// Fetched here rather than by onnxruntime-web itself, to show the download's progress.
	const binary = await fetchBytes(files.binary, (loaded, total) =>
		progress(req.id, 'runtime', { step: 'runtime-bytes', loaded, total }, total ? loaded / total : null)
	);
	ort.env.wasm.wasmBinary = binary;
	ort.env.wasm.wasmPaths = { mjs: new URL(files.glue, self.location.href).href };
	ort.env.wasm.numThreads = req.threads;
	ort.env.wasm.proxy = false;
	ort.env.logLevel = 'error';
	ortLoaded = { ort, backend: req.backend, threads: req.threads };
	return ort;
}

function benchRuntime(ort: Ort, req: RunRequest): BenchRuntime {
	const gpu = req.backend === 'webgpu';
	return {
		ort,
		now: () => performance.now(),
		sessionOptions: {
			executionProviders: [gpu ? 'webgpu' : 'wasm'],
			executionMode: 'sequential',
			// Errors only: ORT's warnings (such as WebGPU leaving shape ops on the CPU, as intended)
			// would land in the console as errors.
			logSeverityLevel: 3
		},
		environment: {
			runtime: 'onnxruntime-web',
			ortVersion: ort.env.versions.web ?? ort.env.versions.common,
			backend: gpu ? 'webgpu' : 'wasm',
			threads: req.threads,
			crossOriginIsolated: self.crossOriginIsolated,
			userAgent: navigator.userAgent,
			logicalCores: navigator.hardwareConcurrency || null
		}
	};
}

async function prepare(req: RunRequest, runtime: BenchRuntime): Promise<{ bench: BenchSessions; sizeNote: string | null }> {
	// The visitor's network is read afresh each run: the /yours page may have replaced it since.
	if (prepared?.model === req.model && req.model !== OWN_NETWORK) return prepared;
	if (prepared) {
		await prepared.bench.release();
		prepared = null;
	}
	const { id } = req;
	const hooks: Hooks = { onStep: (step, fraction) => progress(id, step.phase, step, fraction), pause };
	let graphs: BenchGraphs;
	let sizeNote: string | null = null;
	if (req.model === OWN_NETWORK) {
		progress(id, 'weights', { step: 'weights-own' }, null);
		// Workers can open IndexedDB: the bytes never pass through the page.
		const kept = await loadOwnNetwork();
		if (!kept) throw new KnownFailure('no-own-network', 'no network of yours is kept in this browser; drop one on the Your network page first');
		const file = await fileBenchGraphs(kept.name, kept.bytes, hooks);
		graphs = file;
		sizeNote = file.sizeNote;
	} else if (isFamilyModelId(req.model)) graphs = await familyBenchGraphs(req.model, hooks);
	else graphs = await catalogueGraphs(req.model, id, hooks);
	const bench = await openBenchSessions(runtime, graphs, hooks);
	prepared = { model: req.model, bench, sizeNote };
	return prepared;
}

class KnownFailure extends Error {
	constructor(
		readonly reason: WorkerErrorReason,
		message: string
	) {
		super(message);
	}
}

type Hooks = Required<PrepareHooks>;

/** Our trained model, or S0–S4 with synthetic weights. */
async function catalogueGraphs(model: ModelId, id: number, hooks: Hooks): Promise<BenchGraphs> {
	const req = { model };
	let unfused: UnfusedModel;
	if (req.model === 'cifar10') {
		progress(id, 'weights', { step: 'weights-download' }, 0);
		const ck = await loadShippedCheckpoint((loaded, total) =>
			progress(id, 'weights', { step: 'weights-bytes', loaded, total }, total ? loaded / total : null)
		);
		unfused = requireUnfused(ck, 'the benchmark');
	} else {
		progress(id, 'weights', { step: 'weights-synthetic' }, null);
		await pause();
		unfused = syntheticVariant(req.model);
	}
	return buildBenchGraphs(benchModelInfo(modelChoice(req.model)), unfused, null, hooks);
}

async function run(req: RunRequest): Promise<void> {
	const { id } = req;
	current = { id, cancel: false };
	const job = current;
	try {
		const runtime = benchRuntime(await loadOrt(req), req);
		const { bench: p, sizeNote } = await prepare(req, runtime);
		post({ type: 'prepared', id, graphs: p.graphs.graphs, maxAbsDiff: p.maxAbsDiff, inputSize: p.graphs.model.inputSize, sizeNote });
		if (job.cancel) {
			post({ type: 'cancelled', id });
			return;
		}

		let lastPost = -Infinity;
		const result = await measureBench(
			runtime,
			p,
			{ budgetMs: req.budgetMs },
			{
				shouldStop: () => job.cancel,
				pause,
				onProgress: (pr, protocol) => {
					const t = runtime.now();
					if (t - lastPost < 100 && pr.fraction < 1) return;
					lastPost = t;
					if (pr.phase === 'warmup') {
						progress(id, 'warmup', { step: 'warmup', round: pr.round }, pr.fraction);
						return;
					}
					const medians: Partial<Record<FormId, number>> = {};
					for (const f of FORM_IDS) medians[f] = median(pr.samples[f]);
					progress(id, 'measure', { step: 'measure', rounds: pr.round, elapsedMs: pr.elapsedMs, budgetMs: protocol.budgetMs }, pr.fraction, {
						medians,
						rounds: pr.round
					});
				}
			}
		);
		if (!result) {
			post({ type: 'cancelled', id });
			return;
		}
		post({ type: 'result', id, result });
	} catch (e) {
		post({ type: 'error', id, message: e instanceof Error ? e.message : String(e), reason: e instanceof KnownFailure ? e.reason : undefined, code: e instanceof WeightsError ? e.code : null });
	} finally {
		if (current === job) current = null;
	}
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
	const msg = e.data;
	if (msg.type === 'cancel') {
		if (current?.id === msg.id) current.cancel = true;
	} else if (msg.type === 'run') {
		if (current) post({ type: 'error', id: msg.id, message: 'a benchmark is already running', reason: 'busy' });
		else void run(msg);
	}
};
