/**
 * The response headers the site needs, read from `static/_headers` (the file Netlify and Cloudflare
 * Pages apply, copied into the build): the one place they are written. `vite dev`, `vite preview`
 * and the e2e test server send the same ones, and the service worker adds them where a host
 * cannot (src/lib/offline/site-headers.ts parses the file for all of them).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseHeadersFile } from '../../src/lib/offline/site-headers.ts';

export { ISOLATION_HEADERS, parseHeadersFile } from '../../src/lib/offline/site-headers.ts';

export const HEADERS_FILE = fileURLToPath(new URL('../../static/_headers', import.meta.url));

/** @returns {Record<string, string>} */
export function siteHeaders() {
	return parseHeadersFile(readFileSync(HEADERS_FILE, 'utf8'));
}
