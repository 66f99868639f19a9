/**
 * What the fusion explorer shows, derived from the engine's step records: one output channel's
 * slice of every operand, the proof that both forms agree on a real input, and the edits a
 * visitor can make. The page only draws these; it never redoes the math.
 */
import { branchModule, type BranchId } from './keys';
import { traceUnfusedBlock, forwardFusedBlock, type BranchMistakes } from './forward';
import { fuseBlockSteps, type BatchNormFold, type BlockFusionSteps, type SkipAsKernel } from './reparam';
import type { BlockSpec } from './spec';
import { syntheticBlock } from './synthetic';
import { maxAbs, type Tensor } from '../core/tensor';
import type { BatchNormParams, ConvBn, UnfusedBlock } from './model';

/** One output channel's filter: `planes` input channels of `size`×`size` taps. */
export interface KernelSlice {
	planes: number;
	size: number;
	values: Float64Array;
}

export interface FoldView {
	branch: BranchId;
	label: string;
	kernel: KernelSlice;
	gamma: number;
	beta: number;
	mean: number;
	variance: number;
	eps: number;
	/** γ/√(σ²+ε) */
	scale: number;
	folded: KernelSlice;
	/** β − μ·t */
	bias: number;
}

export interface ChannelSteps {
	block: BlockSpec;
	channel: number;
	/** Step 1: the k conv branches and the scale branch, each with its BN folded. */
	folds: FoldView[];
	/** Step 2: the folded 1×1 scale kernel, before and after zero-padding. */
	padding: { before: KernelSlice; after: KernelSlice; pad: number } | null;
	/** Step 3: the skip as an identity kernel, then BN-folded. */
	skip: { rule: SkipAsKernel['rule']; identity: KernelSlice; fold: FoldView } | null;
	/** Step 4: every term, their float64 sum, and the float32 weights the fused conv runs. */
	sum: { terms: { branch: BranchId; label: string; kernel: KernelSlice; bias: number }[]; kernel: KernelSlice; bias: number; rounded: KernelSlice; roundedBias: number };
}

function slice(data: ArrayLike<number>, shape: readonly number[], channel: number): KernelSlice {
	const [, planes, size] = shape;
	const per = planes * size * size;
	const values = new Float64Array(per);
	for (let i = 0; i < per; i++) values[i] = data[channel * per + i];
	return { planes, size, values };
}

function foldView(f: BatchNormFold, o: number): FoldView {
	return {
		branch: f.branch,
		label: f.label,
		kernel: slice(f.kernel.data, f.kernel.shape, o),
		gamma: f.bn.gamma[o],
		beta: f.bn.beta[o],
		mean: f.bn.mean[o],
		variance: f.bn.variance[o],
		eps: f.bn.eps,
		scale: f.scale[o],
		folded: slice(f.foldedKernel.data, f.foldedKernel.shape, o),
		bias: f.foldedBias[o]
	};
}

export function channelSteps(steps: BlockFusionSteps, channel: number): ChannelSteps {
	const o = Math.max(0, Math.min(channel, steps.block.cout - 1));
	const skipFold = steps.folds.find((f) => f.branch.kind === 'skip');
	const fused = steps.fused;
	return {
		block: steps.block,
		channel: o,
		folds: steps.folds.filter((f) => f.branch.kind !== 'skip').map((f) => foldView(f, o)),
		padding: steps.scalePadding
			? {
					before: slice(steps.scalePadding.before.data, steps.scalePadding.before.shape, o),
					after: slice(steps.scalePadding.after.data, steps.scalePadding.after.shape, o),
					pad: steps.scalePadding.pad
				}
			: null,
		skip:
			steps.skipKernel && skipFold
				? { rule: steps.skipKernel.rule, identity: slice(steps.skipKernel.kernel.data, steps.skipKernel.kernel.shape, o), fold: foldView(skipFold, o) }
				: null,
		sum: {
			terms: steps.sum.terms.map((t) => ({ branch: t.branch, label: t.label, kernel: slice(t.kernel.data, t.kernel.shape, o), bias: t.bias[o] })),
			kernel: slice(steps.sum.kernel.data, steps.sum.kernel.shape, o),
			bias: steps.sum.bias[o],
			rounded: slice(fused.weight.data, fused.weight.shape, o),
			roundedBias: fused.bias[o]
		}
	};
}

export interface BlockProof {
	/** Block output [1, C, H, W] of the multi-branch form (as run, mistakes included). */
	unfused: Tensor;
	fused: Tensor;
	/** |unfused − fused| elementwise, same shape. */
	delta: Float32Array;
	maxDelta: number;
	maxOutput: number;
	/** maxDelta / maxOutput */
	relative: number;
	/** Float32 rounding level for these outputs: the spacing of float32 numbers near maxOutput. */
	float32Ulp: number;
	agrees: boolean;
}

