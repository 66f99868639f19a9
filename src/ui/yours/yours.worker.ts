/// <reference lib="webworker" />
/**
 * The "your network" worker: recognises, fuses and proves the visitor's file with the engine's
 * `fuseNetworkFile` (through `fuseOwnFile`), the proof running both networks in onnxruntime-web,
 * off the page's thread (an unfused S4 is ~60 MB of weights). ORT's files come from our own origin.
 */
import { WeightsError } from '$lib/core/errors';
import { AGREEMENT_TOLERANCE } from '$lib/mobileone/explain';
import type { OnnxRunner } from '$lib/fuse-file';
import { fetchBytes } from '$ui/shared/models';
import { ORT_FILES } from '$ui/shared/ort';
import type { FromWorker, Proof, ToWorker } from './messages';
import { fuseOwnFile, sentence, webRunner, type Stage } from './own-file';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

type Ort = typeof import('onnxruntime-web');
let ortPromise: Promise<Ort> | null = null;

function loadWasmOrt(onFraction: (f: number | null) => void): Promise<Ort> {
	ortPromise ??= (async () => {
		const ort = (await import('onnxruntime-web/wasm')) as Ort;
		ort.env.wasm.wasmBinary = await fetchBytes(ORT_FILES.wasm.binary, (loaded, total) => onFraction(total ? loaded / total : null));
		ort.env.wasm.wasmPaths = { mjs: new URL(ORT_FILES.wasm.glue, self.location.href).href };
		// One thread: the proof is a single run, and a page without isolation has no threads anyway.
		ort.env.wasm.numThreads = 1;
		ort.env.wasm.proxy = false;
		ort.env.logLevel = 'error';
		return ort;
	})().catch((e) => {
		ortPromise = null;
		throw e;
	});
	return ortPromise;
}

/** The array's own buffer to transfer; a copy only when the array is a view into a larger one. */
function ownBuffer(a: Uint8Array): ArrayBuffer {
	return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? (a.buffer as ArrayBuffer) : a.slice().buffer;
}

async function fuse(msg: ToWorker): Promise<void> {
	const { id } = msg;
	const stage = (s: Stage, fraction: number | null = null) => post({ type: 'progress', id, stage: s, fraction });
	// The runtime loads on the check's first run, with its own progress, then the check goes on.
	const runOnnx: OnnxRunner = async (model, input, output) => {
		const ort = await loadWasmOrt((f) => stage('runtime', f));
		stage('check');
		return webRunner(ort)(model, input, output);
	};
	try {
		// The engine is done with the bytes when this returns; the buffer then goes back to the page to keep.
		const out = await fuseOwnFile(new Uint8Array(msg.bytes), runOnnx, (s) => stage(s));
		const proof: Proof = {
			input: { name: out.check.input, shape: out.check.shape },
			seed: out.check.seed,
			maxDelta: out.check.maxDelta,
			maxOutput: out.check.maxOutput,
			agrees: true, // fuseNetworkFile returns nothing unless the two agree
			perBlock: out.blockChecks !== undefined,
			tolerance: AGREEMENT_TOLERANCE
		};
		const report = { recognised: out.recognised, summary: out.summary, operators: out.operators, parameters: out.parameters, blockChecks: out.blockChecks ?? null };
		// family blocks come back as safetensors only (no whole network to build a graph of)
		const fusedOnnx = out.out === 'onnx' ? ownBuffer(out.bytes) : null;
		const st = out.out === 'safetensors' ? ownBuffer(out.bytes) : out.safetensors ? ownBuffer(out.safetensors) : null;
		post({ type: 'done', id, report, proof, bytes: msg.bytes, fusedOnnx, fusedSafetensors: st }, [msg.bytes, ...(fusedOnnx ? [fusedOnnx] : []), ...(st ? [st] : [])]);
	} catch (e) {
		post({ type: 'error', id, message: sentence(e), code: e instanceof WeightsError ? e.code : null, bytes: msg.bytes }, [msg.bytes]);
	}
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
	if (e.data.type === 'fuse') void fuse(e.data);
};
