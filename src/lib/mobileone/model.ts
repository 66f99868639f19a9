/**
 * A MobileOne network as typed per-block records, in either form: the train-time blocks with their
 * k conv+BN branches, scale branch and BN skip, or the fused blocks with one conv each. Everything
 * the engine computes reads and writes these records; how they are named in a file is `keys.ts`.
 */
import type { Tensor } from '../core/tensor';
import type { BlockSpec, MobileOneSpec } from './spec';

export interface BatchNormParams {
	gamma: Float32Array;
	beta: Float32Array;
	mean: Float32Array;
	variance: Float32Array;
	eps: number;
}

export interface ConvBn {
	/** [cout, cin/groups, K, K], no bias: BN supplies it. */
	weight: Tensor;
	bn: BatchNormParams;
}

export interface SEWeights {
	reduceWeight: Tensor;
	reduceBias: Float32Array;
	expandWeight: Tensor;
	expandBias: Float32Array;
}

export interface UnfusedBlock {
	form: 'unfused';
	spec: BlockSpec;
	convs: ConvBn[];
	scale: ConvBn | null;
	skip: BatchNormParams | null;
	se: SEWeights | null;
}

export interface FusedBlock {
	form: 'fused';
	spec: BlockSpec;
	weight: Tensor;
	bias: Float32Array;
	se: SEWeights | null;
}

export type Block = UnfusedBlock | FusedBlock;

export interface Classifier {
	/** [numClasses, features] */
	weight: Tensor;
	bias: Float32Array;
}

export interface Model<B extends Block = Block> {
	spec: MobileOneSpec;
	blocks: B[];
	classifier: Classifier;
}

export type UnfusedModel = Model<UnfusedBlock>;
export type FusedModel = Model<FusedBlock>;

export function kernelShape(b: BlockSpec, kernel = b.kernel): number[] {
	return [b.cout, b.cin / b.groups, kernel, kernel];
}

