/** A presenter slide's title, in the page's language (one place, for the slides and the notes window). */
import { m } from '$lib/paraglide/messages';
import type { ChannelSteps } from '$lib/mobileone/explain';
import type { ExplorerSlide } from './slides';
import { STEPS } from './state.svelte';

export function slideTitle(slide: ExplorerSlide, view: Pick<ChannelSteps, 'folds'>): string {
	if (slide.kind === 'fold') return m.explorer_slide_fold_title({ label: view.folds[slide.fold]?.label ?? '' });
	if (slide.kind === 'sum') return m.explorer_slide_sum_title();
	if (slide.kind === 'bias') return m.explorer_slide_bias_title();
	return STEPS[slide.step - 1].title;
}
