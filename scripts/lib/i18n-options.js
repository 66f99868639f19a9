/**
 * Paraglide's compiler options, in one place: vite.config.ts compiles with them on every dev
 * start, build and test run, and `npm run i18n` (which `npm run check` runs first) compiles with
 * the same ones for the type-checker. The output, src/lib/paraglide/, is generated, not committed.
 * English stays at /…, Korean is /ko/…; the URL alone decides (a static site has no cookie or
 * Accept-Language to read at build time).
 */
export const paraglideOptions = {
	project: './project.inlang',
	outdir: './src/lib/paraglide',
	strategy: /** @type {const} */ (['url', 'baseLocale']),
	// SvelteKit's own default: prerendering writes /ko as ko.html, and a plain static host serves
	// /ko but not /ko/ from it, so the Korean home page is linked without the slash.
	trailingSlash: /** @type {const} */ ('never')
};
