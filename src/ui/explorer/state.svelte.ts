/**
 * The explorer's state: which model, block, channel, step and input image, the visitor's edits and
 * switches, and where loading stands. Everything numeric is derived from the engine
 * (fuseBlockSteps, channelSteps, proveBlock, pixelsToInput); this file only wires choices to
 * engine calls. Loading goes through injected loaders, and each load carries a sequence number:
 * only the answer to the visitor's latest choice is kept, however slow the earlier ones are.
 */
import { applyEdit, channelSteps, proveBlock, rebuildWithBranches, type BlockEdit } from '$lib/mobileone/explain';
import type { BranchMistakes } from '$lib/mobileone/forward';
import { runBlocks } from '$lib/mobileone/forward';
import { fuseBlockSteps, fuseModel } from '$lib/mobileone/reparam';
import { pixelsToInput, type Normalization } from '$lib/image/preprocess';
import type { Tensor } from '$lib/core/tensor';
import type { FusedModel, UnfusedBlock, UnfusedModel } from '$lib/mobileone/model';
import type { BlockSpec } from '$lib/mobileone/spec';
import { groupChannel, groupInput, proveGroup, type GroupSteps } from '$lib/graph/group-steps';
import { modelChoice, OWN_NETWORK, type PageModelId } from '$lib/models';
import { NoOwnNetwork, type ExplorerLoaders, type InputPixels, type Progress } from './loader';
import { explorerSlides, firstSlideOf, type ExplorerSlide } from './slides';
import type { PresenterAction } from '$ui/shared/presenter';
import { DEFAULT_QUERY, familyParamOf, serialize, type ExplorerQuery, type FamilyParam, type InputId, type StepId } from './url';
import { WeightsError } from '$lib/core/errors';
import { FAMILY_DEMO_INPUT } from '$lib/families/demo';
import { FamilyState } from './family-state.svelte';
import { loadTypesetter } from './typeset.svelte';
import { m } from '$lib/paraglide/messages';

export type { StepId } from './url';

// getters: the words are read at render time, in the page's language
export const STEPS = [
	{ id: 1, get short() { return m.explorer_step1_short(); }, get title() { return m.explorer_step1_title(); } },
	{ id: 2, get short() { return m.explorer_step2_short(); }, get title() { return m.explorer_step2_title(); } },
	{ id: 3, get short() { return m.explorer_step3_short(); }, get title() { return m.explorer_step3_title(); } },
	{ id: 4, get short() { return m.explorer_step4_short(); }, get title() { return m.explorer_step4_title(); } },
	{ id: 5, get short() { return m.explorer_step5_short(); }, get title() { return m.explorer_step5_title(); } }
] as const satisfies readonly { id: StepId; short: string; title: string }[];

/** Synthetic S0–S4 get a 64×64 input: every block is convolutional, so any size proves the same thing. */
export const SYNTHETIC_INPUT = 64;

/** 'missing': `?model=yours` with no network of the visitor's kept in this browser. */
export type LoadStatus = { kind: 'loading'; progress: Progress } | { kind: 'ready' } | { kind: 'failed'; message: string } | { kind: 'missing' };

/** The seed of an ONNX group's proof input, so a deep link shows the same numbers. */
export const GROUP_PROOF_SEED = 11;

export function describeGroup(g: GroupSteps): string {
	const [kh, kw] = g.geometry.kernel;
	const ch = g.cinPerGroup * g.geometry.group === g.cout ? m.explorer_block_channels({ count: g.cout }) : m.explorer_block_channels_change({ cin: g.cinPerGroup * g.geometry.group, cout: g.cout });
	return `${g.name} · ${m.explorer_group_branches({ count: g.branches.length, kernel: `${kh}×${kw}` })} · ${ch}${g.geometry.group > 1 ? ` · ${m.explorer_group_groups({ count: g.geometry.group })}` : ''}`;
}

/** The keys family mode answers to. */
const FAMILY_KEYS: Record<string, (s: FamilyState) => void> = {
	ArrowRight: (s) => s.setStep(s.step + 1),
	ArrowLeft: (s) => s.setStep(s.step - 1),
	ArrowUp: (s) => s.setChannel(s.channel + 1),
	ArrowDown: (s) => s.setChannel(s.channel - 1)
};

