/**
 * One question per chapter, on the student's own real instance: the values come from the loaded
 * weights (the block and channel their seed picked) and every answer is computed by the engine
 * (reparam.ts, explain.ts, spec.ts, collapse.ts), never typed in. Three kinds: a number accepted
 * within a stated tolerance, a cell to click, and yes/no.
 */
import type { Tensor } from '../core/tensor';
import type { UnfusedModel } from '../mobileone/model';
import { channelSteps, proveBlock, type KernelSlice } from '../mobileone/explain';
import { fuseBlockSteps, type BlockFusionSteps } from '../mobileone/reparam';
import { blockParamCount, outputSize, type BlockSpec } from '../mobileone/spec';
import { branchCount } from '../mobileone/collapse';
import type { ChapterId } from './chapters';
import { linearityDemo, linearityPatch } from './figures';
import type { LessonInstance } from './instance';

/** |given − answer| ≤ max(absolute, relative·|answer|) */
export interface Tolerance {
	relative: number;
	absolute: number;
}

/** The values a question shows, by name (γ → 'gamma', a branch's bias → its Apple module name). */
export type Given = Record<string, number>;

export interface NumberExercise {
	kind: 'number';
	chapter: ChapterId;
	given: Given;
	answer: number;
	tolerance: Tolerance;
}

export interface CellExercise {
	kind: 'cell';
	chapter: ChapterId;
	given: Given;
	/** The grid the student clicks in (one output channel's filter). */
	grid: KernelSlice;
	/** The tap index that is right. */
	answer: number;
}

export interface YesNoExercise {
	kind: 'yesno';
	chapter: ChapterId;
	given: Given;
	answer: boolean;
}

export type Exercise = NumberExercise | CellExercise | YesNoExercise;

/** Everything the questions are drawn from: the model, the student's instance and the blocks' step records. */
export interface LessonContext {
	model: UnfusedModel;
	instance: LessonInstance;
	depthwiseSteps: BlockFusionSteps;
	pointwiseSteps: BlockFusionSteps;
	/** What enters the depthwise block for the lesson's picture; null until the picture is ready. */
	depthwiseInput: Tensor | null;
}

export function lessonContext(model: UnfusedModel, instance: LessonInstance, depthwiseInput: Tensor | null = null): LessonContext {
	return {
		model,
		instance,
		depthwiseSteps: fuseBlockSteps(model.blocks[instance.depthwise]),
		pointwiseSteps: fuseBlockSteps(model.blocks[instance.pointwise]),
		depthwiseInput
	};
}

/** Tolerances, stated to the student next to each numeric question. */
export const ONE_PERCENT: Tolerance = { relative: 0.01, absolute: 0.005 };
export const EXACT: Tolerance = { relative: 0, absolute: 0 };

/** The two conv branches chapter 1 adds, and the output pixel it asks about (the centre). */
export const LINEARITY_PIXEL = 4;

function centreTap(size: number): number {
	return Math.floor(size / 2) * size + Math.floor(size / 2);
}

function argMaxAbs(values: ArrayLike<number>): number {
	let best = 0;
	for (let i = 1; i < values.length; i++) if (Math.abs(values[i]) > Math.abs(values[best])) best = i;
	return best;
}

const dwView = (c: LessonContext) => channelSteps(c.depthwiseSteps, c.instance.depthwiseChannel);
const dwSpec = (c: LessonContext): BlockSpec => c.depthwiseSteps.block;

/** Chapter 1's two kernels: rbr_conv.0 and rbr_conv.1 of the depthwise block, this channel. */
export function linearityKernels(c: LessonContext): [Float64Array, Float64Array] {
	const v = dwView(c);
	return [v.folds[0].kernel.values, v.folds[1].kernel.values];
}

/** The exercise a chapter ends with; null when chapter 9's picture is not ready yet. */
export function exerciseFor(chapter: ChapterId, c: LessonContext): Exercise | null {
	const v = dwView(c);
	const f0 = v.folds[0];
	switch (chapter) {
		case 1: {
			const [a, b] = linearityKernels(c);
			const demo = linearityDemo(a, b, linearityPatch(c.instance.seed));
			return {
				kind: 'number',
				chapter,
				given: { withA: demo.withA[LINEARITY_PIXEL], withB: demo.withB[LINEARITY_PIXEL] },
				answer: demo.outputOfSum[LINEARITY_PIXEL],
				tolerance: ONE_PERCENT
			};
		}
		case 2:
			return { kind: 'number', chapter, given: { gamma: f0.gamma, variance: f0.variance, eps: f0.eps }, answer: f0.scale, tolerance: ONE_PERCENT };
		case 3:
			return { kind: 'number', chapter, given: { beta: f0.beta, mean: f0.mean, t: f0.scale }, answer: f0.bias, tolerance: ONE_PERCENT };
		case 4: {
			const pad = v.padding;
			if (!pad) throw new RangeError('the lesson block has no scale branch');
			return { kind: 'cell', chapter, given: { value: pad.before.values[0] }, grid: pad.after, answer: argMaxAbs(pad.after.values) };
		}
		case 5: {
			const o = c.instance.pointwiseChannel;
			const pw = channelSteps(c.pointwiseSteps, o);
			if (!pw.skip) throw new RangeError('the lesson pointwise block has no skip');
			const b = c.pointwiseSteps.block;
			return { kind: 'cell', chapter, given: { channel: o, cin: b.cin, groups: b.groups }, grid: pw.skip.identity, answer: argMaxAbs(pw.skip.identity.values) };
		}
		case 6: {
			const given: Given = {};
			for (const t of v.sum.terms) given[t.label] = t.bias;
			return { kind: 'number', chapter, given, answer: v.sum.bias, tolerance: ONE_PERCENT };
		}
		case 7: {
			const b = dwSpec(c);
			const fusedK = blockParamCount(b, 'fused');
			const fused1 = blockParamCount({ ...b, k: 1 }, 'fused');
			return { kind: 'yesno', chapter, given: { k: b.k, fusedK, fused1, trainK: blockParamCount(b, 'unfused'), train1: blockParamCount({ ...b, k: 1 }, 'unfused') }, answer: fusedK > fused1 };
		}
		case 8: {
			const b = dwSpec(c);
			const side = blockOutputSide(c);
			return { kind: 'number', chapter, given: { cout: b.cout, side, k: b.k }, answer: branchCount(b, 'unfused'), tolerance: EXACT };
		}
		case 9: {
			if (!c.depthwiseInput) return null;
			const block = c.model.blocks[c.instance.depthwise];
			const proof = proveBlock(block, c.depthwiseSteps, c.depthwiseInput, { reluInsideBranches: true });
			return { kind: 'yesno', chapter, given: { relative: proof.relative }, answer: proof.agrees };
		}
	}
}

/** Side of the depthwise block's output for the model's input size. */
export function blockOutputSide(c: LessonContext): number {
	let side = c.model.spec.inputSize;
	for (let i = 0; i <= c.instance.depthwise; i++) side = outputSize(side, c.model.blocks[i].spec);
	return side;
}

export { centreTap };
