import katex from 'katex';

/**
 * Typeset TeX to HTML + MathML. Call it from a `+page.server.ts` load so it runs at build time
 * (prerender) and KaTeX's JavaScript never ships to the browser; the page only imports
 * 'katex/dist/katex.min.css' and its self-hosted fonts.
 */
export function tex(source: string, displayMode = true): string {
	return katex.renderToString(source, {
		displayMode,
		throwOnError: true,
		output: 'htmlAndMathml',
		strict: 'error'
	});
}
