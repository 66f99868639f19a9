/**
 * The response headers the site needs, read from `static/_headers` (the file Netlify and Cloudflare
 * Pages apply, copied into the build): the one place they are written. `vite dev`, `vite preview`
 * and the e2e test server send the same ones, so what is tested is what a host serves.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const HEADERS_FILE = fileURLToPath(new URL('../../static/_headers', import.meta.url));

/**
 * The headers of the `/*` block of a `_headers` file.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseHeadersFile(text) {
	/** @type {Record<string, string>} */
	const out = {};
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

/** @returns {Record<string, string>} */
export function siteHeaders() {
	return parseHeadersFile(readFileSync(HEADERS_FILE, 'utf8'));
}

/** The two that make a page cross-origin isolated (wasm threads, a fine timer). */
export const ISOLATION_HEADERS = /** @type {const} */ (['Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy']);
