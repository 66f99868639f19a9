/**
 * The classify page's state: the model's loading, the visitor's latest choice of picture, and what
 * came of it. The numbers come from the engine (`pixelsToInput`) and from the classifier; decoding,
 * the model and storage are handed in, so tests can drive every step and every race.
 */
import { tick } from 'svelte';
import { m } from '$lib/paraglide/messages';
import { pixelsToInput } from '$lib/image/preprocess';
import { PROOF_IMAGE_KEY, proofImageFromRgba } from '$lib/image/proofimage';
import { InputError, type LoadedImage, type NetworkInput } from '$ui/image/decode';
import { sampleUrl, type Sample } from '$ui/image/samples';
import type { Classification, Classifier, LoadProgress } from './runtime';

/** CIFAR-10's picture size; the shipped model is checked against it when it loads. */
export const INPUT_SIZE = 32;

/** What the page needs of a loaded model (the runtime's `Classifier` is one). */
export type Model = Pick<Classifier, 'inputSize' | 'normalization' | 'classify'> & {
	checkpoint: { spec: { stages: readonly { k: number }[] } };
};

/** Loading starts with the first picture (or "Load them now"), not with the page. */
export type ModelStatus =
	| { kind: 'idle' }
	| { kind: 'loading'; progress: LoadProgress }
	| { kind: 'ready'; model: Model }
	| { kind: 'failed'; message: string };

/** Where the visitor's latest choice stands. */
export type Status =
	| { kind: 'idle' }
	| { kind: 'decoding' }
	| { kind: 'waiting-model' }
	| { kind: 'running' }
	| { kind: 'done' }
	| { kind: 'failed'; message: string };

/**
 * The picture on show. It stays when a later choice fails, with its result if it had one, so a bad
 * file never blanks the answer the visitor already has.
 */
export interface Picture {
	image: LoadedImage;
	pixels: NetworkInput;
	/** The sample's file name, or null for the visitor's own picture. */
	sample: string | null;
	result: Classification | null;
}

export interface ClassifyDeps {
	loadModel(onProgress: (p: LoadProgress) => void): Promise<Model>;
	/** Rejects with an `InputError` for the visitor, or with the signal's reason once it aborts. */
	decode(blob: Blob, name: string, signal: AbortSignal): Promise<LoadedImage>;
	toPixels(bitmap: ImageBitmap, size: number): NetworkInput;
	fetch(url: string): Promise<Response>;
	/** Where the classified crop is left for the fusion explorer; null where storage is off. */
	storage: Pick<Storage, 'setItem'> | null;
}

// Functions, read when shown: the page's locale decides (messages/classify).
export const LINK_DROPPED = (): string => m.classify_link_dropped();
export const NOTHING_PASTED = (): string => m.classify_nothing_pasted();

const BUSY: ReadonlySet<Status['kind']> = new Set(['decoding', 'waiting-model', 'running']);

export class ClassifyState {
	model = $state.raw<ModelStatus>({ kind: 'idle' });
	status = $state.raw<Status>({ kind: 'idle' });
	picture = $state.raw<Picture | null>(null);
	/** Finished attempts (classified or refused), for tests to wait on. */
	attempts = $state(0);
	cameraOpen = $state(false);
	dragging = $state(false);

	busy = $derived(BUSY.has(this.status.kind));
	/** The answer on show; it stays while a later choice is on its way or has failed. */
	result = $derived(this.picture?.result ?? null);
	/** The network's input, NCHW, once both the picture and the model's mean and std are here. */
	input = $derived.by(() => {
		const p = this.picture?.pixels;
		if (!p || this.model.kind !== 'ready') return null;
		return pixelsToInput(p.rgba, p.size, p.size, 4, this.model.model.normalization);
	});
	normalization = $derived(this.model.kind === 'ready' ? this.model.model.normalization : null);
	/** Conv branches per block in the trained model (k; 4 for ours). */
	branchesPerBlock = $derived(this.model.kind === 'ready' ? (this.model.model.checkpoint.spec.stages[0]?.k ?? 4) : 4);
	speedup = $derived(this.result ? this.result.unfused.medianMs / this.result.fused.medianMs : null);

	#deps: ClassifyDeps;
	#modelPromise: Promise<Model> | null = null;
	/** Bumped by every choice; an older choice that finishes late sees it has been superseded. */
	#seq = 0;
	/** Stops the decode in flight (its worker ends) when a newer choice or Cancel supersedes it. */
	#abort: AbortController | null = null;

	constructor(deps: ClassifyDeps) {
		this.#deps = deps;
	}

	/**
	 * Start loading the weights and ONNX Runtime (about 21 MB together) if nobody has yet. Not done
	 * with the page: a visitor on a phone plan should not pay for it just by looking. A failed load
	 * is forgotten, so the next picture tries again.
	 */
	loadModel(): Promise<Model> {
		this.#modelPromise ??= this.#startLoading();
		return this.#modelPromise;
	}

