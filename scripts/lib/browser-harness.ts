/**
 * End-to-end helpers: a tiny static server for the adapter-static build and a headless Chromium.
 * No dependencies beyond node:* and playwright-core; the browser is the system's /usr/bin/chromium
 * (apt-get install chromium), never a downloaded one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ISOLATION_HEADERS, siteHeaders } from './headers.js';

const SITE_HEADERS = siteHeaders();

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const MIME: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.webmanifest': 'application/manifest+json; charset=utf-8',
	'.map': 'application/json; charset=utf-8',
	'.txt': 'text/plain; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.webp': 'image/webp',
	'.gif': 'image/gif',
	'.ico': 'image/x-icon',
	'.woff': 'font/woff',
	'.woff2': 'font/woff2',
	'.ttf': 'font/ttf',
	'.wasm': 'application/wasm',
	'.onnx': 'application/octet-stream',
	'.safetensors': 'application/octet-stream',
	'.bin': 'application/octet-stream'
};

export interface StaticServer {
	/** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
	url: string;
	/**
	 * Answer `pathname` with `body` instead of the file from now on (null: the file again), e.g.
	 * a changed service worker, as the next deploy would serve it.
	 */
	override(pathname: string, body: string | Uint8Array | null): void;
	close(): Promise<void>;
}

export interface StaticServerOptions {
	/**
	 * Send COOP/COEP (and CORP) so the page is cross-origin isolated (wasm threads). Default true.
	 * False serves like GitHub Pages, which can't send them; the site's service worker adds them.
	 */
	isolated?: boolean;
}

async function isFile(path: string): Promise<boolean> {
	try {
		return (await stat(path)).isFile();
	} catch {
		return false;
	}
}

/**
 * Serve a static build the way a plain static host would: `/x` → `x`, `x.html` or `x/index.html`;
 * anything else is a 404 (no SPA fallback, so a broken link fails loudly).
 * Binds 127.0.0.1 on a random free port.
 */
export async function startStaticServer(
	dir = 'build',
	{ isolated = true }: StaticServerOptions = {}
): Promise<StaticServer> {
	const root = resolve(dir);
	if (!(await stat(root).catch(() => null))?.isDirectory()) {
		throw new Error(`startStaticServer: ${root} is not a directory; run \`vite build\` first`);
	}

	async function locate(pathname: string): Promise<string | null> {
		let decoded: string;
		try {
			decoded = decodeURIComponent(pathname);
		} catch {
			return null;
		}
		if (decoded.includes('\0')) return null;
		const base = resolve(root, '.' + decoded);
		if (base !== root && !base.startsWith(root + sep)) return null; // path traversal
		const candidates = decoded.endsWith('/')
			? [join(base, 'index.html')]
			: [base, base + '.html', join(base, 'index.html')];
		for (const c of candidates) if (await isFile(c)) return c;
		return null;
	}

	const overrides = new Map<string, Uint8Array>();

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		// What static/_headers tells a host to send, less isolation when a test wants a host without it.
		const headers: Record<string, string> = { ...SITE_HEADERS, 'Cache-Control': 'no-store' };
		if (isolated) headers['Cross-Origin-Resource-Policy'] = 'same-origin';
		else for (const h of ISOLATION_HEADERS) delete headers[h];
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
			return;
		}
		const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
		const replaced = overrides.get(pathname);
		if (replaced) {
			res.writeHead(200, {
				...headers,
				'Content-Type': MIME[extname(pathname).toLowerCase()] ?? 'application/octet-stream',
				'Content-Length': String(replaced.byteLength)
			});
			res.end(req.method === 'HEAD' ? undefined : replaced);
			return;
		}
		const file = await locate(pathname);
		if (!file) {
			res
				.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
				.end(req.method === 'HEAD' ? undefined : `404 Not Found: ${pathname}\n`);
			return;
		}
		const { size } = await stat(file);
		res.writeHead(200, {
			...headers,
			'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
			'Content-Length': String(size)
		});
		if (req.method === 'HEAD') {
			res.end();
			return;
		}
		createReadStream(file)
			.on('error', () => res.destroy())
			.pipe(res);
	}

	const server = createServer((req, res) => {
		handle(req, res).catch(() => {
			if (!res.headersSent) res.writeHead(500).end();
			else res.destroy();
		});
	});
	await new Promise<void>((ok, fail) => {
		server.once('error', fail);
		server.listen(0, '127.0.0.1', () => ok());
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		override(pathname, body) {
			if (body === null) overrides.delete(pathname);
			else overrides.set(pathname, typeof body === 'string' ? new TextEncoder().encode(body) : body);
		},
		close: () =>
			new Promise<void>((ok, fail) => {
				server.closeAllConnections();
				server.close((err) => (err ? fail(err) : ok()));
			})
	};
}

