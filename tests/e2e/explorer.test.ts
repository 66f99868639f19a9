/**
 * The fusion explorer in Chromium: every step for a depthwise and a pointwise block, the numbers
 * on the page equal to the engine's for the shipped weights, edits, deep links, the keyboard,
 * the proof at float32 rounding level, and accessibility. Screenshots of every step land in
 * test-results/screenshots/ for a person to look at.
 */
import { mkdir, readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { loadCheckpoint, requireUnfused } from '../../src/lib/io/checkpoint';
import { applyEdit, channelSteps, type BlockEdit } from '../../src/lib/mobileone/explain';
import { fuseBlockSteps } from '../../src/lib/mobileone/reparam';
import type { UnfusedModel } from '../../src/lib/mobileone/model';
import { STEPS } from '../../src/ui/explorer/state.svelte';
import { launchBrowser, seriousAxeViolations, startStaticServer, type LaunchedBrowser, type StaticServer } from '../../scripts/lib/browser-harness';
import { convBranch } from '../../src/lib/mobileone/keys';

const SHOTS = 'test-results/screenshots';
let server: StaticServer;
let browser: LaunchedBrowser;
let model: UnfusedModel;
/** Errors logged by the pages the current test opened; afterEach asserts there were none. */
let errors: string[] = [];

beforeAll(async () => {
	model = requireUnfused(loadCheckpoint(new Uint8Array(await readFile('models/mobileone-cifar10.safetensors'))), 'this test');
	server = await startStaticServer('build');
	browser = await launchBrowser();
	await mkdir(SHOTS, { recursive: true });
});
beforeEach(() => {
	errors = [];
});
afterEach(() => {
	expect(errors).toEqual([]);
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
});

async function newPage(): Promise<Page> {
	const page = await browser.context.newPage();
	const mine = errors;
	page.on('pageerror', (e) => mine.push(e.message));
	page.on('console', (m) => m.type() === 'error' && mine.push(m.text()));
	return page;
}

async function open(query: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
	const page = await newPage();
	await page.setViewportSize(viewport);
	await page.goto(`${server.url}/explorer?${query}`);
	await page.locator('#step-title').waitFor();
	return page;
}

const stepTitle = (page: Page) => page.locator('#step-title').innerText();

/** The numbers in a heatmap, read from each cell's tooltip ("…: value"). */
async function heatmapValues(page: Page, caption: string): Promise<number[]> {
	const fig = page.locator('figure.heatmap', { has: page.locator('figcaption', { hasText: caption }) }).first();
	const titles = await fig.locator('rect title').allTextContents();
	return titles.map((t) => Number(t.slice(t.lastIndexOf(': ') + 2)));
}

function engineView(blockName: string, channel: number, edits: BlockEdit[] = []) {
	let block = model.blocks.find((b) => b.spec.name === blockName)!;
	for (const e of edits) block = applyEdit(block, e);
	return channelSteps(fuseBlockSteps(block), channel);
}

async function proofNumbers(page: Page) {
	const verdict = page.locator('.verdict');
	await verdict.waitFor();
	return {
		maxDelta: Number(await verdict.getAttribute('data-max-delta')),
		maxOutput: Number(await verdict.getAttribute('data-max-output')),
		text: await verdict.innerText()
	};
}

describe('fusion explorer', () => {
	for (const [blockName, role] of [
		['stage1.2', 'depthwise'],
		['stage2.1', 'pointwise']
	] as const) {
		test(`walks all five steps of a ${role} block with the engine's numbers`, async () => {
			const channel = 3;
			const page = await open(`model=cifar10&block=${blockName}&ch=${channel}&step=1`);
			const view = engineView(blockName, channel);
			expect(view.block.role).toBe(role);
			await page.locator('h1').click(); // keyboard focus on the page, not in a control
			for (let step = 1; step <= 5; step++) {
				expect(await stepTitle(page)).toBe(STEPS[step - 1].title);
				expect(page.url()).toContain(`step=${step}`);
				if (step === 1) {
					// the BN statistics shown are the loaded ones
					const gamma = await page.getByLabel('learned scale (γ) of rbr_conv.0').inputValue();
					expect(Number(gamma)).toBe(view.folds[0].gamma);
					const folded = await heatmapValues(page, 'W′ = W · t');
					expect(folded).toEqual(Array.from(view.folds[0].folded.values));
				}
				if (step === 3) {
					if (view.skip) expect(await heatmapValues(page, 'identity kernel')).toEqual(Array.from(view.skip.identity.values));
					else await expect.poll(() => page.getByText('no skip here').count()).toBeGreaterThan(0);
				}
				if (step === 4) {
					const fused = await heatmapValues(page, `fused kernel, output channel ${channel}`);
					expect(fused).toEqual(Array.from(view.sum.rounded.values));
				}
				if (step === 5) {
					const proof = await proofNumbers(page);
					expect(proof.maxDelta).toBeLessThanOrEqual(1e-4 * proof.maxOutput);
					expect(proof.maxOutput).toBeGreaterThan(0);
					expect(proof.text).toContain('float32 rounding');
				}
				await page.screenshot({ path: `${SHOTS}/explorer-${role}-step${step}.png`, fullPage: true });
				if (step < 5) {
					await page.keyboard.press('ArrowRight');
					await expect.poll(() => stepTitle(page)).toBe(STEPS[step].title);
				}
			}
			await page.close();
		});
	}

	test('an edited BatchNorm statistic changes the fused kernel at once', async () => {
		const page = await open('model=cifar10&block=stage1.2&ch=5&step=1');
		const before = engineView('stage1.2', 5);
		const newGamma = before.folds[1].gamma * 3;
		const field = page.getByLabel('learned scale (γ) of rbr_conv.1');
		await field.fill(String(newGamma));
		await field.press('Tab');
		await expect.poll(() => page.getByText('1 value edited').count()).toBe(1);
		await page.locator('h1').click();
		await page.keyboard.press('4');
		await expect.poll(() => stepTitle(page)).toBe(STEPS[3].title);
		const after = engineView('stage1.2', 5, [{ kind: 'bn', branch: convBranch(1), channel: 5, stat: 'gamma', value: newGamma }]);
		const shown = await heatmapValues(page, 'fused kernel, output channel 5');
		expect(shown).toEqual(Array.from(after.sum.rounded.values));
		expect(shown).not.toEqual(Array.from(before.sum.rounded.values));
		// the proof still holds for the edited block: fusion is exact for any weights
		await page.keyboard.press('5');
		const proof = await proofNumbers(page);
		expect(proof.maxDelta).toBeLessThanOrEqual(1e-4 * proof.maxOutput);
		await page.getByRole('button', { name: 'Back to the loaded weights' }).click();
		await expect.poll(() => page.getByText('value edited').count()).toBe(0);
		await page.close();
	});

	test('a kernel value can be edited with the keyboard alone', async () => {
		const page = await open('model=cifar10&block=stage1.2&ch=2&step=1');
		await page.locator('summary', { hasText: 'Edit a kernel value' }).focus();
		await page.keyboard.press('Enter');
		await page.getByLabel('Branch to edit').selectOption('rbr_conv.2');
		await page.getByLabel('Tap to edit').fill('4');
		await page.getByLabel('Tap to edit').press('Tab');
		await page.getByLabel('New kernel value').fill('0.5');
		await page.getByLabel('New kernel value').press('Enter');
		await expect.poll(() => page.getByText('1 value edited').count()).toBe(1);
		const after = engineView('stage1.2', 2, [{ kind: 'kernel', branch: convBranch(2), channel: 2, tap: 4, value: 0.5 }]);
		expect(await heatmapValues(page, 'W′ = W · t')).toEqual(Array.from(engineView('stage1.2', 2).folds[0].folded.values));
		await page.locator('h1').click();
		await page.keyboard.press('4');
		expect(await heatmapValues(page, 'fused kernel, output channel 2')).toEqual(Array.from(after.sum.rounded.values));
		await page.close();
	});

	test('switching on a classic mistake breaks the proof, with the reason', async () => {
		const page = await open('model=cifar10&block=stage1.1&ch=0&step=5');
		await proofNumbers(page);
		await page.getByLabel('BatchNorm in training mode').check();
		await expect.poll(() => page.locator('.verdict.bad').count()).toBe(1);
		expect(await page.getByText('running statistics the fused kernel was built from').count()).toBe(1);
		const bad = await proofNumbers(page);
		expect(bad.maxDelta).toBeGreaterThan(1e-3 * bad.maxOutput);
		await page.getByLabel('BatchNorm in training mode').uncheck();
		await page.getByLabel('ReLU inside each branch').check();
		await expect.poll(() => page.locator('.verdict.bad').count()).toBe(1);
		expect(await page.getByText('ReLU(a) + ReLU(b) ≠ ReLU(a + b)').count()).toBe(1);
		await page.close();
	});

	test('a deep link opens the right block, channel and step', async () => {
		const page = await open('model=cifar10&block=stage2.1&ch=7&step=3');
		expect(await stepTitle(page)).toBe(STEPS[2].title);
		const eyebrow = await page.locator('.detail .eyebrow').textContent() ?? '';
		expect(eyebrow).toContain('stage2.1');
		expect(eyebrow).toContain('output channel 7');
		expect(await page.locator('button[aria-current="step"]').innerText()).toContain('3');
		await page.close();
	});

	test('keyboard only: steps, channels, blocks and the step buttons', async () => {
		const page = await open('model=cifar10&block=stage0&ch=0&step=1');
		await page.locator('h1').click();
		await page.keyboard.press('ArrowRight');
		await page.keyboard.press('ArrowRight');
		await expect.poll(() => stepTitle(page)).toBe(STEPS[2].title);
		await page.keyboard.press(']');
		await expect.poll(() => page.url()).toContain('block=stage1.0');
		await page.keyboard.press('ArrowUp');
		await expect.poll(() => page.url()).toContain('ch=1');
		// Tab through the page to the "Proof" step button and press it
		let reached = false;
		for (let i = 0; i < 40 && !reached; i++) {
			await page.keyboard.press('Tab');
			reached = await page.evaluate(() => document.activeElement?.textContent?.includes('Proof') ?? false);
		}
		expect(reached).toBe(true);
		await page.keyboard.press('Enter');
		await expect.poll(() => stepTitle(page)).toBe(STEPS[4].title);
		await page.close();
	});

	test('works on a synthetic S0 block, on a phone, and has no serious accessibility violations', async () => {
		const page = await open('model=s0&block=stage3.5&ch=2&step=1', { width: 375, height: 812 });
		expect(await stepTitle(page)).toBe(STEPS[0].title);
		expect(await seriousAxeViolations(page)).toEqual([]);
		await page.screenshot({ path: `${SHOTS}/explorer-s0-phone-step1.png`, fullPage: true });
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		expect(overflow).toBeLessThanOrEqual(0);
		await page.locator('h1').click();
		await page.keyboard.press('5');
		const proof = await proofNumbers(page);
		expect(proof.maxDelta).toBeLessThanOrEqual(1e-4 * proof.maxOutput);
		expect(await seriousAxeViolations(page)).toEqual([]);
		await page.close();
	});

	test('the visitor’s own image from Classify becomes the proof input', async () => {
		const page = await newPage();
		await page.goto(`${server.url}/explorer`);
		// what the classify page stores: the 32×32 crop the network sees, in this tab only
		const rgb = Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37) % 256);
		await page.evaluate((payload) => sessionStorage.setItem('mobileone-lab:proof-image', payload), JSON.stringify({ width: 32, height: 32, rgb, name: 'my-photo.png' }));
		await page.goto(`${server.url}/explorer?model=cifar10&block=stage2.0&ch=1&step=5&input=mine`);
		await page.locator('#step-title').waitFor();
		await expect.poll(() => page.getByText('The input is my-photo.png at 32×32').count()).toBe(1);
		expect(await page.locator('select', { has: page.locator('option[value="mine"]') }).inputValue()).toBe('mine');
		const proof = await proofNumbers(page);
		expect(proof.maxDelta).toBeLessThanOrEqual(1e-4 * proof.maxOutput);
		await page.close();
	});

	test('heatmap value labels fit inside their cells (steps 1 and 4, at 1280 px)', async () => {
		for (const [block, step] of [
			['stage1.2', 1],
			['stage2.1', 1],
			['stage1.2', 4],
			['stage2.1', 4]
		] as const) {
			const page = await open(`model=cifar10&block=${block}&ch=3&step=${step}`);
			await page.locator('figure.heatmap').first().waitFor();
			const worst = await page.evaluate(`(() => {
				let worst = -Infinity;
				for (const g of document.querySelectorAll('figure.heatmap svg g')) {
					const r = g.querySelector('rect'), t = g.querySelector('text');
					if (r && t) worst = Math.max(worst, t.getBBox().width - r.width.baseVal.value);
				}
				return worst;
			})()`);
			expect(worst, `${block} step ${step}`).toBeLessThanOrEqual(0);
			await page.close();
		}
	});

	test('on a phone the formulas and the whole-network table scroll sideways, with edge shadows', async () => {
		const page = await open('model=cifar10&block=stage1.2&ch=0&step=1', { width: 375, height: 812 });
		await page.locator('.formula .katex').first().waitFor();
		const scrollers = await page.evaluate(`(() => [...document.querySelectorAll('.formula, [aria-label="Whole-network collapse table"]')].map((e) => ({
			cls: e.className, overflow: getComputedStyle(e).overflowX, shadow: getComputedStyle(e).backgroundImage.includes('radial-gradient'),
			wide: e.scrollWidth > e.clientWidth
		})))()`) as { cls: string; overflow: string; shadow: boolean; wide: boolean }[];
		expect(scrollers.length).toBeGreaterThan(1);
		for (const x of scrollers) {
			expect(x.overflow).toBe('auto');
			expect(x.shadow).toBe(true);
		}
		// the table really is wider than a phone: it is the scroller, not the page, that overflows
		expect(scrollers.some((x) => x.wide)).toBe(true);
		expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
		await page.close();
	});
});
