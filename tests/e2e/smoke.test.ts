/**
 * Smoke test of the static build (run `vite build` first; `npm run test:e2e` does).
 * Every route: loads from a plain static server, right title and h1, no console errors, no failed
 * requests, nothing fetched from anywhere but 127.0.0.1, cross-origin isolated, CSP in place, and
 * no serious or critical axe-core violations. Also saves screenshots of the landing page to
 * test-results/screenshots/ for a human to look at.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import {
	launchBrowser,
	seriousAxeViolations,
	startStaticServer,
	watchPage,
	type LaunchedBrowser,
	type PageWatch,
	type StaticServer
} from '../../scripts/lib/browser-harness';
import { HEADER_SECTIONS, SECTIONS } from '../../src/ui/shared/nav';
import { checkAndClosePages } from '../helpers/opened-pages';

const SCREENSHOTS = 'test-results/screenshots';

interface Route {
	path: string;
	title: RegExp;
	h1: RegExp;
}

const ROUTES: Route[] = [
	{ path: '/', title: /^MobileOne Lab/, h1: /Train with many branches\.\s*Run with one conv\./ },
	...SECTIONS.map((s) => ({
		path: s.href,
		title: new RegExp(`^${s.label} · MobileOne Lab$`),
		h1: new RegExp(`^${s.label}$`)
	}))
];

let server: StaticServer;
let browser: LaunchedBrowser;
/** The pages the running test opened and what each saw; checked, then closed, after the test. */
let opened: { path: string; page: Page; watch: PageWatch }[] = [];

beforeAll(async () => {
	server = await startStaticServer('build', { isolated: true });
	browser = await launchBrowser({ serviceWorkers: 'allow' });
	// Nothing may leave 127.0.0.1: block every other request (watchPage records it).
	await browser.context.route('**/*', async (route) => {
		const url = new URL(route.request().url());
		if (url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1') {
			await route.continue();
		} else {
			await route.abort('blockedbyclient');
		}
	});
});

// Checked while the pages are still open, so closing one cannot add an aborted request.
afterEach(async () => {
	const pages = opened;
	opened = [];
	await checkAndClosePages(pages);
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
});

async function openPage(path: string, viewport = { width: 1280, height: 800 }) {
	const page = await browser.context.newPage();
	await page.setViewportSize(viewport);
	const watch = watchPage(page);
	opened.push({ path, page, watch });
	const response = await page.goto(server.url + path, { waitUntil: 'networkidle' });
	expect(response?.status(), `HTTP status of ${path}`).toBe(200);
	await page.evaluate(() => document.fonts.ready.then(() => undefined));
	return page;
}

describe('static build', () => {
	for (const route of ROUTES) {
		test(`${route.path} loads cleanly and is accessible`, async () => {
			const page = await openPage(route.path);
			expect(await page.title()).toMatch(route.title);
			const h1s = page.locator('h1');
			expect(await h1s.count()).toBe(1);
			expect((await h1s.innerText()).replace(/\s+/g, ' ').trim()).toMatch(route.h1);

			// Header nav reaches every header section, footer cites the paper.
			for (const s of HEADER_SECTIONS) {
				await expect
					.poll(() => page.locator(`header nav a[href="${s.href}"]`).count())
					.toBe(1);
			}
			const footer = await page.locator('footer').innerText();
			expect(footer).toContain('arXiv 2206.04040');
			expect(footer).toContain('nothing you give us leaves your device');

			// Security/offline basics.
			const csp = await page
				.locator('meta[http-equiv="content-security-policy"]')
				.getAttribute('content');
			expect(csp).toContain("default-src 'self'");
			expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
			expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

			// Every same-site link on the page resolves in the static build.
			const hrefs = await page
				.locator('a[href^="/"]')
				.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
			for (const href of new Set(hrefs.map((h) => h.split('#')[0]))) {
				const res = await fetch(server.url + href, { method: 'HEAD' });
				expect(res.status, `link ${href} on ${route.path}`).toBe(200);
			}

			expect(await seriousAxeViolations(page)).toEqual([]);
		});
	}

	test('skip link is the first tab stop and moves focus to the main content', async () => {
		const page = await openPage('/');
		await page.keyboard.press('Tab');
		const focused = page.locator(':focus');
		expect(await focused.innerText()).toBe('Skip to content');
		await page.keyboard.press('Enter');
		await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
	});

	test('the landing page fits a 375 px phone and is screenshotted', async () => {
		await mkdir(SCREENSHOTS, { recursive: true });
		for (const viewport of [
			{ width: 1280, height: 800 },
			{ width: 375, height: 812 }
		]) {
			const page = await openPage('/', viewport);
			const name = `landing-${viewport.width}x${viewport.height}`;
			await page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
			await page.screenshot({ path: `${SCREENSHOTS}/${name}-full.png`, fullPage: true });
			const overflow = await page.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth
			);
			expect(overflow, `horizontal overflow at ${viewport.width}px`).toBeLessThanOrEqual(0);
		}
	});

	test('the static server answers 404 for missing paths (no SPA fallback)', async () => {
		const res = await fetch(server.url + '/no-such-page');
		expect(res.status).toBe(404);
		const traversal = await fetch(server.url + '/%2e%2e/package.json');
		expect(traversal.status).toBe(404);
	});
});