export interface LaunchedBrowser {
	context: BrowserContext;
	/** Close the browser and delete its temporary profile. */
	close(): Promise<void>;
}

export interface LaunchOptions {
	/**
	 * 'block' keeps the site's service worker from registering: a browser without one, or a first
	 * visit before it takes over. Default 'block': with the worker on, every fresh profile also
	 * precaches ~24 MB in the background, which slowed unrelated tests past their limits on a busy
	 * 2-core machine; the offline and smoke tests allow it, so every page is still checked with it.
	 * Each launch has a fresh profile, so no test file sees another's worker or caches.
	 */
	serviceWorkers?: 'allow' | 'block';
}

/** Headless system Chromium with a throwaway profile and no background network chatter. */
export async function launchBrowser({ serviceWorkers = 'block' }: LaunchOptions = {}): Promise<LaunchedBrowser> {
	const profile = await mkdtemp(join(tmpdir(), 'mobileone-lab-e2e-'));
	let context: BrowserContext;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM_PATH,
			headless: true,
			serviceWorkers,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync'
			]
		});
	} catch (err) {
		await rm(profile, { recursive: true, force: true });
		throw err;
	}
	return {
		context,
		close: async () => {
			await context.close().catch(() => {});
			await rm(profile, { recursive: true, force: true });
		}
	};
}

export interface PageWatch {
	/** `console.error` messages and uncaught exceptions. */
	consoleErrors: string[];
	/** Requests that failed or were answered with HTTP 400 or above. */
	failedRequests: string[];
	/** Requests to anything but the local server (`data:` and `blob:` count as local). */
	outsideRequests: string[];
}

/**
 * Record what goes wrong on one page, from now on: attach it right after `newPage()`, before
 * navigating, and assert the lists are empty when the test ends (e.g. in `afterEach`), so each
 * test answers for its own page. Requests from the page's dedicated workers are included.
 */
export function watchPage(page: Page, localHost = '127.0.0.1'): PageWatch {
	const watch: PageWatch = { consoleErrors: [], failedRequests: [], outsideRequests: [] };
	page.on('console', (msg) => {
		if (msg.type() === 'error') watch.consoleErrors.push(msg.text());
	});
	page.on('pageerror', (err) => watch.consoleErrors.push(`pageerror: ${err.message}`));
	page.on('requestfailed', (req) => {
		const error = req.failure()?.errorText ?? 'failed';
		// Chromium fetches the tab's icon itself and cancels that fetch when the page navigates on; not the site's request
		if (error === 'net::ERR_ABORTED' && new URL(req.url()).pathname.endsWith('/favicon.svg')) return;
		watch.failedRequests.push(`${req.url()} (${error})`);
	});
	page.on('response', (res) => {
		if (res.status() >= 400) watch.failedRequests.push(`${res.url()} (HTTP ${res.status()})`);
	});
	page.on('request', (req) => {
		const url = new URL(req.url());
		if (url.protocol !== 'data:' && url.protocol !== 'blob:' && url.hostname !== localHost) watch.outsideRequests.push(url.href);
	});
	return watch;
}

/**
 * axe-core's serious and critical violations on the page, one line each. axe's source is
 * evaluated over the DevTools protocol: page.addScriptTag would insert an inline <script>, which
 * our CSP rightly refuses (and the refusal would itself be a console error).
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
	const source = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
	await page.evaluate(source);
	const { violations, passes } = await page.evaluate(async () => {
		// @ts-expect-error injected above
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return {
			passes: (r.passes as unknown[]).length,
			violations: r.violations as { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[]
		};
	});
	if (passes < 10) throw new Error(`axe-core ran only ${passes} rules`);
	return violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.impact} ${v.id}: ${v.help} @ ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
