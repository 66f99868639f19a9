/**
 * Korean everywhere: every route under /ko/ (the sections of nav.ts, the landing page, the nine
 * lesson chapters and the notes window) is rendered in Chromium and its user-visible text (text,
 * alt, aria-label, title, placeholder, the page title and description) must hold no run of
 * English words beyond names, identifiers and formulas (tests/helpers/english.ts). Also: the
 * language switch keeps the page and its query, <html lang> follows the URL, and axe-core finds
 * nothing serious on a Korean chapter at desktop and phone widths. A short latency run and a
 * short analysis on /ko: every progress line the worker's records turn into, the results and the
 * Markdown export hold no English either.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { launchBrowser, seriousAxeViolations, startStaticServer, watchPage, type LaunchedBrowser, type PageWatch, type StaticServer } from '../../scripts/lib/browser-harness';
import { CHAPTER_IDS } from '../../src/lib/lesson/chapters';
import { CHAPTER_SLUGS, LEARN_PATH } from '../../src/ui/learn/url';
import { SECTIONS } from '../../src/ui/shared/nav';
import { englishRuns } from '../helpers/english';
import { checkAndClosePages } from '../helpers/opened-pages';

/**
 * Pages still to be translated, by the engineers who own them. Remove a page once its words are
 * in messages/{feature}/ko.json; every route not listed here must have no English left.
 */
export const PENDING_ROUTES: readonly string[] = [];

const ROUTES: readonly string[] = [
	'/',
	...SECTIONS.map((s) => s.href),
	...CHAPTER_IDS.map((id) => `${LEARN_PATH}/${CHAPTER_SLUGS[id]}`),
	`${LEARN_PATH}/notes`,
	'/explorer/notes'
];

const ko = (path: string) => (path === '/' ? '/ko' : `/ko${path}`);

let server: StaticServer;
let browser: LaunchedBrowser;
let opened: { page: Page; watch: PageWatch; path: string }[] = [];

beforeAll(async () => {
	server = await startStaticServer('build');
	browser = await launchBrowser();
	await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
});
afterEach(async () => {
	const pages = opened;
	opened = [];
	await checkAndClosePages(pages);
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
});

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
	const page = await browser.context.newPage();
	await page.setViewportSize(viewport);
	const watch = watchPage(page);
	opened.push({ page, watch, path });
	const response = await page.goto(server.url + path, { waitUntil: 'networkidle' });
	expect(response?.status(), `HTTP status of ${path}`).toBe(200);
	return page;
}

/** Every string a reader sees or hears on the page; formulas (KaTeX) and code are left out. */
function visibleText(page: Page): Promise<string[]> {
	return page.evaluate(() => {
		const skip = '.katex, code, kbd, pre, script, style, noscript, [aria-hidden="true"]';
		const out: string[] = [document.title];
		const description = document.querySelector('meta[name="description"]')?.getAttribute('content');
		if (description) out.push(description);
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let node = walker.nextNode(); node; node = walker.nextNode()) {
			const parent = node.parentElement;
			if (!parent || parent.closest(skip)) continue;
			// Visually hidden text is for screen readers, so it counts; display: none does not.
			if (parent.closest('svg') === null && !parent.checkVisibility() && !parent.closest('.visually-hidden')) continue;
			const text = node.textContent?.trim();
			if (text) out.push(text);
		}
		for (const el of document.body.querySelectorAll('[alt], [aria-label], [title], [placeholder]')) {
			if (el.closest('.katex')) continue;
			for (const attr of ['alt', 'aria-label', 'title', 'placeholder']) {
				const value = el.getAttribute(attr);
				if (value) out.push(value);
			}
		}
		for (const title of document.body.querySelectorAll('svg title, svg desc')) out.push(title.textContent?.trim() ?? '');
		return out;
	});
}

/** Keeps every distinct text the element matching `selector` shows, in `window.lines`, from now on. */
async function recordLines(page: Page, selector: string): Promise<void> {
	await page.evaluate((sel) => {
		const lines: string[] = [];
		(window as unknown as { lines: string[] }).lines = lines;
		const note = () => {
			const text = document.querySelector(sel)?.textContent?.trim();
			if (text && lines[lines.length - 1] !== text) lines.push(text);
		};
		new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
	}, selector);
}

