/**
 * Inference-mode BatchNorm as a per-channel affine map: y = t·x + s with t = γ/√(σ²+ε) and
 * s = β − μ·t. Every fold in the algebra goes through these two numbers.
 */
export interface BatchNorm {
	gamma: Float32Array | Float64Array;
	beta: Float32Array | Float64Array;
	mean: Float32Array | Float64Array;
	variance: Float32Array | Float64Array;
	eps: number;
}

/** t = γ/√(σ²+ε) in float64. */
export function batchNormScale(bn: BatchNorm): Float64Array {
	const t = new Float64Array(bn.gamma.length);
	for (let c = 0; c < t.length; c++) t[c] = bn.gamma[c] / Math.sqrt(bn.variance[c] + bn.eps);
	return t;
}

/** s = β − μ·t in float64. */
export function batchNormShift(bn: BatchNorm, scale: Float64Array): Float64Array {
	const b = new Float64Array(scale.length);
	for (let c = 0; c < b.length; c++) b[c] = bn.beta[c] - bn.mean[c] * scale[c];
	return b;
}

export function channelsOf(bn: BatchNorm): number {
	return bn.gamma.length;
}
