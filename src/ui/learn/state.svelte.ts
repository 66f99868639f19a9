/**
 * The lesson's state: the loaded model and picture, the student's progress (seed and answers),
 * the current chapter and slide, and what the figures' controls are set to. Every number comes
 * from the engine (`$lib/lesson`, `$lib/mobileone`); this class only wires choices to engine calls.
 * Loaders and storage are injected, so tests can pass their own.
 */
import { channelSteps, proveBlock, type BlockProof, type ChannelSteps } from '$lib/mobileone/explain';
import type { BranchMistakes } from '$lib/mobileone/forward';
import { runBlocks } from '$lib/mobileone/forward';
import { fuseModel } from '$lib/mobileone/reparam';
import { pixelsToInput, type Normalization } from '$lib/image/preprocess';
import type { Tensor } from '$lib/core/tensor';
import type { UnfusedModel } from '$lib/mobileone/model';
import type { ChapterId } from '$lib/lesson/chapters';
import { lessonInstance } from '$lib/lesson/instance';
import { blockOutputSide, exerciseFor, lessonContext, linearityKernels } from '$lib/lesson/exercises';
import { batchNormModes, blockTraffic, channelBn, linearityDemo, linearityPatch, paddingMistake, paramsByK } from '$lib/lesson/figures';
import { checkAnswer, NO_ATTEMPT, recordAttempt, showsWorkedAnswer, type Verdict } from '$lib/lesson/check';
import { parseProgress, serializeProgress, solvedCount, type LessonProgress } from '$lib/lesson/progress';
import type { LessonRefusal } from '$lib/lesson/network';
import type { Facts } from './text';
import { slidesOf, stepSlide, type LessonQuery, type Slide } from './url';

export interface Progress {
	text: string;
	fraction: number | null;
}

/** Why the visitor's network cannot carry the lesson: one of the engine's reasons, or none kept. */
export type OwnRefusal = LessonRefusal | { reason: 'none' };

/** The visitor's network, ready to teach on, or why not (`name` null when none is kept). */
export type LoadedOwn =
	| { ok: true; model: UnfusedModel; norm: Normalization; name: string }
	| { ok: false; refusal: OwnRefusal; name: string | null };

export interface LessonLoaders {
	/** Our trained model. */
	loadModel(onProgress: (p: Progress) => void): Promise<{ model: UnfusedModel; norm: Normalization }>;
	/** The network /yours keeps in this browser, checked for what the chapters need. */
	loadOwn(onProgress: (p: Progress) => void): Promise<LoadedOwn>;
	/** The file name of the network /yours keeps, or null: the switch shows only when there is one. */
	ownNetworkName(): Promise<string | null>;
	/** A square picture's RGBA pixels at `size`×`size`. */
	loadPicture(size: number): Promise<{ rgba: ArrayLike<number>; size: number }>;
}

/** Where progress is kept: localStorage in the browser. */
export interface LessonStorage {
	read(): string | null;
	write(text: string): void;
	newSeed(): number;
}

export type LoadStatus = { kind: 'loading'; progress: Progress } | { kind: 'ready' } | { kind: 'failed'; message: string };

/** Chapter 2's two batches: the other values sharing a batch with x. */
export const BATCH_A = [-1.2, -0.4, 0.3] as const;
export const BATCH_B = [1.5, 2.2, 3.1] as const;

export class LessonState {
	readonly #loaders: LessonLoaders;
	readonly #storage: LessonStorage;