/** The keys the explorer answers to, outside form controls. */
const KEYS: Record<string, (s: ExplorerState) => void> = {
	ArrowRight: (s) => s.setStep(s.step + 1),
	ArrowLeft: (s) => s.setStep(s.step - 1),
	ArrowUp: (s) => s.setChannel(s.channel + 1),
	ArrowDown: (s) => s.setChannel(s.channel - 1),
	']': (s) => s.setBlock(s.blockIndex + 1),
	'[': (s) => s.setBlock(s.blockIndex - 1)
};

export function describeBlock(b: BlockSpec): string {
	const kind = b.role === 'stem' ? m.explorer_block_stem({ k: '3×3' }) : b.role === 'depthwise' ? m.explorer_block_depthwise({ k: '3×3' }) : m.explorer_block_pointwise({ k: '1×1' });
	const ch = b.cin === b.cout ? m.explorer_block_channels({ count: b.cout }) : m.explorer_block_channels_change({ cin: b.cin, cout: b.cout });
	return `${b.name} · ${kind} · ${ch}${b.stride > 1 ? ` · ${m.explorer_block_stride({ stride: b.stride })}` : ''}${b.se ? ' · SE' : ''}`;
}

export class ExplorerState {
	readonly #loaders: ExplorerLoaders;
	#modelSeq = 0;
	#inputSeq = 0;

	modelId = $state<PageModelId>(DEFAULT_QUERY.model);
	/** The file name of the visitor's network kept in this browser (offered as a model), or null. */
	ownName = $state<string | null>(null);
	/** An ONNX file's merged groups, stepped through instead of MobileOne blocks; null for MobileOnes. */
	graph = $state.raw<GroupSteps[] | null>(null);
	status = $state.raw<LoadStatus>({ kind: 'loading', progress: { text: m.explorer_loading_trained(), fraction: 0 } });
	/** A failure to prepare the input image; the rest of the page still works. */
	inputError = $state<string | null>(null);
	hasMine = $state(false);
	inputId = $state<InputId>(DEFAULT_QUERY.input);
	inputPixels = $state.raw<InputPixels | null>(null);
	norm = $state.raw<Normalization | null>(null);

	model = $state.raw<UnfusedModel | null>(null);
	/** The same model fused once, to compute block inputs quickly (fused = unfused). */
	fusedModel = $derived(this.model ? fuseModel(this.model) : null);
	trained = $state(true);
	blockIndex = $state(0);
	channel = $state(0);
	step = $state<StepId>(1);
	edits = $state.raw<BlockEdit[]>([]);
	/** k chosen by the visitor: the block is rebuilt with synthetic weights. */
	kOverride = $state<number | null>(null);
	mistakes = $state<BranchMistakes>({});

	/** Presenter mode: this block and channel's steps as slides; `slide` is 1-based and may run past a smaller block's last (read `slideIndex`). */
	present = $state(false);
	slide = $state(1);

	/** Another family's block instead of MobileOne's (its own state, a sibling class). */
	familyMode = $state(false);
	readonly fam = new FamilyState();
	/** Family mode: reading the kept network's blocks, or why it could not; null when nothing is pending or wrong. */
	ownBlocksStatus = $state.raw<Exclude<LoadStatus, { kind: 'ready' }> | null>(null);
	#ownSeq = 0;

	constructor(loaders: ExplorerLoaders) {
		this.#loaders = loaders;
	}

	ready = $derived(this.status.kind === 'ready');
	blocks = $derived(this.model?.blocks.map((b) => b.spec) ?? []);
	/** The block picker's entries: MobileOne blocks, or an ONNX file's merged groups. */
	blockLabels = $derived(this.graph ? this.graph.map(describeGroup) : this.blocks.map(describeBlock));
	inputSize = $derived(
		this.familyMode
			? FAMILY_DEMO_INPUT
			: this.modelId === 'cifar10' || this.inputId === 'mine' ? 32 : this.modelId === OWN_NETWORK && this.model ? Math.min(this.model.spec.inputSize, SYNTHETIC_INPUT) : SYNTHETIC_INPUT
	);

