/**
 * What the explorer shows of one family step for one output channel: the kernels going in and
 * coming out as slices (plane by plane), their biases, the taps to outline, and the step's own
 * numbers for that channel, all read from the algebra's record. Nothing is recomputed here.
 */
import type { ConvKernel } from '../reparam/conv-kernel';
import type { ReparamStep, ReparamStepKind } from '../reparam/steps';
import type { SequentialBorderError } from '../reparam/sequential-border';
import type { LabelledStep } from './block';

/** One output channel's filter: `planes` input channels of rows×cols taps; `size` is max(rows, cols). */
export interface FamilySlice {
	planes: number;
	size: number;
	rows: number;
	cols: number;
	values: Float64Array;
}

export interface StepPanel {
	label: string;
	slice: FamilySlice;
	bias: number;
	/** Tap indices (into `slice.values`) to outline. */
	highlight: number[];
}

export interface FamilyStepView {
	kind: ReparamStepKind;
	/** The module the step works on, in the family's own names. */
	module: string;
	/** Short heading, e.g. "Fold BN". */
	short: string;
	inputs: StepPanel[];
	/** null for a step that is not on a conv (BN into a linear layer). */
	output: StepPanel | null;
	/** The step's own numbers for this channel, by name (γ, t, a, …). */
	numbers: Record<string, number>;
	/** Per-term biases of a sum, in order. */
	termBiases: number[];
	formula: string;
}

export const STEP_SHORT: Record<ReparamStepKind, string> = {
	'bn-fold': 'Fold BN',
	add: 'Add up',
	pad: 'Pad',
	identity: 'Identity → kernel',
	scale: 'Scale',
	sequential: '1×1 → K×K',
	'avg-pool': 'Avg pool → kernel',
	dilate: 'Dilation → dense',
	'linear-bn': 'BN into linear'
};

export function sliceOf(k: ConvKernel, channel: number): FamilySlice {
	const [, planes, rows, cols] = k.shape;
	const per = planes * rows * cols;
	const o = Math.min(Math.max(0, channel), k.shape[0] - 1);
	return { planes, rows, cols, size: Math.max(rows, cols), values: k.weight.slice(o * per, (o + 1) * per) };
}

const panel = (label: string, k: ConvKernel, channel: number, highlight: number[] = []): StepPanel => ({
	label,
	slice: sliceOf(k, channel),
	bias: k.bias[Math.min(channel, k.bias.length - 1)],
	highlight
});

/** The taps of every plane where `mask` (one rows×cols plane) is 1. */
function maskTaps(mask: Uint8Array, planes: number): number[] {
	const out: number[] = [];
	for (let p = 0; p < planes; p++) for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(p * mask.length + i);
	return out;
}

function view(r: ReparamStep, o: number): Pick<FamilyStepView, 'inputs' | 'output' | 'numbers' | 'termBiases'> {
	const none = { numbers: {}, termBiases: [] };
	switch (r.kind) {
		case 'bn-fold':
			return {
				inputs: [panel('W (before)', r.input, o)],
				output: panel('W′ = t·W', r.output, o),
				numbers: { gamma: r.bn.gamma[o], beta: r.bn.beta[o], mean: r.bn.mean[o], variance: r.bn.variance[o], eps: r.bn.eps, scale: r.scale[o], shift: r.shift[o], biasIn: r.input.bias[o], biasOut: r.output.bias[o] },
				termBiases: []
			};
		case 'add':
			return { inputs: r.terms.map((t, i) => panel(r.labels[i], t, o)), output: panel('sum', r.output, o), numbers: { biasOut: r.output.bias[o] }, termBiases: r.terms.map((t) => t.bias[o]) };
		case 'pad': {
			const out = panel('padded', r.output, o);
			out.highlight = maskTaps(r.placed, out.slice.planes);
			return { inputs: [panel('kernel', r.input, o)], output: out, numbers: { top: r.offset[0], left: r.offset[1] }, termBiases: [] };
		}
		case 'identity': {
			const per = r.output.shape[1] * r.output.shape[2] * r.output.shape[3];
			const ones = r.ones.filter((i) => Math.floor(i / per) === o).map((i) => i - o * per);
			return { inputs: [], output: panel('identity kernel', r.output, o, ones), ...none };
		}
		case 'scale':
			return { inputs: [panel('W', r.input, o)], output: panel('a·W', r.output, o), numbers: { factor: r.factor[o], shift: r.shift[o], biasIn: r.input.bias[o], biasOut: r.output.bias[o] }, termBiases: [] };
		case 'sequential':
			return {
				inputs: [panel('second conv (K×K)', r.second, o)],
				output: panel('composed', r.output, o),
				numbers: { biasSecond: r.second.bias[o], biasThroughSecond: r.biasThroughSecond[o], biasOut: r.output.bias[o] },
				termBiases: Array.from(r.padValues)
			};
		case 'avg-pool':
			return { inputs: [], output: panel(`${r.size}×${r.size} average`, r.output, o), numbers: { value: r.value }, termBiases: [] };
		case 'dilate': {
			const out = panel('dense', r.output, o);
			out.highlight = maskTaps(r.placed, out.slice.planes);
			return { inputs: [panel('dilated', r.input, o)], output: out, numbers: { dilation: r.dilation }, termBiases: [] };
		}
		case 'linear-bn':
			return { inputs: [], output: null, numbers: { scale: r.scale[o] ?? 0, shift: r.shift[o] ?? 0 }, termBiases: [] };
	}
}

export function familyStepView(step: LabelledStep, channel: number): FamilyStepView {
	const r = step.record;
	return { kind: r.kind, module: step.label, short: STEP_SHORT[r.kind], formula: r.formula, ...view(r, channel) };
}

/** One output channel of DBB's border case: the signed error of the two-conv branch against the merged conv. */
export interface BorderPlane {
	width: number;
	height: number;
	/** (two-conv branch − merged conv), row-major height × width. */
	error: Float32Array;
	/** 1 for each pixel whose window reaches the padding. */
	border: Uint8Array;
	/** max |error| on the border pixels and inside, for this channel. */
	maxBorder: number;
	maxInterior: number;
}

export function borderPlane(e: SequentialBorderError, channel: number, gap: 'zero' | 'bias'): BorderPlane {
	const { width, height } = e;
	const n = width * height;
	const o = Math.min(Math.max(0, channel), e.merged.shape[1] - 1);
	const branch = gap === 'zero' ? e.zeroGap : e.biasGap;
	const error = new Float32Array(n);
	let maxBorder = 0;
	let maxInterior = 0;
	for (let i = 0; i < n; i++) {
		const d = branch.data[o * n + i] - e.merged.data[o * n + i];
		error[i] = d;
		if (e.border[i]) maxBorder = Math.max(maxBorder, Math.abs(d));
		else maxInterior = Math.max(maxInterior, Math.abs(d));
	}
	return { width, height, error, border: e.border, maxBorder, maxInterior };
}