	status = $state.raw<LoadStatus>({ kind: 'loading', progress: { text: '', fraction: 0 } });
	pictureError = $state<string | null>(null);
	model = $state.raw<UnfusedModel | null>(null);
	norm = $state.raw<Normalization | null>(null);
	pixels = $state.raw<{ rgba: ArrayLike<number>; size: number } | null>(null);
	progress = $state.raw<LessonProgress>({ seed: 0, chapters: {} });
	/** The address asks for the visitor's own network (`?model=yours`). */
	own = $state(false);
	/** The name of the network /yours keeps, for the switch; null when none is kept. */
	keptName = $state<string | null>(null);
	/** The file name whose weights the figures and questions show; null while they are ours. */
	shownName = $state<string | null>(null);
	/** Why the visitor's network was asked for but is not shown. */
	refusal = $state.raw<{ refusal: OwnRefusal; name: string | null } | null>(null);
	#started = false;
	#loads = 0;

	chapter = $state<ChapterId>(1);
	present = $state(false);
	slide = $state(1);
	/** The chapter's slides, and the one on screen when presenting. */
	slides = $derived(slidesOf(this.chapter));
	current = $derived<Slide>(this.slides[this.slide - 1] ?? this.slides[0]);
	/** The last answer's verdict in this chapter, for the message under the question. */
	verdict = $state<Verdict | null>(null);

	// figure controls
	editA = $state.raw<{ tap: number; value: number } | null>(null);
	pickedTap = $state(4);
	bnX = $state(0.5);
	mistakes = $state<BranchMistakes>({});
	offCentre = $state(false);

	constructor(loaders: LessonLoaders, storage: LessonStorage) {
		this.#loaders = loaders;
		this.#storage = storage;
		this.progress = parseProgress(storage.read(), () => storage.newSeed());
	}

	ready = $derived(this.status.kind === 'ready');
	fusedModel = $derived(this.model ? fuseModel(this.model) : null);
	instance = $derived(this.model ? lessonInstance(this.model, this.progress.seed) : null);
	input = $derived.by((): Tensor | null => {
		const px = this.pixels;
		const size = this.model?.spec.inputSize;
		if (!px || !this.norm || px.size !== size) return null;
		return { shape: [1, 3, size, size], data: pixelsToInput(px.rgba, size, size, 4, this.norm) };
	});
	depthwiseInput = $derived(this.fusedModel && this.instance && this.input ? runBlocks(this.fusedModel, this.input, 0, this.instance.depthwise) : null);
	context = $derived(this.model && this.instance ? lessonContext(this.model, this.instance, this.depthwiseInput) : null);
	block = $derived(this.model && this.instance ? this.model.blocks[this.instance.depthwise] : null);
	dwView = $derived.by((): ChannelSteps | null => (this.context ? channelSteps(this.context.depthwiseSteps, this.context.instance.depthwiseChannel) : null));
	pwView = $derived.by((): ChannelSteps | null => (this.context ? channelSteps(this.context.pointwiseSteps, this.context.instance.pointwiseChannel) : null));

	facts = $derived.by((): Facts | null => {
		const c = this.context;
		if (!c) return null;
		return {
			block: c.depthwiseSteps.block.name,
			channel: c.instance.depthwiseChannel,
			k: c.depthwiseSteps.block.k,
			pointwiseBlock: c.pointwiseSteps.block.name,
			pointwiseChannel: c.instance.pointwiseChannel,
			pointwiseIn: c.pointwiseSteps.block.cin
		};
	});

	exercise = $derived(this.context ? exerciseFor(this.chapter, this.context) : null);
	attempt = $derived(this.progress.chapters[this.chapter] ?? NO_ATTEMPT);
	showWorked = $derived(showsWorkedAnswer(this.attempt));
	solved = $derived(solvedCount(this.progress));

