/**
 * The site offline, in Chromium, on the static build (`vite build` first), served like GitHub
 * Pages: without the cross-origin-isolation headers, which the service worker adds.
 *
 * One visit to the landing page; the worker downloads everything (the page says how far), takes
 * over, and the page reloads once, now cross-origin isolated. Then with the network off, every
 * page loads and works: the explorer steps, classify classifies a sample, the latency lab runs a
 * short benchmark on several threads, "Your network" fuses and proves a checkpoint. Finally a new
 * build's worker is announced and, on "Reload", takes over.
 *
 * The tests run in order and share one browser (one profile: its worker and caches).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { mkdir, readFile } from 'node:fs/promises';
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
import { ISOLATION_RELOAD_KEY, READY_TEXT, UPDATE_TEXT } from '../../src/ui/offline/state.svelte';
import { checkAndClosePages } from '../helpers/opened-pages';

const BUILD = process.env.E2E_BUILD ?? 'build';
const SCREENSHOTS = 'test-results/screenshots';
/** Installing downloads ~25 MB from the local server; on a busy 2-core machine allow for it. */
const INSTALL_TIMEOUT = 90_000;
const RUN_TIMEOUT = 150_000;

let server: StaticServer;
let browser: LaunchedBrowser;
let opened: { path: string; page: Page; watch: PageWatch }[] = [];

