/**
 * The numbers behind the lesson's small figures that the explorer does not already compute:
 * convolution is linear (chapter 1), BatchNorm in eval vs training mode (chapter 2), and a 1×1
 * padded off-centre (chapter 9). Each runs the engine's reference operators; the page only draws.
 */
import { seededNormal } from '../core/random';
import { maxAbsDiff, type Tensor } from '../core/tensor';
import { batchNorm, batchNormTrainingMode, conv2d } from '../mobileone/ops';
import { forwardFusedBlock, traceUnfusedBlock } from '../mobileone/forward';
import type { BlockFusionSteps } from '../mobileone/reparam';
import type { BatchNormParams, UnfusedBlock } from '../mobileone/model';
import { AGREEMENT_TOLERANCE } from '../mobileone/explain';
import { blockParamCount, type BlockSpec } from '../mobileone/spec';
import { blockOperators, branchCount } from '../mobileone/collapse';

/** The input patch chapter 1 convolves: 5×5, so a 3×3 kernel gives a 3×3 output. */
export const PATCH_SIZE = 5;

/** A seeded 5×5 input patch (standard-normal values, rounded to 2 decimals so people can read them). */
export function linearityPatch(seed: number): Float64Array {
	const normal = seededNormal(seed);
	return Float64Array.from({ length: PATCH_SIZE * PATCH_SIZE }, () => Math.round(normal() * 100) / 100);
}

export interface LinearityDemo {
	/** 3×3 outputs (valid convolution of the 5×5 patch). */
	withA: Float32Array;
	withB: Float32Array;
	/** conv(x, A) + conv(x, B) */
	sumOfOutputs: Float32Array;
	/** A + B, the kernel */
	kernelSum: Float64Array;
	/** conv(x, A + B) */
	outputOfSum: Float32Array;
	/** max |sumOfOutputs − outputOfSum|: float32 rounding only */
	maxDelta: number;
}

function conv1(patch: ArrayLike<number>, kernel: ArrayLike<number>, k: number): Float32Array {
	const x: Tensor = { shape: [1, 1, PATCH_SIZE, PATCH_SIZE], data: Float32Array.from(patch) };
	const w: Tensor = { shape: [1, 1, k, k], data: Float32Array.from(kernel) };
	return conv2d(x, w, { stride: 1, padding: 0, groups: 1 }).data;
}

/** Two kernels applied and summed, against their sum applied: the same numbers. */
export function linearityDemo(a: ArrayLike<number>, b: ArrayLike<number>, patch: ArrayLike<number>): LinearityDemo {
	const k = Math.round(Math.sqrt(a.length));
	if (k * k !== a.length || a.length !== b.length || k > PATCH_SIZE) throw new RangeError('the two kernels must be square and the same size');
	if (patch.length !== PATCH_SIZE * PATCH_SIZE) throw new RangeError(`the patch must have ${PATCH_SIZE * PATCH_SIZE} values`);
	const withA = conv1(patch, a, k);
	const withB = conv1(patch, b, k);
	const sumOfOutputs = withA.map((v, i) => v + withB[i]);
	const kernelSum = Float64Array.from(a, (v, i) => v + b[i]);
	const outputOfSum = conv1(patch, kernelSum, k);
	return { withA, withB, sumOfOutputs, kernelSum, outputOfSum, maxDelta: maxAbsDiff(sumOfOutputs, outputOfSum) };
}

/** One channel's BatchNorm statistics. */
export interface ChannelBn {
	gamma: number;
	beta: number;
	mean: number;
	variance: number;
	eps: number;
}

export function channelBn(bn: BatchNormParams, c: number): ChannelBn {
	return { gamma: bn.gamma[c], beta: bn.beta[c], mean: bn.mean[c], variance: bn.variance[c], eps: bn.eps };
}

export interface BatchNormModes {
	/** The value followed through both batches. */
	x: number;
	/** Inference: y = t·x + shift, the same whatever else is in the batch. */
	evalOutputs: [number, number];
	/** Training: normalized with each batch's own mean and variance, so the same x gives two answers. */
	trainOutputs: [number, number];
	/** t and shift of inference mode */
	scale: number;
	shift: number;
}

