/**
 * The latency lab in Chromium, on the static build (`vite build` first; `npm run test:e2e` does).
 * Short benchmarks of our CIFAR-10 model run to completion, with and without cross-origin
 * isolation. Nothing here asserts how long anything took: the machine running the tests may be
 * slow or busy, and the lab's numbers are its own business. What is checked is that the protocol
 * ran, that its results (ratios, chart, table, exports) are all there and consistent, and that the
 * page says honestly what it could not do.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir, readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { launchBrowser, startStaticServer, type LaunchedBrowser, type StaticServer, seriousAxeViolations } from '../../scripts/lib/browser-harness';

const SCREENSHOTS = 'test-results/screenshots';
/** The static build to serve; E2E_BUILD points elsewhere (a snapshot, while others rebuild `build/`). */
const BUILD = process.env.E2E_BUILD ?? 'build';
/** Generous: on a busy 2-core machine loading the runtime and building the graphs takes seconds. */
const RUN_TIMEOUT = 150_000;

interface Watch {
	consoleErrors: string[];
	failedRequests: string[];
	external: string[];
}

/**
 * Record what goes wrong on a page, in its workers too. A streamed download read to its end is
 * sometimes reported by Chromium as "net::ERR_ABORTED" after its 200 response arrived (the reader
 * lets go of the body before the loader reports completion); that is not a failed request, so it
 * is not counted. Anything that never got a response, or got an HTTP error, is.
 */
function watch(page: Page, origin: string): Watch {
	const w: Watch = { consoleErrors: [], failedRequests: [], external: [] };
	const answered = new Set<string>();
	page.on('console', (msg) => {
		if (msg.type() === 'error') w.consoleErrors.push(msg.text());
	});
	page.on('pageerror', (err) => w.consoleErrors.push(`pageerror: ${err.message}`));
	page.on('response', (res) => {
		if (res.status() >= 400) w.failedRequests.push(`${res.url()} (HTTP ${res.status()})`);
		else answered.add(res.url());
	});
	page.on('requestfailed', (req) => {
		const error = req.failure()?.errorText ?? 'failed';
		if (error === 'net::ERR_ABORTED' && answered.has(req.url())) return;
		w.failedRequests.push(`${req.url()} (${error})`);
	});
	page.on('request', (req) => {
		const url = new URL(req.url());
		if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== origin) w.external.push(req.url());
	});
	return w;
}

async function backendOption(page: Page, id: string) {
	const input = page.locator(`input[name="backend"][value="${id}"]`);
	await input.waitFor({ state: 'attached' });
	return input;
}

async function runAndWait(page: Page, button: RegExp) {
	await page.getByRole('button', { name: button }).click();
	await page.locator('[role="progressbar"]').waitFor({ state: 'visible' });
	await page.locator('#results-heading').waitFor({ state: 'visible', timeout: RUN_TIMEOUT });
}

const parseDiff = (s: string) => Number(s.trim());