/**
 * The largest |Δ|, as a share of the largest |output|, that still counts as equal. It is not "a few
 * roundings": float32 keeps 24 bits, so 1e-4 of max |y| is ~840 steps of float32 at that size (2⁻²³
 * ≈ 1.2e-7 relative). Fusing reorders every sum of a block (thousands of products per output in a
 * 1024-channel conv, BN folded into the weights first), and the differences grow from block to
 * block: the float32 results of the two forms legitimately differ by ~1e-7 to 1e-5 of max |y|,
 * more after many blocks and on other runtimes (WebGPU, ORT's own rewrites). A real mistake (a
 * dropped branch, a kernel padded off-centre, a BatchNorm folded with the wrong ε or statistics)
 * moves outputs by percents. 1e-4 sits between the two with a wide margin on each side.
 */
export const AGREEMENT_TOLERANCE = 1e-4;

export function proveBlock(block: UnfusedBlock, steps: BlockFusionSteps, input: Tensor, mistakes: BranchMistakes = {}): BlockProof {
	const unfused = traceUnfusedBlock(block, input, mistakes).output;
	const fused = forwardFusedBlock(steps.fused, input);
	const delta = new Float32Array(unfused.data.length);
	let maxDelta = 0;
	for (let i = 0; i < delta.length; i++) {
		delta[i] = Math.abs(unfused.data[i] - fused.data[i]);
		if (delta[i] > maxDelta) maxDelta = delta[i];
	}
	const maxOutput = maxAbs(unfused.data);
	const relative = maxOutput > 0 ? maxDelta / maxOutput : maxDelta;
	const float32Ulp = maxOutput > 0 ? 2 ** (Math.floor(Math.log2(maxOutput)) - 23) : 2 ** -149;
	return { unfused, fused, delta, maxDelta, maxOutput, relative, float32Ulp, agrees: relative <= AGREEMENT_TOLERANCE };
}

/** One channel's H×W plane out of an [N, C, H, W] tensor (first image). */
export function channelPlane(data: ArrayLike<number>, shape: readonly number[], channel: number): { width: number; height: number; values: Float32Array } {
	const [, , h, w] = shape;
	const values = new Float32Array(h * w);
	for (let i = 0; i < h * w; i++) values[i] = data[channel * h * w + i];
	return { width: w, height: h, values };
}

export type BnStat = 'gamma' | 'beta' | 'mean' | 'variance';

export type BlockEdit =
	| { kind: 'kernel'; branch: BranchId; channel: number; /** index inside the channel's filter */ tap: number; value: number }
	| { kind: 'bn'; branch: BranchId; channel: number; stat: BnStat; value: number };

function editConvBn(c: ConvBn, edit: BlockEdit): ConvBn {
	if (edit.kind === 'kernel') {
		const data = c.weight.data.slice();
		const per = data.length / c.weight.shape[0];
		data[edit.channel * per + edit.tap] = edit.value;
		return { weight: { shape: c.weight.shape, data }, bn: c.bn };
	}
	return { weight: c.weight, bn: editBn(c.bn, edit) };
}

function editBn(bn: BatchNormParams, edit: BlockEdit & { kind: 'bn' }): BatchNormParams {
	if (edit.stat === 'variance' && !(edit.value >= 0)) throw new RangeError('a variance cannot be negative');
	const values = bn[edit.stat].slice();
	values[edit.channel] = edit.value;
	return { ...bn, [edit.stat]: values };
}

/** A copy of the block with one number changed; the original is never mutated. */
export function applyEdit(block: UnfusedBlock, edit: BlockEdit): UnfusedBlock {
	if (!Number.isFinite(edit.value)) throw new RangeError('the new value must be a finite number');
	const branch = edit.branch;
	if (branch.kind === 'skip') {
		if (!block.skip || edit.kind !== 'bn') throw new RangeError('the skip has only BatchNorm statistics to edit');
		return { ...block, skip: editBn(block.skip, edit) };
	}
	if (branch.kind === 'scale') {
		if (!block.scale) throw new RangeError('this block has no scale branch');
		return { ...block, scale: editConvBn(block.scale, edit) };
	}
	const i = branch.index;
	if (!(i >= 0 && i < block.convs.length)) throw new RangeError(`no branch "${branchModule(branch)}"`);
	return { ...block, convs: block.convs.map((c, j) => (j === i ? editConvBn(c, edit) : c)) };
}

/** The same block shape with k conv branches and seeded synthetic weights. */
export function rebuildWithBranches(spec: BlockSpec, k: number, seed: number): UnfusedBlock {
	if (!Number.isInteger(k) || k < 1 || k > 8) throw new RangeError('k must be a whole number from 1 to 8');
	return syntheticBlock({ ...spec, k }, seed);
}

