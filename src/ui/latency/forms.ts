/** How the three forms look on the page: one Okabe–Ito colour each (warm = branches, blue = fused). */
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

/** What each form is, in a sentence, for the graph-size cards. */
export const FORM_BLURB: Record<FormId, string> = {
	'unfused-raw': 'The network as it trains: every branch its own Conv → BatchNormalization, summed per block. ONNX Runtime runs it as written.',
	'unfused-ort':
		'The same file with ONNX Runtime’s graph optimizations on, its default. It folds each BatchNorm into the conv before it and each add into a conv, but every branch stays a convolution of its own that reads the block’s input again.',
	fused: 'Fused in your browser by MobileOne Lab’s engine, from the same weights: one conv with a bias per block.'
};
