/**
 * An independent float64 reference for the algebra's tests, written differently from the engine on
 * purpose: it pads the image explicitly (any pads per side, any pad value per channel), then runs a
 * "valid" convolution with no bounds checks. Unfused forms are built from these pieces.
 */
import { seededNormal, seededRandom } from '../../src/lib/core/random';
import type { BatchNorm } from '../../src/lib/reparam/batch-norm';
import { convKernel, type ConvKernel } from '../../src/lib/reparam/conv-kernel';

export interface Img {
	shape: [number, number, number, number];
	data: Float64Array;
}

export function randomImage(seed: number, shape: [number, number, number, number]): Img {
	const r = seededNormal(seed);
	const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
	for (let i = 0; i < data.length; i++) data[i] = r();
	return { shape, data };
}

export function randomKernel(seed: number, shape: [number, number, number, number], groups: number, withBias = false): ConvKernel {
	const r = seededNormal(seed);
	const w = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 0.5);
	const b = withBias ? Array.from({ length: shape[0] }, () => r()) : undefined;
	return convKernel(shape, groups, w, b);
}

/** Non-trivial running statistics: γ, β, μ away from 1, 0, 0 and σ² spread over (0.1, 2). */
export function randomBn(seed: number, channels: number): BatchNorm {
	const r = seededRandom(seed);
	const f = (lo: number, hi: number) => Float64Array.from({ length: channels }, () => lo + (hi - lo) * r());
	return { gamma: f(0.3, 1.7), beta: f(-1, 1), mean: f(-1, 1), variance: f(0.1, 2), eps: 1e-5 };
}

export function padImage(x: Img, [top, left, bottom, right]: number[], values?: ArrayLike<number>): Img {
	const [n, c, h, w] = x.shape;
	const H = h + top + bottom;
	const W = w + left + right;
	const out = new Float64Array(n * c * H * W);
	for (let b = 0; b < n; b++)
		for (let ch = 0; ch < c; ch++) {
			const base = (b * c + ch) * H * W;
			if (values) out.fill(values[ch], base, base + H * W);
			for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) out[base + (y + top) * W + xx + left] = x.data[((b * c + ch) * h + y) * w + xx];
		}
	return { shape: [n, c, H, W], data: out };
}

export interface ConvSpec {
	shape: readonly number[];
	weight: ArrayLike<number>;
	bias?: ArrayLike<number>;
	groups: number;
	stride?: number;
	dilation?: number;
	/** [top, left, bottom, right] */
	pads: number[];
	padValue?: ArrayLike<number>;
}

export function conv(x: Img, s: ConvSpec): Img {
	const p = padImage(x, s.pads, s.padValue);
	const [n, cin, H, W] = p.shape;
	const [cout, cpg, kh, kw] = s.shape;
	const stride = s.stride ?? 1;
	const d = s.dilation ?? 1;
	if (cpg * s.groups !== cin) throw new Error('channel mismatch');
	const oh = Math.floor((H - d * (kh - 1) - 1) / stride) + 1;
	const ow = Math.floor((W - d * (kw - 1) - 1) / stride) + 1;
	const out = new Float64Array(n * cout * oh * ow);
	const opg = cout / s.groups;
	for (let b = 0; b < n; b++)
		for (let o = 0; o < cout; o++)
			for (let y = 0; y < oh; y++)
				for (let xx = 0; xx < ow; xx++) {
					let acc = s.bias ? s.bias[o] : 0;
					const g = Math.floor(o / opg);
					for (let c = 0; c < cpg; c++)
						for (let ky = 0; ky < kh; ky++)
							for (let kx = 0; kx < kw; kx++)
								acc += s.weight[((o * cpg + c) * kh + ky) * kw + kx] * p.data[((b * cin + g * cpg + c) * H + y * stride + ky * d) * W + xx * stride + kx * d];
					out[((b * cout + o) * oh + y) * ow + xx] = acc;
				}
	return { shape: [n, cout, oh, ow], data: out };
}

