/// <reference lib="webworker" />
/**
 * The "your network" worker: recognises and fuses the visitor's file, then runs the original and the
 * fused network in onnxruntime-web on one seeded input, off the page's thread (an unfused S4 is
 * ~60 MB of weights). ORT's files come from our own origin, at the URLs `$ui/shared/ort` gives.
 */
import { maxAbs, maxAbsDiff } from '$lib/core/tensor';
import { AGREEMENT_TOLERANCE } from '$lib/mobileone/explain';
import { fetchBytes } from '$ui/shared/models';
import { ORT_FILES } from '$ui/shared/ort';
import type { FromWorker, Proof, ToWorker } from './messages';
import { fuseOwnFile, proofInput, PROOF_SEED, sentence, type Stage } from './pipeline';

type Ort = typeof import('onnxruntime-web');

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let ortPromise: Promise<Ort> | null = null;

function loadOrt(onFraction: (f: number | null) => void): Promise<Ort> {
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

async function runOnce(ort: Ort, model: Uint8Array, input: { name: string; shape: number[] }, data: Float32Array): Promise<Float32Array> {
	const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], logSeverityLevel: 3 });
	try {
		const out = await session.run({ [input.name]: new ort.Tensor('float32', data, input.shape) });
		const y = out[session.outputNames[0]];
		if (y.type !== 'float32') throw new Error(`the network's output "${session.outputNames[0]}" is ${y.type}, not float32`);
		return new Float32Array(y.data as Float32Array);
	} finally {
		await session.release();
	}
}

/** The array's own buffer to transfer; a copy only when the array is a view into a larger one. */
function ownBuffer(a: Uint8Array): ArrayBuffer {
	return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? (a.buffer as ArrayBuffer) : a.slice().buffer;
}

async function fuse(msg: ToWorker): Promise<void> {
	const { id } = msg;
	const bytes = new Uint8Array(msg.bytes);
	const stage = (s: Stage, fraction: number | null = null) => post({ type: 'progress', id, stage: s, fraction });
	try {
		const out = fuseOwnFile(bytes, (s) => stage(s));
		stage('runtime');
		const ort = await loadOrt((f) => stage('runtime', f));
		stage('proof');
		const data = proofInput(out.input.shape);
		const y = await runOnce(ort, out.original, out.input, data);
		const yFused = await runOnce(ort, out.fused, out.input, data);
		const maxDelta = y.length === yFused.length ? maxAbsDiff(y, yFused) : Infinity;
		const maxOutput = maxAbs(y);
		const proof: Proof = {
			input: out.input,
			seed: PROOF_SEED,
			maxDelta,
			maxOutput,
			agrees: Number.isFinite(maxDelta) && Number.isFinite(maxOutput) && maxDelta <= AGREEMENT_TOLERANCE * maxOutput,
			tolerance: AGREEMENT_TOLERANCE
		};
		const { original: _o, fused, fusedSafetensors, ...report } = out;
		const fusedOnnx = ownBuffer(fused);
		const st = fusedSafetensors ? ownBuffer(fusedSafetensors) : null;
		post({ type: 'done', id, report, proof, bytes: msg.bytes, fusedOnnx, fusedSafetensors: st }, [msg.bytes, fusedOnnx, ...(st ? [st] : [])]);
	} catch (e) {
		post({ type: 'error', id, message: sentence(e), bytes: msg.bytes }, [msg.bytes]);
	}
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
	if (e.data.type === 'fuse') void fuse(e.data);
};
