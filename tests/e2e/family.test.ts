/**
 * The family in Chromium: each family's block in the explorer, stepped to the proof (max |Δ| at
 * float32 rounding, equal to the engine's own proof), the numbers of a step equal to the engine's,
 * DBB's border case (zeros in the gap: an error on the border and nowhere else; the bias: none),
 * and the /family table with RepVGG-A0's deploy parameters. Each page is checked for console
 * errors, failed and other-origin requests, and axe. Screenshots at 375, 1280 and 1920 px.
 */
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, seriousAxeViolations, startStaticServer, watchPage, type LaunchedBrowser, type PageWatch, type StaticServer } from '../../scripts/lib/browser-harness';
import { FAMILY_DEMO_GEOMETRY, FAMILY_DEMO_SEED } from '../../src/lib/families/demo';
import { familyStepView } from '../../src/lib/families/explain';
import { familyById } from '../../src/lib/families/index';
import { AGREEMENT_TOLERANCE } from '../../src/lib/mobileone/explain';
import { FAMILY_PARAMS, type FamilyParam } from '../../src/ui/explorer/url';

const SHOTS = 'test-results/screenshots';
let server: StaticServer;
let browser: LaunchedBrowser;
let opened: { page: Page; watch: PageWatch }[] = [];

beforeAll(async () => {
	server = await startStaticServer('build');
	browser = await launchBrowser();
	await mkdir(SHOTS, { recursive: true });
});
afterEach(async () => {
	const pages = opened;
	opened = [];
	for (const { page, watch } of pages) {
		expect(watch.consoleErrors).toEqual([]);
		expect(watch.failedRequests).toEqual([]);
		expect(watch.outsideRequests).toEqual([]);
		await page.close();
	}
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
});

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
	const page = await browser.context.newPage();
	await page.setViewportSize(viewport);
	const watch = watchPage(page);
	opened.push({ page, watch });
	await page.goto(server.url + path);
	return page;
}

const PARAMS = Object.keys(FAMILY_PARAMS) as FamilyParam[];

