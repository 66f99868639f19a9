/**
 * Structural reparameterization, the paper's algebra (Apple's `_get_kernel_bias` and
 * `_fuse_bn_tensor`):
 *
 *   t = γ / √(σ² + ε),   W′ = W·t,   b′ = β − μ·t            (fold BN into each branch)
 *   the 1×1 scale kernel is zero-padded to K×K                 (same centre, same output)
 *   the BN-only skip is the identity kernel, then BN-folded    (1 at [i, i mod (in/groups), K/2, K/2])
 *   W_fused = Σ W′,   b_fused = Σ b′
 *
 * Everything is computed in float64 and rounded to float32 once, at the end. One routine does the
 * work for both entry points: `fuseBlock` (fast, no records) and `fuseBlockSteps` (keeps every
 * operand and result for the explorer to animate), so the two cannot disagree.
 */
import type { BlockSpec } from './spec';
import { tensor64, type Tensor, type Tensor64 } from '../core/tensor';
import { branchModule, convBranch, SCALE_BRANCH, SKIP_BRANCH, type BranchId } from './keys';
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
}

/** t = γ/√(σ²+ε) in float64. */
export function batchNormScale(bn: BatchNormParams): Float64Array {
	const t = new Float64Array(bn.gamma.length);
	for (let c = 0; c < t.length; c++) t[c] = bn.gamma[c] / Math.sqrt(bn.variance[c] + bn.eps);
	return t;
}

/** b′ = β − μ·t in float64. */
export function batchNormShift(bn: BatchNormParams, scale: Float64Array): Float64Array {
	const b = new Float64Array(scale.length);
	for (let c = 0; c < b.length; c++) b[c] = bn.beta[c] - bn.mean[c] * scale[c];
	return b;
}

/** The identity as a K×K convolution: 1 at [i, i mod (in/groups), K/2, K/2]. */
export function identityKernel(b: BlockSpec): Tensor {
	const shape = kernelShape(b);
	const [cout, cinPerGroup, kk] = shape;
	const data = new Float32Array(cout * cinPerGroup * kk * kk);
	const centre = Math.floor(kk / 2) * kk + Math.floor(kk / 2);
	for (let i = 0; i < cout; i++) data[(i * cinPerGroup + (i % cinPerGroup)) * kk * kk + centre] = 1;
	return { shape, data };
}

function skipRule(b: BlockSpec): SkipAsKernel['rule'] {
	if (b.groups === b.cin) return 'centred-delta';
	if (b.groups === 1 && b.kernel === 1) return 'identity-matrix';
	return 'grouped';
}

interface Recorder {
	convFolded: Float64Array[];
	scaleFolded: Float64Array | null;
	scalePadded: Float64Array | null;
	skipFolded: Float64Array | null;
	sumKernel: Float64Array;
	sumBias: Float64Array;
}

/**
 * The one implementation. Works output channel by output channel with a float64 accumulator the
 * size of one filter, so it stays in cache and reads each weight once.
 */
function fuse(block: UnfusedBlock, rec: Recorder | null): FusedBlock {
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
			const out = rec ? rec.convFolded[i] : null;
			for (let j = 0; j < perFilter; j++) {
				const v = w[base + j] * t;
				acc[j] += v;
				if (out) out[base + j] = v;
			}
			accBias += convShift[i][o];
		}
		if (block.scale && sScale && sShift) {
			const w = block.scale.weight.data;
			const t = sScale[o];
			for (let c = 0; c < cinPerGroup; c++) {
				const v = w[o * cinPerGroup + c] * t;
				acc[c * kk + centre] += v;
				if (rec?.scaleFolded && rec.scalePadded) {
					rec.scaleFolded[o * cinPerGroup + c] = v;
					rec.scalePadded[base + c * kk + centre] = v;
				}
			}
			accBias += sShift[o];
		}
		if (kScale && kShift) {
			// identity kernel (a single 1) times t: only the centre tap of input channel o mod (in/groups)
			const j = (o % cinPerGroup) * kk + centre;
			acc[j] += kScale[o];
			if (rec?.skipFolded) rec.skipFolded[base + j] = kScale[o];
			accBias += kShift[o];
		}
		weight.set(acc, base);
		bias[o] = accBias;
		if (rec) {
			rec.sumKernel.set(acc, base);
			rec.sumBias[o] = accBias;
		}
	}
	return { form: 'fused', spec: b, weight: { shape: kernelShape(b), data: weight }, bias, se: block.se };
}

/** Fuse one block: the inference-time conv (float32) that replaces all its branches. */
export function fuseBlock(block: UnfusedBlock): FusedBlock {
	return fuse(block, null);
}

/** Fuse one block and keep every step's operands and results, for the explorer. */
export function fuseBlockSteps(block: UnfusedBlock): BlockFusionSteps {
	const b = block.spec;
	const shape = kernelShape(b);
	const n = shape.reduce((p, d) => p * d, 1);
	const rec: Recorder = {
		convFolded: block.convs.map(() => new Float64Array(n)),
		scaleFolded: block.scale ? new Float64Array(b.cout * (b.cin / b.groups)) : null,
		scalePadded: block.scale ? new Float64Array(n) : null,
		skipFolded: block.skip ? new Float64Array(n) : null,
		sumKernel: new Float64Array(n),
		sumBias: new Float64Array(b.cout)
	};
	const fused = fuse(block, rec);

	const folds: BatchNormFold[] = block.convs.map((c, i) => {
		const scale = batchNormScale(c.bn);
		return {
			branch: convBranch(i),
			label: branchModule(convBranch(i)),
			kernel: c.weight,
			bn: c.bn,
			scale,
			foldedKernel: tensor64(shape, rec.convFolded[i]),
			foldedBias: batchNormShift(c.bn, scale)
		};
	});
	let scalePadding: ScalePadding | null = null;
	if (block.scale && rec.scaleFolded && rec.scalePadded) {
		const scale = batchNormScale(block.scale.bn);
		const before = tensor64(kernelShape(b, 1), rec.scaleFolded);
		folds.push({
			branch: SCALE_BRANCH,
			label: branchModule(SCALE_BRANCH),
			kernel: block.scale.weight,
			bn: block.scale.bn,
			scale,
			foldedKernel: before,
			foldedBias: batchNormShift(block.scale.bn, scale)
		});
		scalePadding = { before, after: tensor64(shape, rec.scalePadded), pad: Math.floor(b.kernel / 2) };
	}
	let skipKernel: SkipAsKernel | null = null;
	if (block.skip && rec.skipFolded) {
		skipKernel = { rule: skipRule(b), kernel: identityKernel(b) };
		const scale = batchNormScale(block.skip);
		folds.push({
			branch: SKIP_BRANCH,
			label: branchModule(SKIP_BRANCH),
			kernel: skipKernel.kernel,
			bn: block.skip,
			scale,
			foldedKernel: tensor64(shape, rec.skipFolded),
			foldedBias: batchNormShift(block.skip, scale)
		});
	}
	const terms = folds.map((f) => ({
		branch: f.branch,
		label: f.label,
		kernel: f.branch.kind === 'scale' && scalePadding ? scalePadding.after : f.foldedKernel,
		bias: f.foldedBias
	}));
	return {
		block: b,
		folds,
		scalePadding,
		skipKernel,
		sum: { terms, kernel: tensor64(shape, rec.sumKernel), bias: rec.sumBias },
		fused
	};
}

/** The whole network, every block fused; SE and the classifier pass through unchanged. */
export function fuseModel(model: UnfusedModel): FusedModel {
	return { spec: model.spec, blocks: model.blocks.map(fuseBlock), classifier: model.classifier };
}
