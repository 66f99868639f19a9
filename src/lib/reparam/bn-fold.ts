/**
 * Transform I, BatchNorm folded into the conv before it: BN(W∗x + b) = (t·W)∗x + (s + t·b), with
 * t = γ/√(σ²+ε) and s = β − μ·t per output channel. A conv with its own bias b (ACNet #2, #43)
 * keeps it, scaled by t. The same fold is the post-sum BN of QARepVGG and RepViT's `RepVGGDW`
 * (one BN after the branches are summed): fold it into the summed pair.
 */
import { batchNormScale, batchNormShift, channelsOf, type BatchNorm } from './batch-norm';
import type { ConvKernel } from './conv-kernel';

export interface BatchNormFoldStep {
	kind: 'bn-fold';
	/** `branch`: a branch's own BN; `after-sum`: one BN after the branches were added. */
	where: 'branch' | 'after-sum';
	input: ConvKernel;
	bn: BatchNorm;
	/** t = γ/√(σ²+ε), one per output channel. */
	scale: Float64Array;
	/** s = β − μ·t */
	shift: Float64Array;
	output: ConvKernel;
	formula: string;
}

export function foldBatchNorm(input: ConvKernel, bn: BatchNorm, where: BatchNormFoldStep['where'] = 'branch'): BatchNormFoldStep {
	const cout = input.shape[0];
	if (channelsOf(bn) !== cout) throw new RangeError(`a BatchNorm of ${channelsOf(bn)} channels cannot follow a conv with ${cout} outputs`);
	const scale = batchNormScale(bn);
	const shift = batchNormShift(bn, scale);
	const per = input.weight.length / cout;
	const weight = new Float64Array(input.weight.length);
	const bias = new Float64Array(cout);
	for (let o = 0; o < cout; o++) {
		const t = scale[o];
		for (let j = o * per; j < (o + 1) * per; j++) weight[j] = input.weight[j] * t;
		bias[o] = shift[o] + t * input.bias[o];
	}
	return {
		kind: 'bn-fold',
		where,
		input,
		bn,
		scale,
		shift,
		output: { shape: input.shape, groups: input.groups, weight, bias },
		formula: "t = γ/√(σ²+ε);  W′ = t·W;  b′ = β − μ·t + t·b"
	};
}
