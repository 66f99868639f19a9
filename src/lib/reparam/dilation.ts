/**
 * A dilated kernel made dense: a K×K kernel with dilation d reads the same pixels as a dense
 * (d(K−1)+1)×(d(K−1)+1) kernel with its taps d apart and zeros between them (RepNeXt, and UniRepLKNet's
 * dilated branches), and its padding d(K−1)/2 is the dense kernel's centred padding. Once dense it
 * can be padded and added like any other branch.
 */
import { at, type ConvKernel } from './conv-kernel';

export interface DilationStep {
	kind: 'dilate';
	input: ConvKernel;
	dilation: number;
	/** 1 for each tap of the dense kh×kw plane that holds one of the input's taps. */
	placed: Uint8Array;
	output: ConvKernel;
	formula: string;
}

export function denseFromDilated(input: ConvKernel, dilation: number): DilationStep {
	if (!Number.isInteger(dilation) || dilation < 1) throw new RangeError(`a dilation is a whole number of at least 1, got ${dilation}`);
	const [cout, cin, ih, iw] = input.shape;
	const kh = dilation * (ih - 1) + 1;
	const kw = dilation * (iw - 1) + 1;
	const shape = [cout, cin, kh, kw] as const;
	const weight = new Float64Array(cout * cin * kh * kw);
	for (let o = 0; o < cout; o++)
		for (let c = 0; c < cin; c++)
			for (let y = 0; y < ih; y++) for (let x = 0; x < iw; x++) weight[at(shape, o, c, y * dilation, x * dilation)] = input.weight[at(input.shape, o, c, y, x)];
	const placed = new Uint8Array(kh * kw);
	for (let y = 0; y < ih; y++) for (let x = 0; x < iw; x++) placed[y * dilation * kw + x * dilation] = 1;
	return { kind: 'dilate', input, dilation, placed, output: { shape, groups: input.groups, weight, bias: input.bias.slice() }, formula: `W′[…, ${dilation}·y, ${dilation}·x] = W[…, y, x], zeros between` };
}
