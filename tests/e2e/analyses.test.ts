/**
 * The analyses page in Chromium, on the static build (`vite build` first). Analysis 1 on a
 * 6-network subset and analysis 2, with a short budget and a small input (64×64: the graphs are
 * the same at any side, and the test stays fast on a busy machine). Nothing asserts how long
 * anything took; what is checked: the plots and bars are drawn with every network, the
 * correlations come with intervals, the three exports download and the JSON one loads back as a
 * second device, overlaid on the same plots; a file that is not an export gets one sentence.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir, readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { analysesJson } from '../../src/lib/analyses/export';
import { analysisNetworks } from '../../src/lib/analyses/networks';
import { analysesRecord } from '../../src/lib/analyses/record';
import { runAnalysis } from '../../src/lib/analyses/run';
import { launchBrowser, seriousAxeViolations, startStaticServer, watchPage, type LaunchedBrowser, type StaticServer } from '../../scripts/lib/browser-harness';

const SCREENSHOTS = 'test-results/screenshots';
const BUILD = process.env.E2E_BUILD ?? 'build';
const RUN_TIMEOUT = 400_000;
const NETS = ['mobilenet-v1-0.25', 'mobilenet-v2-0.35', 'shufflenet-v2-1.0', 'resnet-18', 'mobileone-s0-train', 'mobileone-s0-deploy'];

describe('analyses page', () => {
	let server: StaticServer;
	let browser: LaunchedBrowser;
	beforeAll(async () => {
		server = await startStaticServer(BUILD, { isolated: true });
		browser = await launchBrowser();
		await mkdir(SCREENSHOTS, { recursive: true });
	});
	afterAll(async () => {
		await browser?.close();
		await server?.close();
	});

	test(
		'analyses 1 and 2 run, plot, export, and an export loads back overlaid',
		async () => {
			const page = await browser.context.newPage();
			const watch = watchPage(page);
			await page.setViewportSize({ width: 1280, height: 900 });
			await page.goto(`${server.url}/analyses?run=zoo,activations&budget=2&size=64&nets=${NETS.join(',')}`, { waitUntil: 'networkidle' });
			await page.getByRole('button', { name: 'Run the analyses' }).click();
			await page.locator('[role="progressbar"]').waitFor({ state: 'visible' });
			await page.getByRole('button', { name: 'Run the analyses' }).waitFor({ state: 'visible', timeout: RUN_TIMEOUT });

			// Analysis 1: one point per network in each plot, ρ with a 95 % interval for both counts.
			const rho = /^ρ = −?\d\.\d\d \(95 % CI −?\d\.\d\d to −?\d\.\d\d\)$/;
			expect(await page.getByTestId('rho-macs').textContent()).toMatch(rho);
			expect(await page.getByTestId('rho-params').textContent()).toMatch(rho);
			const plots = page.locator('figure.scatter svg');
			expect(await plots.count()).toBe(2);
			for (let i = 0; i < 2; i++) expect(await plots.nth(i).locator('path').count()).toBe(NETS.length);
			expect(await plots.nth(0).locator('.mobileone').count()).toBe(2);
			expect(await plots.nth(0).locator('.point-label').allTextContents()).toContain('ResNet-18');

			// Analysis 2: a bar with an interval per activation, ReLU's exactly 1.
			const bars = page.locator('figure.bars').first();
			expect(await bars.locator('rect').count()).toBe(9);
			const values = await bars.locator('text.value').allTextContents();
			expect(values[0]).toBe('1.00× (1.00–1.00)');
			for (const v of values) expect(v).toMatch(/^\d+\.\d+× \(\d+\.\d\d–\d+\.\d\d\)$/);
			// Analysis 4 says honestly what is shipped: a line per training run, named in the legend.
			await page.getByTestId('training-runs').waitFor();
			const runRows = await page.getByTestId('training-runs').locator('tbody tr').count();
			expect(await page.locator('figure.curves path.line').count()).toBe(runRows);
			expect(await page.getByTestId('curve-legend').locator('li').count()).toBe(runRows);
			expect(await page.getByTestId('curve-legend').textContent()).toContain('k = 4, shipped model');

			for (const width of [375, 1280, 1920]) {
				await page.setViewportSize({ width, height: 900 });
				await page.waitForTimeout(200);
				await page.screenshot({ path: `${SCREENSHOTS}/analyses-${width}.png`, fullPage: true });
			}
			// On a phone: the header (does the nav fit?) and the plots, at full resolution.
			await page.setViewportSize({ width: 375, height: 700 });
			await page.evaluate(() => window.scrollTo(0, 0));
			await page.screenshot({ path: `${SCREENSHOTS}/analyses-375-top.png` });
			await page.locator('.plots').screenshot({ path: `${SCREENSHOTS}/analyses-375-plots.png` });
			await page.locator('figure.bars').first().screenshot({ path: `${SCREENSHOTS}/analyses-375-bars.png` });
			await page.setViewportSize({ width: 1280, height: 900 });

			// Exports: Markdown, CSV, JSON.
			const dir = await mkdtemp(join(tmpdir(), 'analyses-e2e-'));
			const saved: Record<string, string> = {};
			for (const [name, ext] of [['Markdown', 'md'], ['CSV', 'csv'], ['JSON (loadable)', 'json']] as const) {
				const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
				expect(download.suggestedFilename()).toMatch(new RegExp(`^mobileone-analyses-.*\\.${ext}$`));
				const path = join(dir, `export.${ext}`);
				await download.saveAs(path);
				saved[ext] = await readFile(path, 'utf8');
			}
			expect(saved.md).toContain('Spearman ρ of latency with MACs');
			expect(saved.csv.split('\n')[0]).toMatch(/^analysis,network,label,input_size,macs,params,median_ms/);
			expect(saved.csv.trim().split('\n')).toHaveLength(1 + NETS.length + 9);
			const record = JSON.parse(saved.json);
			expect(record.format).toBe('mobileone-lab.analyses/1');
			expect(record.environment.runtime).toBe('onnxruntime-web');
			expect(record.results.map((r: { analysis: string }) => r.analysis)).toEqual(['zoo', 'activations']);

			// Load it back as another device: a second ρ card, twice the points, two bars per activation.
			const other = join(dir, 'other-device.json');
			await writeFile(other, saved.json);
			await page.getByTestId('load-export').setInputFiles(other);
			await page.getByText(/^Added other-device:/).waitFor();
			expect(await page.getByTestId('rho-macs').count()).toBe(2);
			expect(await plots.nth(0).locator('path').count()).toBe(2 * NETS.length);
			expect(await bars.locator('rect').count()).toBe(18);

			// A file that is not an export: one sentence, nothing added.
			const bad = join(dir, 'notes.json');
			await writeFile(bad, '{"format": "something else"}');
			await page.getByTestId('load-export').setInputFiles(bad);
			await page.getByText(/notes\.json was not added: the file is not an analyses export/).waitFor();
			expect(await page.getByTestId('rho-macs').count()).toBe(2);
			await page.screenshot({ path: `${SCREENSHOTS}/analyses-overlay-1280.png`, fullPage: true });

			expect(await seriousAxeViolations(page)).toEqual([]);
			expect(watch.consoleErrors).toEqual([]);
			expect(watch.failedRequests).toEqual([]);
			expect(watch.outsideRequests).toEqual([]);
			await page.close();
		},
		RUN_TIMEOUT + 60_000
	);

	test(
		'analysis 3 runs live: k = 1…5 unfused and fused, the residual comparison, in the chart, the table and the exports',
		async () => {
			const page = await browser.context.newPage();
			const watch = watchPage(page);
			await page.setViewportSize({ width: 1280, height: 900 });
			await page.goto(`${server.url}/analyses?run=branches&budget=2&size=64`, { waitUntil: 'networkidle' });
			await page.getByRole('button', { name: 'Run the analyses' }).click();
			await page.locator('[role="progressbar"]').waitFor({ state: 'visible' });
			await page.getByRole('button', { name: 'Run the analyses' }).waitFor({ state: 'visible', timeout: RUN_TIMEOUT });

			const chart = page.locator('figure.branch svg');
			expect(await chart.locator('circle').count()).toBe(5); // unfused, k = 1…5
			expect(await chart.locator('rect').count()).toBe(5); // fused
			const table = page.getByTestId('branch-table');
			expect(await table.locator('tbody tr').count()).toBe(5);
			for (const k of [1, 2, 3, 4, 5]) {
				const cells = await table.locator(`tr[data-k="${k}"] td`).allTextContents();
				expect(cells[0]).toMatch(/^\d+(\.\d+)?$/);
				expect(cells[2]).toMatch(/^\d+(\.\d+)?$/);
				expect(cells[4]).toMatch(/^\d+\.\d+× \(\d+\.\d\d–\d+\.\d\d\)$/);
			}
			// Fused, every k is the same network: the same parameter count at k = 1 and k = 5; unfused it grows.
			const params = async (k: number) => (await table.locator(`tr[data-k="${k}"] td`).allTextContents()).map((c) => c.trim());
			expect((await params(1))[3]).toBe((await params(5))[3]);
			expect(parseFloat((await params(5))[1])).toBeGreaterThan(parseFloat((await params(1))[1]));
			expect(await page.getByTestId('branch-facts').textContent()).toMatch(/each extra branch adds −?[\d.]+ ms unfused/);
			// The residual comparison: one bar, the residual chain against the plain one.
			const residual = page.locator('figure.bars').last();
			expect(await residual.locator('rect').count()).toBe(1);
			expect(await residual.locator('text.value').first().textContent()).toMatch(/^\d+\.\d+× \(\d+\.\d\d–\d+\.\d\d\)$/);

			const dir = await mkdtemp(join(tmpdir(), 'analyses-e2e-'));
			const saved: Record<string, string> = {};
			for (const [name, ext] of [['Markdown', 'md'], ['CSV', 'csv'], ['JSON (loadable)', 'json']] as const) {
				const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
				const path = join(dir, `branches.${ext}`);
				await download.saveAs(path);
				saved[ext] = await readFile(path, 'utf8');
			}
			for (const k of [1, 2, 3, 4, 5]) expect(saved.md).toMatch(new RegExp(`- k = ${k}: unfused [\\d.]+ ms, fused [\\d.]+ ms`));
			expect(saved.md).toMatch(/- residual adds: [\d.]+× the plain chain's time/);
			const csvIds = saved.csv.trim().split('\n').slice(1).map((l) => l.split(',')[1]);
			expect(csvIds.sort()).toEqual([...[1, 2, 3, 4, 5].flatMap((k) => [`s0-k${k}-fused`, `s0-k${k}-unfused`]), 'chain-plain', 'chain-residual'].sort());
			const record = JSON.parse(saved.json);
			expect(record.results.map((r: { analysis: string }) => r.analysis)).toEqual(['branches']);
			expect(record.results[0].networks).toHaveLength(12);

			for (const width of [375, 1280, 1920]) {
				await page.setViewportSize({ width, height: 900 });
				await page.waitForTimeout(200);
				await page.locator('#branch-heading').scrollIntoViewIfNeeded();
				await page.screenshot({ path: `${SCREENSHOTS}/analyses-branches-live-${width}.png`, fullPage: true });
			}
			await page.setViewportSize({ width: 375, height: 900 });
			await page.locator('section[aria-labelledby="acc-heading"]').screenshot({ path: `${SCREENSHOTS}/analyses-training-375.png` });
			const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
			expect(overflow, 'horizontal overflow at 375 px').toBeLessThanOrEqual(0);
			expect(await seriousAxeViolations(page)).toEqual([]);
			expect(watch.consoleErrors).toEqual([]);
			expect(watch.failedRequests).toEqual([]);
			expect(watch.outsideRequests).toEqual([]);
			await page.close();
		},
		RUN_TIMEOUT + 60_000
	);

	test(
		'a branch-cost export from another machine draws the branch chart and the residual bar',
		async () => {
			// Made here with onnxruntime-node at 32×32: any device's export must draw the same way.
			const env = { runtime: 'onnxruntime-node' as const, ortVersion: 'test', backend: 'cpu', threads: 1, crossOriginIsolated: null, userAgent: 'node', logicalCores: 2 };
			const branches = await runAnalysis({ ort: ortNode, now: () => performance.now(), sessionOptions: { intraOpNumThreads: 1, logSeverityLevel: 3 }, environment: env }, 'branches', analysisNetworks('branches'), {
				budgetMs: 300,
				inputSize: 32,
				interleave: true,
				warmupMs: 0,
				warmupRounds: 1
			});
			const dir = await mkdtemp(join(tmpdir(), 'analyses-e2e-'));
			const file = join(dir, 'desktop.json');
			await writeFile(file, analysesJson(analysesRecord('x', { ...env, timerResolutionMs: 0.001 }, [branches])));

			const page = await browser.context.newPage();
			const watch = watchPage(page);
			await page.setViewportSize({ width: 1280, height: 900 });
			await page.goto(`${server.url}/analyses`, { waitUntil: 'networkidle' });
			await page.getByTestId('load-export').setInputFiles(file);
			await page.getByText(/^Added desktop:/).waitFor();
			const chart = page.locator('figure.branch svg');
			expect(await chart.locator('circle').count()).toBe(5); // unfused, k = 1…5
			expect(await chart.locator('rect').count()).toBe(5); // fused
			expect(await page.getByTestId('branch-facts').textContent()).toMatch(/desktop: each extra branch adds −?[\d.]+ ms unfused/);
			expect(await page.locator('figure.bars rect').count()).toBe(1);
			await page.locator('#branch-heading').scrollIntoViewIfNeeded();
			await page.screenshot({ path: `${SCREENSHOTS}/analyses-branches-1280.png`, fullPage: true });
			expect(await seriousAxeViolations(page)).toEqual([]);
			expect(watch.consoleErrors).toEqual([]);
			expect(watch.failedRequests).toEqual([]);
			expect(watch.outsideRequests).toEqual([]);
			await page.close();
		},
		180_000
	);
});
