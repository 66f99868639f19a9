/**
 * A plain 2-D convolution with ONNX's full geometry (per-axis strides, dilations, begin and end
 * pads, groups), for checking a merged group against its branches on the engine's side. Reference
 * code, not fast: the explorer runs it on one small input. Sums in float64, rounds once.
 */
import type { Tensor } from '../core/tensor';
import type { ConvGeometry } from './branches';

export function convolve(x: Tensor, weight: ArrayLike<number>, cout: number, cinPerGroup: number, g: ConvGeometry, bias: ArrayLike<number> | null): Tensor {
	const [n, cin, H, W] = x.shape;
	if (cin !== cinPerGroup * g.group) throw new RangeError(`convolve: input has ${cin} channels, the kernel expects ${cinPerGroup}×${g.group}`);
	const [kh, kw] = g.kernel;
	const [sh, sw] = g.strides;
	const [dh, dw] = g.dilations;
	const [pt, pl, pb, pr] = g.pads;
	const Ho = Math.floor((H + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
	const Wo = Math.floor((W + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
	if (Ho < 1 || Wo < 1) throw new RangeError('convolve: the kernel is larger than the padded input');
	const out = new Float32Array(n * cout * Ho * Wo);
	const acc = new Float64Array(Ho * Wo);
	const perGroup = cout / g.group;
	for (let b = 0; b < n; b++)
		for (let o = 0; o < cout; o++) {
			acc.fill(bias ? bias[o] : 0);
			const group = Math.floor(o / perGroup);
			for (let c = 0; c < cinPerGroup; c++) {
				const plane = (b * cin + group * cinPerGroup + c) * H * W;
				for (let ky = 0; ky < kh; ky++)
					for (let kx = 0; kx < kw; kx++) {
						const w = weight[((o * cinPerGroup + c) * kh + ky) * kw + kx];
						if (w === 0) continue;
						for (let oy = 0; oy < Ho; oy++) {
							const iy = oy * sh - pt + ky * dh;
							if (iy < 0 || iy >= H) continue;
							for (let ox = 0; ox < Wo; ox++) {
								const ix = ox * sw - pl + kx * dw;
								if (ix >= 0 && ix < W) acc[oy * Wo + ox] += w * x.data[plane + iy * W + ix];
							}
						}
					}
			}
			out.set(acc, (b * cout + o) * Ho * Wo);
		}
	return { shape: [n, cout, Ho, Wo], data: out };
}