describe('headers and content security policy', () => {
	test('the build tells hosts to send the security headers, and every page carries a strict CSP', async () => {
		const { readFile } = await import('node:fs/promises');
		const { parseHeadersFile } = await import('../../scripts/lib/headers.js');
		const headers = parseHeadersFile(await readFile('build/_headers', 'utf8'));
		expect(headers).toMatchObject({
			'Cross-Origin-Opener-Policy': 'same-origin',
			'Cross-Origin-Embedder-Policy': 'require-corp',
			'X-Content-Type-Options': 'nosniff',
			'Referrer-Policy': 'no-referrer',
			'X-Frame-Options': 'DENY'
		});
		expect(headers['Permissions-Policy']).toMatch(/camera=\(self\)/);
		// A <meta> CSP cannot say frame-ancestors; the header does.
		expect(headers['Content-Security-Policy']).toBe("frame-ancestors 'none'");
		for (const r of ROUTES) {
			const html = await readFile(`build${r.path === '/' ? '/index' : r.path}.html`, 'utf8');
			const csp = /<meta http-equiv="content-security-policy" content="([^"]+)"/i.exec(html)?.[1] ?? '';
			const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
			expect(directives.get('style-src'), r.path).toEqual(["'self'"]);
			expect(directives.get('style-src-attr'), r.path).toEqual(["'unsafe-inline'"]);
			expect(directives.get('worker-src'), r.path).toEqual(["'self'"]);
			expect(directives.get('script-src'), r.path).not.toContain("'unsafe-inline'");
			// No <style> element, which style-src 'self' would block.
			expect(html, r.path).not.toMatch(/<style[\s>]/i);
		}
		const res = await fetch(server.url + '/');
		expect(res.headers.get('x-frame-options')).toBe('DENY');
	});
});

describe('startStaticServer', () => {
	test('serves wasm, modules and model files with the right MIME types and headers', async () => {
		const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
		const { tmpdir } = await import('node:os');
		const { join } = await import('node:path');
		const dir = await mkdtemp(join(tmpdir(), 'mobileone-lab-static-'));
		const files: Record<string, string> = {
			'a.wasm': 'application/wasm',
			'b.mjs': 'text/javascript',
			'c.js': 'text/javascript',
			'd.onnx': 'application/octet-stream',
			'e.safetensors': 'application/octet-stream',
			'index.html': 'text/html'
		};
		for (const f of Object.keys(files)) await writeFile(join(dir, f), 'x');
		const isolated = await startStaticServer(dir);
		const plain = await startStaticServer(dir, { isolated: false });
		try {
			for (const [f, type] of Object.entries(files)) {
				const res = await fetch(`${isolated.url}/${f}`);
				expect(res.status).toBe(200);
				expect(res.headers.get('content-type')?.split(';')[0]).toBe(type);
			}
			const root = await fetch(isolated.url + '/');
			expect(root.headers.get('cross-origin-opener-policy')).toBe('same-origin');
			expect(root.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
			const open = await fetch(plain.url + '/');
			expect(open.status).toBe(200);
			expect(open.headers.get('cross-origin-opener-policy')).toBeNull();
			expect(isolated.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		} finally {
			await isolated.close();
			await plain.close();
			await rm(dir, { recursive: true, force: true });
		}
	});
});
