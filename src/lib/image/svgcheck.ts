/**
 * Is an SVG cheap enough to draw? Judged from its text alone, before any browser parses it.
 *
 * A browser draws an SVG on the page's main thread and cannot be interrupted, and an SVG's cost is
 * not its size: a 1.5 KB file whose `<use>` elements each reference the previous group twice
 * expands to 2^20 copies (measured: over 150 s and 8.6 GB in Chromium). Workers cannot draw SVG,
 * so instead of rasterizing it somewhere killable, the page refuses an SVG whose drawing could be
 * expensive: too long, too many elements, too many copies once every reference (`<use>`,
 * `href="#…"`, `url(#…)` in fills, filters, markers, masks, patterns) is expanded, reference
 * cycles, too many filter primitives or patterns, entity declarations (the "billion laughs"), and
 * embedded pictures that are not small raster images.
 *
 * The scan is one pass over at most `SVG_LIMITS.bytes` characters with a simple tag tokenizer: no
 * DOM, no regular expression that can backtrack over the whole text. Pure and DOM-free.
 */
import { inspectImageFile } from './imagefile';

export const SVG_LIMITS = {
	/** Characters of SVG text (2 MB: an illustration, not a map with every street). */
	bytes: 2_000_000,
	/** Elements written in the file. */
	elements: 20_000,
	/** Elements once every reference is expanded, copies counted (2^17 copies took 34 s). */
	expanded: 20_000,
	/** `fe…` filter primitives, written. */
	filterPrimitives: 64,
	/** `<pattern>` elements, written. */
	patterns: 32,
	/** Embedded (data: URL) pictures, each also held to the full-decode pixel budget. */
	embedded: 16
} as const;

export type SvgVerdict = { ok: true } | { ok: false; reason: string };

interface Node {
	id: string | null;
	children: Node[];
	/** Ids this element refers to (href="#x", url(#x)). */
	refs: string[];
}

const NAME_END = /[\s/>]/;

/**
 * Judge an SVG's text. `embeddedMaxPixels` bounds each embedded raster picture (data: URL).
 */