	/** ONNX files: the chosen group, one channel of its steps, and its proof on a seeded input. */
	group = $derived(this.graph ? this.graph[Math.min(this.blockIndex, this.graph.length - 1)] : null);
	groupView = $derived(this.group ? groupChannel(this.group, this.channel) : null);
	groupProofInput = $derived(this.group ? groupInput(this.group, GROUP_PROOF_SEED) : null);
	groupProof = $derived(this.group && this.groupProofInput ? proveGroup(this.group, this.groupProofInput) : null);

	/** The network input for the proof, normalized [1, 3, H, W]; null until model and picture agree on a size. */
	input = $derived.by((): Tensor | null => {
		const px = this.inputPixels;
		if (!px || !this.norm || px.size !== this.inputSize) return null;
		return { shape: [1, 3, px.size, px.size], data: pixelsToInput(px.rgba, px.size, px.size, 4, this.norm) };
	});

	baseBlock = $derived(this.model ? this.model.blocks[Math.min(this.blockIndex, this.model.blocks.length - 1)] : null);

	/** The block as the visitor has it: rebuilt for another k, then edited. */
	block = $derived.by((): UnfusedBlock | null => {
		const base = this.baseBlock;
		if (!base) return null;
		let b = this.kOverride && this.kOverride !== base.spec.k ? rebuildWithBranches(base.spec, this.kOverride, 1000 + this.blockIndex) : base;
		for (const e of this.edits) b = applyEdit(b, e);
		return b;
	});

	steps = $derived(this.block ? fuseBlockSteps(this.block) : null);
	view = $derived(this.steps ? channelSteps(this.steps, this.channel) : null);

	/** What enters the block: the input image run through every earlier block. */
	blockInput = $derived.by((): Tensor | null => {
		if (!this.fusedModel || !this.input) return null;
		return runBlocks(this.fusedModel as FusedModel, this.input, 0, this.blockIndex);
	});

	slides = $derived(this.view ? explorerSlides(this.view) : []);
	/** The slide shown, 1-based, within this block's slides. */
	slideIndex = $derived(Math.max(1, Math.min(this.slide, this.slides.length)));
	currentSlide = $derived<ExplorerSlide | null>(this.slides[this.slideIndex - 1] ?? null);
	/** Presenter mode is offered for MobileOne blocks (not family mode, not an ONNX file's groups). */
	canPresent = $derived(!this.familyMode && this.graph === null && this.view !== null);
	presenting = $derived(this.present && this.canPresent);

	proof = $derived(this.block && this.steps && this.blockInput ? proveBlock(this.block, this.steps, this.blockInput, this.mistakes) : null);

	edited = $derived(this.edits.length > 0 || (this.kOverride !== null && this.kOverride !== this.baseBlock?.spec.k));

	proofNote = $derived.by(() => {
		if (this.modelId === 'cifar10') return m.explorer_note_cifar10({ name: this.inputPixels?.name ?? m.explorer_the_image() });
		if (this.modelId === OWN_NETWORK && this.groupProofInput)
			return m.explorer_note_group({ shape: this.groupProofInput.shape.join('×'), seed: GROUP_PROOF_SEED });
		if (this.modelId === OWN_NETWORK) return m.explorer_note_own({ name: this.inputPixels?.name ?? m.explorer_the_image(), size: this.inputSize });
		return m.explorer_note_synthetic({ model: modelChoice(this.modelId).name, size: SYNTHETIC_INPUT });
	});

	/** What the model is called in headings: the catalogue's name, or the visitor's file. */
	modelName = $derived(this.modelId === OWN_NETWORK ? m.shell_own_network_label({ file: this.ownName ?? m.shell_own_not_kept() }) : modelChoice(this.modelId).name);

	/** The deep link to exactly this view, or null while there is nothing to link to. */
	query = $derived.by((): string | null => {
		if (this.familyMode) {
			const f = this.fam;
			// nothing to link to before the picture is in (and SvelteKit's router is up by then)
			// nor while a kept block is still being read
			if (!f.inputPixels || this.ownBlocksStatus?.kind === 'loading') return null;
			if (f.ownPath !== null)
				return serialize({ ...DEFAULT_QUERY, family: familyParamOf(f.family.id), model: OWN_NETWORK, ownBlock: f.ownPath, familyStep: f.step, zeroGap: f.zeroGap, channel: f.channel, input: this.inputId });
			return serialize({ ...DEFAULT_QUERY, family: f.param, familyStep: f.step, zeroGap: f.zeroGap, channel: f.channel, input: this.inputId });
		}
		const name = this.group ? `group${this.blockIndex + 1}` : this.block?.spec.name;
		if (!this.ready || !name) return null;
		return serialize({ ...DEFAULT_QUERY, model: this.modelId, block: name, channel: this.channel, step: this.step, input: this.inputId, present: this.presenting, slide: this.slideIndex });
	});

