/**
 * Structural reparameterization, the paper's algebra (Apple's `_get_kernel_bias` and
 * `_fuse_bn_tensor`):
 *
 *   t = γ / √(σ² + ε),   W′ = W·t,   b′ = β − μ·t            (fold BN into each branch)
 *   the 1×1 scale kernel is zero-padded to K×K                 (same centre, same output)
 *   the BN-only skip is the identity kernel, then BN-folded    (1 at [i, i mod (in/groups), K/2, K/2])
 *   W_fused = Σ W′,   b_fused = Σ b′
 *
 * Everything is computed in float64 and rounded to float32 once, at the end. `fuseBlockSteps` is a
 * composition of the shared algebra (`src/lib/reparam/`), keeping every record for the explorer;
 * `fuseBlock` is the same arithmetic in one pass without records (fusing S4 allocates no
 * per-branch copies), and a test holds the two equal bit for bit.
 */
import type { BlockSpec } from './spec';
import { tensor64, type Tensor, type Tensor64 } from '../core/tensor';
import { branchModule, convBranch, SCALE_BRANCH, SKIP_BRANCH, type BranchId } from './keys';
import { batchNormScale, batchNormShift } from '../reparam/batch-norm';
import { foldBatchNorm } from '../reparam/bn-fold';
import { padKernel } from '../reparam/pad-kernel';
import { identityKernel as identityAsKernel } from '../reparam/identity-kernel';
import { addBranches } from '../reparam/add-branches';
import { fromTensor, roundOnce, type KernelShape } from '../reparam/conv-kernel';
import type { ReparamStep } from '../reparam/steps';
import { kernelShape, type BatchNormParams, type FusedBlock, type FusedModel, type UnfusedBlock, type UnfusedModel } from './model';

/** Step 1 (and the second half of step 3): one branch's BatchNorm folded into its kernel. */
export interface BatchNormFold {
	branch: BranchId;
	/** Apple's module name of the branch (`rbr_conv.0`, `rbr_scale`, `rbr_skip`), for display. */
	label: string;
	/** The kernel before folding: as loaded, or for the skip the identity kernel of step 3. */
	kernel: Tensor;
	bn: BatchNormParams;
	/** γ/√(σ²+ε), one per output channel. */
	scale: Float64Array;
	/** W·t */
	foldedKernel: Tensor64;
	/** β − μ·t */
	foldedBias: Float64Array;
}

/** Step 2: the folded 1×1 kernel placed at the centre of a K×K one. */
export interface ScalePadding {
	before: Tensor64;
	after: Tensor64;
	/** Zeros added on each side. */
	pad: number;
}

/** Step 3: the skip connection written as a convolution kernel. */
export interface SkipAsKernel {
	/** depthwise: a centred 1 per channel; pointwise: the identity matrix; otherwise the general rule. */
	rule: 'centred-delta' | 'identity-matrix' | 'grouped';
	kernel: Tensor;
}

/** Step 4: every branch's kernel and bias, and their sums. */
export interface BranchSum {
	terms: { branch: BranchId; label: string; kernel: Tensor64; bias: Float64Array }[];
	kernel: Tensor64;
	bias: Float64Array;
}

export interface BlockFusionSteps {
	block: BlockSpec;
	folds: BatchNormFold[];
	scalePadding: ScalePadding | null;
	skipKernel: SkipAsKernel | null;
	sum: BranchSum;
	/** The sums rounded once to float32: what the fused network runs. */
	fused: FusedBlock;
	/** The same fusion as the algebra's step records, in the order they were applied. */
	records: ReparamStep[];
}

export { batchNormScale, batchNormShift };

/** The identity as a K×K convolution: 1 at [i, i mod (in/groups), K/2, K/2] (the algebra's `identityKernel`). */
export function identityKernel(b: BlockSpec): Tensor {
	return roundOnce(identityAsKernel(b.cin, b.groups, b.kernel).output).weight;
}


/**
 * The fast path: the algebra's BN fold, padding, identity and sum in one pass. Works output channel by output channel with a float64 accumulator the
 * size of one filter, so it stays in cache and reads each weight once.
 */
