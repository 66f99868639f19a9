/**
 * Transform V, average pooling as a convolution: K×K average pooling of each channel is a conv
 * whose kernel is 1/K² on the tap plane of the channel itself, [i, i mod (C/groups)], zeros
 * elsewhere. With padding this matches PyTorch's `AvgPool2d` only when padded zeros count towards
 * the average (`count_include_pad=True`, the default); its stride becomes the conv's (DBB #21).
 */
import type { ConvKernel } from './conv-kernel';

export interface AvgPoolStep {
	kind: 'avg-pool';
	channels: number;
	groups: number;
	size: number;
	/** 1/K² */
	value: number;
	output: ConvKernel;
	formula: string;
}

export function avgPoolKernel(channels: number, size: number, groups = 1): AvgPoolStep {
	if (!Number.isInteger(channels) || channels < 1 || !Number.isInteger(groups) || groups < 1 || channels % groups !== 0)
		throw new RangeError(`${channels} channels do not split into ${groups} groups`);
	if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new RangeError(`average pooling as a centred kernel needs an odd size, got ${size}`);
	const perGroup = channels / groups;
	const kk = size * size;
	const value = 1 / kk;
	const weight = new Float64Array(channels * perGroup * kk);
	for (let i = 0; i < channels; i++) weight.fill(value, (i * perGroup + (i % perGroup)) * kk, (i * perGroup + (i % perGroup) + 1) * kk);
	return {
		kind: 'avg-pool',
		channels,
		groups,
		size,
		value,
		output: { shape: [channels, perGroup, size, size], groups, weight, bias: new Float64Array(channels) },
		formula: 'W[i, i mod (C/groups), y, x] = 1/K²'
	};
}
