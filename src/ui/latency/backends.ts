/**
 * Which of onnxruntime-web's backends this browser can run, and if not, why not. Runs in the page
 * (main thread); the worker inherits the page's cross-origin isolation.
 */
import type { BackendId } from './messages';

export interface BackendOption {
	id: BackendId;
	label: string;
	/** WebAssembly threads the worker is started with. */
	threads: number;
	available: boolean;
	/** Why it is unavailable, in a sentence; null when available. */
	reason: string | null;
}

/**
 * Threads for "several": all logical cores up to 4. Phones report their efficiency cores too, and
 * past about 4 threads onnxruntime-web gains little on one image.
 */
export function multiThreadCount(cores: number): number {
	return Math.max(2, Math.min(4, cores));
}

interface GpuLike {
	requestAdapter(): Promise<unknown | null>;
}

export async function detectBackends(): Promise<BackendOption[]> {
	const cores = navigator.hardwareConcurrency || 1;
	const isolated = self.crossOriginIsolated === true;
	const threads = multiThreadCount(cores);
	const hasWasm = typeof WebAssembly === 'object';
	const single: BackendOption = {
		id: 'wasm-1',
		label: 'WebAssembly, 1 thread',
		threads: 1,
		available: hasWasm,
		reason: hasWasm ? null : 'This browser does not support WebAssembly.'
	};
	let multiReason: string | null = null;
	if (!hasWasm) multiReason = 'This browser does not support WebAssembly.';
	else if (!isolated)
		multiReason =
			'Needs cross-origin isolation, which this page does not have: the server must send the COOP and COEP headers. Without them WebAssembly runs on one thread.';
	else if (cores < 2) multiReason = 'This device reports a single logical core.';
	const multi: BackendOption = {
		id: 'wasm-n',
		label: `WebAssembly, ${threads} threads`,
		threads,
		available: multiReason === null,
		reason: multiReason
	};
	const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
	let gpuReason: string | null = null;
	if (!gpu) gpuReason = 'This browser does not offer WebGPU.';
	else {
		try {
			if (!(await gpu.requestAdapter())) gpuReason = 'This browser offers WebGPU but found no usable GPU adapter.';
		} catch {
			gpuReason = 'This browser offers WebGPU but could not reach a GPU adapter.';
		}
	}
	const webgpu: BackendOption = { id: 'webgpu', label: 'WebGPU', threads: 1, available: gpuReason === null, reason: gpuReason };
	return [single, multi, webgpu];
}

/** The backend to preselect: the one asked for if this browser can run it, else several wasm threads, else whatever runs. */
export function pickBackend(options: readonly BackendOption[], wanted: BackendId | null): BackendOption {
	const usable = (id: BackendId | null) => options.find((o) => o.id === id && o.available);
	return usable(wanted) ?? usable('wasm-n') ?? options.find((o) => o.available) ?? options[0];
}
