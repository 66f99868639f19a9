/**
 * Finds untranslated English in a Korean page's text: runs of two or more English words that are
 * not a proper name, a code identifier, a unit or a formula. Pure, so its own unit test can show
 * that it catches English and lets Korean with glosses through.
 */

/** Names, products, identifiers and keys that stay in Latin letters in Korean text. Longest first. */
export const ALLOWED_PHRASES: readonly string[] = [
	// the paper, its authors and its venue
	'MobileOne: An Improved One millisecond Mobile Backbone',
	'Pavan Kumar Anasosalu Vasu',
	'James Gabriel',
	'Jeff Zhu',
	'Oncel Tuzel',
	'Anurag Ranjan',
	'CVPR',
	'arXiv',
	// names of networks, data sets, products, companies
	'MobileOne Lab',
	'MobileOne',
	'Diverse Branch Block',
	'QARepVGG',
	'RepVGG',
	'ACNet',
	'DBB',
	'RepViT',
	'FastViT',
	'PP-LCNetV3',
	'ImageNet',
	'CIFAR-10',
	'iPhone',
	'Apple',
	'ONNX Runtime',
	'ONNX',
	'PyTorch',
	'pytorch',
	'timm PR',
	'GitHub',
	'README',
	'English',
	// terms of art kept as their field writes them
	'BatchNorm',
	'ReLU',
	'SiLU (Swish)',
	'FLOPs',
	'top-1',
	'float32',
	'float64',
	'int8',
	'conv+BN',
	'Conv+BatchNorm',
	'Conv+BN',
	'conv',
	'BN',
	// keys
	'PageDown',
	'PageUp',
	'Esc',
	'Enter',
	// formula words
	'mod',
	'in/groups',
	'groups',
	'max'
];

/** Code identifiers (rbr_conv.0, model.eval(), torch.onnx.export, ml-mobileone, github.com/…), and calls like conv(x, A). */
const IDENTIFIER = /[A-Za-z][\w-]*(?:[._/][\w-]+)+(?:\(\))?|\b[a-z]+\([^)]*\)/g;
/** A parenthesised English gloss right after a Korean word: 배치 정규화(BatchNorm), 합성곱(convolution). */
const GLOSS = /([\uAC00-\uD7A3])\s?\([A-Za-z][A-Za-z ,’'-]*\)/g;
/** A word: two or more Latin letters (single letters are variables: x, k, W, t). */
const WORD = /[A-Za-z][A-Za-z’'-]*[A-Za-z]/g;

function escape(s: string): string {
	return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
const PHRASES = new RegExp(
	[...ALLOWED_PHRASES].sort((a, b) => b.length - a.length).map((p) => `(?<![A-Za-z])${escape(p)}(?![A-Za-z])`).join('|'),
	'g'
);

/**
 * The English runs left in `text`: two or more words in a row with nothing but spaces and
 * punctuation between them (a Korean character, a digit or a symbol ends a run).
 */
export function englishRuns(text: string): string[] {
	const cleaned = text.replace(GLOSS, '$1').replace(IDENTIFIER, ' § ').replace(PHRASES, ' § ');
	const runs: string[] = [];
	let run: string[] = [];
	let last = 0;
	const flush = () => {
		if (run.length >= 2) runs.push(run.join(' '));
		run = [];
	};
	for (const match of cleaned.matchAll(WORD)) {
		const between = cleaned.slice(last, match.index);
		if (!/^[\s,.;:!?“”"'’()–—-]*$/.test(between)) flush();
		run.push(match[0]);
		last = match.index + match[0].length;
	}
	flush();
	return runs;
}
