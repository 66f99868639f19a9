/// <reference lib="webworker" />
/**
 * The analyses page's worker: loads onnxruntime-web (WebAssembly, one thread, so every device is
 * compared on the same footing), builds each analysis's networks with the engine and times them
 * with the latency protocol (`$lib/analyses/run`), off the page's thread. A cancel keeps whatever
 * was measured so far.
 */
import { NETWORKS, analysisNetworks } from '$lib/analyses/networks';
import { analysesRecord, type AnalysisResult } from '$lib/analyses/record';
import { runAnalysis } from '$lib/analyses/run';
import type { BenchRuntime } from '$lib/bench';
import { timerResolution } from '$lib/bench';
import { fetchBytes } from '$ui/shared/models';
import { ORT_FILES } from '$ui/shared/ort';
import type { FromWorker, RunRequest, ToWorker } from './messages';

type Ort = typeof import('onnxruntime-web');
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker) => scope.postMessage(m);

let ort: Ort | null = null;
let current: { id: number; cancel: boolean } | null = null;

const channel = new MessageChannel();
function pause(): Promise<void> {
	return new Promise((resolve) => {
		channel.port1.onmessage = () => resolve();
		channel.port2.postMessage(null);
	});
}

async function loadOrt(id: number): Promise<Ort> {
	if (ort) return ort;
	post({ type: 'progress', id, analysis: null, step: { stage: 'runtime' }, fraction: 0 });
	const mod = (await import('onnxruntime-web/wasm')) as Ort;
	mod.env.wasm.wasmBinary = await fetchBytes(ORT_FILES.wasm.binary);
	mod.env.wasm.wasmPaths = { mjs: new URL(ORT_FILES.wasm.glue, self.location.href).href };
	mod.env.wasm.numThreads = 1;
	mod.env.wasm.proxy = false;
	mod.env.logLevel = 'error';
	ort = mod;
	return mod;
}

async function run(req: RunRequest): Promise<void> {
	const o = await loadOrt(req.id);
	const now = () => performance.now();
	const runtime: BenchRuntime = {
		ort: o,
		now,
		sessionOptions: { executionProviders: ['wasm'], executionMode: 'sequential', intraOpNumThreads: 1, logSeverityLevel: 3 },
		environment: {
			runtime: 'onnxruntime-web',
			ortVersion: o.env.versions.web ?? o.env.versions.common,
			backend: 'wasm',
			threads: 1,
			crossOriginIsolated: self.crossOriginIsolated,
			userAgent: navigator.userAgent,
			logicalCores: navigator.hardwareConcurrency || null
		}
	};
	const results: AnalysisResult[] = [];
	const stop = () => current?.id !== req.id || current.cancel;
	for (const [i, a] of req.analyses.entries()) {
		if (stop()) break;
		const ids = a === 'zoo' ? (req.networks?.filter((id) => NETWORKS.zoo.some((n) => n.id === id)) ?? null) : null;
		const result = await runAnalysis(runtime, a, analysisNetworks(a, ids ?? undefined), { budgetMs: req.budgetS * 1000, inputSize: req.size, interleave: a !== 'zoo' }, {
			shouldStop: stop,
			pause,
			onProgress: (step, fraction) => post({ type: 'progress', id: req.id, analysis: a, step, fraction: (i + fraction) / req.analyses.length })
		});
		if (result.networks.length) results.push(result);
	}
	post({ type: 'result', id: req.id, record: analysesRecord('This device', { ...runtime.environment, timerResolutionMs: timerResolution(now) }, results) });
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
	const m = e.data;
	if (m.type === 'cancel') {
		if (current?.id === m.id) current.cancel = true;
		return;
	}
	current = { id: m.id, cancel: false };
	run(m).catch((err: unknown) => post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) }));
};
