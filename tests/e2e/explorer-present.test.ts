/**
 * The fusion explorer as slides (`/explorer?present`), in Chromium: every slide of a depthwise
 * block walked by keyboard at 1920×1080 and 1280×720, light and dark — it fits, its body text is
 * ≥ 28 px and its numbers ≥ 24 px at 1920, the URL follows, axe finds nothing serious — then the
 * Present button, Esc, the notes window following, and the Korean slides.
 * Screenshots land in test-results/screenshots/explorer-present-*.png.
 */
import { mkdir, readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadCheckpoint, requireUnfused } from '../../src/lib/io/checkpoint';
import { channelSteps } from '../../src/lib/mobileone/explain';
import { fuseBlockSteps } from '../../src/lib/mobileone/reparam';
import type { UnfusedModel } from '../../src/lib/mobileone/model';
import { explorerSlides, type ExplorerSlide } from '../../src/ui/explorer/slides';
import { launchBrowser, seriousAxeViolations, startStaticServer, watchPage, type LaunchedBrowser, type PageWatch, type StaticServer } from '../../scripts/lib/browser-harness';
import { checkAndClosePages } from '../helpers/opened-pages';
import { measureSlide } from '../helpers/slide-fit';

const SHOTS = 'test-results/screenshots';
/** A depthwise block with every part: k branches, the scale branch, the skip. */
const BLOCK = 'stage1.2';
const CHANNEL = 3;
const LINK = `model=cifar10&block=${BLOCK}&ch=${CHANNEL}&input=cat-chelsea`;
let server: StaticServer;
let browser: LaunchedBrowser;
let slides: ExplorerSlide[];
let opened: { page: Page; watch: PageWatch; path: string }[] = [];

