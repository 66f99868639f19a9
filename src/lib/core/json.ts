/**
 * JSON from files we did not write. `JSON.parse` alone keeps the last of two equal keys (so two
 * readers of the same header can disagree about what it says) and recurses, so a 200,000-deep
 * array ends in "Maximum call stack size exceeded". This reader refuses both before parsing.
 */

export const MAX_JSON_DEPTH = 64;

export type JsonProblem = { kind: 'too-deep'; depth: number } | { kind: 'duplicate-key'; key: string } | { kind: 'syntax'; reason: string };

export class UntrustedJsonError extends Error {
	constructor(readonly problem: JsonProblem) {
		super(
			problem.kind === 'too-deep'
				? `nested more than ${problem.depth} levels deep`
				: problem.kind === 'duplicate-key'
					? `the key ${JSON.stringify(problem.key.slice(0, 80))} appears twice in one object`
					: problem.reason
		);
	}
}

/**
 * One pass over the text outside string literals: tracks nesting, and in every object the keys seen
 * so far. A key is the first string after `{` or `,` at that object's level.
 */
function scan(text: string, maxDepth: number): void {
	const stack: ({ kind: 'object'; keys: Set<string>; expectKey: boolean } | { kind: 'array' })[] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === 0x22 /* " */) {
			let j = i + 1;
			while (j < text.length) {
				const d = text.charCodeAt(j);
				if (d === 0x5c /* \ */) j += 2;
				else if (d === 0x22) break;
				else j++;
			}
			if (j >= text.length) return; // unterminated: JSON.parse reports it
			const top = stack[stack.length - 1];
			if (top?.kind === 'object' && top.expectKey) {
				let key: string;
				try {
					key = JSON.parse(text.slice(i, j + 1)) as string;
				} catch {
					return; // a bad escape: JSON.parse reports it
				}
				if (top.keys.has(key)) throw new UntrustedJsonError({ kind: 'duplicate-key', key });
				top.keys.add(key);
				top.expectKey = false;
			}
			i = j;
		} else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
			if (stack.length >= maxDepth) throw new UntrustedJsonError({ kind: 'too-deep', depth: maxDepth });
			stack.push(c === 0x7b ? { kind: 'object', keys: new Set(), expectKey: true } : { kind: 'array' });
		} else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
			stack.pop();
		} else if (c === 0x2c /* , */) {
			const top = stack[stack.length - 1];
			if (top?.kind === 'object') top.expectKey = true;
		}
	}
}

/** `JSON.parse`, after refusing duplicate keys and nesting deeper than `maxDepth`. */
export function parseUntrustedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
	scan(text, maxDepth);
	try {
		return JSON.parse(text);
	} catch (error) {
		const reason = error instanceof Error ? error.message : 'unreadable';
		throw new UntrustedJsonError({ kind: 'syntax', reason });
	}
}
