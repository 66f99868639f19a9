/**
 * What every family's block provides: its weights under the family's ORIGINAL state-dict names
 * (block-local: `rbr_dense.conv.weight`, not `stage1.0.rbr_dense.conv.weight`), seeded synthetic
 * weights with non-trivial BatchNorm statistics, the train-time forward pass (float64, inference-mode
 * BN) and the fuse as a list of the algebra's step records, each labelled with the module it came from.
 */
import type { Tensor, Tensor64 } from '../core/tensor';
import type { ConvKernel } from '../reparam/conv-kernel';
import type { ImageLike } from '../reparam/direct-conv';
import type { ReparamStep } from '../reparam/steps';

/** Block-local key → tensor, float32 as in a checkpoint. */
export type StateDict = Map<string, Tensor>;

export interface BlockGeometry {
	cin: number;
	cout: number;
	/** The block's main (largest) kernel size, odd. */
	kernel: number;
	stride: number;
	groups: number;
	/** Parallel K×K conv+BN branches where a family has several (PP-LCNetV3, FastViT's mixer); 1 otherwise. */
	branches?: number;
	/** DBB: channels between the 1×1 and the K×K of `dbb_1x1_kxk` (default as DBB: cin, or 2·cin when depthwise). */
	internal?: number;
}

export interface LabelledStep {
	/** The module the step works on, in the family's names (`rbr_1x1`, `dbb_1x1_kxk`, …). */
	label: string;
	record: ReparamStep;
}

export interface BlockFusion {
	steps: LabelledStep[];
	/** The fused pair in float64; round once (`roundOnce`) for the deploy weights. */
	fused: ConvKernel;
	stride: number;
	/** The family's names for the fused conv's weight and bias. */
	keys: { weight: string; bias: string };
}

export interface FamilyBlock {
	id: FamilyId;
	/** As the family's paper and code name it. */
	name: string;
	/** Where the key names and semantics were read. */
	reference: string;
	/** One line: the train-time block. */
	summary: string;
	/** Checks the geometry for this family; one sentence when it does not fit. */
	check(g: BlockGeometry): string | null;
	/** Every key the block's train-time state dict holds, with its shape. */
	keys(g: BlockGeometry): { key: string; shape: number[] }[];
	synthetic(g: BlockGeometry, seed: number): StateDict;
	/** The train-time block's output before any activation, in float64. */
	forward(g: BlockGeometry, sd: StateDict, x: ImageLike): Tensor64;
	fuse(g: BlockGeometry, sd: StateDict): BlockFusion;
}

export type FamilyId = 'mobileone' | 'repvgg' | 'acnet' | 'dbb' | 'repvggdw' | 'repmixer' | 'repcpe' | 'learnable-rep';