	/** How many blocks (or ONNX groups) there are to step through. */
	blockCount = $derived(this.graph?.length ?? this.model?.blocks.length ?? 0);

	/** Open the view a deep link asks for. */
	async start(q: ExplorerQuery) {
		this.hasMine = this.#loaders.hasMine();
		this.inputId = q.input === 'mine' && !this.hasMine ? DEFAULT_QUERY.input : q.input;
		void this.#loaders.ownNetworkName?.().then((n) => (this.ownName ??= n));
		if (q.family || q.ownBlock !== null) {
			this.familyMode = true;
			if (q.family) this.fam.select(q.family);
			// A synthetic block's step is known now, so the first frame drawn is the linked one; a kept
			// block's steps are only known once its file is read (nothing is drawn until then).
			const wantsOwn = q.ownBlock !== null || q.model === OWN_NETWORK;
			if (!wantsOwn) this.#openFamilyAt(q);
			await Promise.all([wantsOwn ? this.openOwnBlocks(q.ownBlock, q.family) : null, this.selectInput(this.inputId), loadTypesetter()]);
			if (wantsOwn) this.#openFamilyAt(q);
			return;
		}
		if (!(await this.#loadModel(q.model))) return;
		const g = /^group(\d+)$/.exec(q.block ?? '');
		const i = this.graph ? (g ? Number(g[1]) - 1 : 0) : this.model!.blocks.findIndex((b) => b.spec.name === q.block);
		this.setBlock(i >= 0 ? i : 0);
		this.setChannel(q.channel);
		this.setStep(q.step);
		if (q.present) {
			this.present = true;
			this.showSlide(q.slide);
		}
		await this.selectInput(this.inputId);
	}

	#openFamilyAt(q: ExplorerQuery) {
		this.fam.setStep(q.familyStep);
		this.fam.setChannel(q.channel);
		this.fam.zeroGap = q.zeroGap;
	}

	/**
	 * Family mode on the kept network's blocks: the one at module path `path` (else the first of
	 * family `p`, else the first). Without a kept network, or with one holding no family block, the
	 * page says so and the synthetic block stays.
	 */
	async openOwnBlocks(path: string | null, p: FamilyParam | null): Promise<void> {
		const seq = ++this.#ownSeq;
		if (!this.#loaders.loadOwnBlocks) return;
		this.ownBlocksStatus = { kind: 'loading', progress: { text: m.explorer_loading_own(), fraction: null } };
		try {
			const own = await this.#loaders.loadOwnBlocks();
			if (seq !== this.#ownSeq) return;
			this.ownName = own.name;
			this.fam.useOwn(own, path, p);
			this.ownBlocksStatus = null;
		} catch (e) {
			if (seq === this.#ownSeq)
				this.ownBlocksStatus = e instanceof NoOwnNetwork ? { kind: 'missing' } : { kind: 'failed', message: m.explorer_load_failed({ message: (e as Error).message }) };
		}
	}

	/** Family mode: back to the seeded synthetic block of the family shown. */
	useSyntheticBlock() {
		this.#ownSeq++;
		this.ownBlocksStatus = null;
		this.fam.own = null;
		this.fam.select(this.fam.param);
	}

	/** Switch between MobileOne ('mobileone') and another family's block. */
	async selectFamily(id: FamilyParam | 'mobileone') {
		if (id === 'mobileone') {
			this.familyMode = false;
			if (!this.model) await this.selectModel(this.modelId);
			else await this.selectInput(this.inputId);
			return;
		}
		this.familyMode = true;
		this.fam.select(id);
		await Promise.all([this.selectInput(this.inputId), loadTypesetter()]);
	}

	async selectModel(id: PageModelId) {
		this.blockIndex = 0;
		this.channel = 0;
		this.resetEdits();
		if (await this.#loadModel(id)) await this.selectInput(this.inputId);
	}

	/** True when this load is still the latest and it succeeded. */
	async #loadModel(id: PageModelId): Promise<boolean> {
		const seq = ++this.#modelSeq;
		this.modelId = id;
		this.model = null;
		this.graph = null;
		this.inputPixels = null;
		this.status = { kind: 'loading', progress: { text: m.explorer_loading(), fraction: null } };
		try {
			const loaded = await this.#loaders.loadModel(id, (progress) => {
				if (seq === this.#modelSeq) this.status = { kind: 'loading', progress };
			});
			if (seq !== this.#modelSeq) return false;
			if (loaded.ownName) this.ownName = loaded.ownName;
			if ('groups' in loaded) {
				this.graph = loaded.groups;
				this.trained = true;
			} else {
				this.norm = loaded.norm;
				this.trained = loaded.trained;
				this.model = loaded.model;
			}
			this.status = { kind: 'ready' };
			return true;
		} catch (e) {
			if (seq !== this.#modelSeq) return false;
			// a state dict of family blocks but no whole MobileOne: step through its blocks in family mode
			if (id === OWN_NETWORK && e instanceof WeightsError && this.#loaders.loadOwnBlocks) {
				this.status = { kind: 'ready' };
				this.familyMode = true;
				await Promise.all([this.openOwnBlocks(null, null), this.selectInput(this.inputId)]);
				if (this.fam.own) return false;
				this.familyMode = false;
			}
			this.status = e instanceof NoOwnNetwork ? { kind: 'missing' } : { kind: 'failed', message: m.explorer_load_failed({ message: (e as Error).message }) };
			return false;
		}
	}

	async selectInput(id: InputId) {
		const seq = ++this.#inputSeq;
		this.inputId = id;
		this.inputError = null;
		try {
			const px = await this.#loaders.loadInput(id, this.inputSize);
			if (seq !== this.#inputSeq) return;
			if (px.size === FAMILY_DEMO_INPUT) this.fam.inputPixels = px;
			if (!this.familyMode) this.inputPixels = px;
		} catch (e) {
			if (seq === this.#inputSeq) this.inputError = m.explorer_input_failed({ message: (e as Error).message });
		}
	}

	/** Act on a key press; false when the explorer has nothing to do with that key. */
	key(key: string): boolean {
		if (this.familyMode) {
			const g = FAMILY_KEYS[key];
			g?.(this.fam);
			return g !== undefined;
		}
		const f = KEYS[key] ?? (/^[1-5]$/.test(key) ? (s: ExplorerState) => s.setStep(Number(key)) : null);
		f?.(this);
		return f !== null;
	}

	/** Start presenting at the current step's first slide. */
	startPresenting() {
		this.present = true;
		this.slide = firstSlideOf(this.slides, this.step);
	}

	/** Back to the explorer, on the step the last slide showed. */
	stopPresenting() {
		if (this.currentSlide) this.step = this.currentSlide.step;
		this.present = false;
	}

	/** Show slide `n` (1-based, clamped to this block's slides); the step follows it. */
	showSlide(n: number) {
		this.slide = Math.max(1, Math.min(n, this.slides.length));
		if (this.currentSlide) this.step = this.currentSlide.step;
	}

	/** Act on a presenter key (see `$ui/shared/presenter`). */
	presenterAction(action: PresenterAction) {
		if (action === 'leave') this.stopPresenting();
		else this.showSlide(this.slideIndex + (action === 'next' ? 1 : -1));
	}

	setBlock(i: number) {
		if (this.blockCount === 0) return;
		this.blockIndex = Math.max(0, Math.min(i, this.blockCount - 1));
		this.edits = [];
		this.kOverride = null;
		const cout = this.graph ? this.graph[this.blockIndex].cout : this.model!.blocks[this.blockIndex].spec.cout;
		this.channel = Math.min(this.channel, cout - 1);
	}

	setChannel(c: number) {
		const cout = this.group?.cout ?? this.block?.spec.cout ?? 1;
		this.channel = ((c % cout) + cout) % cout;
	}

	setStep(s: number) {
		this.step = Math.max(1, Math.min(5, s)) as StepId;
	}

	edit(e: BlockEdit) {
		this.edits = [...this.edits, e];
	}

	resetEdits() {
		this.edits = [];
		this.kOverride = null;
		this.mistakes = {};
	}
}
