/**
 * Transform VI, kernel padding: a smaller kernel written into a larger one with zeros around it,
 * centred, so both read the same pixels (a 1×1 into a 3×3 for RepVGG and MobileOne; ACNet's 1×K
 * and K×1 into the K×K's middle row and column). Exact because every kernel in the algebra pads
 * (K−1)/2 on each side: the small kernel's taps land where the large one reads the same pixels.
 * An ONNX Conv may pad unevenly; where its pads put it is the caller's to say (`offset`), since
 * only the graph knows, and this still only writes zeros around the kernel.
 */
import { at, type ConvKernel } from './conv-kernel';

export interface PadKernelStep {
	kind: 'pad';
	input: ConvKernel;
	/** Zero rows above and columns left of the input kernel inside the output: [top, left]. */
	offset: [number, number];
	/** 1 for each tap of the output's kh×kw plane the input kernel lands on, 0 for the added zeros. */
	placed: Uint8Array;
	output: ConvKernel;
	formula: string;
}

export function padKernel(input: ConvKernel, kh: number, kw: number = kh, offset?: readonly [number, number]): PadKernelStep {
	const [cout, cin, ih, iw] = input.shape;
	if (kh < ih || kw < iw) throw new RangeError(`cannot pad a ${ih}×${iw} kernel to a smaller ${kh}×${kw} one`);
	if (!offset && ((kh - ih) % 2 !== 0 || (kw - iw) % 2 !== 0)) throw new RangeError(`a ${ih}×${iw} kernel has no centred place in a ${kh}×${kw} one`);
	const [top, left] = offset ?? [(kh - ih) / 2, (kw - iw) / 2];
	if (!Number.isInteger(top) || !Number.isInteger(left) || top < 0 || left < 0 || top + ih > kh || left + iw > kw)
		throw new RangeError(`a ${ih}×${iw} kernel at [${top}, ${left}] does not lie inside a ${kh}×${kw} one`);
	const shape = [cout, cin, kh, kw] as const;
	const weight = new Float64Array(cout * cin * kh * kw);
	for (let o = 0; o < cout; o++)
		for (let c = 0; c < cin; c++)
			for (let y = 0; y < ih; y++)
				for (let x = 0; x < iw; x++) weight[at(shape, o, c, y + top, x + left)] = input.weight[at(input.shape, o, c, y, x)];
	const placed = new Uint8Array(kh * kw);
	for (let y = 0; y < ih; y++) for (let x = 0; x < iw; x++) placed[(y + top) * kw + x + left] = 1;
	return {
		kind: 'pad',
		input,
		offset: [top, left],
		placed,
		output: { shape, groups: input.groups, weight, bias: input.bias.slice() },
		formula: `W′[…, y + ${top}, x + ${left}] = W[…, y, x], zeros elsewhere`
	};
}
