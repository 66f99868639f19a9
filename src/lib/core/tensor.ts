/** A dense float tensor in row-major (NCHW / OIHW) order. */
export interface Tensor {
	readonly shape: readonly number[];
	readonly data: Float32Array;
}

/** The same in float64: what the reparameterization computes in before it rounds once. */
export interface Tensor64 {
	readonly shape: readonly number[];
	readonly data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
	let n = 1;
	for (const d of shape) n *= d;
	return n;
}

export function tensor(shape: readonly number[], data?: Float32Array | number[]): Tensor {
	const n = sizeOf(shape);
	const out = data === undefined ? new Float32Array(n) : Float32Array.from(data);
	if (out.length !== n) throw new RangeError(`tensor of shape [${shape.join(', ')}] needs ${n} values, got ${out.length}`);
	return { shape: [...shape], data: out };
}

export function tensor64(shape: readonly number[], data?: Float64Array): Tensor64 {
	const n = sizeOf(shape);
	const out = data ?? new Float64Array(n);
	if (out.length !== n) throw new RangeError(`tensor of shape [${shape.join(', ')}] needs ${n} values, got ${out.length}`);
	return { shape: [...shape], data: out };
}

/** Round a float64 tensor to float32: the single rounding the fused weights go through. */
export function toFloat32(t: Tensor64): Tensor {
	return { shape: [...t.shape], data: Float32Array.from(t.data) };
}

export function maxAbs(a: ArrayLike<number>): number {
	let m = 0;
	for (let i = 0; i < a.length; i++) {
		const v = Math.abs(a[i]);
		if (v > m) m = v;
	}
	return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
	if (a.length !== b.length) throw new RangeError(`cannot compare ${a.length} values with ${b.length}`);
	let m = 0;
	for (let i = 0; i < a.length; i++) {
		const v = Math.abs(a[i] - b[i]);
		if (v > m || Number.isNaN(v)) m = Number.isNaN(v) ? Infinity : v;
	}
	return m;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
	return a.length === b.length && a.every((d, i) => d === b[i]);
}
