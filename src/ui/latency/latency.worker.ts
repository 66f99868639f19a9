/// <reference lib="webworker" />
/**
 * The latency lab's worker: builds the three forms of a network, creates one onnxruntime-web
 * session per form and runs the benchmark protocol (src/lib/benchmark.ts), so the page stays
 * responsive. One worker per backend and thread count: onnxruntime-web fixes its thread count
 * when its first session is created.
 *
 * All of onnxruntime-web's files come from our own origin, at the URLs `$ui/shared/ort` gives the
 * classify page too, so each file downloads once.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import {
	buildResult,
	DEFAULT_PROTOCOL,
	FORM_IDS,
	FORMS,
	ortFoldedSize,
	runProtocol,
	TICKS_PER_SAMPLE,
	timerResolution,
	type FormId,
	type GraphSize,
	type ProtocolOptions
} from '$lib/bench';
import { buildOnnx, onnxGraph, summarizeGraph } from '$lib/io/onnx/build';
import { fuseModel } from '$lib/mobileone/reparam';
import { randomInput } from '$lib/mobileone/synthetic';
import { maxAbsDiff } from '$lib/core/tensor';
import type { UnfusedModel } from '$lib/mobileone/model';
import { fetchBytes, loadShippedCheckpoint, MODEL_CHOICES, SYNTHETIC_SEED, syntheticVariant, type ModelId } from '$ui/shared/models';
import type { BackendId, FromWorker, Phase, RunRequest, ToWorker } from './messages';
import { ORT_FILES } from '$ui/shared/ort';

type Ort = typeof import('onnxruntime-web');

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let ortLoaded: { ort: Ort; backend: BackendId; threads: number } | null = null;

interface Prepared {
	model: ModelId;
	sessions: Map<FormId, InferenceSession>;
	feeds: Record<string, Tensor>;
	graphs: Record<FormId, GraphSize>;
	maxAbsDiff: Partial<Record<FormId, number>>;
	inputSize: number;
}
let prepared: Prepared | null = null;
let current: { id: number; cancel: boolean } | null = null;

let lastProgress = { at: -Infinity, phase: '' };
/** Posts progress, at most every 50 ms within one phase (a download reports every chunk). */
function progress(id: number, phase: Phase, label: string, fraction: number | null, extra: Partial<FromWorker & { type: 'progress' }> = {}) {
	const t = performance.now();
	if (phase === lastProgress.phase && t - lastProgress.at < 50 && fraction !== 1) return;
	lastProgress = { at: t, phase };
	post({ type: 'progress', id, phase, label, fraction, ...extra });
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

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
	progress(req.id, 'runtime', 'Loading onnxruntime-web', null);
	const ort = (gpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm')) as Ort;
	const files = gpu ? ORT_FILES.webgpu : ORT_FILES.wasm;
	// Fetched here rather than by onnxruntime-web itself, to show the download's progress.
	const binary = await fetchBytes(files.binary, (loaded, total) =>
		progress(req.id, 'runtime', `Loading onnxruntime-web’s WebAssembly: ${MB(loaded)}${total ? ` of ${MB(total)}` : ''}`, total ? loaded / total : null)
	);
	ort.env.wasm.wasmBinary = binary;
	ort.env.wasm.wasmPaths = { mjs: new URL(files.glue, self.location.href).href };
	ort.env.wasm.numThreads = req.threads;
	ort.env.wasm.proxy = false;
	ort.env.logLevel = 'error';
	ortLoaded = { ort, backend: req.backend, threads: req.threads };
	return ort;
}

async function prepare(req: RunRequest, ort: Ort): Promise<Prepared> {
	if (prepared?.model === req.model) return prepared;
	if (prepared) {
		for (const s of prepared.sessions.values()) await s.release();
		prepared = null;
	}
	const { id } = req;
	let unfused: UnfusedModel;
	if (req.model === 'cifar10') {
		progress(id, 'weights', 'Downloading the trained weights', 0);
		const ck = await loadShippedCheckpoint((loaded, total) =>
			progress(id, 'weights', `Downloading the trained weights: ${MB(loaded)}${total ? ` of ${MB(total)}` : ''}`, total ? loaded / total : null)
		);
		if (ck.form !== 'unfused') throw new Error('the shipped weights are already fused; the benchmark needs the multi-branch ones');
		unfused = ck.model as UnfusedModel;
	} else {
		progress(id, 'weights', 'Generating synthetic weights', null);
		await pause();
		unfused = syntheticVariant(req.model);
	}

	progress(id, 'build', 'Fusing the branches into one conv per block', 0);
	await pause();
	const fused = fuseModel(unfused);
	progress(id, 'build', 'Building the multi-branch ONNX graph', 1 / 3);
	await pause();
	const onnx: Record<'unfused' | 'fused', Uint8Array> = { unfused: buildOnnx(unfused), fused: new Uint8Array(0) };
	progress(id, 'build', 'Building the fused ONNX graph', 2 / 3);
	await pause();
	onnx.fused = buildOnnx(fused);
	const graphs: Record<FormId, GraphSize> = {
		'unfused-raw': summarizeGraph(unfused),
		'unfused-ort': ortFoldedSize(onnxGraph(unfused)),
		fused: summarizeGraph(fused)
	};

	const sessions = new Map<FormId, InferenceSession>();
	const gpu = req.backend === 'webgpu';
	for (const [i, f] of FORMS.entries()) {
		progress(id, 'session', `Creating session ${i + 1} of ${FORMS.length}: (${f.letter}) ${f.short}`, i / FORMS.length);
		await pause();
		sessions.set(
			f.id,
			await ort.InferenceSession.create(onnx[f.graph], {
				executionProviders: [gpu ? 'webgpu' : 'wasm'],
				graphOptimizationLevel: f.optimization,
				executionMode: 'sequential',
				// Errors only: ORT's warnings (such as WebGPU leaving shape ops on the CPU, as intended)
				// would land in the console as errors.
				logSeverityLevel: 3
			})
		);
	}

	progress(id, 'check', 'Comparing the outputs of the three forms', null);
	const x = randomInput(unfused.spec, 1);
	// One input tensor, made once and fed to every run.
	const feeds = { input: new ort.Tensor('float32', x.data, [...x.shape]) };
	const outputs = new Map<FormId, Float32Array>();
	for (const [f, s] of sessions) outputs.set(f, (await s.run(feeds)).logits.data as Float32Array);
	const reference = outputs.get('unfused-raw')!;
	const diffs: Partial<Record<FormId, number>> = {};
	for (const [f, out] of outputs) if (f !== 'unfused-raw') diffs[f] = maxAbsDiff(reference, out);

	prepared = { model: req.model, sessions, feeds, graphs, maxAbsDiff: diffs, inputSize: unfused.spec.inputSize };
	return prepared;
}

async function run(req: RunRequest): Promise<void> {
	const { id } = req;
	current = { id, cancel: false };
	const job = current;
	try {
		const ort = await loadOrt(req);
		const p = await prepare(req, ort);
		post({ type: 'prepared', id, graphs: p.graphs, maxAbsDiff: p.maxAbsDiff, inputSize: p.inputSize });
		if (job.cancel) {
			post({ type: 'cancelled', id });
			return;
		}

		const now = () => performance.now();
		const resolution = timerResolution(now);
		const protocol: ProtocolOptions = { ...DEFAULT_PROTOCOL, budgetMs: req.budgetMs, minSampleMs: TICKS_PER_SAMPLE * resolution };
		let lastPost = -Infinity;
		const outcome = await runProtocol(
			FORM_IDS,
			{
				run: (f) => p.sessions.get(f)!.run(p.feeds),
				now,
				shouldStop: () => job.cancel,
				pause,
				onProgress: (pr) => {
					const t = now();
					if (t - lastPost < 100 && pr.fraction < 1) return;
					lastPost = t;
					if (pr.phase === 'warmup') {
						progress(id, 'warmup', `Warming up: round ${pr.round}`, pr.fraction);
						return;
					}
					const medians: Partial<Record<FormId, number>> = {};
					for (const f of FORM_IDS) {
						const s = [...pr.samples[f]].sort((a, b) => a - b);
						medians[f] = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
					}
					progress(id, 'measure', `Measuring: ${pr.round} round${pr.round === 1 ? '' : 's'}, ${(pr.elapsedMs / 1000).toFixed(1)} of ${(protocol.budgetMs / 1000).toFixed(1)} s`, pr.fraction, {
						medians,
						rounds: pr.round
					});
				}
			},
			protocol
		);
		if (outcome.rounds < 2) {
			post({ type: 'cancelled', id });
			return;
		}
		const choice = MODEL_CHOICES.find((m) => m.id === req.model)!;
		const result = buildResult({
			model: {
				id: req.model,
				label: req.model === 'cifar10' ? 'Our CIFAR-10 MobileOne' : `MobileOne-${req.model.toUpperCase()}`,
				inputSize: p.inputSize,
				weights: choice.trained ? 'trained' : `synthetic (seed ${SYNTHETIC_SEED})`
			},
			environment: {
				runtime: 'onnxruntime-web',
				ortVersion: ort.env.versions.web ?? ort.env.versions.common,
				backend: req.backend === 'webgpu' ? 'webgpu' : 'wasm',
				threads: req.threads,
				crossOriginIsolated: self.crossOriginIsolated,
				userAgent: navigator.userAgent,
				logicalCores: navigator.hardwareConcurrency || null,
				timerResolutionMs: resolution
			},
			protocol,
			outcome,
			graphs: p.graphs,
			maxAbsDiff: p.maxAbsDiff
		});
		post({ type: 'result', id, result });
	} catch (e) {
		post({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });
	} finally {
		if (current === job) current = null;
	}
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
	const msg = e.data;
	if (msg.type === 'cancel') {
		if (current?.id === msg.id) current.cancel = true;
	} else if (msg.type === 'run') {
		if (current) post({ type: 'error', id: msg.id, message: 'a benchmark is already running' });
		else void run(msg);
	}
};
