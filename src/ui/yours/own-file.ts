/**
 * The page's use of the engine's `fuseNetworkFile` (the same function `npm run fuse` calls): the
 * options it asks for (fused ONNX and safetensors, the check run in onnxruntime-web so the proof is
 * the browser's own), its steps with their labels, and every failure as one sentence. No DOM, so the
 * "your network" worker, the latency worker and unit tests share it.
 */
import { WeightsError } from '$lib/core/errors';
import { fuseNetworkFile, type FuseFileResult, type FuseStage, type OnnxRunner } from '$lib/fuse-file';
import { formatBytes } from '$lib/format';

/** Files above this are refused before a byte is read: the page would need several times it in memory. */
export const MAX_FILE_BYTES = 512e6;
/** The seed of the proof's random input, so a rerun compares the same numbers. */
export const PROOF_SEED = 20240601;

/** The engine's steps, plus the page's own: reading the file, loading the runtime. */
export type Stage = 'read' | FuseStage | 'runtime';

export const STAGE_LABELS: Readonly<Record<Stage, string>> = {
	read: 'Reading the file',
	parse: 'Recognising the network',
	fuse: 'Fusing the branches',
	write: 'Writing the fused files',
	runtime: 'Loading onnxruntime-web',
	check: 'Running both networks on the same input'
};

export type FusedFile = Extract<FuseFileResult, { status: 'fused' }>;

/** Refuses a file by its size alone, before reading it; null when it may be read. */
export function sizeProblem(bytes: number): string | null {
	return bytes > MAX_FILE_BYTES ? `This file is ${formatBytes(bytes)}, above the ${formatBytes(MAX_FILE_BYTES)} this page reads; it was not opened.` : null;
}

/** One sentence for people from whatever the engine threw. */
export function sentence(e: unknown): string {
	const text = (e instanceof Error ? e.message : String(e)).trim() || 'the file could not be read';
	const first = text[0].toUpperCase() + text.slice(1);
	return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * Fuses the visitor's file and proves it in `runOnnx`: the result holds the original and the fused
 * network as ONNX (and the fused safetensors for state dicts). A file with nothing to fuse is an
 * error here: the page has nothing to show for it.
 */
export async function fuseOwnFile(bytes: Uint8Array, runOnnx: OnnxRunner, onStage: (s: FuseStage) => void = () => {}): Promise<FusedFile> {
	const r = await fuseNetworkFile(bytes, { seed: PROOF_SEED, size: 0, out: 'onnx', runOnnx, checkIn: 'runtime', alsoSafetensors: true, onStage });
	if (r.status === 'nothing-to-fuse')
		throw new WeightsError('not-mobileone', `nothing to fuse in this ${r.recognised.kind === 'onnx' ? 'ONNX file' : 'state dict'} — ${r.summary}`);
	return r;
}

type Ort = typeof import('onnxruntime-web');

/** An `OnnxRunner` over onnxruntime-web's wasm backend: one session per run, released after it. */
export function webRunner(ort: Ort): OnnxRunner {
	return async (model, input, output) => {
		const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], logSeverityLevel: 3, graphOptimizationLevel: 'disabled' });
		try {
			const out = await session.run({ [input.name]: new ort.Tensor('float32', input.data, input.shape) });
			const y = out[output] ?? out[session.outputNames[0]];
			if (y.type !== 'float32') throw new Error(`the network's output "${output}" is ${y.type}, not float32`);
			return new Float32Array(y.data as Float32Array);
		} finally {
			await session.release();
		}
	};
}
