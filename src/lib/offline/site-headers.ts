/**
 * The site's response headers, as `static/_headers` lists them (the file Netlify and Cloudflare
 * Pages apply). Parsed here, once, for everyone who needs them: `vite dev`/`vite preview` and the
 * e2e server (through scripts/lib/headers.js) send them, and the service worker adds any that a
 * host did not send (GitHub Pages sends none), so the pages are cross-origin isolated there too.
 */

/** The two that make a page cross-origin isolated (wasm threads, a fine timer). */
export const ISOLATION_HEADERS = ['Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy'] as const;

/**
 * Cross-Origin-Resource-Policy for our own files. Under `Cross-Origin-Embedder-Policy:
 * require-corp` same-origin files load without it; stating it also keeps other sites from
 * embedding them.
 */
export const RESOURCE_POLICY: readonly [string, string] = ['Cross-Origin-Resource-Policy', 'same-origin'];

/** The headers of the `/*` block of a `_headers` file, in file order. */
export function parseHeadersFile(text: string): Record<string, string> {
	const out: Record<string, string> = {};
	let inAll = false;
	for (const raw of text.split('\n')) {
		const line = raw.replace(/\s+$/, '');
		if (line === '' || line.trimStart().startsWith('#')) continue;
		if (!/^\s/.test(line)) {
			inAll = line.trim() === '/*';
			continue;
		}
		if (!inAll) continue;
		const colon = line.indexOf(':');
		if (colon > 0) out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
	}
	return out;
}

/**
 * The headers the service worker adds to one of our responses: every site header (and the
 * resource policy) the response lacks. Headers the host sent are kept as they are.
 * @param has whether the response already carries a header (case-insensitive, as `Headers.has`)
 */
export function missingHeaders(site: Record<string, string>, has: (name: string) => boolean): [string, string][] {
	const wanted: (readonly [string, string])[] = [...Object.entries(site), RESOURCE_POLICY];
	return wanted.filter(([name]) => !has(name)).map(([name, value]) => [name, value]);
}
