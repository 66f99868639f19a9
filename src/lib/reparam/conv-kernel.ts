/**
 * The one value the algebra works on: a convolution as a (kernel, bias) pair in float64, with its
 * groups. Every kernel here is dense (dilation 1), odd-sized and centred: a K_h×K_w kernel pads
 * (K_h−1)/2 rows and (K_w−1)/2 columns on each side, so kernels of different sizes that share a
 * centre read the same pixels and can be added once the smaller one is padded. Stride is not part
 * of the pair: branches that are merged share it, and no transform here changes it.
 */
import type { Tensor } from '../core/tensor';

export interface ConvKernel {
	/** [cout, cin / groups, kh, kw] */
	readonly shape: readonly [number, number, number, number];
	readonly groups: number;
	/** Row-major over `shape`. */
	readonly weight: Float64Array;
	/** One per output channel. */
	readonly bias: Float64Array;
}

export type KernelShape = readonly [number, number, number, number];

/** Checks the shape and groups and builds the pair (zeros where no values are given). */
export function convKernel(shape: readonly number[], groups: number, weight?: ArrayLike<number>, bias?: ArrayLike<number>): ConvKernel {
	if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) throw new RangeError(`a kernel needs 4 positive whole dimensions, got [${shape.join(', ')}]`);
	const [cout, cinPerGroup, kh, kw] = shape;
	if (!Number.isInteger(groups) || groups < 1 || cout % groups !== 0) throw new RangeError(`${cout} output channels do not split into ${groups} groups`);
	if (kh % 2 === 0 || kw % 2 === 0) throw new RangeError(`a ${kh}×${kw} kernel has no centre: the algebra needs odd sizes`);
	const n = cout * cinPerGroup * kh * kw;
	const w = new Float64Array(n);
	if (weight) {
		if (weight.length !== n) throw new RangeError(`a [${shape.join(', ')}] kernel needs ${n} values, got ${weight.length}`);
		for (let i = 0; i < n; i++) w[i] = weight[i];
	}
	const b = new Float64Array(cout);
	if (bias) {
		if (bias.length !== cout) throw new RangeError(`${cout} output channels need ${cout} biases, got ${bias.length}`);
		for (let i = 0; i < cout; i++) b[i] = bias[i];
	}
	return { shape: [cout, cinPerGroup, kh, kw], groups, weight: w, bias: b };
}

/** A float32 weight tensor (and optional bias) as a pair. */
export function fromTensor(weight: Tensor, groups: number, bias?: ArrayLike<number> | null): ConvKernel {
	return convKernel(weight.shape, groups, weight.data, bias ?? undefined);
}

export function inChannels(k: ConvKernel): number {
	return k.shape[1] * k.groups;
}

/** Taps per filter plane. */
export function taps(k: ConvKernel): number {
	return k.shape[2] * k.shape[3];
}

/** Flat index of weight [o, c, y, x]. */
export function at(shape: KernelShape, o: number, c: number, y: number, x: number): number {
	return ((o * shape[1] + c) * shape[2] + y) * shape[3] + x;
}

/** The single rounding: the pair as float32, what a fused network runs. */
export function roundOnce(k: ConvKernel): { weight: Tensor; bias: Float32Array } {
	return { weight: { shape: [...k.shape], data: Float32Array.from(k.weight) }, bias: Float32Array.from(k.bias) };
}

export function sameGeometry(a: ConvKernel, b: ConvKernel): boolean {
	return a.groups === b.groups && a.shape.every((d, i) => d === b.shape[i]);
}
