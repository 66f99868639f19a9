/**
 * BatchNorm folded into a linear layer next to it (RepViT's `BN_Linear`, and any BN → Linear or
 * Linear → BN at inference). With t, s the BN's scale and shift:
 *   BN before:  W(t⊙x + s) + b = (W·diag t) x + (W s + b)
 *   BN after:   t⊙(W x + b) + s = (diag t·W) x + (t⊙b + s)
 * (A BN before a K×K conv with padding does not fold exactly: the padded zeros are not normalized.)
 */
import { batchNormScale, batchNormShift, channelsOf, type BatchNorm } from './batch-norm';

export interface LinearLayer {
	/** [out, in] */
	readonly shape: readonly [number, number];
	readonly weight: Float64Array;
	readonly bias: Float64Array;
}

export interface LinearBatchNormStep {
	kind: 'linear-bn';
	order: 'bn-before' | 'bn-after';
	input: LinearLayer;
	bn: BatchNorm;
	scale: Float64Array;
	shift: Float64Array;
	output: LinearLayer;
	formula: string;
}

export function linearLayer(out: number, inFeatures: number, weight: ArrayLike<number>, bias?: ArrayLike<number>): LinearLayer {
	if (weight.length !== out * inFeatures) throw new RangeError(`a ${out}×${inFeatures} linear layer needs ${out * inFeatures} weights, got ${weight.length}`);
	if (bias && bias.length !== out) throw new RangeError(`${out} outputs need ${out} biases, got ${bias.length}`);
	return { shape: [out, inFeatures], weight: Float64Array.from(weight), bias: bias ? Float64Array.from(bias) : new Float64Array(out) };
}

export function foldBatchNormIntoLinear(input: LinearLayer, bn: BatchNorm, order: LinearBatchNormStep['order']): LinearBatchNormStep {
	const [out, inF] = input.shape;
	const need = order === 'bn-before' ? inF : out;
	if (channelsOf(bn) !== need) throw new RangeError(`a BatchNorm of ${channelsOf(bn)} features cannot sit ${order === 'bn-before' ? 'before' : 'after'} a ${out}×${inF} linear layer`);
	const scale = batchNormScale(bn);
	const shift = batchNormShift(bn, scale);
	const weight = new Float64Array(out * inF);
	const bias = new Float64Array(out);
	for (let o = 0; o < out; o++) {
		let b = input.bias[o];
		for (let i = 0; i < inF; i++) {
			const w = input.weight[o * inF + i];
			if (order === 'bn-before') {
				weight[o * inF + i] = w * scale[i];
				b += w * shift[i];
			} else weight[o * inF + i] = scale[o] * w;
		}
		bias[o] = order === 'bn-before' ? b : scale[o] * input.bias[o] + shift[o];
	}
	return {
		kind: 'linear-bn',
		order,
		input,
		bn,
		scale,
		shift,
		output: { shape: [out, inF], weight, bias },
		formula: order === 'bn-before' ? 'W′ = W·diag(t);  b′ = W·s + b' : 'W′ = diag(t)·W;  b′ = t⊙b + s'
	};
}