	// chapter 1
	linearity = $derived.by(() => {
		if (!this.context) return null;
		const [a, b] = linearityKernels(this.context);
		const edited = Float64Array.from(a);
		if (this.editA) edited[this.editA.tap] = this.editA.value;
		return { a: edited, b, patch: linearityPatch(this.progress.seed), demo: linearityDemo(edited, b, linearityPatch(this.progress.seed)) };
	});
	// chapter 2
	bnModes = $derived(
		this.block && this.instance ? batchNormModes(channelBn(this.block.convs[0].bn, this.instance.depthwiseChannel), this.bnX, BATCH_A, BATCH_B) : null
	);
	// chapters 6 and 9
	proof = $derived.by((): BlockProof | null => (this.block && this.context && this.depthwiseInput ? proveBlock(this.block, this.context.depthwiseSteps, this.depthwiseInput) : null));
	brokenProof = $derived.by((): BlockProof | null =>
		this.block && this.context && this.depthwiseInput ? proveBlock(this.block, this.context.depthwiseSteps, this.depthwiseInput, this.mistakes) : null
	);
	padding = $derived(this.offCentre && this.block && this.context && this.depthwiseInput ? paddingMistake(this.block, this.context.depthwiseSteps, this.depthwiseInput) : null);
	// chapters 7 and 8
	params = $derived(this.context ? paramsByK(this.context.depthwiseSteps.block) : null);
	traffic = $derived(this.context ? blockTraffic(this.context.depthwiseSteps.block, blockOutputSide(this.context)) : null);

	async start() {
		this.#started = true;
		this.#loaders
			.ownNetworkName()
			.then((name) => (this.keptName = name))
			.catch(() => (this.keptName = null));
		await this.#load();
	}

	/** Loads our model or the visitor's (falling back to ours with the reason), then the picture at its size. */
	async #load() {
		const load = ++this.#loads;
		const current = () => load === this.#loads;
		const onProgress = (p: Progress) => current() && (this.status = { kind: 'loading', progress: p });
		this.status = { kind: 'loading', progress: { text: '', fraction: 0 } };
		this.refusal = null;
		let loaded: { model: UnfusedModel; norm: Normalization; name: string | null };
		try {
			const mine = this.own ? await this.#loaders.loadOwn(onProgress) : null;
			if (!current()) return;
			if (mine?.ok) loaded = mine;
			else {
				if (mine) this.refusal = { refusal: mine.refusal, name: mine.name };
				loaded = { ...(await this.#loaders.loadModel(onProgress)), name: null };
			}
		} catch (e) {
			if (current()) this.status = { kind: 'failed', message: (e as Error).message };
			return;
		}
		if (!current()) return;
		this.norm = loaded.norm;
		this.model = loaded.model;
		this.shownName = loaded.name;
		this.status = { kind: 'ready' };
		try {
			const pixels = await this.#loaders.loadPicture(loaded.model.spec.inputSize);
			if (current()) this.pixels = pixels;
		} catch (e) {
			if (current()) this.pictureError = (e as Error).message;
		}
	}

	/** Open a chapter (and slide) on our model or the visitor's; figure controls start afresh. */
	open(chapter: ChapterId, q: LessonQuery) {
		const reload = q.own !== this.own;
		if (chapter !== this.chapter || reload) {
			this.verdict = null;
			this.editA = null;
			this.pickedTap = 4;
			this.mistakes = {};
			this.offCentre = false;
		}
		this.chapter = chapter;
		this.own = q.own;
		this.present = q.present;
		this.slide = Math.max(1, Math.min(slidesOf(chapter).length, q.slide));
		if (reload && this.#started) void this.#load();
	}

	answer(response: string | number | boolean) {
		const ex = this.exercise;
		if (!ex) return;
		const verdict = checkAnswer(ex, response);
		this.verdict = verdict;
		const next = recordAttempt(this.attempt, verdict);
		if (next !== this.attempt) this.#save({ ...this.progress, chapters: { ...this.progress.chapters, [this.chapter]: next } });
	}

	forget() {
		this.verdict = null;
		this.#save({ seed: this.#storage.newSeed(), chapters: {} });
	}

	#save(p: LessonProgress) {
		this.progress = p;
		this.#storage.write(serializeProgress(p));
	}

	/** The slide a presenter key leads to, or null at either end of the lesson. */
	neighbour(dir: 1 | -1) {
		return stepSlide(this.chapter, this.slide, dir);
	}
}
