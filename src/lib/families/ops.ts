/**
 * Shared pieces for the families: reading a block's tensors by their original names, seeded
 * synthetic tensors, and the float64 train-time operators (inference-mode BN, sums, average pooling)
 * their forward passes are built from. Convolutions are `reparam/direct-conv.ts`.
 */
import { seededNormal, seededRandom } from '../core/random';
import type { Tensor, Tensor64 } from '../core/tensor';
import type { BatchNorm } from '../reparam/batch-norm';
import { fromTensor, type ConvKernel } from '../reparam/conv-kernel';
import type { BlockGeometry, StateDict } from './block';

/** PyTorch's default BatchNorm ε, used by every family here. */
export const BN_EPS = 1e-5;

export function tensorOf(sd: StateDict, key: string): Tensor {
	const t = sd.get(key);
	if (!t) throw new RangeError(`the block has no "${key}"`);
	return t;
}

/** A conv's weight (and bias key, if it has one) as a pair. */
export function convOf(sd: StateDict, key: string, groups: number, biasKey?: string): ConvKernel {
	return fromTensor(tensorOf(sd, key), groups, biasKey ? tensorOf(sd, biasKey).data : null);
}

/** PyTorch's BatchNorm2d names under `prefix`: weight, bias, running_mean, running_var. */
export function bnOf(sd: StateDict, prefix: string): BatchNorm {
	const p = prefix ? `${prefix}.` : '';
	return { gamma: tensorOf(sd, `${p}weight`).data, beta: tensorOf(sd, `${p}bias`).data, mean: tensorOf(sd, `${p}running_mean`).data, variance: tensorOf(sd, `${p}running_var`).data, eps: BN_EPS };
}

export function bnKeys(prefix: string, channels: number): { key: string; shape: number[] }[] {
	const p = prefix ? `${prefix}.` : '';
	return ['weight', 'bias', 'running_mean', 'running_var'].map((n) => ({ key: `${p}${n}`, shape: [channels] }));
}

/** A BN-only identity branch exists when the block keeps its shape: in = out channels, stride 1. */
export const hasIdentityBranch = (g: BlockGeometry): boolean => g.cin === g.cout && g.stride === 1;

/**
 * The keys of a block built like MobileOne's and PP-LCNetV3's: k K×K conv-BN branches, a 1×1
 * conv-BN (when K > 1) and a BN-only identity (when in = out and stride 1), in that order, under the
 * family's module names for the i-th branch, the 1×1 one and the identity.
 */
export function repBranchKeys(g: BlockGeometry, names: { conv: (i: number) => string; scale: string; identity: string }): { key: string; shape: number[] }[] {
	const cpg = g.cin / g.groups;
	const K = g.kernel;
	const convBn = (m: string, k: number) => [{ key: `${m}.conv.weight`, shape: [g.cout, cpg, k, k] }, ...bnKeys(`${m}.bn`, g.cout)];
	return [
		...Array.from({ length: g.branches ?? 1 }, (_, i) => convBn(names.conv(i), K)).flat(),
		...(K > 1 ? convBn(names.scale, 1) : []),
		...(hasIdentityBranch(g) ? bnKeys(names.identity, g.cin) : [])
	];
}

/**
 * Seeded tensors for every key: conv weights Kaiming-normal (std √(2/fan-in)); BN γ in (0.5, 1.5),
 * β and μ in (−0.5, 0.5), σ² in (0.2, 2), so no fold is close to the identity; other vectors ~N(0, 0.3²).
 */
