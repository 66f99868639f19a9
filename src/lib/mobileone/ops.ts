/**
 * Reference operators, float32 NCHW, written for clarity over speed. They accumulate in float64
 * (JavaScript numbers) and store float32, so they are at least as exact as any runtime they are
 * compared with.
 */
import { sizeOf, type Tensor } from '../core/tensor';
import type { BatchNormParams, SEWeights } from './model';

export interface ConvOptions {
	stride: number;
	padding: number;
	groups: number;
	bias?: ArrayLike<number> | null;
}

export function conv2d(x: Tensor, weight: Tensor, { stride, padding, groups, bias }: ConvOptions): Tensor {
	const [n, cin, h, w] = x.shape;
	const [cout, cinPerGroup, kh, kw] = weight.shape;
	if (cin !== cinPerGroup * groups) throw new RangeError(`conv2d: input has ${cin} channels, weight expects ${cinPerGroup}×${groups}`);
	if (cout % groups !== 0) throw new RangeError(`conv2d: ${cout} output channels do not split into ${groups} groups`);
	const oh = Math.floor((h + 2 * padding - kh) / stride) + 1;
	const ow = Math.floor((w + 2 * padding - kw) / stride) + 1;
	const out = new Float32Array(n * cout * oh * ow);
	const acc = new Float64Array(oh * ow);
	const coutPerGroup = cout / groups;
	const xd = x.data;
	const wd = weight.data;
	for (let b = 0; b < n; b++) {
		for (let o = 0; o < cout; o++) {
			acc.fill(bias ? bias[o] : 0);
			const g = Math.floor(o / coutPerGroup);
			for (let ci = 0; ci < cinPerGroup; ci++) {
				const plane = (b * cin + g * cinPerGroup + ci) * h * w;
				for (let ky = 0; ky < kh; ky++) {
					for (let kx = 0; kx < kw; kx++) {
						const wv = wd[((o * cinPerGroup + ci) * kh + ky) * kw + kx];
						if (wv === 0) continue;
						for (let y = 0; y < oh; y++) {
							const iy = y * stride + ky - padding;
							if (iy < 0 || iy >= h) continue;
							const row = plane + iy * w;
							const orow = y * ow;
							for (let xo = 0; xo < ow; xo++) {
								const ix = xo * stride + kx - padding;
								if (ix >= 0 && ix < w) acc[orow + xo] += wv * xd[row + ix];
							}
						}
					}
				}
			}
			out.set(acc, (b * cout + o) * oh * ow);
		}
	}
	return { shape: [n, cout, oh, ow], data: out };
}

/** Inference-mode BatchNorm: the running statistics, never the batch's. */
export function batchNorm(x: Tensor, bn: BatchNormParams): Tensor {
	const [n, c] = x.shape;
	const plane = sizeOf(x.shape.slice(2));
	const out = new Float32Array(x.data.length);
	for (let ch = 0; ch < c; ch++) {
		const t = bn.gamma[ch] / Math.sqrt(bn.variance[ch] + bn.eps);
		const shift = bn.beta[ch] - bn.mean[ch] * t;
		for (let b = 0; b < n; b++) {
			const base = (b * c + ch) * plane;
			for (let i = 0; i < plane; i++) out[base + i] = x.data[base + i] * t + shift;
		}
	}
	return { shape: [...x.shape], data: out };
}

/**
 * Training-mode BatchNorm: normalizes with this batch's own mean and variance. Used only to show
 * why fusion must be done in eval mode — the most reported reparameterization mistake.
 */
export function batchNormTrainingMode(x: Tensor, bn: BatchNormParams): Tensor {
	const [n, c] = x.shape;
	const plane = sizeOf(x.shape.slice(2));
	const count = n * plane;
	const mean = new Float32Array(c);
	const variance = new Float32Array(c);
	for (let ch = 0; ch < c; ch++) {
		let s = 0;
		let s2 = 0;
		for (let b = 0; b < n; b++) {
			const base = (b * c + ch) * plane;
			for (let i = 0; i < plane; i++) {
				const v = x.data[base + i];
				s += v;
				s2 += v * v;
			}
		}
		mean[ch] = s / count;
		variance[ch] = Math.max(0, s2 / count - (s / count) ** 2);
	}
	return batchNorm(x, { ...bn, mean, variance });
}

/** max(x, 0), with NaN kept as NaN (as ONNX Runtime and PyTorch do), so a broken network cannot look healthy. */
export function relu(x: Tensor): Tensor {
	const out = new Float32Array(x.data.length);
	for (let i = 0; i < out.length; i++) out[i] = x.data[i] <= 0 ? 0 : x.data[i];
	return { shape: [...x.shape], data: out };
}

export function add(a: Tensor, b: Tensor): Tensor {
	if (a.data.length !== b.data.length) throw new RangeError('add: shapes differ');
	const out = new Float32Array(a.data.length);
	for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
	return { shape: [...a.shape], data: out };
}

/** Sum of several same-shaped tensors, accumulated in float64 and rounded once. */
export function sum(terms: Tensor[]): Tensor {
	if (terms.length === 0) throw new RangeError('sum: no terms');
	const acc = new Float64Array(terms[0].data.length);
	for (const t of terms) {
		if (t.data.length !== acc.length) throw new RangeError('sum: shapes differ');
		for (let i = 0; i < acc.length; i++) acc[i] += t.data[i];
	}
	return { shape: [...terms[0].shape], data: Float32Array.from(acc) };
}

/** [N, C, H, W] → [N, C, 1, 1] */
export function globalAveragePool(x: Tensor): Tensor {
	const [n, c, h, w] = x.shape;
	const plane = h * w;
	const out = new Float32Array(n * c);
	for (let i = 0; i < n * c; i++) {
		let s = 0;
		for (let j = 0; j < plane; j++) s += x.data[i * plane + j];
		out[i] = s / plane;
	}
	return { shape: [n, c, 1, 1], data: out };
}

/** Apple's SEBlock: GAP → 1×1 reduce → ReLU → 1×1 expand → sigmoid → scale each channel. */
export function squeezeExcite(x: Tensor, se: SEWeights): Tensor {
	const [n, c, h, w] = x.shape;
	const pooled = globalAveragePool(x);
	const reduced = relu(conv2d(pooled, se.reduceWeight, { stride: 1, padding: 0, groups: 1, bias: se.reduceBias }));
	const gate = conv2d(reduced, se.expandWeight, { stride: 1, padding: 0, groups: 1, bias: se.expandBias });
	const plane = h * w;
	const out = new Float32Array(x.data.length);
	for (let i = 0; i < n * c; i++) {
		const s = 1 / (1 + Math.exp(-gate.data[i]));
		for (let j = 0; j < plane; j++) out[i * plane + j] = x.data[i * plane + j] * s;
	}
	return { shape: [...x.shape], data: out };
}

/** x [N, F] · Wᵀ [F, C] + b */
export function linear(x: Tensor, weight: Tensor, bias: ArrayLike<number>): Tensor {
	const [n, f] = x.shape;
	const [c, f2] = weight.shape;
	if (f !== f2) throw new RangeError(`linear: ${f} features in, weight expects ${f2}`);
	const out = new Float32Array(n * c);
	for (let b = 0; b < n; b++) {
		for (let o = 0; o < c; o++) {
			let s = bias[o];
			for (let i = 0; i < f; i++) s += x.data[b * f + i] * weight.data[o * f + i];
			out[b * c + o] = s;
		}
	}
	return { shape: [n, c], data: out };
}