beforeAll(async () => {
	const model: UnfusedModel = requireUnfused(loadCheckpoint(new Uint8Array(await readFile('models/mobileone-cifar10.safetensors'))), 'this test');
	const block = model.blocks.find((b) => b.spec.name === BLOCK)!;
	slides = explorerSlides(channelSteps(fuseBlockSteps(block), CHANNEL));
	server = await startStaticServer('build');
	browser = await launchBrowser();
	await mkdir(SHOTS, { recursive: true });
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

async function open(path: string, viewport: { width: number; height: number }, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
	const page = await browser.context.newPage();
	await page.emulateMedia({ colorScheme: scheme });
	await page.setViewportSize(viewport);
	const watch = watchPage(page);
	opened.push({ page, watch, path });
	await page.goto(server.url + path);
	return page;
}

const search = (page: Page) => new URL(page.url()).search;
/** A slide is drawn once its figure is (the proof's once the picture has run through the block). */
async function slideDrawn(page: Page, kind: ExplorerSlide['kind']) {
	await expect.poll(() => page.locator('.present').getAttribute('data-slide')).toBe(kind);
	await page.locator(kind === 'proof' ? '.slide-figure .verdict' : kind === 'bias' ? '.slide-figure .bias .katex' : '.slide-figure svg').first().waitFor({ timeout: 60_000 });
	await page.waitForTimeout(150); // the fit runs on the next frame
}

describe('explorer presenter mode', () => {
	test('the block has one slide per branch fold, then pad, skip, the sum (kernels, then biases) and proof', () => {
		expect(slides.map((s) => s.kind)).toEqual([...slides.filter((s) => s.kind === 'fold').map(() => 'fold'), 'pad', 'skip', 'sum', 'bias', 'proof']);
		expect(slides.filter((s) => s.kind === 'fold').length).toBeGreaterThanOrEqual(3);
	});

	for (const [width, height, scheme] of [
		[1920, 1080, 'light'],
		[1280, 720, 'light'],
		[1920, 1080, 'dark'],
		[1280, 720, 'dark']
	] as const) {
		test(`every slide fits ${width}×${height} (${scheme})${width === 1920 ? ', body ≥ 28 px, numbers ≥ 24 px' : ''}, the URL follows the keys, axe is clean`, { timeout: 300_000 }, async () => {
			const page = await open(`/explorer?${LINK}&present&slide=1`, { width, height }, scheme);
			await page.locator('.explorer-present').waitFor({ timeout: 60_000 });
			for (let n = 1; n <= slides.length; n++) {
				if (n > 1) await page.keyboard.press(n % 2 ? 'PageDown' : 'ArrowRight');
				await expect.poll(() => search(page)).toBe(`?${LINK}&present&slide=${n}`);
				await slideDrawn(page, slides[n - 1].kind);
				await page.screenshot({ path: `${SHOTS}/explorer-present-${width}-${scheme}-${n}-${slides[n - 1].kind}.png` });
				const fit = await measureSlide(page);
				expect(fit.fitsY, `slide ${n} fits vertically`).toBe(true);
				expect(fit.fitsX, `slide ${n} fits horizontally`).toBe(true);
				if (width === 1920) {
					expect(fit.smallestText, `slide ${n} body text`).toBeGreaterThanOrEqual(28);
					expect(fit.smallestNumber, `slide ${n}: smallest number "${fit.smallestNumberText}"`).toBeGreaterThanOrEqual(24);
				}
				expect(await seriousAxeViolations(page), `axe on slide ${n} (${scheme})`).toEqual([]);
			}
			// past the last slide nothing moves
			await page.keyboard.press('PageDown');
			await page.waitForTimeout(100);
			expect(search(page)).toBe(`?${LINK}&present&slide=${slides.length}`);
			await page.waitForLoadState('networkidle');
		});
	}

	test('the Present button starts at the step, PageUp goes back, Esc leaves on the slide’s step; the notes window follows', { timeout: 120_000 }, async () => {
		const page = await open(`/explorer?${LINK}&step=4`, { width: 1920, height: 1080 });
		await page.locator('#step-title').waitFor({ timeout: 60_000 });
		const notes = await open('/explorer/notes', { width: 720, height: 560 });
		await notes.locator('.notes [role="status"]').waitFor();
		const notesAt = () => notes.locator('[data-testid="notes-at"]').textContent();
		const sum = slides.findIndex((s) => s.kind === 'sum') + 1;

		await page.getByRole('button', { name: 'Present', exact: true }).click();
		await expect.poll(() => search(page)).toBe(`?${LINK}&present&slide=${sum}`);
		await slideDrawn(page, 'sum');
		await expect.poll(notesAt).toBe(`Block ${BLOCK} · output channel ${CHANNEL} · Slide ${sum} of ${slides.length}`);
		await expect.poll(() => notes.locator('h2').textContent()).toBe('Add the kernels into one');

		await page.keyboard.press('PageUp');
		await page.keyboard.press('ArrowUp');
		await expect.poll(() => search(page)).toBe(`?${LINK}&present&slide=${sum - 2}`);
		await expect.poll(notesAt).toBe(`Block ${BLOCK} · output channel ${CHANNEL} · Slide ${sum - 2} of ${slides.length}`);
		// a notes window opened late is told where the slides are
		const late = await open('/explorer/notes', { width: 720, height: 560 });
		await expect.poll(() => late.locator('[data-testid="notes-at"]').textContent()).toContain(`Slide ${sum - 2} of`);

		await page.keyboard.press('Escape');
		// slide sum − 2 is the pad slide: the explorer opens on step 2
		await expect.poll(() => search(page)).toBe(`?model=cifar10&block=${BLOCK}&ch=${CHANNEL}&step=2&input=cat-chelsea`);
		await page.locator('#step-title').waitFor();
		expect(await page.locator('.present').count()).toBe(0);
		await page.waitForLoadState('networkidle');
	});

	test('/ko/explorer?present: the slides and the notes window speak Korean', { timeout: 120_000 }, async () => {
		const ko = JSON.parse(await readFile('messages/explorer/ko.json', 'utf8')) as Record<string, string>;
		const notes = await open('/ko/explorer/notes', { width: 720, height: 560 });
		await notes.locator('.notes [role="status"]').waitFor();
		const page = await open(`/ko/explorer?${LINK}&present&slide=${slides.length}`, { width: 1280, height: 720 });
		await slideDrawn(page, 'proof');
		expect(await page.locator('.slide-body').textContent()).toBe(ko.explorer_slide_proof_body);
		await expect.poll(() => notes.locator('.note').textContent()).toBe(ko.explorer_notes_proof);
		expect(await seriousAxeViolations(page)).toEqual([]);
		await page.screenshot({ path: `${SHOTS}/explorer-present-ko-proof.png` });
		await page.waitForLoadState('networkidle');
	});
});
