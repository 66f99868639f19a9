/**
 * KaTeX in the browser, loaded on demand: its ~75 kB (gzip) of JavaScript would otherwise sit in
 * the explorer's first load, although no formula can show before the model has arrived. The
 * loader fetches it alongside the model, so by the time the steps appear it is here. The CSS and
 * fonts stay static imports (Formula.svelte), so a formula, once typeset, looks as it always did.
 */
type Render = (tex: string, options: { displayMode: boolean; throwOnError: boolean; output: 'htmlAndMathml' }) => string;

let render = $state.raw<Render | null>(null);
let pending: Promise<void> | null = null;

export function loadTypesetter(): Promise<void> {
	pending ??= import('katex').then((m) => {
		render = m.default.renderToString;
	});
	return pending;
}

/** The formula as HTML + MathML, or null while KaTeX is still on its way. */
export function typeset(tex: string, displayMode: boolean): string | null {
	return render ? render(tex, { displayMode, throwOnError: false, output: 'htmlAndMathml' }) : null;
}