function fuse(block: UnfusedBlock): FusedBlock {
	const b = block.spec;
	const kk = b.kernel * b.kernel;
	const cinPerGroup = b.cin / b.groups;
	const perFilter = cinPerGroup * kk;
	const centre = Math.floor(b.kernel / 2) * b.kernel + Math.floor(b.kernel / 2);

	const convScale = block.convs.map((c) => batchNormScale(c.bn));
	const convShift = block.convs.map((c, i) => batchNormShift(c.bn, convScale[i]));
	const sScale = block.scale ? batchNormScale(block.scale.bn) : null;
	const sShift = block.scale && sScale ? batchNormShift(block.scale.bn, sScale) : null;
	const kScale = block.skip ? batchNormScale(block.skip) : null;
	const kShift = block.skip && kScale ? batchNormShift(block.skip, kScale) : null;

	const weight = new Float32Array(b.cout * perFilter);
	const bias = new Float32Array(b.cout);
	const acc = new Float64Array(perFilter);

	for (let o = 0; o < b.cout; o++) {
		acc.fill(0);
		let accBias = 0;
		const base = o * perFilter;
		for (let i = 0; i < block.convs.length; i++) {
			const w = block.convs[i].weight.data;
			const t = convScale[i][o];
			for (let j = 0; j < perFilter; j++) acc[j] += w[base + j] * t;
			accBias += convShift[i][o];
		}
		if (block.scale && sScale && sShift) {
			const w = block.scale.weight.data;
			const t = sScale[o];
			for (let c = 0; c < cinPerGroup; c++) {
				acc[c * kk + centre] += w[o * cinPerGroup + c] * t;
			}
			accBias += sShift[o];
		}
		if (kScale && kShift) {
			// identity kernel (a single 1) times t: only the centre tap of input channel o mod (in/groups)
			const j = (o % cinPerGroup) * kk + centre;
			acc[j] += kScale[o];
			accBias += kShift[o];
		}
		weight.set(acc, base);
		bias[o] = accBias;
	}
	return { form: 'fused', spec: b, weight: { shape: kernelShape(b), data: weight }, bias, se: block.se };
}

/** Fuse one block: the inference-time conv (float32) that replaces all its branches. */
export function fuseBlock(block: UnfusedBlock): FusedBlock {
	return fuse(block);
}

/**
 * Fuse one block and keep every step's operands and results, for the explorer: a composition of the
 * algebra (`src/lib/reparam/`): fold each branch's BN, pad the folded 1×1 to K×K, write the skip as
 * an identity kernel and fold its BN, add. The sums are the same float64 operations in the same
 * order as `fuse` above, so `fuseBlock` and this agree bit for bit (tests/unit/reparam.test.ts).
 */
export function fuseBlockSteps(block: UnfusedBlock): BlockFusionSteps {
	const b = block.spec;
	const shape = kernelShape(b);
	const records: ReparamStep[] = [];
	const fold = (weight: Tensor, bn: BatchNormParams) => {
		const step = foldBatchNorm(fromTensor(weight, b.groups), bn);
		records.push(step);
		return step;
	};
	const folds: BatchNormFold[] = [];
	const terms: BranchSum['terms'] = [];
	block.convs.forEach((c, i) => {
		const step = fold(c.weight, c.bn);
		const branch = convBranch(i);
		folds.push({ branch, label: branchModule(branch), kernel: c.weight, bn: c.bn, scale: step.scale, foldedKernel: tensor64(shape, step.output.weight), foldedBias: step.output.bias });
		terms.push({ branch, label: branchModule(branch), kernel: tensor64(shape, step.output.weight), bias: step.output.bias });
	});
	let scalePadding: ScalePadding | null = null;
	if (block.scale) {
		const step = fold(block.scale.weight, block.scale.bn);
		const padded = padKernel(step.output, b.kernel, b.kernel);
		records.push(padded);
		const before = tensor64(kernelShape(b, 1), step.output.weight);
		folds.push({ branch: SCALE_BRANCH, label: branchModule(SCALE_BRANCH), kernel: block.scale.weight, bn: block.scale.bn, scale: step.scale, foldedKernel: before, foldedBias: step.output.bias });
		scalePadding = { before, after: tensor64(shape, padded.output.weight), pad: Math.floor(b.kernel / 2) };
		terms.push({ branch: SCALE_BRANCH, label: branchModule(SCALE_BRANCH), kernel: scalePadding.after, bias: padded.output.bias });
	}
	let skipKernel: SkipAsKernel | null = null;
	if (block.skip) {
		const identity = identityAsKernel(b.cin, b.groups, b.kernel);
		records.push(identity);
		skipKernel = { rule: identity.rule, kernel: roundOnce(identity.output).weight };
		const step = foldBatchNorm(identity.output, block.skip);
		records.push(step);
		folds.push({ branch: SKIP_BRANCH, label: branchModule(SKIP_BRANCH), kernel: skipKernel.kernel, bn: block.skip, scale: step.scale, foldedKernel: tensor64(shape, step.output.weight), foldedBias: step.output.bias });
		terms.push({ branch: SKIP_BRANCH, label: branchModule(SKIP_BRANCH), kernel: tensor64(shape, step.output.weight), bias: step.output.bias });
	}
	const sum = addBranches(
		terms.map((t) => ({ shape: shape as unknown as KernelShape, groups: b.groups, weight: t.kernel.data, bias: t.bias })),
		terms.map((t) => t.label)
	);
	records.push(sum);
	const rounded = roundOnce(sum.output);
	return {
		block: b,
		folds,
		scalePadding,
		skipKernel,
		sum: { terms, kernel: tensor64(shape, sum.output.weight), bias: sum.output.bias },
		fused: { form: 'fused', spec: b, weight: rounded.weight, bias: rounded.bias, se: block.se },
		records
	};
}

/** The whole network, every block fused; SE and the classifier pass through unchanged. */
export function fuseModel(model: UnfusedModel): FusedModel {
	return { spec: model.spec, blocks: model.blocks.map(fuseBlock), classifier: model.classifier };
}
