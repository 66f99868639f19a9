/** TeX for a family step's formula, with that channel's live numbers from the step view. */
import { formatTex as num } from '$lib/format';
import type { FamilyStepView } from '$lib/families/explain';

export function familyStepTex(v: FamilyStepView): string {
	const n = v.numbers;
	switch (v.kind) {
		case 'bn-fold':
			return [
				'\\begin{gathered}',
				`t = \\frac{\\gamma}{\\sqrt{\\sigma^2+\\varepsilon}} = \\frac{${num(n.gamma)}}{\\sqrt{${num(n.variance)} + 10^{-5}}} = ${num(n.scale, 6)}`,
				'\\\\[0.5em]',
				`W' = t\\,W, \\quad b' = \\beta - \\mu\\,t + t\\,b = ${num(n.beta)} - (${num(n.mean)})(${num(n.scale)}) + (${num(n.scale)})(${num(n.biasIn)}) = ${num(n.biasOut, 6)}`,
				'\\end{gathered}'
			].join(' ');
		case 'add':
			return `W = ${v.inputs.map((_, i) => `W_{${i + 1}}`).join(' + ')}, \\quad b = ${v.termBiases.map((b) => `(${num(b)})`).join(' + ')} = ${num(n.biasOut, 7)}`;
		case 'pad':
			return `W' = \\operatorname{pad}(W), \\quad \\text{${n.top} row${n.top === 1 ? '' : 's'} above, ${n.left} column${n.left === 1 ? '' : 's'} left}, \\quad b' = b`;
		case 'identity':
			return 'W[i,\\; i \\bmod (C/g),\\; \\lfloor K/2 \\rfloor,\\; \\lfloor K/2 \\rfloor] = 1, \\quad b = 0';
		case 'scale':
			return `W' = a\\,W, \\quad b' = a\\,b + c = (${num(n.factor)})(${num(n.biasIn)}) + (${num(n.shift)}) = ${num(n.biasOut, 6)}`;
		case 'sequential':
			return `W = W_B \\circledast W_A, \\quad b = b_B + \\textstyle\\sum W_B\\, b_A = ${num(n.biasSecond)} + (${num(n.biasThroughSecond)}) = ${num(n.biasOut, 6)}`;
		case 'avg-pool':
			return `W[i, i, y, x] = \\frac{1}{K^2} = ${num(n.value, 6)}`;
		case 'dilate':
			return `W'[y\\,d, x\\,d] = W[y, x], \\quad d = ${n.dilation}`;
		case 'linear-bn':
			return `W' = t\\,W, \\quad t = ${num(n.scale)}`;
	}
}