export function checkSvg(text: string, embeddedMaxPixels: number): SvgVerdict {
	const refuse = (reason: string): SvgVerdict => ({ ok: false, reason });
	if (text.length > SVG_LIMITS.bytes) return refuse(`it is ${text.length.toLocaleString('en')} characters long`);
	const root: Node = { id: null, children: [], refs: [] };
	const stack: Node[] = [root];
	const byId = new Map<string, Node>();
	let elements = 0;
	let filters = 0;
	let patterns = 0;
	let embedded = 0;
	let at = 0;
	while (at < text.length) {
		const lt = text.indexOf('<', at);
		if (lt < 0) break;
		if (text.startsWith('<!--', lt)) {
			const end = text.indexOf('-->', lt + 4);
			at = end < 0 ? text.length : end + 3;
			continue;
		}
		if (text.startsWith('<![CDATA[', lt)) {
			const end = text.indexOf(']]>', lt + 9);
			at = end < 0 ? text.length : end + 3;
			continue;
		}
		if (text.startsWith('<!', lt)) {
			const end = text.indexOf('>', lt);
			const decl = text.slice(lt, end < 0 ? text.length : end);
			if (/<!ENTITY/i.test(decl) || decl.includes('[')) return refuse('it declares XML entities');
			at = end < 0 ? text.length : end + 1;
			continue;
		}
		if (text.startsWith('<?', lt)) {
			const end = text.indexOf('?>', lt);
			at = end < 0 ? text.length : end + 2;
			continue;
		}
		const gt = tagEnd(text, lt);
		if (gt < 0) break;
		const tag = text.slice(lt + 1, gt);
		at = gt + 1;
		if (tag.startsWith('/')) {
			if (stack.length > 1) stack.pop();
			continue;
		}
		let nameEnd = tag.search(NAME_END);
		if (nameEnd < 0) nameEnd = tag.length;
		const name = tag.slice(0, nameEnd).replace(/^[\w-]+:/, '');
		const attrs = tag.slice(nameEnd);
		if (++elements > SVG_LIMITS.elements) return refuse(`it has more than ${SVG_LIMITS.elements.toLocaleString('en')} elements`);
		if (/^fe[A-Z]/.test(name) && ++filters > SVG_LIMITS.filterPrimitives)
			return refuse(`it has more than ${SVG_LIMITS.filterPrimitives} filter effects`);
		if (name === 'pattern' && ++patterns > SVG_LIMITS.patterns) return refuse(`it has more than ${SVG_LIMITS.patterns} patterns`);
		const node: Node = { id: attrValue(attrs, 'id'), children: [], refs: [] };
		for (const m of attrs.matchAll(/(?:^|\s)(?:[\w-]+:)?href\s*=\s*(["'])\s*#([^"']*)\1/g)) node.refs.push(m[2]);
		for (const m of attrs.matchAll(/url\(\s*["']?#([^"')]*)["']?\s*\)/g)) node.refs.push(m[1]);
		const data = /(?:^|\s)(?:[\w-]+:)?href\s*=\s*(["'])\s*(data:[^"']*)\1/.exec(attrs)?.[2];
		if (data !== undefined) {
			if (++embedded > SVG_LIMITS.embedded) return refuse(`it embeds more than ${SVG_LIMITS.embedded} pictures`);
			const why = embeddedProblem(data, embeddedMaxPixels);
			if (why) return refuse(why);
		}
		if (node.id !== null && !byId.has(node.id)) byId.set(node.id, node);
		stack[stack.length - 1].children.push(node);
		if (!tag.endsWith('/')) {
			// Elements that cannot have children in SVG are never left open by well-formed files;
			// a depth limit keeps a hostile nesting from making the stack itself the problem.
			if (stack.length > 1000) return refuse('its elements nest more than 1,000 deep');
			stack.push(node);
		}
	}
	// Expanded cost: every element, plus everything each reference pulls in, counted per copy.
	// Iterative depth-first post-order (a chain of references can be as long as the file).
	const CAP = SVG_LIMITS.expanded + 1;
	const cost = new Map<Node, number>();
	const open = new Set<Node>(); // on the current path: meeting one again is a cycle
	const deps = (n: Node) => [...n.children, ...n.refs.flatMap((r) => byId.get(r) ?? [])];
	const work: Node[] = [root];
	let cycle = false;
	while (work.length && !cycle) {
		const n = work[work.length - 1];
		if (cost.has(n)) {
			work.pop();
		} else if (!open.has(n)) {
			open.add(n);
			for (const d of deps(n)) {
				if (open.has(d)) cycle = true;
				else if (!cost.has(d)) work.push(d);
			}
		} else {
			let c = n === root ? 0 : 1;
			for (const d of deps(n)) c = Math.min(CAP, c + (cost.get(d) ?? CAP));
			cost.set(n, c);
			open.delete(n);
			work.pop();
		}
	}
	const total = cost.get(root) ?? CAP;
	if (cycle) return refuse('its elements refer to each other in a loop');
	if (total > SVG_LIMITS.expanded)
		return refuse(`its references (such as <use>) expand to more than ${SVG_LIMITS.expanded.toLocaleString('en')} elements`);
	return { ok: true };
}

/** Index of the `>` that ends the tag opened at `lt`, skipping quoted attribute values; -1 if none. */
function tagEnd(text: string, lt: number): number {
	let quote = '';
	for (let i = lt + 1; i < text.length; i++) {
		const c = text[i];
		if (quote) {
			if (c === quote) quote = '';
		} else if (c === '"' || c === "'") quote = c;
		else if (c === '>') return i;
	}
	return -1;
}

function attrValue(attrs: string, name: string): string | null {
	const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(["'])([^"']*)\\1`).exec(attrs);
	return m ? m[2].trim() : null;
}

/** Why an embedded picture is refused, or null: only small raster pictures whose size we can read. */
function embeddedProblem(url: string, maxPixels: number): string | null {
	const comma = url.indexOf(',');
	if (comma < 0 || !/;base64$/i.test(url.slice(0, comma))) return 'it embeds a picture that is not a base64 image';
	let bytes: Uint8Array;
	try {
		const bin = atob(url.slice(comma + 1).replace(/\s+/g, ''));
		bytes = new Uint8Array(bin.length);
		for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
	} catch {
		return 'it embeds a picture that is not valid base64';
	}
	const info = inspectImageFile(bytes);
	if (info.problem || info.format === 'svg' || info.decodePixels === null)
		return 'it embeds a picture this page cannot check first';
	if (info.decodePixels > maxPixels) return 'it embeds a picture with too many pixels';
	return null;
}
