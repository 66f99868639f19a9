/** TeX for the explorer's formulas, with the live operands written in. */
import { formatTex as num } from '$lib/format';
import type { FoldView } from '$lib/mobileone/explain';

export function foldTex(f: FoldView): string {
	return [
		'\\begin{gathered}',
		`t = \\frac{\\gamma}{\\sqrt{\\sigma^2+\\varepsilon}} = \\frac{${num(f.gamma)}}{\\sqrt{${num(f.variance)} + 10^{-5}}} = ${num(f.scale, 6)}`,
		'\\\\[0.5em]',
		`b' = \\beta - \\mu\\, t = ${num(f.beta)} - (${num(f.mean)})(${num(f.scale)}) = ${num(f.bias, 6)}`,
		'\\end{gathered}'
	].join(' ');
}

/** Step 4's bias sum: every branch's b′, added. */
export function biasSumTex(biases: number[], sum: number): string {
	return `b_{\\text{fused}} = ${biases.map((b) => `(${num(b)})`).join(' + ')} = ${num(sum, 7)}`;
}
