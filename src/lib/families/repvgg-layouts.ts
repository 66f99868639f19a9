/**
 * RepVGG's network layouts as DingXiaoH/RepVGG `repvgg.py` builds them: `stage0` one block
 * 3 → min(64, 64·a₀) with stride 2, then four stages of widths 64·a₀, 128·a₁, 256·a₂, 512·a₃ whose
 * first block has stride 2 (`stage1.0`, …), global average pooling and `linear`. Every block is a
 * 3×3 `RepVGGBlock` (see repvgg.ts); A0–B1 use no groups.
 *
 * Parameter and FLOP counts, train → deploy, computed from the layout. How they count (this is how
 * OpenMMLab's mmpretrain README arrives at its published figures, which these reproduce):
 *  - parameters: trainable ones — conv weights, BN γ and β (running statistics are buffers, not
 *    counted), the deploy conv's bias, the classifier's weight and bias;
 *  - FLOPs: multiply-accumulates of every conv and of the classifier (bias adds not counted), plus
 *    2 per element for each BatchNorm (train form) and 1 per element for each ReLU.
 */
import type { BlockGeometry } from './block';

export interface RepVGGLayout {
	name: string;
	blocksPerStage: readonly [number, number, number, number];
	widthMultiplier: readonly [number, number, number, number];
}

const A = [2, 4, 14, 1] as const;
const B = [4, 6, 16, 1] as const;

export const REPVGG_LAYOUTS: readonly RepVGGLayout[] = [
	{ name: 'RepVGG-A0', blocksPerStage: A, widthMultiplier: [0.75, 0.75, 0.75, 2.5] },
	{ name: 'RepVGG-A1', blocksPerStage: A, widthMultiplier: [1, 1, 1, 2.5] },
	{ name: 'RepVGG-A2', blocksPerStage: A, widthMultiplier: [1.5, 1.5, 1.5, 2.75] },
	{ name: 'RepVGG-B0', blocksPerStage: B, widthMultiplier: [1, 1, 1, 2.5] },
	{ name: 'RepVGG-B1', blocksPerStage: B, widthMultiplier: [2, 2, 2, 4] }
];

export interface RepVGGBlockSpec extends BlockGeometry {
	/** Module name: `stage0`, `stage1.0`, … */
	name: string;
	/** Output side for the given input side. */
	outSize: number;
}

export function repvggBlocks(layout: RepVGGLayout, inputSize = 224, inChannels = 3): RepVGGBlockSpec[] {
	const a = layout.widthMultiplier;
	const widths = [Math.trunc(64 * a[0]), Math.trunc(128 * a[1]), Math.trunc(256 * a[2]), Math.trunc(512 * a[3])];
	const out: RepVGGBlockSpec[] = [];
	let size = inputSize;
	const push = (name: string, cin: number, cout: number, stride: number) => {
		size = Math.floor((size + 2 - 3) / stride) + 1;
		out.push({ name, cin, cout, kernel: 3, stride, groups: 1, outSize: size });
	};
	let cin = Math.min(64, widths[0]);
	push('stage0', inChannels, cin, 2);
	layout.blocksPerStage.forEach((n, s) => {
		for (let i = 0; i < n; i++) {
			push(`stage${s + 1}.${i}`, cin, widths[s], i === 0 ? 2 : 1);
			cin = widths[s];
		}
	});
	return out;
}

export interface RepVGGCount {
	parameters: number;
	flops: number;
}

export function repvggCount(layout: RepVGGLayout, form: 'train' | 'deploy', inputSize = 224, numClasses = 1000): RepVGGCount {
	const blocks = repvggBlocks(layout, inputSize);
	let parameters = 0;
	let flops = 0;
	for (const b of blocks) {
		const pixels = b.outSize * b.outSize;
		const identity = b.cin === b.cout && b.stride === 1;
		const dense = 9 * b.cin * b.cout;
		const relu = b.cout * pixels;
		if (form === 'deploy') {
			parameters += dense + b.cout;
			flops += dense * pixels + relu;
		} else {
			const oneByOne = b.cin * b.cout;
			parameters += dense + 2 * b.cout + oneByOne + 2 * b.cout + (identity ? 2 * b.cin : 0);
			const bnElements = (2 * b.cout + (identity ? b.cin : 0)) * pixels;
			flops += (dense + oneByOne) * pixels + 2 * bnElements + relu;
		}
	}
	const features = blocks[blocks.length - 1].cout;
	parameters += features * numClasses + numClasses;
	flops += features * numClasses;
	return { parameters, flops };
}