	#startLoading(): Promise<Model> {
		this.model = { kind: 'loading', progress: { phase: 'download', loaded: 0, total: 0 } };
		// The status changes inside the chain, so whoever awaits the model finds it already 'ready'.
		return this.#deps
			.loadModel((progress) => {
				if (this.model.kind === 'loading') this.model = { kind: 'loading', progress };
			})
			.then((model) => {
				if (model.inputSize !== INPUT_SIZE) throw new Error(`the model takes ${model.inputSize} × ${model.inputSize} pixels, not ${INPUT_SIZE}`);
				this.model = { kind: 'ready', model };
				return model;
			})
			.catch((e: unknown) => {
				this.model = { kind: 'failed', message: messageOf(e) };
				this.#modelPromise = null;
				throw e;
			});
	}

	chooseFile(file: File): Promise<void> {
		return this.#choose((signal) => this.#deps.decode(file, file.name || m.classify_pasted_name(), signal), null);
	}

	chooseSample(s: Sample): Promise<void> {
		return this.#choose(async (signal) => {
			const res = await this.#deps.fetch(sampleUrl(s));
			if (!res.ok) throw new Error(m.classify_error_sample({ status: res.status }));
			return this.#deps.decode(await res.blob(), s.file, signal);
		}, s.file);
	}

	chooseImage(image: LoadedImage): Promise<void> {
		return this.#choose(async () => image, null);
	}

	/** Stop reading the picture in progress; the one on show (if any) stays. */
	cancel(): void {
		if (this.status.kind !== 'decoding') return;
		this.#supersede();
		this.status = { kind: 'idle' };
		this.attempts++;
	}

	#supersede(): number {
		this.#abort?.abort();
		this.#abort = null;
		return ++this.#seq;
	}

	/** Files dropped on the page: the first is used; a dropped link is explained, never fetched. */
	drop(files: readonly File[]): void {
		this.dragging = false;
		if (files.length === 0) this.refuse(LINK_DROPPED());
		else void this.chooseFile(files[0]);
	}

	paste(files: readonly File[]): void {
		if (files.length === 0) this.refuse(NOTHING_PASTED());
		else void this.chooseFile(files[0]);
	}

	/** A choice that failed before it gave a picture (a dropped link, a refused camera). */
	refuse(message: string): void {
		this.#supersede();
		this.status = { kind: 'failed', message };
		this.attempts++;
	}

	openCamera(): void {
		if (this.status.kind === 'failed') this.status = { kind: 'idle' };
		this.cameraOpen = true;
	}

	/** Leave the classified 32 × 32 crop where the fusion explorer looks for it. */
	saveProofImage(): void {
		const p = this.picture;
		if (!p || !this.#deps.storage) return;
		try {
			const payload = proofImageFromRgba(p.pixels.rgba, p.pixels.size, p.pixels.size, p.image.name);
			this.#deps.storage.setItem(PROOF_IMAGE_KEY, JSON.stringify(payload));
		} catch {
			// storage can be full or disabled; the explorer then falls back to its own input
		}
	}

	/** Let go of the picture's bitmap when the page goes. */
	dispose(): void {
		this.#supersede();
		this.picture?.image.bitmap.close();
	}

	/** Decode, show, classify. A newer choice supersedes this one wherever it has got to. */
	async #choose(load: (signal: AbortSignal) => Promise<LoadedImage>, sample: string | null): Promise<void> {
		const my = this.#supersede();
		const abort = (this.#abort = new AbortController());
		const current = () => my === this.#seq;
		this.status = { kind: 'decoding' };
		const model = this.loadModel(); // downloads while the picture decodes
		model.catch(() => {}); // reported below, when awaited
		try {
			const image = await load(abort.signal);
			if (this.#abort === abort) this.#abort = null;
			if (!current()) return image.bitmap.close();
			const pixels = this.#deps.toPixels(image.bitmap, INPUT_SIZE);
			const old = this.picture;
			this.picture = { image, pixels, sample, result: null };
			if (old && old.image !== image) void tick().then(() => old.image.bitmap.close()); // once the view has let go of it
			if (this.model.kind !== 'ready') this.status = { kind: 'waiting-model' };
			const ready = await model.catch((e: unknown) => {
				throw new Error(m.classify_error_model({ reason: messageOf(e) }));
			});
			if (!current()) return;
			this.status = { kind: 'running' };
			const input = this.input;
			if (!input) throw new Error(m.classify_error_no_input());
			const result = await ready.classify(input);
			if (!current()) return;
			this.picture = { ...this.picture!, result };
			this.status = { kind: 'done' };
			this.saveProofImage();
		} catch (e) {
			if (!current()) return;
			this.status = {
				kind: 'failed',
				message:
					e instanceof InputError
						? e.message
						: m.classify_error_generic({ message: messageOf(e) })
			};
		} finally {
			if (current()) this.attempts++;
		}
	}
}

function messageOf(e: unknown): string {
	return e instanceof Error ? e.message : String(e);
}
