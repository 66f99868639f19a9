/** What the latency page and its worker say to each other. */
import type { FormId, GraphSize, LatencyResult, PrepareStep } from '$lib/bench';
import type { LabModelId } from '$lib/models';
import type { WeightsErrorCode } from '$lib/core/errors';

/** onnxruntime-web backends the lab offers: WebAssembly on one thread or several, and WebGPU. */
export const BACKEND_IDS = ['wasm-1', 'wasm-n', 'webgpu'] as const;
export type BackendId = (typeof BACKEND_IDS)[number];

export interface RunRequest {
	type: 'run';
	id: number;
	model: LabModelId;
	backend: BackendId;
	/** WebAssembly threads; fixed for the worker's lifetime (onnxruntime-web's rule). */
	threads: number;
	budgetMs: number;
}

export type ToWorker = RunRequest | { type: 'cancel'; id: number };

export type Phase = 'runtime' | 'weights' | 'build' | 'session' | 'check' | 'warmup' | 'measure';

/** What the worker is doing, with its numbers; the page words it (`words.ts`, `progressText`). */
export type ProgressStep =
	| { step: 'runtime' | 'weights-own' | 'weights-download' | 'weights-synthetic' }
	/** Bytes so far of onnxruntime-web's wasm or of our weights; total 0 when the server does not say. */
	| { step: 'runtime-bytes' | 'weights-bytes'; loaded: number; total: number }
	| PrepareStep
	| { step: 'warmup'; round: number }
	| { step: 'measure'; rounds: number; elapsedMs: number; budgetMs: number };

export interface ProgressEvent {
	type: 'progress';
	id: number;
	phase: Phase;
	/** What is happening, as a record the page words. */
	step: ProgressStep;
	/** Share of this phase done, 0…1, or null when unknown. */
	fraction: number | null;
	/** While measuring: median so far per form, ms. */
	medians?: Partial<Record<FormId, number>>;
	rounds?: number;
}

export interface PreparedEvent {
	type: 'prepared';
	id: number;
	graphs: Record<FormId, GraphSize>;
	maxAbsDiff: Partial<Record<FormId, number>>;
	inputSize: number;
	/** For the visitor's own network: the input size it is timed at, and why that one. */
	sizeNote: string | null;
}

export type FromWorker =
	| ProgressEvent
	| PreparedEvent
	| { type: 'result'; id: number; result: LatencyResult }
	| { type: 'cancelled'; id: number }
	| { type: 'error'; id: number; message: string; reason?: WorkerErrorReason; code?: WeightsErrorCode | null };

/** Failures the worker itself knows, so the page can say them in its own language. */
export type WorkerErrorReason = 'no-own-network' | 'busy';
