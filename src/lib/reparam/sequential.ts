/**
 * Transform III, sequential composition: conv A then conv B with nothing nonlinear between them
 * is one conv whose kernel is A's and B's composed, W[o, i, a + b] = Σₘ W_B[o, m, b]·W_A[m, i, a],
 * of size (K_A + K_B − 1) on each axis, and whose bias is b = b_B + Σ W_B·b_A (A's bias seen
 * through every tap of B). Both convs have the same groups; A has stride 1, B keeps its stride.
 *
 * Exact only if B pads its input with what A outputs for a zero input, A's bias b_A, not with
 * zeros: DBB's `BNAndPadLayer` (DBB #9, #39). Zero padding makes the merged conv wrong on the
 * border pixels, and only there; `sequential-border.ts` computes that error map. This covers DBB's
 * 1×1 → K×K (and 1×1 → average pool) and RepNeXt's separable 1×K → K×1. Along each axis at most
 * one of the two kernels may be longer than 1: otherwise A's output in the padding is not constant
 * and no single pad value makes the merge exact, so such pairs are refused.
 */
import { at, inChannels, type ConvKernel } from './conv-kernel';

export interface SequentialStep {
	kind: 'sequential';
	first: ConvKernel;
	second: ConvKernel;
	/** What the second conv must pad its input with, per intermediate channel: the first's bias. */
	padValues: Float64Array;
	/** Σ W_B·b_A per output channel: the first bias seen through the second kernel. */
	biasThroughSecond: Float64Array;
	output: ConvKernel;
	formula: string;
}

export function composeSequential(first: ConvKernel, second: ConvKernel): SequentialStep {
	const [mid, cinPerGroup, ah, aw] = first.shape;
	const [cout, midPerGroup, bh, bw] = second.shape;
	const g = first.groups;
	if (second.groups !== g) throw new RangeError(`the two convs have different groups (${g} and ${second.groups})`);
	if (inChannels(second) !== mid) throw new RangeError(`the first conv outputs ${mid} channels, the second reads ${inChannels(second)}`);
	if ((ah > 1 && bh > 1) || (aw > 1 && bw > 1))
		throw new RangeError(`a ${ah}×${aw} kernel followed by a ${bh}×${bw} one has no exact single-conv form: along each axis at most one may be longer than 1`);
	const kh = ah + bh - 1;
	const kw = aw + bw - 1;
	const shape = [cout, cinPerGroup, kh, kw] as const;
	const weight = new Float64Array(cout * cinPerGroup * kh * kw);
	const biasThroughSecond = new Float64Array(cout);
	const outPerGroup = cout / g;
	for (let o = 0; o < cout; o++) {
		const group = Math.floor(o / outPerGroup);
		for (let ml = 0; ml < midPerGroup; ml++) {
			const m = group * midPerGroup + ml;
			for (let yb = 0; yb < bh; yb++)
				for (let xb = 0; xb < bw; xb++) {
					const w2 = second.weight[at(second.shape, o, ml, yb, xb)];
					if (w2 === 0) continue;
					biasThroughSecond[o] += w2 * first.bias[m];
					for (let i = 0; i < cinPerGroup; i++)
						for (let ya = 0; ya < ah; ya++)
							for (let xa = 0; xa < aw; xa++) weight[at(shape, o, i, ya + yb, xa + xb)] += w2 * first.weight[at(first.shape, m, i, ya, xa)];
				}
		}
	}
	const bias = new Float64Array(cout);
	for (let o = 0; o < cout; o++) bias[o] = second.bias[o] + biasThroughSecond[o];
	return {
		kind: 'sequential',
		first,
		second,
		padValues: first.bias.slice(),
		biasThroughSecond,
		output: { shape, groups: g, weight, bias },
		formula: 'W[o, i] = Σₘ W_B[o, m] ⊛ W_A[m, i];  b = b_B + Σ W_B·b_A  (pad the gap with b_A)'
	};
}