function oneChannel(bn: ChannelBn): BatchNormParams {
	const f = (v: number) => Float32Array.of(v);
	return { gamma: f(bn.gamma), beta: f(bn.beta), mean: f(bn.mean), variance: f(bn.variance), eps: bn.eps };
}

/** The same value x in two batches, through one channel's BatchNorm in both modes. */
export function batchNormModes(bn: ChannelBn, x: number, batchA: readonly number[], batchB: readonly number[]): BatchNormModes {
	const p = oneChannel(bn);
	const run = (batch: readonly number[], f: typeof batchNorm) => {
		const t: Tensor = { shape: [batch.length + 1, 1, 1, 1], data: Float32Array.from([x, ...batch]) };
		return f(t, p).data[0];
	};
	const scale = bn.gamma / Math.sqrt(bn.variance + bn.eps);
	return {
		x,
		evalOutputs: [run(batchA, batchNorm), run(batchB, batchNorm)],
		trainOutputs: [run(batchA, batchNormTrainingMode), run(batchB, batchNormTrainingMode)],
		scale,
		shift: bn.beta - bn.mean * scale
	};
}

export interface PaddingMistake {
	/** max |Δ| / max |output| with the 1×1 placed at the centre (right) and at the top-left corner (wrong). */
	centred: number;
	offCentre: number;
	agreesCentred: boolean;
	agreesOffCentre: boolean;
}

/**
 * The 1×1 scale kernel padded into the wrong place (top-left instead of the centre): the fused
 * conv then reads the neighbour up and to the left, and the outputs stop agreeing.
 */
export function paddingMistake(block: UnfusedBlock, steps: BlockFusionSteps, input: Tensor): PaddingMistake {
	const pad = steps.scalePadding;
	if (!pad) throw new RangeError(`${block.spec.name} has no 1×1 scale branch to pad`);
	const k = block.spec.kernel;
	const kk = k * k;
	const centre = Math.floor(k / 2) * k + Math.floor(k / 2);
	const moved = Float32Array.from(steps.fused.weight.data);
	const filters = moved.length / kk;
	for (let f = 0; f < filters; f++) {
		const v = pad.after.data[f * kk + centre];
		moved[f * kk + centre] -= v;
		moved[f * kk] += v;
	}
	const reference = traceUnfusedBlock(block, input).output;
	const relative = (out: Tensor) => {
		let m = 0;
		for (const v of reference.data) m = Math.max(m, Math.abs(v));
		return maxAbsDiff(reference.data, out.data) / (m || 1);
	};
	const centred = relative(forwardFusedBlock(steps.fused, input));
	const offCentre = relative(forwardFusedBlock({ ...steps.fused, weight: { shape: steps.fused.weight.shape, data: moved } }, input));
	return { centred, offCentre, agreesCentred: centred <= AGREEMENT_TOLERANCE, agreesOffCentre: offCentre <= AGREEMENT_TOLERANCE };
}

export interface BlockTraffic {
	/** Output-sized maps written before the sum (one per branch), and after fusion (one). */
	mapsUnfused: number;
	mapsFused: number;
	/** Bytes of float32 activations written by the block's branches, each form. */
	bytesUnfused: number;
	bytesFused: number;
	/** ONNX operators in the block, each form. */
	operatorsUnfused: number;
	operatorsFused: number;
}

/** What one block writes to memory and launches, in each form, for an output of side×side pixels. */
export function blockTraffic(b: BlockSpec, side: number): BlockTraffic {
	const map = 4 * b.cout * side * side;
	const mapsUnfused = branchCount(b, 'unfused');
	return {
		mapsUnfused,
		mapsFused: 1,
		bytesUnfused: mapsUnfused * map,
		bytesFused: map,
		operatorsUnfused: blockOperators(b, 'unfused'),
		operatorsFused: blockOperators(b, 'fused')
	};
}

/** Trainable parameters of the block for k = 1…maxK, each form (spec.ts counts them as PyTorch does). */
export function paramsByK(b: BlockSpec, maxK = 5): { k: number; unfused: number; fused: number }[] {
	return Array.from({ length: maxK }, (_, i) => ({ k: i + 1, unfused: blockParamCount({ ...b, k: i + 1 }, 'unfused'), fused: blockParamCount({ ...b, k: i + 1 }, 'fused') }));
}
