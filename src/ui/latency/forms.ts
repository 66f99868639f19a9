/** How the three forms look on the page: one Okabe–Ito colour each (warm = branches, blue = fused). */
import { m } from '$lib/paraglide/messages';
import type { FormId } from '$lib/bench';

export const FORM_COLOR: Record<FormId, string> = {
	'unfused-raw': 'var(--vermillion)',
	'unfused-ort': 'var(--orange)',
	fused: 'var(--blue)'
};

/** Text-safe twins (≥ 4.5:1 on the page background). */
export const FORM_INK: Record<FormId, string> = {
	'unfused-raw': 'var(--vermillion-ink)',
	'unfused-ort': 'var(--orange-ink)',
	fused: 'var(--blue-ink)'
};

/** What each form is, in a sentence, for the graph-size cards; getters, so each page renders in its own locale. */
export const FORM_BLURB: Record<FormId, string> = {
	get 'unfused-raw'() {
		return m.latency_blurb_unfused_raw();
	},
	get 'unfused-ort'() {
		return m.latency_blurb_unfused_ort();
	},
	get fused() {
		return m.latency_blurb_fused();
	}
};
