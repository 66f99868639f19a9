/**
 * Which of the build's files the service worker keeps for offline use when it installs, and which
 * it keeps only once a page has used them.
 *
 * Installed: every page, script, stylesheet, woff2 font, the weights and ORT's CPU WebAssembly
 * (14 MB), so every page and classify work offline after one visit. Kept on first use instead:
 * ORT's WebGPU build (27 MB, which only the latency lab's WebGPU backend loads, and most devices
 * never do), and KaTeX's .woff/.ttf fonts, which browsers that read woff2 never ask for.
 */

/** ORT's WebGPU binary and glue (`ort-wasm-simd-threaded.asyncify.*`) and legacy font formats. */
export function isKeptOnFirstUse(path: string): boolean {
	const name = path.slice(path.lastIndexOf('/') + 1);
	return /\.asyncify\./.test(name) || /\.(woff|ttf)$/.test(name);
}

/** Files that are not part of the site (host configuration) and are never fetched by a page. */
export function isHostFile(path: string): boolean {
	return /(^|\/)_headers$|(^|\/)_redirects$/.test(path);
}

/** Heaviest first: the downloads that dominate the progress start at once, so it moves evenly. */
function weight(path: string): number {
	if (/\.wasm$/.test(path)) return 0;
	if (/\.(safetensors|onnx|bin)$/.test(path)) return 1;
	return 2;
}

/**
 * The URLs to download at install, without duplicates, heaviest kinds first (stable otherwise).
 * @param build the bundler's files (`$service-worker`'s `build`)
 * @param files the files from `static/`
 * @param pages the prerendered pages and their data
 */
export function precacheList(build: readonly string[], files: readonly string[], pages: readonly string[]): string[] {
	const all = [...new Set([...build, ...files, ...pages])].filter((p) => !isKeptOnFirstUse(p) && !isHostFile(p));
	return all.map((p, i) => ({ p, i, w: weight(p) })).sort((a, b) => a.w - b.w || a.i - b.i).map((x) => x.p);
}

