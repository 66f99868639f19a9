/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/// <reference types="@sveltejs/kit" />
/**
 * The site's service worker (SvelteKit builds it to /service-worker.js; the offline status
 * component registers it). Two jobs:
 *
 * 1. **Offline.** On install it downloads every page, script, stylesheet and font, the weights and
 *    ORT's CPU WebAssembly into a cache named after the build's version, reporting progress to the
 *    open pages; then it answers those files from the cache, so every page works without a
 *    network. ORT's WebGPU build (27 MB) is kept the first time a page loads it instead
 *    (`$lib/offline/precache`). A new build's worker downloads into its own cache and waits; the
 *    pages announce it, and it takes over when the visitor presses "Reload".
 * 2. **Cross-origin isolation.** Every response from our origin gets the headers of
 *    `static/_headers` that the host did not send (COOP, COEP, and CORP), so on hosts that
 *    cannot send headers (GitHub Pages) the pages are cross-origin isolated and ORT can use
 *    several wasm threads. The page reloads once when the worker first takes over.
 */
import { build, files, prerendered, version } from '$service-worker';
import { isSkipWaiting, type WorkerMessage } from '$lib/offline/messages';
import { isKeptOnFirstUse, precacheList } from '$lib/offline/precache';
import { DownloadProgress } from '$lib/offline/progress';
import { missingHeaders, parseHeadersFile } from '$lib/offline/site-headers';
import headersFile from '../static/_headers?raw';

const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE_PREFIX = 'mobileone-lab-';
/** This build's files, downloaded at install. */
const CACHE = `${CACHE_PREFIX}${version}`;
/** Hashed build files kept on first use (ORT's WebGPU build); they never change, so they outlive a version. */
const RUNTIME_CACHE = `${CACHE_PREFIX}on-first-use`;

const SITE_HEADERS = parseHeadersFile(headersFile);
const PRECACHE = precacheList(build, files, prerendered);
const PRECACHED = new Set(PRECACHE);
const BUILD = new Set(build);
/** Downloads at once during install: few, so the page's own requests are not starved. */
const PARALLEL = 4;

async function tell(message: WorkerMessage): Promise<void> {
	const clients = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
	for (const client of clients) client.postMessage(message);
}

/** Fetch one file into the cache, counting its bytes as they arrive. */
async function store(cache: Cache, url: string, progress: DownloadProgress): Promise<void> {
	// Hashed build files may come from the HTTP cache (the page may just have downloaded them);
	// pages and static files are revalidated.
	const response = await fetch(url, { cache: BUILD.has(url) ? 'default' : 'no-cache' });
	if (!response.ok || !response.body) throw new Error(`${url} answered HTTP ${response.status}`);
	const length = response.headers.get('content-length');
	progress.started(url, length === null ? null : Number(length));
	const counted = response.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				progress.received(url, chunk.byteLength);
				controller.enqueue(chunk);
			}
		})
	);
	// A fresh response: a redirected one could not answer a navigation later.
	await cache.put(url, new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers }));
	progress.finished(url);
}

async function precache(): Promise<void> {
	const cache = await caches.open(CACHE);
	const progress = new DownloadProgress(PRECACHE.length);
	const queue = [...PRECACHE];
	let lastSent = -1;
	const report = async () => {
		const percent = progress.percent;
		if (percent === lastSent) return;
		lastSent = percent;
		await tell({ type: 'offline-progress', version, percent, filesDone: progress.filesDone, files: progress.files });
	};
	const timer = setInterval(() => void report(), 250);
	try {
		await Promise.all(
			Array.from({ length: PARALLEL }, async () => {
				for (let url = queue.shift(); url !== undefined; url = queue.shift()) await store(cache, url, progress);
			})
		);
		await report();
	} catch (err) {
		await tell({
			type: 'offline-failed',
			version,
			reason: `Could not save the site for offline use (${err instanceof Error ? err.message : String(err)}); it will try again on your next visit.`
		});
		throw err;
	} finally {
		clearInterval(timer);
	}
}

sw.addEventListener('install', (event) => {
	event.waitUntil(precache());
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys()) {
				if (key.startsWith(CACHE_PREFIX) && key !== CACHE && key !== RUNTIME_CACHE) await caches.delete(key);
			}
			// Drop files kept on first use that this build no longer has.
			const runtime = await caches.open(RUNTIME_CACHE);
			for (const request of await runtime.keys()) {
				if (!BUILD.has(new URL(request.url).pathname)) await runtime.delete(request);
			}
			// Control the pages already open, so the first visit's page works offline too.
			await sw.clients.claim();
		})()
	);
});

sw.addEventListener('message', (event) => {
	if (isSkipWaiting(event.data)) void sw.skipWaiting();
});

/** The response with the site's headers it lacks (COOP, COEP, CORP on hosts that send none). */
function withSiteHeaders(response: Response): Response {
	if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
	const add = missingHeaders(SITE_HEADERS, (name) => response.headers.has(name));
	if (add.length === 0 && !response.redirected) return response;
	const headers = new Headers(response.headers);
	for (const [name, value] of add) headers.set(name, value);
	return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function respond(request: Request, path: string): Promise<Response> {
	if (PRECACHED.has(path)) {
		const hit = await (await caches.open(CACHE)).match(path);
		if (hit) return withSiteHeaders(hit);
	}
	const keep = BUILD.has(path) && isKeptOnFirstUse(path);
	if (keep) {
		const hit = await (await caches.open(RUNTIME_CACHE)).match(path);
		if (hit) return withSiteHeaders(hit);
	}
	try {
		const response = await fetch(request);
		if (keep && response.ok) await (await caches.open(RUNTIME_CACHE)).put(path, response.clone());
		return withSiteHeaders(response);
	} catch (err) {
		// Offline and not kept: anything this build ever stored is better than nothing.
		const hit = await caches.match(path);
		if (hit) return withSiteHeaders(hit);
		throw err;
	}
}

sw.addEventListener('fetch', (event) => {
	const { request } = event;
	if (request.method !== 'GET') return;
	const url = new URL(request.url);
	if (url.origin !== sw.location.origin) return;
	// Ranges are left to the browser and the host; nothing on the site asks for one.
	if (request.headers.has('range')) return;
	event.respondWith(respond(request, url.pathname));
});
