/**
 * Which of onnxruntime-web's backends this browser can run, and if not, why not. Runs in the page
 * (main thread); the worker inherits the page's cross-origin isolation.
 */
import { m } from '$lib/paraglide/messages';
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
		label: m.latency_backend_wasm_1(),
		threads: 1,
		available: hasWasm,
		reason: hasWasm ? null : m.latency_backend_no_wasm()
	};
	let multiReason: string | null = null;
	if (!hasWasm) multiReason = m.latency_backend_no_wasm();
	else if (!isolated)
		multiReason = m.latency_backend_not_isolated();
	else if (cores < 2) multiReason = m.latency_backend_one_core();
	const multi: BackendOption = {
		id: 'wasm-n',
		label: m.latency_backend_wasm_n({ threads }),
		threads,
		available: multiReason === null,
		reason: multiReason
	};
	const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
	let gpuReason: string | null = null;
	if (!gpu) gpuReason = m.latency_backend_no_webgpu();
	else {
		try {
			if (!(await gpu.requestAdapter())) gpuReason = m.latency_backend_no_adapter();
		} catch {
			gpuReason = m.latency_backend_adapter_error();
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
