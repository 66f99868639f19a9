/**
 * Why 1×1 → K×K needs the BN-bias padding (DBB #9, #39), as numbers: run the two-conv branch with
 * the gap padded with zeros (a plain `Conv2d(padding=K//2)`) and with the first conv's bias (DBB's
 * `BNAndPadLayer`), and compare both with the merged conv. The zero-padded form differs exactly on
 * the border pixels, the output pixels whose K×K window reaches into the padding; the bias-padded
 * form agrees everywhere.
 */
import type { Tensor64 } from '../core/tensor';
import type { ConvKernel } from './conv-kernel';
import { directConv, type ImageLike } from './direct-conv';
import { composeSequential, type SequentialStep } from './sequential';

export interface SequentialBorderError {
	step: SequentialStep;
	/** The merged conv's output. */
	merged: Tensor64;
	/** The two-conv branch with zeros in the gap, and with the first conv's bias there. */
	zeroGap: Tensor64;
	biasGap: Tensor64;
	/** |zeroGap − merged| and |biasGap − merged|, same shape as the outputs. */
	zeroGapError: Float64Array;
	biasGapError: Float64Array;
	/** 1 for each output pixel (oh×ow) whose window reaches the padding. */
	border: Uint8Array;
	height: number;
	width: number;
	maxZeroGapBorder: number;
	maxZeroGapInterior: number;
	maxBiasGap: number;
}

export function sequentialBorderError(first: ConvKernel, second: ConvKernel, x: ImageLike, stride = 1): SequentialBorderError {
	const step = composeSequential(first, second);
	const hidden = directConv(x, first);
	const zeroGap = directConv(hidden, second, { stride });
	const biasGap = directConv(hidden, second, { stride, padValue: first.bias });
	const merged = directConv(x, step.output, { stride });
	const [, , oh, ow] = merged.shape;
	const [, , h, w] = hidden.shape;
	const [, , bh, bw] = second.shape;
	const ph = (bh - 1) / 2;
	const pw = (bw - 1) / 2;
	const border = new Uint8Array(oh * ow);
	for (let y = 0; y < oh; y++)
		for (let xo = 0; xo < ow; xo++) {
			const top = y * stride - ph;
			const left = xo * stride - pw;
			border[y * ow + xo] = top < 0 || left < 0 || top + bh > h || left + bw > w ? 1 : 0;
		}
	const zeroGapError = new Float64Array(merged.data.length);
	const biasGapError = new Float64Array(merged.data.length);
	let maxZeroGapBorder = 0;
	let maxZeroGapInterior = 0;
	let maxBiasGap = 0;
	for (let i = 0; i < merged.data.length; i++) {
		zeroGapError[i] = Math.abs(zeroGap.data[i] - merged.data[i]);
		biasGapError[i] = Math.abs(biasGap.data[i] - merged.data[i]);
		if (border[i % (oh * ow)]) maxZeroGapBorder = Math.max(maxZeroGapBorder, zeroGapError[i]);
		else maxZeroGapInterior = Math.max(maxZeroGapInterior, zeroGapError[i]);
		maxBiasGap = Math.max(maxBiasGap, biasGapError[i]);
	}
	return { step, merged, zeroGap, biasGap, zeroGapError, biasGapError, border, height: oh, width: ow, maxZeroGapBorder, maxZeroGapInterior, maxBiasGap };
}
