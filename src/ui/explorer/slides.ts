/**
 * Presenter mode's slides for one block and channel: step 1 is split into one slide per branch's
 * BatchNorm fold (a whole step 1 is too tall for a projector), then one slide for each later step,
 * except the sum: its kernels and its biases are two slides, so the kernels' digits stay large.
 * Pure: the explorer's state derives the list, the slide view draws each one with the step views.
 */
import type { ChannelSteps } from '$lib/mobileone/explain';
import type { StepId } from './url';

export type ExplorerSlide = { kind: 'fold'; step: 1; fold: number } | { kind: 'pad'; step: 2 } | { kind: 'skip'; step: 3 } | { kind: 'sum'; step: 4 } | { kind: 'bias'; step: 4 } | { kind: 'proof'; step: 5 };

export function explorerSlides(view: ChannelSteps): ExplorerSlide[] {
	return [
		...view.folds.map((_, fold): ExplorerSlide => ({ kind: 'fold', step: 1, fold })),
		{ kind: 'pad', step: 2 },
		{ kind: 'skip', step: 3 },
		{ kind: 'sum', step: 4 },
		{ kind: 'bias', step: 4 },
		{ kind: 'proof', step: 5 }
	];
}

/** The first slide (1-based) that shows `step`. */
export function firstSlideOf(slides: readonly ExplorerSlide[], step: StepId): number {
	const i = slides.findIndex((s) => s.step === step);
	return i < 0 ? 1 : i + 1;
}