export function syntheticStateDict(keys: { key: string; shape: number[] }[], seed: number): StateDict {
	const normal = seededNormal(seed);
	const uniform = seededRandom(seed ^ 0x5bd1e995);
	const sd: StateDict = new Map();
	for (const { key, shape } of keys) {
		const n = shape.reduce((a, b) => a * b, 1);
		const data = new Float32Array(n);
		const u = (lo: number, hi: number) => lo + (hi - lo) * uniform();
		if (shape.length === 4) {
			const std = Math.sqrt(2 / (shape[1] * shape[2] * shape[3]));
			for (let i = 0; i < n; i++) data[i] = normal() * std;
		} else if (key.endsWith('running_var')) for (let i = 0; i < n; i++) data[i] = u(0.2, 2);
		else if (key.endsWith('running_mean')) for (let i = 0; i < n; i++) data[i] = u(-0.5, 0.5);
		else if (/(^|\.)weight$/.test(key)) for (let i = 0; i < n; i++) data[i] = u(0.5, 1.5);
		else if (/(^|\.)bias$/.test(key)) for (let i = 0; i < n; i++) data[i] = u(-0.5, 0.5);
		else for (let i = 0; i < n; i++) data[i] = normal() * 0.3;
		sd.set(key, { shape, data });
	}
	return sd;
}

export function applyBatchNorm(x: Tensor64, bn: BatchNorm): Tensor64 {
	const [n, c, h, w] = x.shape;
	const out = new Float64Array(x.data.length);
	for (let b = 0; b < n; b++)
		for (let ch = 0; ch < c; ch++) {
			const inv = 1 / Math.sqrt(bn.variance[ch] + bn.eps);
			for (let i = (b * c + ch) * h * w, end = i + h * w; i < end; i++) out[i] = (x.data[i] - bn.mean[ch]) * inv * bn.gamma[ch] + bn.beta[ch];
		}
	return { shape: x.shape, data: out };
}

export function sumOf(...xs: Tensor64[]): Tensor64 {
	const out = new Float64Array(xs[0].data.length);
	for (const x of xs) {
		if (x.data.length !== out.length) throw new RangeError('cannot add outputs of different shapes');
		for (let i = 0; i < out.length; i++) out[i] += x.data[i];
	}
	return { shape: xs[0].shape, data: out };
}

/** a·x + c with a, c per channel (or one value for all). */
export function affineOf(x: Tensor64, a: ArrayLike<number>, c: ArrayLike<number> = [0]): Tensor64 {
	const [n, ch, h, w] = x.shape;
	const out = new Float64Array(x.data.length);
	for (let b = 0; b < n; b++)
		for (let k = 0; k < ch; k++) {
			const ak = a.length === 1 ? a[0] : a[k];
			const ck = c.length === 1 ? c[0] : c[k];
			for (let i = (b * ch + k) * h * w, end = i + h * w; i < end; i++) out[i] = ak * x.data[i] + ck;
		}
	return { shape: x.shape, data: out };
}

export function asImage(x: { shape: readonly number[]; data: ArrayLike<number> }): Tensor64 {
	return { shape: [...x.shape], data: Float64Array.from(x.data) };
}

/**
 * K×K average pooling with `pad` pixels on each side holding `padValue[c]` (zeros when null),
 * counted in the average (PyTorch's `count_include_pad=True`).
 */
export function averagePool(x: Tensor64, size: number, stride: number, pad: number, padValue: ArrayLike<number> | null = null): Tensor64 {
	const [n, c, h, w] = x.shape;
	const oh = Math.floor((h + 2 * pad - size) / stride) + 1;
	const ow = Math.floor((w + 2 * pad - size) / stride) + 1;
	const out = new Float64Array(n * c * oh * ow);
	for (let b = 0; b < n; b++)
		for (let ch = 0; ch < c; ch++) {
			const plane = (b * c + ch) * h * w;
			for (let y = 0; y < oh; y++)
				for (let xo = 0; xo < ow; xo++) {
					let s = 0;
					for (let a = 0; a < size; a++)
						for (let d = 0; d < size; d++) {
							const iy = y * stride - pad + a;
							const ix = xo * stride - pad + d;
							s += iy >= 0 && iy < h && ix >= 0 && ix < w ? x.data[plane + iy * w + ix] : padValue ? padValue[ch] : 0;
						}
					out[((b * c + ch) * oh + y) * ow + xo] = s / (size * size);
				}
		}
	return { shape: [n, c, oh, ow], data: out };
}
