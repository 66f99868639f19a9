/** TeX for the explorer's formulas, with the live operands written in. */
import type { FoldView } from '$lib/mobileone/explain';

/** A number for TeX: enough digits to check by hand, exponent as ×10^n. */
export function num(v: number, digits = 4): string {
	if (v === 0) return '0';
	const a = Math.abs(v);
	if (a < 1e-3 || a >= 1e5) {
		const [m, e] = v.toExponential(digits - 1).split('e');
		return `${m}\\times10^{${Number(e)}}`;
	}
	return Number(v.toPrecision(digits)).toString();
}

export function foldTex(f: FoldView): string {
	return [
		'\\begin{gathered}',
		`t = \\frac{\\gamma}{\\sqrt{\\sigma^2+\\varepsilon}} = \\frac{${num(f.gamma)}}{\\sqrt{${num(f.variance)} + 10^{-5}}} = ${num(f.scale, 6)}`,
		'\\\\[0.5em]',
		`b' = \\beta - \\mu\\, t = ${num(f.beta)} - (${num(f.mean)})(${num(f.scale)}) = ${num(f.bias, 6)}`,
		'\\end{gathered}'
	].join(' ');
}