describe('Korean pages', () => {
	test('every route not pending has no English sentence left, and says lang="ko"', { timeout: 600_000 }, async () => {
		const failures: string[] = [];
		for (const path of ROUTES.filter((p) => !PENDING_ROUTES.includes(p))) {
			const page = await open(ko(path));
			expect(await page.locator('html').getAttribute('lang'), path).toBe('ko');
			// The lesson draws its figures once the model has loaded.
			if (path.startsWith(`${LEARN_PATH}/`) && !path.endsWith('/notes')) await page.locator('.question .prompt').waitFor({ timeout: 60_000 });
			for (const text of await visibleText(page)) {
				for (const run of englishRuns(text)) failures.push(`${ko(path)}: “${run}” in “${text.slice(0, 120)}”`);
			}
		}
		expect(failures).toEqual([]);
	});

	test('the pending list names only real routes, so emptying it is the whole job', () => {
		for (const p of PENDING_ROUTES) expect(ROUTES).toContain(p);
	});

	test('English pages stay at /… with lang="en"', async () => {
		const page = await open('/learn');
		expect(await page.locator('html').getAttribute('lang')).toBe('en');
		expect(await page.locator('header nav a[href="/learn"]').count()).toBe(1);
	});

	test('the language switch keeps the page and its query, both ways', async () => {
		const page = await open('/learn/fold?x=1');
		await page.locator('header a[hreflang="ko"]').click();
		await page.waitForURL('**/ko/learn/fold?x=1');
		expect(await page.locator('html').getAttribute('lang')).toBe('ko');
		// Links on a Korean page stay Korean.
		expect(await page.locator('header nav a[href="/ko/learn"]').count()).toBe(1);
		await page.waitForLoadState('networkidle');
		await page.locator('header a[hreflang="en"]').click();
		await page.waitForURL((url) => url.pathname === '/learn/fold' && url.search === '?x=1');
		await page.waitForLoadState('networkidle');
	});

	test('a short latency run on /ko: its progress lines, its results and its Markdown export are Korean', { timeout: 300_000 }, async () => {
		const page = await open('/ko/latency?model=cifar10&backend=wasm-1&budget=1');
		await page.locator('input[name="backend"][value="wasm-1"]').waitFor({ state: 'attached' });
		await recordLines(page, '.progress-label');
		await page.getByRole('button', { name: '벤치마크 실행' }).click();
		await page.locator('#results-heading').waitFor({ state: 'visible', timeout: 240_000 });
		const lines = await page.evaluate(() => (window as unknown as { lines: string[] }).lines);
		// Loading, building, sessions, warm-up and measuring each said something.
		expect(lines.length, lines.join(' | ')).toBeGreaterThanOrEqual(5);
		expect(lines.some((l) => l.startsWith('측정 중: ')), lines.join(' | ')).toBe(true);
		for (const line of lines) expect(englishRuns(line), line).toEqual([]);
		const userAgent = await page.evaluate(() => navigator.userAgent);
		await page.locator('.device summary').click();
		const left = (await visibleText(page)).flatMap((t) => englishRuns(t.split(userAgent).join('')));
		expect(left).toEqual([]);
		await page.getByRole('button', { name: 'Markdown으로 복사' }).click();
		await expect.poll(() => page.locator('.export .message').innerText()).not.toBe('');
		const md = await page.evaluate(() => navigator.clipboard.readText());
		expect(md).toMatch(/^### 융합의 지연 시간: /);
		expect(englishRuns(md.split(userAgent).join(''))).toEqual([]);
	});

	test('a short analysis on /ko: its progress lines, its results and its Markdown export are Korean', { timeout: 300_000 }, async () => {
		const page = await open('/ko/analyses?run=activations&budget=1&size=32');
		await recordLines(page, '.progress .label');
		await page.getByRole('button', { name: '분석 실행' }).click();
		await page.locator('[role="progressbar"]').waitFor({ state: 'visible' });
		await page.getByRole('button', { name: '분석 실행' }).waitFor({ state: 'visible', timeout: 240_000 });
		const lines = await page.evaluate(() => (window as unknown as { lines: string[] }).lines);
		expect(lines.length, lines.join(' | ')).toBeGreaterThanOrEqual(3);
		expect(lines.some((l) => /라운드$/.test(l)), lines.join(' | ')).toBe(true);
		for (const line of lines) expect(englishRuns(line), line).toEqual([]);
		const userAgent = await page.evaluate(() => navigator.userAgent);
		const left = (await visibleText(page)).flatMap((t) => englishRuns(t.split(userAgent).join('')));
		expect(left).toEqual([]);
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Markdown', exact: true }).click()]);
		const md = await readFile((await download.path())!, 'utf8');
		expect(md).toMatch(/^# MobileOne Lab 분석: 이 기기/);
		expect(englishRuns(md.split(userAgent).join(''))).toEqual([]);
	});

	for (const viewport of [
		{ width: 1280, height: 900 },
		{ width: 375, height: 812 }
	]) {
		test(`axe finds nothing serious on a Korean chapter at ${viewport.width} px`, { timeout: 180_000 }, async () => {
			const page = await open('/ko/learn/fold', viewport);
			await page.locator('.question .prompt').waitFor({ timeout: 60_000 });
			expect(await seriousAxeViolations(page)).toEqual([]);
			expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
		});
	}
});
