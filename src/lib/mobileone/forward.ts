/**
 * Forward passes of both forms with the reference operators, so the engine itself can show that
 * the fused network computes the same function as the multi-branch one.
 */
import { batchNorm, batchNormTrainingMode, conv2d, globalAveragePool, linear, relu, squeezeExcite, sum } from './ops';
import type { Tensor } from '../core/tensor';
import { branchModule, convBranch, SCALE_BRANCH, SKIP_BRANCH, type BranchId } from './keys';
import type { Block, FusedBlock, Model, UnfusedBlock } from './model';

/** Ways to run the multi-branch block wrongly, to show why fusion then disagrees. */
export interface BranchMistakes {
	/** Normalize each branch with the batch's statistics instead of the running ones. */
	batchNormTrainingMode?: boolean;
	/** Put a ReLU at the end of every branch, before the sum: the sum is then no longer linear. */
	reluInsideBranches?: boolean;
}

export interface BranchOutput {
	branch: BranchId;
	/** Apple's module name, for display. */
	label: string;
	output: Tensor;
}

export interface UnfusedBlockTrace {
	/** Output of each branch before the sum, in the order conv 0..k-1, scale, skip. */
	branches: BranchOutput[];
	sum: Tensor;
	output: Tensor;
}

export function traceUnfusedBlock(block: UnfusedBlock, x: Tensor, mistakes: BranchMistakes = {}): UnfusedBlockTrace {
	const b = block.spec;
	const norm = mistakes.batchNormTrainingMode ? batchNormTrainingMode : batchNorm;
	const finish = (t: Tensor) => (mistakes.reluInsideBranches ? relu(t) : t);
	const conv = { stride: b.stride, padding: b.padding, groups: b.groups };
	const out = (branch: BranchId, output: Tensor): BranchOutput => ({ branch, label: branchModule(branch), output: finish(output) });
	const branches = block.convs.map((c, i) => out(convBranch(i), norm(conv2d(x, c.weight, conv), c.bn)));
	if (block.scale) branches.push(out(SCALE_BRANCH, norm(conv2d(x, block.scale.weight, { ...conv, padding: 0 }), block.scale.bn)));
	if (block.skip) branches.push(out(SKIP_BRANCH, norm(x, block.skip)));
	const total = sum(branches.map((br) => br.output));
	const output = relu(block.se ? squeezeExcite(total, block.se) : total);
	return { branches, sum: total, output };
}

export function forwardFusedBlock(block: FusedBlock, x: Tensor): Tensor {
	const b = block.spec;
	const y = conv2d(x, block.weight, { stride: b.stride, padding: b.padding, groups: b.groups, bias: block.bias });
	return relu(block.se ? squeezeExcite(y, block.se) : y);
}

/**
 * The train-time block as run, without keeping each branch: every branch output is added into one
 * float64 sum and dropped, so memory stays at two activations however many branches the block has.
 * Same arithmetic as `traceUnfusedBlock` (float64 accumulation, one rounding), which the explorer uses.
 */
export function forwardUnfusedBlock(block: UnfusedBlock, x: Tensor): Tensor {
	const b = block.spec;
	const conv = { stride: b.stride, padding: b.padding, groups: b.groups };
	let acc: Float64Array | null = null;
	let shape: readonly number[] = [];
	const addIn = (t: Tensor) => {
		acc ??= new Float64Array(t.data.length);
		shape = t.shape;
		for (let i = 0; i < acc.length; i++) acc[i] += t.data[i];
	};
	for (const c of block.convs) addIn(batchNorm(conv2d(x, c.weight, conv), c.bn));
	if (block.scale) addIn(batchNorm(conv2d(x, block.scale.weight, { ...conv, padding: 0 }), block.scale.bn));
	if (block.skip) addIn(batchNorm(x, block.skip));
	if (!acc) throw new RangeError(`${b.name} has no branches`);
	const total: Tensor = { shape: [...shape], data: Float32Array.from(acc) };
	return relu(block.se ? squeezeExcite(total, block.se) : total);
}

export function forwardBlock(block: Block, x: Tensor): Tensor {
	return block.form === 'fused' ? forwardFusedBlock(block, x) : forwardUnfusedBlock(block, x);
}

/** Run blocks [from, to) of a model: the activation that enters block `to`. */
export function runBlocks(model: Model, input: Tensor, from = 0, to = model.blocks.length): Tensor {
	let x = input;
	for (let i = from; i < to; i++) x = forwardBlock(model.blocks[i], x);
	return x;
}

/** Global average pool, flatten, linear: features [N, C, H, W] → logits [N, classes]. */
export function classify(model: Model, features: Tensor): Tensor {
	const pooled = globalAveragePool(features);
	const [n, c] = pooled.shape;
	return linear({ shape: [n, c], data: pooled.data }, model.classifier.weight, model.classifier.bias);
}

export function forwardModel(model: Model, input: Tensor): Tensor {
	return classify(model, runBlocks(model, input));
}
