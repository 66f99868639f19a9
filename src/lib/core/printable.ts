/**
 * Untrusted text made safe to show: a name or value read from a file reaches a terminal or a page
 * only through these functions, so it can neither inject control sequences (clear the screen, set
 * a window title, forge an `error:` line) nor flood the output.
 */

/** Characters a terminal or a bidi-aware renderer would act on rather than print. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export const MAX_SHOWN_CHARS = 80;

/** `text` with every unsafe character written as a visible escape (`\n`, `\u001b`), cut to `max` characters. */
export function printable(text: string, max = MAX_SHOWN_CHARS): string {
	const cut = text.length > max ? text.slice(0, max) : text;
	const escaped = cut.replace(UNSAFE, (c) => {
		if (c === '\n') return '\\n';
		if (c === '\r') return '\\r';
		if (c === '\t') return '\\t';
		return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
	});
	return text.length > max ? `${escaped}… (${text.length - max} more characters)` : escaped;
}

/** A name from a file, quoted: `"stage1.0.rbr_conv.0.conv.weight"`. */
export function quoted(text: string, max = MAX_SHOWN_CHARS): string {
	return `"${printable(text, max).replace(/"/g, '\\"')}"`;
}

/** What a JSON value is, in a few words, without walking into it. */
export function describeValue(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return `an array of ${value.length}`;
	if (typeof value === 'string') return `the string ${quoted(value)}`;
	if (typeof value === 'number') {
		// JSON.parse reads 1e400 as Infinity; JSON.stringify would then say "null".
		if (!Number.isFinite(value)) return 'a number too large to represent';
		return String(value);
	}
	if (typeof value === 'object') return 'an object';
	return typeof value;
}

/** A shape for a message, at most 8 dimensions shown. */
export function describeShape(shape: readonly number[]): string {
	const shown = shape.slice(0, 8).join(', ');
	return shape.length > 8 ? `[${shown}, … ${shape.length} dims]` : `[${shown}]`;
}