describe('latency lab, cross-origin isolated', () => {
	let server: StaticServer;
	let browser: LaunchedBrowser;

	beforeAll(async () => {
		server = await startStaticServer(BUILD, { isolated: true });
		browser = await launchBrowser();
		await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
	});
	afterAll(async () => {
		await browser?.close();
		await server?.close();
	});

	test(
		'benchmarks our model on several wasm threads to completion: ratios, chart, table, graphs, exports',
		async () => {
			const page = await browser.context.newPage();
			await page.setViewportSize({ width: 1280, height: 800 });
			const w = watch(page, server.url);
			try {
				await page.goto(`${server.url}/latency?model=cifar10&backend=wasm-n&budget=1`, { waitUntil: 'networkidle' });
				expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
				const multi = await backendOption(page, 'wasm-n');
				await expect.poll(() => multi.isChecked()).toBe(true);
				expect(await multi.isDisabled()).toBe(false);
				expect(await page.locator('input[name="model"][value="cifar10"]').isChecked()).toBe(true);
				// WebGPU: offered where the browser has an adapter; headless Chromium here has none. Either
				// way the option is there, and a disabled one says why.
				const gpu = await backendOption(page, 'webgpu');
				if (await gpu.isDisabled()) await expect.poll(() => page.locator('#reason-webgpu').innerText()).toMatch(/WebGPU/);

				await page.getByRole('button', { name: /Run the benchmark/ }).click();
				const bar = page.locator('[role="progressbar"]');
				await bar.waitFor({ state: 'visible' });
				await expect.poll(() => page.getByRole('button', { name: 'Cancel' }).isVisible()).toBe(true);
				// The main thread stays free while the worker runs: the page still paints frames.
				expect(await page.evaluate(() => new Promise<boolean>((ok) => requestAnimationFrame(() => ok(true))))).toBe(true);
				await page.locator('#results-heading').waitFor({ state: 'visible', timeout: RUN_TIMEOUT });
				expect(await bar.count()).toBe(0);

				const context = await page.locator('.results .context').innerText();
				expect(context).toMatch(/Our CIFAR-10 MobileOne, 32×32, on WebAssembly, [2-9] threads · \d+ rounds/);

				// Three speed-ups, each a finite ratio with its interval.
				const ratios = await page.locator('.headline .ratio-num').allInnerTexts();
				expect(ratios).toHaveLength(3);
				for (const r of ratios) expect(r).toMatch(/^\d+(\.\d+)?×$/);
				const intervals = await page.locator('.headline .ratio-ci').allInnerTexts();
				for (const t of intervals) expect(t).toMatch(/95% interval \d+\.\d\d–\d+\.\d\d×/);

				// The chart: one swarm per form, one mark per sample, three medians, an axis.
				const chart = page.locator('.chart svg');
				expect(await chart.getAttribute('aria-label')).toMatch(/\(a\).*median.*\(b\).*median.*\(c\) fused: median/);
				const marks = await chart.locator('.dot').count();
				const rows = await page.locator('.table-wrap tbody tr').count();
				expect(rows).toBe(3);
				const runs = (await page.locator('tbody td[data-label="Runs"]').allInnerTexts()).map(Number);
				expect(new Set(runs).size).toBe(1);
				expect(runs[0]).toBeGreaterThanOrEqual(5);
				expect(await chart.locator('.median').count()).toBe(3);
				expect(marks).toBeGreaterThanOrEqual(3 * 5);
				expect(await chart.locator('.axis text').count()).toBeGreaterThan(2);
				await page.getByLabel('Log scale').check();
				expect(await chart.locator('.dot').count()).toBe(marks);

				// The table: medians and IQRs in ms, and all three forms compute the same function.
				for (const m of await page.locator('tbody td[data-label="Median"]').allInnerTexts()) expect(m).toMatch(/^\d+(\.\d+)? ms$/);
				const diffs = await page.locator('tbody td[data-label="Max |Δ| vs (a)"]').allInnerTexts();
				expect(diffs[0]).toBe('reference');
				for (const d of diffs.slice(1)) expect(parseDiff(d)).toBeLessThan(1e-4);

				// Graph sizes: fusion leaves far fewer operators; ORT's own folding sits in between.
				const counts = (await page.locator('.graphs-section .big').allInnerTexts()).map((s) => Number(s.replace(/,/g, '')));
				expect(counts).toHaveLength(3);
				expect(counts[0]).toBeGreaterThan(counts[1]);
				expect(counts[1]).toBeGreaterThan(counts[2]);

				// Device details, and the three ways to take the result away.
				await page.locator('.device summary').click();
				const device = await page.locator('.device').innerText();
				for (const s of ['onnxruntime-web 1.30.0', 'cross-origin isolated\tyes', 'logical cores', 'user agent', 'HeadlessChrome']) {
					expect(device.replace(/\n/g, '\t')).toContain(s);
				}
				await page.getByRole('button', { name: 'Copy as Markdown' }).click();
				await expect.poll(() => page.locator('.export .message').innerText()).toContain('Copied');
				const md = await page.evaluate(() => navigator.clipboard.readText());
				expect(md).toContain('| (c) Fused by MobileOne Lab, ORT optimizations on |');
				expect(md).toMatch(/- backend: WebAssembly, \d threads/);
				expect(md).toContain('- cross-origin isolated: yes');
				await page.getByRole('button', { name: 'Copy as CSV' }).click();
				const csv = await page.evaluate(() => navigator.clipboard.readText());
				expect(csv.split('\n')[0]).toMatch(/^model,input_size,weights,form,/);
				expect(csv.trimEnd().split('\n')).toHaveLength(4);
				const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
				expect(download.suggestedFilename()).toMatch(/^mobileone-latency-cifar10-wasm-\dt-.*\.json$/);
				const json = JSON.parse(await readFile((await download.path())!, 'utf8'));
				expect(json.format).toBe('mobileone-lab.latency/1');
				expect(json.environment).toMatchObject({ runtime: 'onnxruntime-web', ortVersion: '1.30.0', backend: 'wasm', crossOriginIsolated: true });
				expect(json.environment.threads).toBeGreaterThanOrEqual(2);
				expect(json.environment.userAgent).toContain('Chrome');
				expect(json.forms.map((f: { id: string }) => f.id)).toEqual(['unfused-raw', 'unfused-ort', 'fused']);
				for (const f of json.forms) expect(f.samples.length).toBe(json.protocol.rounds);
				expect(json.ratios).toHaveLength(3);

				expect(await seriousAxeViolations(page)).toEqual([]);

				await mkdir(SCREENSHOTS, { recursive: true });
				await page.getByLabel('Log scale').uncheck();
				await page.screenshot({ path: `${SCREENSHOTS}/latency-results-1280x800-full.png`, fullPage: true });
				await page.setViewportSize({ width: 375, height: 812 });
				await page.evaluate(() => document.getElementById('results-heading')!.scrollIntoView({ block: 'start' }));
				await page.screenshot({ path: `${SCREENSHOTS}/latency-results-375x812.png` });
				await page.screenshot({ path: `${SCREENSHOTS}/latency-results-375x812-full.png`, fullPage: true });
				const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
				expect(overflow, 'horizontal overflow at 375 px').toBeLessThanOrEqual(0);

				expect(w.consoleErrors).toEqual([]);
				expect(w.failedRequests).toEqual([]);
				expect(w.external).toEqual([]);
			} finally {
				await page.close();
			}
		},
		RUN_TIMEOUT + 60_000
	);

	test(
		'cancelling keeps the rounds already measured, and says so',
		async () => {
			const page = await browser.context.newPage();
			const w = watch(page, server.url);
			try {
				await page.goto(`${server.url}/latency?model=cifar10&backend=wasm-1&budget=600`, { waitUntil: 'networkidle' });
				await expect.poll(async () => (await backendOption(page, 'wasm-1')).isChecked()).toBe(true);
				await page.getByRole('button', { name: /Run the benchmark/ }).click();
				// Wait until at least two rounds are measured, then stop.
				await expect
					.poll(async () => Number(/Measuring: (\d+) round/.exec((await page.locator('.progress-label').textContent()) ?? '')?.[1] ?? 0), {
						timeout: RUN_TIMEOUT,
						interval: 200
					})
					.toBeGreaterThanOrEqual(2);
				await page.getByRole('button', { name: 'Cancel' }).click();
				await page.locator('#results-heading').waitFor({ state: 'visible', timeout: RUN_TIMEOUT });
				expect(await page.locator('.results').innerText()).toMatch(/Stopped early: these numbers come from the \d+ rounds completed/);
				expect(await page.locator('.headline').count()).toBe(3);
				expect(w.consoleErrors).toEqual([]);
				expect(w.failedRequests).toEqual([]);
			} finally {
				await page.close();
			}
		},
		RUN_TIMEOUT + 60_000
	);
});

