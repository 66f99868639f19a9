/**
 * Which real block and output channel a student's lesson is about. Every student gets a random
 * seed (kept in their browser); the seed picks a depthwise 3×3 block with all three kinds of
 * branch and a pointwise 1×1 block with a skip, and a channel in each, so two students see two
 * different, real instances of the same algebra.
 */
import { seededRandom } from '../core/random';
import type { UnfusedModel } from '../mobileone/model';

export interface LessonInstance {
	seed: number;
	/** Index into model.blocks of a depthwise block with a scale branch and a skip. */
	depthwise: number;
	depthwiseChannel: number;
	/** Index into model.blocks of a pointwise block with a skip (in = out channels). */
	pointwise: number;
	pointwiseChannel: number;
}

/** Pointwise blocks wider than this make the click-the-cell grid too fine to click. */
export const MAX_POINTWISE_CHANNELS = 256;

/** A fresh seed: any 32-bit unsigned integer. */
export function isLessonSeed(n: unknown): n is number {
	return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** The blocks a lesson can be about: depthwise ones with every kind of branch, narrow pointwise ones with a skip. */
export function teachableBlocks(model: UnfusedModel): { depthwise: number[]; pointwise: number[] } {
	const indices = model.blocks.map((_, i) => i);
	return {
		// k ≥ 2: chapter 1 adds two of the block's own conv branches
		depthwise: indices.filter((i) => {
			const s = model.blocks[i].spec;
			return s.role === 'depthwise' && s.hasScale && s.hasSkip && s.k >= 2;
		}),
		pointwise: indices.filter((i) => {
			const s = model.blocks[i].spec;
			return s.role === 'pointwise' && s.hasSkip && s.cin <= MAX_POINTWISE_CHANNELS;
		})
	};
}

/** Whether every chapter finds its blocks in this network. */
export function canTeach(model: UnfusedModel): boolean {
	const { depthwise, pointwise } = teachableBlocks(model);
	return depthwise.length > 0 && pointwise.length > 0;
}

export function lessonInstance(model: UnfusedModel, seed: number): LessonInstance {
	if (!isLessonSeed(seed)) throw new RangeError('the lesson seed must be a whole number from 0 to 2³²−1');
	const rand = seededRandom(seed);
	const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
	const { depthwise: dw, pointwise: pw } = teachableBlocks(model);
	if (dw.length === 0 || pw.length === 0) throw new RangeError('this network has no depthwise block with k ≥ 2 branches, a scale branch and a skip, or no pointwise block with a skip');
	const depthwise = pick(dw);
	const pointwise = pick(pw);
	return {
		seed,
		depthwise,
		depthwiseChannel: Math.floor(rand() * model.blocks[depthwise].spec.cout),
		pointwise,
		pointwiseChannel: Math.floor(rand() * model.blocks[pointwise].spec.cout)
	};
}
