/**
 * The identity as a convolution kernel: output channel i copies input channel i. Inside a group a
 * filter sees only in/groups input channels, of which channel i is number i mod (in/groups), so
 * the 1 goes at [i, i mod (in/groups), K/2, K/2]: a centred delta per channel when depthwise, the
 * identity matrix when dense 1×1 (RepVGG #39, #78, #97).
 */
import type { ConvKernel } from './conv-kernel';

export interface IdentityKernelStep {
	kind: 'identity';
	rule: 'centred-delta' | 'identity-matrix' | 'grouped';
	channels: number;
	groups: number;
	size: number;
	/** Flat indices of the ones in `output.weight`, in channel order. */
	ones: number[];
	output: ConvKernel;
	formula: string;
}

export function identityKernel(channels: number, groups: number, size = 1): IdentityKernelStep {
	if (!Number.isInteger(channels) || channels < 1 || !Number.isInteger(groups) || groups < 1 || channels % groups !== 0)
		throw new RangeError(`${channels} channels do not split into ${groups} groups`);
	if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new RangeError(`an identity kernel needs an odd size, got ${size}`);
	const perGroup = channels / groups;
	const kk = size * size;
	const centre = ((size - 1) / 2) * size + (size - 1) / 2;
	const weight = new Float64Array(channels * perGroup * kk);
	const ones: number[] = [];
	for (let i = 0; i < channels; i++) {
		const j = (i * perGroup + (i % perGroup)) * kk + centre;
		weight[j] = 1;
		ones.push(j);
	}
	const rule = groups === channels ? 'centred-delta' : groups === 1 && size === 1 ? 'identity-matrix' : 'grouped';
	return {
		kind: 'identity',
		rule,
		channels,
		groups,
		size,
		ones,
		output: { shape: [channels, perGroup, size, size], groups, weight, bias: new Float64Array(channels) },
		formula: 'W[i, i mod (C/groups), K/2, K/2] = 1, zeros elsewhere'
	};
}
