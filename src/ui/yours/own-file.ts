/**
 * The page's use of the engine's `fuseNetworkFile` (the same function `npm run fuse` calls): the
 * options it asks for (fused ONNX and safetensors, the check run in onnxruntime-web so the proof is
 * the browser's own), its steps with their labels, and every failure as one sentence. No DOM, so the
 * "your network" worker, the latency worker and unit tests share it.
 */
import { WeightsError, type WeightsErrorCode } from '$lib/core/errors';
import { FUSED_METADATA, fuseNetworkFile, PROOF_SEED, type FuseFileResult, type FuseStage, type OnnxRunner } from '$lib/fuse-file';
import { formatBytes } from '$lib/format';
import { m } from '$lib/paraglide/messages';

/** Files above this are refused before a byte is read: the page would need several times it in memory. */
export const MAX_FILE_BYTES = 512e6;

/** The engine's steps, plus the page's own: reading the file, loading the runtime. */
export type Stage = 'read' | FuseStage | 'runtime';

/** Read when shown, so the page's locale decides (messages/yours). */
export const STAGE_LABELS: Readonly<Record<Stage, () => string>> = {
	read: m.yours_stage_read,
	parse: m.yours_stage_parse,
	fuse: m.yours_stage_fuse,
	write: m.yours_stage_write,
	runtime: m.yours_stage_runtime,
	check: m.yours_stage_check
};

export type FusedFile = Extract<FuseFileResult, { status: 'fused' }>;

/** Refuses a file by its size alone, before reading it; null when it may be read. */
export function sizeProblem(bytes: number): string | null {
	return bytes > MAX_FILE_BYTES ? m.yours_file_too_large({ bytes: formatBytes(bytes), max: formatBytes(MAX_FILE_BYTES) }) : null;
}

/**
 * The engine's errors for people in the page's language: English keeps the engine's own sentence;
 * Korean says what went wrong per code and keeps that sentence (key names, shapes) as the detail.
 */
const CODE_SENTENCES: Readonly<Record<WeightsErrorCode, (i: { detail: string }) => string>> = {
	'truncated': m.yours_code_truncated,
	'header-too-large': m.yours_code_header_too_large,
	'header-not-json': m.yours_code_header_not_json,
	'bad-entry': m.yours_code_bad_entry,
	'unknown-dtype': m.yours_code_unknown_dtype,
	'bad-offsets': m.yours_code_bad_offsets,
	'overlapping-offsets': m.yours_code_overlapping_offsets,
	'shape-mismatch': m.yours_code_shape_mismatch,
	'trailing-bytes': m.yours_code_trailing_bytes,
	'bad-metadata': m.yours_code_bad_metadata,
	'missing-key': m.yours_code_missing_key,
	'unexpected-shape': m.yours_code_unexpected_shape,
	'not-mobileone': m.yours_code_not_mobileone,
	'bad-spec': m.yours_code_bad_spec,
	'duplicate-key': m.yours_code_duplicate_key,
	'non-finite': m.yours_code_non_finite,
	'negative-variance': m.yours_code_negative_variance,
	'spec-mismatch': m.yours_code_spec_mismatch,
	'bad-onnx': m.yours_code_bad_onnx,
	'onnx-external-data': m.yours_code_onnx_external_data,
	'onnx-opset': m.yours_code_onnx_opset,
	'bad-zip': m.yours_code_bad_zip,
	'bad-pickle': m.yours_code_bad_pickle,
	'forbidden-global': m.yours_code_forbidden_global,
	'legacy-pytorch-format': m.yours_code_legacy_pytorch_format,
	'big-endian': m.yours_code_big_endian,
	'no-state-dict': m.yours_code_no_state_dict,
	'too-large': m.yours_code_too_large,
};

/** The page's sentence for a failure: by the engine's code where there is one. */
export function failureSentence(code: WeightsErrorCode | null, detail: string): string {
	return code ? CODE_SENTENCES[code]({ detail }) : detail;
}

/** One sentence for people from whatever the engine threw (the engine's English). */
export function sentence(e: unknown): string {
	const text = (e instanceof Error ? e.message : String(e)).trim() || 'the file could not be read';
	const first = text[0].toUpperCase() + text.slice(1);
	return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * Fuses the visitor's file and proves it in `runOnnx`: the result holds the original and the fused
 * network as ONNX (and the fused safetensors for state dicts). A state dict of family blocks without
 * a whole network comes back as the fused safetensors alone (`out: 'safetensors'`), each block
 * proved in the engine, byte for byte what `npm run fuse` writes. A file with nothing to fuse is an
 * error here: the page has nothing to show for it.
 */
export async function fuseOwnFile(bytes: Uint8Array, runOnnx: OnnxRunner, onStage: (s: FuseStage) => void = () => {}): Promise<FusedFile> {
	const r = await fuseNetworkFile(bytes, { seed: PROOF_SEED, size: 0, out: 'onnx', runOnnx, checkIn: 'runtime', alsoSafetensors: true, blocksInPlace: true, metadata: { ...FUSED_METADATA }, onStage });
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
