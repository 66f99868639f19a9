/**
 * The block-level proof for any family: the train-time block's output (float64) against the fused
 * conv's, with the fused weights rounded once to float32 as a deployed network has them.
 */
import type { Tensor64 } from '../core/tensor';
import { AGREEMENT_TOLERANCE } from '../mobileone/explain';
import { fromTensor, roundOnce } from '../reparam/conv-kernel';
import { directConv, type ImageLike } from '../reparam/direct-conv';
import type { BlockFusion, BlockGeometry, FamilyBlock, StateDict } from './block';

export interface FamilyProof {
	fusion: BlockFusion;
	unfused: Tensor64;
	fused: Tensor64;
	maxDelta: number;
	maxOutput: number;
	/** maxDelta / maxOutput */
	relative: number;
	agrees: boolean;
}

export function proveFamilyBlock(family: FamilyBlock, g: BlockGeometry, sd: StateDict, x: ImageLike): FamilyProof {
	const problem = family.check(g);
	if (problem) throw new RangeError(problem);
	const unfused = family.forward(g, sd, x);
	const fusion = family.fuse(g, sd);
	const rounded = roundOnce(fusion.fused);
	const fused = directConv(x, fromTensor(rounded.weight, fusion.fused.groups, rounded.bias), { stride: fusion.stride });
	let maxDelta = 0;
	let maxOutput = 0;
	if (fused.data.length !== unfused.data.length) throw new RangeError('the fused and train-time outputs differ in shape');
	for (let i = 0; i < fused.data.length; i++) {
		const d = Math.abs(fused.data[i] - unfused.data[i]);
		maxDelta = d > maxDelta || Number.isNaN(d) ? (Number.isNaN(d) ? Infinity : d) : maxDelta;
		maxOutput = Math.max(maxOutput, Math.abs(unfused.data[i]));
	}
	const relative = maxOutput > 0 ? maxDelta / maxOutput : maxDelta;
	return { fusion, unfused, fused, maxDelta, maxOutput, relative, agrees: relative <= AGREEMENT_TOLERANCE };
}