/** A pair run the ordinary way: centred padding (dilated), zeros outside. */
export function convPair(x: Img, k: ConvKernel, stride = 1, dilation = 1): Img {
	const ph = ((k.shape[2] - 1) / 2) * dilation;
	const pw = ((k.shape[3] - 1) / 2) * dilation;
	return conv(x, { shape: k.shape, weight: k.weight, bias: k.bias, groups: k.groups, stride, dilation, pads: [ph, pw, ph, pw] });
}

export function batchNorm(x: Img, bn: BatchNorm): Img {
	const [n, c, h, w] = x.shape;
	const out = new Float64Array(x.data.length);
	for (let b = 0; b < n; b++)
		for (let ch = 0; ch < c; ch++)
			for (let i = 0; i < h * w; i++) {
				const j = (b * c + ch) * h * w + i;
				out[j] = ((x.data[j] - bn.mean[ch]) / Math.sqrt(bn.variance[ch] + bn.eps)) * bn.gamma[ch] + bn.beta[ch];
			}
	return { shape: x.shape, data: out };
}

/** PyTorch's AvgPool2d with count_include_pad=True. */
export function avgPool(x: Img, k: number, stride: number, pad: number): Img {
	const p = padImage(x, [pad, pad, pad, pad]);
	const [n, c, H, W] = p.shape;
	const oh = Math.floor((H - k) / stride) + 1;
	const ow = Math.floor((W - k) / stride) + 1;
	const out = new Float64Array(n * c * oh * ow);
	for (let i = 0; i < n * c; i++)
		for (let y = 0; y < oh; y++)
			for (let xx = 0; xx < ow; xx++) {
				let s = 0;
				for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += p.data[(i * H + y * stride + a) * W + xx * stride + b];
				out[(i * oh + y) * ow + xx] = s / (k * k);
			}
	return { shape: [n, c, oh, ow], data: out };
}

export function addImages(...xs: Img[]): Img {
	const out = new Float64Array(xs[0].data.length);
	for (const x of xs) {
		if (x.data.length !== out.length) throw new Error('shape mismatch');
		for (let i = 0; i < out.length; i++) out[i] += x.data[i];
	}
	return { shape: xs[0].shape, data: out };
}

/** a·x + c, per channel (length C) or scalar. */
export function affine(x: Img, a: number | ArrayLike<number>, c: number | ArrayLike<number> = 0): Img {
	const [n, ch, h, w] = x.shape;
	const out = new Float64Array(x.data.length);
	const get = (v: number | ArrayLike<number>, i: number) => (typeof v === 'number' ? v : v[i]);
	for (let b = 0; b < n; b++) for (let k = 0; k < ch; k++) for (let i = 0; i < h * w; i++) {
		const j = (b * ch + k) * h * w + i;
		out[j] = get(a, k) * x.data[j] + get(c, k);
	}
	return { shape: x.shape, data: out };
}

/** max |a − b| / max(max |b|, 1e-30) */
export function relDiff(a: { data: ArrayLike<number> }, b: { data: ArrayLike<number> }): number {
	if (a.data.length !== b.data.length) return Infinity;
	let m = 0;
	let s = 0;
	for (let i = 0; i < a.data.length; i++) {
		m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
		s = Math.max(s, Math.abs(b.data[i]));
	}
	return Number.isNaN(m) ? Infinity : m / Math.max(s, 1e-30);
}

/** Seeded random geometry: channels, groups (1, cin or another divisor), kernel, stride, size. */
export function randomGeometry(seed: number) {
	const r = seededRandom(seed);
	const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
	const groupsKind = pick(['dense', 'depthwise', 'other'] as const);
	const base = pick([2, 3, 4]);
	let cin: number, cout: number, groups: number;
	if (groupsKind === 'dense') {
		groups = 1;
		cin = pick([1, 2, 3, 5]);
		cout = pick([1, 2, 4, 6]);
	} else if (groupsKind === 'depthwise') {
		cin = pick([2, 3, 4, 6]);
		groups = cin;
		cout = cin * pick([1, 2]);
	} else {
		groups = pick([2, 3]);
		cin = groups * base;
		cout = groups * pick([1, 2, 3]);
	}
	const kernel = pick([1, 3, 5, 7]);
	const stride = pick([1, 2]);
	const size = kernel + pick([1, 3, 5]);
	return { cin, cout, groups, groupsKind, kernel, stride, size, n: pick([1, 2]) };
}