describe('family mode of the explorer', () => {
	test.each(PARAMS)('%s: steps to the proof, numbers from the engine, max |Δ| below tolerance', async (param) => {
		const family = familyById(FAMILY_PARAMS[param])!;
		const g = FAMILY_DEMO_GEOMETRY[family.id];
		const fusion = family.fuse(g, family.synthetic(g, FAMILY_DEMO_SEED));
		const page = await open(`/explorer?family=${param}&ch=1`);
		await page.locator('#family-step-title').waitFor();
		expect(await page.locator('select').first().inputValue()).toBe(param);
		// the first step on the page shows the engine's output kernel for channel 1
		const view = familyStepView(fusion.steps[0], 1);
		const fig = page.locator('figure.heatmap').last();
		const titles = await fig.locator('rect title').allTextContents();
		expect(titles.map((t) => Number(t.slice(t.lastIndexOf(': ') + 2)))).toEqual(Array.from(view.output!.slice.values));
		// walk every step with Next, then the proof
		const next = page.getByRole('button', { name: 'Next →' });
		for (let i = 0; i < fusion.steps.length; i++) {
			expect(await page.locator('.detail .eyebrow').textContent()).toContain(`Step ${i + 1} of ${fusion.steps.length + 1}`);
			await next.click();
		}
		expect(await page.locator('#family-step-title').innerText()).toBe('Run both forms on a real input');
		const verdict = page.locator('.verdict');
		await verdict.waitFor();
		const relative = Number(await verdict.getAttribute('data-relative'));
		const maxDelta = Number(await verdict.getAttribute('data-max-delta'));
		expect(maxDelta).toBeGreaterThan(0);
		expect(relative).toBeLessThan(AGREEMENT_TOLERANCE);
		expect(await verdict.innerText()).toMatch(/max \|Δ\| = .*same function/s);
		expect(new URL(page.url()).searchParams.get('fstep')).toBe(String(fusion.steps.length + 1));
		if (param === 'dbb' || param === 'acnet') {
			for (const width of [375, 1280, 1920]) {
				await page.setViewportSize({ width, height: 900 });
				await page.screenshot({ path: `${SHOTS}/family-${param}-proof-${width}.png`, fullPage: true });
			}
		}
		expect(await seriousAxeViolations(page)).toEqual([]);
	});

	test('DBB border case: zeros in the gap err on the border only; the bias padding makes it vanish', async () => {
		const family = familyById('dbb')!;
		const g = FAMILY_DEMO_GEOMETRY.dbb;
		const steps = family.fuse(g, family.synthetic(g, FAMILY_DEMO_SEED)).steps;
		const seq = steps.findIndex((s) => s.record.kind === 'sequential' && s.label === 'dbb_1x1_kxk') + 1;
		expect(seq).toBeGreaterThan(0);
		const page = await open(`/explorer?family=dbb&fstep=${seq}`);
		const result = page.locator('.border-case .result');
		await result.waitFor();
		expect(await result.getAttribute('data-zero-gap')).toBe('false');
		const exact = Number(await result.getAttribute('data-max-border'));
		expect(exact).toBeLessThan(1e-9);
		await page.getByLabel('Merge 1×1 → K×K without the BN-bias padding').check();
		await page.waitForFunction(() => document.querySelector('.border-case .result')?.getAttribute('data-zero-gap') === 'true');
		const onBorder = Number(await result.getAttribute('data-max-border'));
		const inside = Number(await result.getAttribute('data-max-interior'));
		expect(onBorder).toBeGreaterThan(1e-3);
		expect(inside).toBeLessThan(1e-9);
		expect(new URL(page.url()).searchParams.get('gap')).toBe('zero');
		for (const width of [375, 1280, 1920]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${SHOTS}/family-dbb-border-${width}.png`, fullPage: true });
		}
		await page.getByLabel('Merge 1×1 → K×K without the BN-bias padding').uncheck();
		await page.waitForFunction(() => document.querySelector('.border-case .result')?.getAttribute('data-zero-gap') === 'false');
		expect(Number(await result.getAttribute('data-max-border'))).toBeLessThan(1e-9);
		expect(await seriousAxeViolations(page)).toEqual([]);
	});

	test("ACNet's pad step draws the 1×3 kernel and its place in the 3×3", async () => {
		const page = await open('/explorer?family=acnet&fstep=3');
		await page.locator('#family-step-title').waitFor();
		expect(await page.locator('#family-step-title').innerText()).toContain('ver_conv');
		const figs = page.locator('figure.heatmap');
		expect(await figs.count()).toBe(2);
		expect(await figs.first().locator('rect').count()).toBe(9);
		expect(await figs.last().locator('rect.hl').count()).toBe(9);
		for (const width of [375, 1280]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${SHOTS}/family-acnet-pad-${width}.png`, fullPage: true });
		}
	});

	test('the family select switches from MobileOne into a family and back', async () => {
		const page = await open('/explorer?model=s0');
		await page.locator('#step-title').waitFor();
		await page.locator('select').first().selectOption('acnet');
		await page.locator('#family-step-title').waitFor();
		await page.waitForFunction(() => new URL(location.href).searchParams.get('family') === 'acnet');
		await page.locator('select').first().selectOption('mobileone');
		await page.locator('#step-title').waitFor();
		await page.waitForFunction(() => !new URL(location.href).searchParams.has('family'));
	});
});

describe('/family', () => {
	test('lists every family with a link into the explorer, and RepVGG-A0 at 8.31 M deploy parameters', async () => {
		const page = await open('/family');
		await page.locator('h1').waitFor();
		const a0 = page.locator('tr[data-variant="RepVGG-A0"]');
		expect(await a0.innerText()).toContain('8.31 M');
		expect(await a0.innerText()).toContain('9.11 M');
		expect(await a0.innerText()).toContain('1.36 G');
		for (const p of PARAMS) expect(await page.locator(`a[href="/explorer?family=${p}"]`).count()).toBe(1);
		expect(await seriousAxeViolations(page)).toEqual([]);
		for (const width of [375, 1280, 1920]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${SHOTS}/family-table-${width}.png`, fullPage: true });
		}
		await page.locator('a[href="/explorer?family=dbb"]').click();
		await page.locator('#family-step-title').waitFor();
	});

	test('the landing page links to it', async () => {
		const page = await open('/');
		expect(await page.locator('a[href="/family"]').count()).toBeGreaterThan(0);
	});
});