beforeAll(async () => {
	server = await startStaticServer(BUILD, { isolated: false });
	browser = await launchBrowser({ serviceWorkers: 'allow' });
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
	opened.push({ path, page, watch: watchPage(page) });
	const response = await page.goto(server.url + path, { waitUntil: 'load' });
	expect(response?.status(), `HTTP status of ${path}`).toBe(200);
	return page;
}

const readyLine = (page: Page) => page.locator('footer').getByText(READY_TEXT());
const isolated = (page: Page) => page.evaluate(() => self.crossOriginIsolated);

describe('offline, on a host without the isolation headers', () => {
	test('the first visit downloads everything, says so, and reloads once isolated', async () => {
		const page = await browser.context.newPage();
		await page.setViewportSize({ width: 375, height: 812 });
		opened.push({ path: '/', page, watch: watchPage(page) });
		// Every status line the page shows, kept across its reload (sessionStorage) for the checks below.
		await page.addInitScript(() => {
			new MutationObserver(() => {
				const text = document.querySelector('.offline')?.textContent?.trim();
				const seen: string[] = JSON.parse(sessionStorage.getItem('test:offline-lines') ?? '[]');
				if (text && seen.at(-1) !== text) sessionStorage.setItem('test:offline-lines', JSON.stringify([...seen, text]));
			}).observe(document, { subtree: true, childList: true, characterData: true });
		});
		await page.goto(server.url + '/', { waitUntil: 'load' });
		// Not isolated: the host sent no COOP/COEP, and the worker hasn't taken over yet.
		expect(await isolated(page)).toBe(false);
		// The download's progress, then "Ready offline", after one reload the worker answered.
		await readyLine(page).waitFor({ timeout: INSTALL_TIMEOUT });
		const lines: string[] = await page.evaluate(() => JSON.parse(sessionStorage.getItem('test:offline-lines') ?? '[]'));
		const percents = lines.map((l) => /^Downloading for offline… (\d+) %/.exec(l)?.[1]).filter((p) => p !== undefined).map(Number);
		expect(percents.length, `status lines seen: ${lines.join(' | ')}`).toBeGreaterThan(0);
		expect(percents).toEqual([...percents].sort((a, b) => a - b));
		expect(lines.at(-1)).toMatch(new RegExp(`^${READY_TEXT()}`));
		await expect.poll(() => isolated(page), { timeout: 30_000 }).toBe(true);
		expect(await page.evaluate((key) => sessionStorage.getItem(key), ISOLATION_RELOAD_KEY)).toBe('1');
		expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
		// The page's own response came from the worker, with the headers the host didn't send.
		const headers = await page.evaluate(async () => {
			const r = await fetch('/');
			return Object.fromEntries(['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy'].map((h) => [h, r.headers.get(h)]));
		});
		expect(headers).toEqual({
			'cross-origin-opener-policy': 'same-origin',
			'cross-origin-embedder-policy': 'require-corp',
			'cross-origin-resource-policy': 'same-origin'
		});
		// ORT's WebGPU build is not downloaded until a page uses it; the CPU build and the weights are.
		const cached = await page.evaluate(async () => {
			const urls: string[] = [];
			for (const key of await caches.keys()) for (const r of await (await caches.open(key)).keys()) urls.push(new URL(r.url).pathname);
			return urls;
		});
		expect(cached.filter((u) => /ort-wasm-simd-threaded\.[^.]+\.wasm$/.test(u))).toHaveLength(1);
		expect(cached.filter((u) => /\.asyncify\./.test(u))).toEqual([]);
		expect(cached.filter((u) => /\.safetensors$/.test(u))).toHaveLength(1);
		expect(cached).toEqual(expect.arrayContaining(['/', '/explorer', '/classify', '/latency', '/yours', '/model']));
		// Installable: Chromium finds the manifest, its icons and the worker, and has no objection.
		const cdp = await page.context().newCDPSession(page);
		const { url: manifestUrl, errors: manifestErrors } = await cdp.send('Page.getAppManifest');
		expect(manifestUrl).toBe(`${server.url}/manifest.webmanifest`);
		expect(manifestErrors).toEqual([]);
		expect((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([]);
		await cdp.detach();
		await mkdir(SCREENSHOTS, { recursive: true });
		for (const width of [375, 1280, 1920]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${SCREENSHOTS}/offline-ready-${width}-full.png`, fullPage: true });
		}
		expect(await seriousAxeViolations(page)).toEqual([]);
	}, INSTALL_TIMEOUT * 2 + 60_000);

	describe('with the network off', () => {
		beforeAll(async () => {
			await browser.context.setOffline(true);
		});
		afterAll(async () => {
			await browser.context.setOffline(false);
		});

		for (const path of ['/', '/model']) {
			test(`${path} loads and says it is ready offline`, async () => {
				const page = await open(path);
				expect(await page.evaluate(() => navigator.onLine)).toBe(false);
				await readyLine(page).waitFor();
				expect(await isolated(page)).toBe(true);
			});
		}

		test('the explorer steps through a block', async () => {
			const page = await open('/explorer?model=cifar10&block=stage1.0&ch=3&step=1');
			await page.locator('#step-title').waitFor();
			const first = await page.locator('#step-title').innerText();
			await page.keyboard.press('ArrowRight');
			await expect.poll(() => page.locator('#step-title').innerText()).not.toBe(first);
			expect(page.url()).toContain('step=2');
			await readyLine(page).waitFor();
		});

		test('classify classifies a sample with the cached weights and runtime', async () => {
			const page = await open('/classify');
			await page.locator('[data-testid="classify"][data-model="idle"]').waitFor();
			await page.locator('[data-sample="cat-chelsea.jpg"]').click();
			await page.locator('[data-testid="classify"][data-model="ready"]').waitFor({ timeout: 90_000 });
			await expect.poll(() => page.locator('[data-testid="classify"]').getAttribute('data-attempts'), { timeout: 60_000 }).toBe('1');
			expect((await page.locator('[data-testid="error"]').innerText()).trim()).toBe('');
			const top = (form: string) => page.locator(`[data-testid="scores-${form}"] li`).first().getAttribute('data-label');
			expect(await top('unfused')).toBe('cat');
			expect(await top('fused')).toBe('cat');
			await readyLine(page).waitFor();
		}, 180_000);

		test('the latency lab runs a short benchmark on several threads', async () => {
			const page = await open('/latency?model=cifar10&backend=wasm-n&budget=0.5');
			expect(await isolated(page)).toBe(true);
			const multi = page.locator('input[name="backend"][value="wasm-n"]');
			await multi.waitFor({ state: 'attached' });
			expect(await multi.isDisabled()).toBe(false);
			await page.getByRole('button', { name: /Run the benchmark/ }).click();
			await page.locator('#results-heading').waitFor({ state: 'visible', timeout: RUN_TIMEOUT });
			expect(await page.locator('.results .context').innerText()).toMatch(/WebAssembly, \d+ threads/);
			expect(await page.locator('.headline .ratio-num').count()).toBe(3);
		}, RUN_TIMEOUT + 60_000);

		test('"Your network" fuses and proves a checkpoint', async () => {
			const page = await open('/yours');
			const bytes = await readFile('models/mobileone-cifar10.safetensors');
			await page.getByLabel('Choose a network file').setInputFiles({ name: 'mine.safetensors', mimeType: 'application/octet-stream', buffer: bytes }, { timeout: 90_000 }); // 7 MB through the DevTools protocol: slow on a busy machine
			await page.locator('.verdict, [role="alert"]').first().waitFor({ state: 'visible', timeout: RUN_TIMEOUT });
			expect(await page.getByRole('alert').count()).toBe(0);
			expect(await page.locator('.verdict').getAttribute('data-agrees')).toBe('true');
			await page.getByRole('button', { name: 'Forget this network' }).click();
		}, RUN_TIMEOUT + 60_000);
	});

	test('a new build is announced and applied on "Reload"', async () => {
		const page = await open('/');
		await readyLine(page).waitFor();
		const oldVersion: string = JSON.parse(await readFile(`${BUILD}/_app/version.json`, 'utf8')).version;
		const worker = await readFile(`${BUILD}/service-worker.js`, 'utf8');
		expect(worker).toContain(oldVersion);
		// The next deploy: the same files under a new version (a new cache name, so a new download).
		const newVersion = `${oldVersion}-next`;
		server.override('/service-worker.js', worker.replaceAll(oldVersion, newVersion));
		try {
			// The page asks for updates when it becomes visible again; the browser also does on navigation.
			await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
			const notice = page.getByText(`${UPDATE_TEXT()}.`);
			await notice.waitFor({ timeout: INSTALL_TIMEOUT });
			await page.screenshot({ path: `${SCREENSHOTS}/offline-update-1280.png` });
			await page.setViewportSize({ width: 375, height: 812 });
			await page.screenshot({ path: `${SCREENSHOTS}/offline-update-375x812.png` });
			expect(await seriousAxeViolations(page)).toEqual([]);
			await Promise.all([page.waitForEvent('load', { timeout: 30_000 }), page.getByRole('button', { name: 'Reload' }).click()]);
			await readyLine(page).waitFor();
			expect(await page.getByText(`${UPDATE_TEXT()}.`).count()).toBe(0);
			const keys = await page.evaluate(() => caches.keys());
			expect(keys).toContain(`mobileone-lab-${newVersion}`);
			expect(keys).not.toContain(`mobileone-lab-${oldVersion}`);
			expect(await isolated(page)).toBe(true);
		} finally {
			server.override('/service-worker.js', null);
		}
	}, INSTALL_TIMEOUT + 90_000);
});
