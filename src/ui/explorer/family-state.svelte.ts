/**
 * The explorer in family mode: one block of a reparameterization family (RepVGG, ACNet, DBB, …),
 * either seeded synthetic or one found in the visitor's kept network, its fuse as the engine's step
 * records, the proof and, for DBB, the border error of the 1×1 → K×K merge. A synthetic block's
 * proof runs on the chosen picture; a kept block's on the seeded input the /yours page checked it
 * on (`blockCheckInput`), so both pages show the same max |Δ|. Every number comes from
 * `$lib/families`; this class only holds the visitor's choices and derives.
 */
import { FAMILY_DEMO_GEOMETRY, FAMILY_DEMO_INPUT, FAMILY_DEMO_SEED } from '$lib/families/demo';
import { dbbBorderError } from '$lib/families/dbb';
import { familyStepView } from '$lib/families/explain';
import { familyById } from '$lib/families/index';
import { proveFamilyBlock } from '$lib/families/prove';
import { BLOCK_CHECK_SIDE, blockCheckInput, blockStateDict } from '$lib/families/fuse-blocks';
import type { FoundBlock } from '$lib/families/find-blocks';
import { PROOF_SEED } from '$lib/fuse-file';
import { pixelsToInput } from '$lib/image/preprocess';
import type { ImageLike } from '$lib/reparam/direct-conv';
import { IMAGENET, type InputPixels, type OwnBlocks } from './loader';
import { FAMILY_PARAMS, familyParamOf, type FamilyParam } from './url';

export class FamilyState {
	param = $state<FamilyParam>('repvgg');
	/** 1-based; steps.length + 1 is the proof. */
	step = $state(1);
	channel = $state(0);
	/** DBB: the naive merge, zeros in the gap between the 1×1 and the K×K. */
	zeroGap = $state(false);
	inputPixels = $state.raw<InputPixels | null>(null);
	/** The visitor's kept network's blocks while stepping through one of them; null: seeded synthetic blocks. */
	own = $state.raw<OwnBlocks | null>(null);
	/** Which found block, in the order the fuse checked them. */
	ownIndex = $state(0);

	ownBlock = $derived<FoundBlock | null>(this.own ? (this.own.file.blocks[this.ownIndex] ?? null) : null);
	/** The found block's module path, as links and the /yours table write it. */
	ownPath = $derived(this.ownBlock ? this.ownBlock.prefix.replace(/\.$/, '') : null);
	family = $derived(this.ownBlock?.family ?? familyById(FAMILY_PARAMS[this.param])!);
	geometry = $derived(this.ownBlock?.geometry ?? FAMILY_DEMO_GEOMETRY[this.family.id]);
	weights = $derived(this.own && this.ownBlock ? blockStateDict(this.own.file.tensors, this.ownBlock) : this.family.synthetic(this.geometry, FAMILY_DEMO_SEED));
	fusion = $derived(this.family.fuse(this.geometry, this.weights));
	steps = $derived(this.fusion.steps);
	/** Steps plus the proof. */
	count = $derived(this.steps.length + 1);
	isProof = $derived(this.step === this.count);
	view = $derived(this.isProof ? null : familyStepView(this.steps[this.step - 1], this.channel));

	/** A synthetic block's: the picture, normalized, [1, 3, N, N]. A kept block's: its /yours check input. */
	input = $derived.by((): ImageLike | null => {
		if (this.ownBlock) return blockCheckInput(this.geometry.cin, PROOF_SEED, this.ownIndex, BLOCK_CHECK_SIDE);
		const px = this.inputPixels;
		if (!px || px.size !== FAMILY_DEMO_INPUT) return null;
		return { shape: [1, 3, px.size, px.size], data: pixelsToInput(px.rgba, px.size, px.size, 4, IMAGENET) };
	});

	proof = $derived(this.isProof && this.input ? proveFamilyBlock(this.family, this.geometry, this.weights, this.input) : null);
	border = $derived(this.family.id === 'dbb' && this.input ? dbbBorderError(this.geometry, this.weights, this.input) : null);

	/** A synthetic block of family `p`; on a kept network, its first block of that family, else synthetic. */
	select(p: FamilyParam) {
		this.param = p;
		const i = this.own ? this.own.file.blocks.findIndex((b) => familyParamOf(b.family.id) === p) : -1;
		if (i >= 0) this.ownIndex = i;
		else this.own = null;
		this.reset();
	}

	/**
	 * Step through the kept network's block at module path `path` (null or not found: its first block
	 * of family `p`, else its first block).
	 */
	useOwn(own: OwnBlocks, path: string | null, p: FamilyParam | null) {
		const blocks = own.file.blocks;
		let i = path === null ? -1 : blocks.findIndex((b) => b.prefix.replace(/\.$/, '') === path);
		if (i < 0 && p) i = blocks.findIndex((b) => familyParamOf(b.family.id) === p);
		this.own = own;
		this.selectOwn(Math.max(0, i));
	}

	selectOwn(i: number) {
		if (!this.own) return;
		this.ownIndex = Math.max(0, Math.min(this.own.file.blocks.length - 1, Math.round(i) || 0));
		this.param = familyParamOf(this.own.file.blocks[this.ownIndex].family.id) ?? this.param;
		this.reset();
	}

	private reset() {
		this.step = 1;
		this.channel = 0;
		this.zeroGap = false;
	}

	setStep(s: number) {
		this.step = Math.max(1, Math.min(this.count, Math.round(s) || 1));
	}

	setChannel(c: number) {
		const n = this.geometry.cout;
		this.channel = ((Math.round(c) % n) + n) % n;
	}
}
