/**
 * Scaling the output: a·(W∗x + b) + c = (a·W)∗x + (a·b + c), with a and c per output channel or
 * one scalar for all. Covers FastViT's layer scale γ, PP-LCNetV3's learnable affine `scale·x + bias`,
 * and subtraction (a = −1), e.g. RepMixer's mixer(x) − norm(x).
 */
import type { ConvKernel } from './conv-kernel';

export interface ScaleKernelStep {
	kind: 'scale';
	input: ConvKernel;
	/** true when one number multiplies every channel. */
	scalar: boolean;
	/** a, expanded to one per output channel. */
	factor: Float64Array;
	/** c, expanded to one per output channel. */
	shift: Float64Array;
	output: ConvKernel;
	formula: string;
}

function perChannel(v: number | ArrayLike<number>, n: number, what: string): Float64Array {
	if (typeof v === 'number') return new Float64Array(n).fill(v);
	if (v.length === 1) return new Float64Array(n).fill(v[0]);
	if (v.length !== n) throw new RangeError(`${what} has ${v.length} values for ${n} output channels`);
	return Float64Array.from(v);
}

export function scaleKernel(input: ConvKernel, factor: number | ArrayLike<number>, shift: number | ArrayLike<number> = 0): ScaleKernelStep {
	const cout = input.shape[0];
	const a = perChannel(factor, cout, 'the factor');
	const c = perChannel(shift, cout, 'the shift');
	const per = input.weight.length / cout;
	const weight = new Float64Array(input.weight.length);
	const bias = new Float64Array(cout);
	for (let o = 0; o < cout; o++) {
		for (let j = o * per; j < (o + 1) * per; j++) weight[j] = a[o] * input.weight[j];
		bias[o] = a[o] * input.bias[o] + c[o];
	}
	const scalar = typeof factor === 'number' || factor.length === 1;
	return { kind: 'scale', input, scalar, factor: a, shift: c, output: { shape: input.shape, groups: input.groups, weight, bias }, formula: 'W′ = a·W;  b′ = a·b + c' };
}
