/**
 * The explorer's state: which model, block, channel and step, the visitor's edits and switches.
 * Everything numeric is derived from the engine (fuseBlockSteps, channelSteps, proveBlock); this
 * file only wires choices to engine calls.
 */
import { applyEdit, channelSteps, proveBlock, rebuildWithBranches, type BlockEdit } from '$lib/mobileone/explain';
import type { BranchMistakes } from '$lib/mobileone/forward';
import { runBlocks } from '$lib/mobileone/forward';
import { fuseBlockSteps, fuseModel } from '$lib/mobileone/reparam';
import type { Tensor } from '$lib/core/tensor';
import type { FusedModel, UnfusedBlock, UnfusedModel } from '$lib/mobileone/model';

export const STEPS = [
	{ id: 1, short: 'Fold BN', title: 'Fold each BatchNorm into its kernel' },
	{ id: 2, short: 'Pad 1×1', title: 'Pad the 1×1 scale kernel to 3×3' },
	{ id: 3, short: 'Skip → kernel', title: 'Write the skip as a kernel' },
	{ id: 4, short: 'Add up', title: 'Add all kernels and biases into one' },
	{ id: 5, short: 'Proof', title: 'Run both forms on a real input' }
] as const;

export type StepId = (typeof STEPS)[number]['id'];

export class ExplorerState {
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
	/** The network input for the proof, already normalized [1, 3, H, W]. */
	input = $state.raw<Tensor | null>(null);

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

	proof = $derived(this.block && this.steps && this.blockInput ? proveBlock(this.block, this.steps, this.blockInput, this.mistakes) : null);

	edited = $derived(this.edits.length > 0 || (this.kOverride !== null && this.kOverride !== this.baseBlock?.spec.k));

	setBlock(i: number) {
		if (!this.model) return;
		this.blockIndex = Math.max(0, Math.min(i, this.model.blocks.length - 1));
		this.edits = [];
		this.kOverride = null;
		this.channel = Math.min(this.channel, this.model.blocks[this.blockIndex].spec.cout - 1);
	}

	setChannel(c: number) {
		const cout = this.block?.spec.cout ?? 1;
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