describe('latency lab, not cross-origin isolated', () => {
	let server: StaticServer;
	let browser: LaunchedBrowser;

	beforeAll(async () => {
		server = await startStaticServer(BUILD, { isolated: false });
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await server?.close();
	});

	test(
		'offers one thread only, says why, and still measures',
		async () => {
			const page = await browser.context.newPage();
			await page.setViewportSize({ width: 375, height: 812 });
			const w = watch(page, server.url);
			try {
				await page.goto(`${server.url}/latency?budget=0.5`, { waitUntil: 'networkidle' });
				expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
				const single = await backendOption(page, 'wasm-1');
				const multi = await backendOption(page, 'wasm-n');
				await expect.poll(() => single.isChecked()).toBe(true);
				expect(await multi.isDisabled()).toBe(true);
				const reason = await page.locator('#reason-wasm-n').innerText();
				expect(reason).toMatch(/cross-origin isolation/);
				expect(reason).toMatch(/COOP and COEP/);
				expect(await multi.getAttribute('aria-describedby')).toBe('reason-wasm-n');
				expect(await page.locator('.isolation-note').innerText()).toMatch(/not cross-origin isolated.*one thread/s);
				expect(await seriousAxeViolations(page)).toEqual([]);

				await runAndWait(page, /Run the benchmark/);
				expect(await page.locator('.results .context').innerText()).toContain('WebAssembly, 1 thread');
				expect(await page.locator('.headline .ratio-num').count()).toBe(3);
				expect(await page.locator('.chart svg .median').count()).toBe(3);
				await page.locator('.device summary').click();
				expect((await page.locator('.device').innerText()).replace(/\n/g, '\t')).toContain('cross-origin isolated\tno');

				await mkdir(SCREENSHOTS, { recursive: true });
				await page.screenshot({ path: `${SCREENSHOTS}/latency-not-isolated-375x812-full.png`, fullPage: true });
				expect(w.consoleErrors).toEqual([]);
				expect(w.failedRequests).toEqual([]);
				expect(w.external).toEqual([]);
			} finally {
				await page.close();
			}
		},
		RUN_TIMEOUT + 60_000
	);
});
