import { tex } from '$ui/shared/tex';
import type { PageServerLoad } from './$types';

// Runs at build time only (the page is prerendered), so KaTeX stays out of the client bundle.
export const load: PageServerLoad = () => ({
	math: {
		foldW: tex(String.raw`W' = W \cdot \frac{\gamma}{\sqrt{\sigma^2 + \varepsilon}}`),
		foldB: tex(String.raw`b' = \beta - \mu \cdot \frac{\gamma}{\sqrt{\sigma^2 + \varepsilon}}`),
		fuseW: tex(
			String.raw`W_{\text{fused}} = \sum_{i=1}^{k} W'_i + \operatorname{pad}\!\big(W'_{\text{scale}}\big) + I'_{\text{skip}}`
		),
		// The same sum on two lines, for phones.
		fuseWNarrow: tex(
			String.raw`\begin{aligned} W_{\text{fused}} &= \sum_{i=1}^{k} W'_i \\ &\quad + \operatorname{pad}\!\big(W'_{\text{scale}}\big) + I'_{\text{skip}} \end{aligned}`
		),
		fuseB: tex(String.raw`b_{\text{fused}} = \sum_{i=1}^{k} b'_i + b'_{\text{scale}} + b'_{\text{skip}}`),
		padScale: tex(
			String.raw`\operatorname{pad}(w) = \begin{bmatrix} 0 & 0 & 0 \\ 0 & w & 0 \\ 0 & 0 & 0 \end{bmatrix}`
		),
		identity: tex(
			String.raw`I = \begin{bmatrix} 0 & 0 & 0 \\ 0 & 1 & 0 \\ 0 & 0 & 0 \end{bmatrix}`
		),
		linear: tex(String.raw`x * A + x * B = x * (A + B)`),
		gamma: tex(String.raw`\gamma, \beta`, false),
		stats: tex(String.raw`\mu, \sigma^2`, false),
		eps: tex(String.raw`\varepsilon = 10^{-5}`, false)
	}
});
