/** The site's sections, in header order. Used by the header, the landing page and the e2e tests. */
import { m } from '$lib/paraglide/messages';

export interface Section {
	/** The unlocalized path; links pass it through `localizeHref`. */
	href: string;
	readonly label: string;
	/** Label for the header on narrow screens. */
	readonly short: string;
	/** One line for cards. */
	readonly blurb: string;
	/** false: a landing-page card only, not in the header (which must fit a 375 px phone). */
	headerNav?: false;
}

/**
 * The words are getters, read at render time: the same module renders English and Korean pages
 * while prerendering, so a string captured at import would be in whichever locale came first.
 */
function section(
	href: string,
	words: { label: () => string; short: () => string; blurb: () => string },
	headerNav?: false
): Section {
	return {
		href,
		get label() {
			return words.label();
		},
		get short() {
			return words.short();
		},
		get blurb() {
			return words.blurb();
		},
		...(headerNav === false ? { headerNav } : {})
	};
}

export const SECTIONS: readonly Section[] = [
	section('/learn', { label: m.shell_nav_learn, short: m.shell_nav_learn_short, blurb: m.shell_nav_learn_blurb }),
	section('/explorer', { label: m.shell_nav_explorer, short: m.shell_nav_explorer_short, blurb: m.shell_nav_explorer_blurb }),
	section('/latency', { label: m.shell_nav_latency, short: m.shell_nav_latency_short, blurb: m.shell_nav_latency_blurb }),
	// A sixth header link does not fit a 375 px phone (checked in screenshots); the landing card and the latency lab link here.
	section('/analyses', { label: m.shell_nav_analyses, short: m.shell_nav_analyses_short, blurb: m.shell_nav_analyses_blurb }, false),
	section('/classify', { label: m.shell_nav_classify, short: m.shell_nav_classify_short, blurb: m.shell_nav_classify_blurb }),
	section('/yours', { label: m.shell_nav_yours, short: m.shell_nav_yours_short, blurb: m.shell_nav_yours_blurb }),
	section('/family', { label: m.shell_nav_family, short: m.shell_nav_family_short, blurb: m.shell_nav_family_blurb }, false),
	section('/model', { label: m.shell_nav_model, short: m.shell_nav_model_short, blurb: m.shell_nav_model_blurb })
];

/** The sections linked from the header. */
export const HEADER_SECTIONS: readonly Section[] = SECTIONS.filter((s) => s.headerNav !== false);
