/**
 * A plain float64 convolution of a (kernel, bias) pair, centred padding, for the block proofs and
 * the border error map. `padValue` fills the border per input channel instead of zeros (DBB's
 * `BNAndPadLayer`). Written for clarity; blocks in the explorer are small.
 */
import type { Tensor64 } from '../core/tensor';
import { at, inChannels, type ConvKernel } from './conv-kernel';

export interface ImageLike {
	readonly shape: readonly number[];
	readonly data: ArrayLike<number>;
}

export interface DirectConvOptions {
	stride?: number;
	dilation?: number;
	/** Value read outside the image, per input channel; zeros when absent. */
	padValue?: ArrayLike<number> | null;
}

export function directConv(x: ImageLike, k: ConvKernel, { stride = 1, dilation = 1, padValue = null }: DirectConvOptions = {}): Tensor64 {
	const [n, cin, h, w] = x.shape;
	const [cout, cinPerGroup, kh, kw] = k.shape;
	if (cin !== inChannels(k)) throw new RangeError(`the input has ${cin} channels, the kernel reads ${inChannels(k)}`);
	const ph = ((kh - 1) / 2) * dilation;
	const pw = ((kw - 1) / 2) * dilation;
	const oh = Math.floor((h + 2 * ph - dilation * (kh - 1) - 1) / stride) + 1;
	const ow = Math.floor((w + 2 * pw - dilation * (kw - 1) - 1) / stride) + 1;
	const out = new Float64Array(n * cout * oh * ow);
	const outPerGroup = cout / k.groups;
	for (let b = 0; b < n; b++)
		for (let o = 0; o < cout; o++) {
			const g = Math.floor(o / outPerGroup);
			for (let y = 0; y < oh; y++)
				for (let xo = 0; xo < ow; xo++) {
					let s = k.bias[o];
					for (let c = 0; c < cinPerGroup; c++) {
						const ch = g * cinPerGroup + c;
						const plane = (b * cin + ch) * h * w;
						for (let ky = 0; ky < kh; ky++) {
							const iy = y * stride - ph + ky * dilation;
							for (let kx = 0; kx < kw; kx++) {
								const ix = xo * stride - pw + kx * dilation;
								const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
								const v = inside ? x.data[plane + iy * w + ix] : padValue ? padValue[ch] : 0;
								s += k.weight[at(k.shape, o, c, ky, kx)] * v;
							}
						}
					}
					out[((b * cout + o) * oh + y) * ow + xo] = s;
				}
		}
	return { shape: [n, cout, oh, ow], data: out };
}
