/**
 * The classify page's two networks: our CIFAR-10 MobileOne as trained (every branch) and fused
 * (one conv per block), both exported to ONNX in the browser by the engine and run by
 * onnxruntime-web's WebAssembly backend.
 *
 * Everything loads from this site's own origin: the weights (`SHIPPED_WEIGHTS_URL`) and ONNX
 * Runtime's .wasm, which Vite copies into the build with a content hash. Nothing is sent
 * anywhere; the CSP (`connect-src 'self'`) would refuse it anyway.
 */
import type * as Ort from 'onnxruntime-web/wasm';
import { ORT_FILES } from '$ui/shared/ort';
import type { Checkpoint } from '$lib/io/checkpoint';
import { buildOnnx, INPUT_NAME, OUTPUT_NAME } from '$lib/io/onnx/build';
import { fuseModel } from '$lib/mobileone/reparam';
import { median } from '$lib/bench';
import { compareLogits, topK, type FormComparison, type RankedClass } from '$lib/core/scores';
import type { UnfusedModel } from '$lib/mobileone/model';
import { loadShippedCheckpoint } from '$ui/shared/models';

let ortPromise: Promise<typeof Ort> | null = null;

/**
 * ONNX Runtime for this page, loaded on first use (it is large). Its settings are read once, when
 * the first session starts:
 * - the .wasm comes from our own origin, the same URL the latency worker uses (`$ui/shared/ort`);
 * - one thread. ORT's default on a cross-origin-isolated page with 4 or more cores is several
 *   pthreads, each a module worker started from the script ORT lives in; in our build that chunk
 *   imports shared app code that cannot run in a worker, and a 32 × 32 network gains nothing from
 *   threads. (The latency lab runs its own ORT inside its own worker, with its own settings.)
 */
export function loadOrt(): Promise<typeof Ort> {
	ortPromise ??= import('onnxruntime-web/wasm').then((ort) => {
		ort.env.wasm.wasmPaths = { wasm: new URL(ORT_FILES.wasm.binary, location.href).href };
		ort.env.wasm.numThreads = 1;
		return ort;
	});
	return ortPromise;
}

export type LoadProgress =
	| { phase: 'download'; loaded: number; total: number }
	| { phase: 'build' }
	| { phase: 'runtime' }
	| { phase: 'ready' };

export interface FormRun {
	logits: Float32Array;
	top: RankedClass[];
	/** Median wall time of one inference, in milliseconds, over `timesMs`. */
	medianMs: number;
	timesMs: number[];
}

export interface Classification {
	unfused: FormRun;
	fused: FormRun;
	comparison: FormComparison;
}

export class Classifier {
	private constructor(
		readonly checkpoint: Checkpoint,
		readonly labels: readonly string[],
		private readonly ort: typeof Ort,
		private readonly unfused: Ort.InferenceSession,
		private readonly fused: Ort.InferenceSession
	) {}

	get inputSize(): number {
		return this.checkpoint.spec.inputSize;
	}

	get normalization(): { mean: number[]; std: number[] } {
		return { mean: this.checkpoint.mean!, std: this.checkpoint.std! };
	}

	static async load(onProgress: (p: LoadProgress) => void = () => {}): Promise<Classifier> {
		const ortReady = loadOrt(); // fetch the runtime while the weights download
		onProgress({ phase: 'download', loaded: 0, total: 0 });
		const ck = await loadShippedCheckpoint((loaded, total) => onProgress({ phase: 'download', loaded, total }));
		if (ck.form !== 'unfused') throw new Error('the shipped checkpoint should hold the train-time (unfused) model');
		if (!ck.labels || !ck.mean || !ck.std) throw new Error('the shipped checkpoint has no labels, mean or std in its metadata');
		onProgress({ phase: 'build' });
		await nextFrame();
		const unfusedOnnx = buildOnnx(ck.model, { size: ck.spec.inputSize });
		const fusedOnnx = buildOnnx(fuseModel(ck.model), { size: ck.spec.inputSize });
		onProgress({ phase: 'runtime' });
		const ort = await ortReady;
		const options: Ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'] };
		const unfused = await ort.InferenceSession.create(unfusedOnnx, options);
		const fused = await ort.InferenceSession.create(fusedOnnx, options);
		onProgress({ phase: 'ready' });
		return new Classifier(ck, ck.labels, ort, unfused, fused);
	}

	/** Runs never overlap: a session must not be run again while a run is in progress. */
	private queue: Promise<unknown> = Promise.resolve();

	/**
	 * Run both forms on one normalized NCHW input. The first run of each is a warm-up and is not
	 * timed; then `runs` timed runs each, alternating which form goes first.
	 */
	classify(input: Float32Array, runs = 15): Promise<Classification> {
		const next = this.queue.then(() => this.classifyNow(input, runs));
		this.queue = next.catch(() => {});
		return next;
	}

	private async classifyNow(input: Float32Array, runs: number): Promise<Classification> {
		const n = this.inputSize;
		const tensor = new this.ort.Tensor('float32', input, [1, 3, n, n]);
		const once = async (s: Ort.InferenceSession) => {
			const t0 = performance.now();
			const out = await s.run({ [INPUT_NAME]: tensor });
			const ms = performance.now() - t0;
			return { logits: Float32Array.from(out[OUTPUT_NAME].data as Float32Array), ms };
		};
		const u = await once(this.unfused);
		const f = await once(this.fused);
		const tu: number[] = [];
		const tf: number[] = [];
		for (let i = 0; i < runs; i++) {
			if (i % 2 === 0) {
				tu.push((await once(this.unfused)).ms);
				tf.push((await once(this.fused)).ms);
			} else {
				tf.push((await once(this.fused)).ms);
				tu.push((await once(this.unfused)).ms);
			}
		}
		const form = (logits: Float32Array, timesMs: number[]): FormRun => ({
			logits,
			top: topK(logits, this.labels, 5),
			medianMs: median(timesMs),
			timesMs
		});
		return {
			unfused: form(u.logits, tu),
			fused: form(f.logits, tf),
			comparison: compareLogits(u.logits, f.logits)
		};
	}
}

function nextFrame(): Promise<void> {
	return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
}
