/**
 * The guided lesson in Chromium: chapters 1 → 9 by keyboard only, an exercise answered wrong then
 * right (answers computed here by the engine for the seed the test gives the student), the worked
 * answer after two tries, a click-the-cell question, progress kept across a reload, axe-core on
 * every chapter in both languages at desktop and phone widths (the phone pass in the dark theme),
 * the lesson on the visitor's own network (`?model=yours`, and the refusal of one it cannot use),
 * and presenter mode (keys, URLs, no overflow, body ≥ 28 px at 1920×1080, the notes window
 * following). Screenshots land in test-results/screenshots/.
 */
import { mkdir, readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadCheckpoint, requireUnfused, saveCheckpoint } from '../../src/lib/io/checkpoint';
import { formatPrecise } from '../../src/lib/format';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import type { UnfusedModel } from '../../src/lib/mobileone/model';
import { CHAPTER_IDS, type ChapterId } from '../../src/lib/lesson/chapters';
import { exerciseFor, lessonContext, type Exercise } from '../../src/lib/lesson/exercises';
import { lessonInstance } from '../../src/lib/lesson/instance';
import { PROGRESS_KEY, serializeProgress } from '../../src/lib/lesson/progress';
import { CHAPTERS, UI } from '../../src/ui/learn/text';
import { CHAPTER_SLUGS, LEARN_PATH, slidesOf } from '../../src/ui/learn/url';
import { OWN_NETWORK_DB } from '../../src/ui/yours/store';
import { SMALL_SPEC, unfusedOnnx } from '../fixtures/yours';
import { launchBrowser, seriousAxeViolations, startStaticServer, watchPage, type LaunchedBrowser, type PageWatch, type StaticServer } from '../../scripts/lib/browser-harness';
import { checkAndClosePages } from '../helpers/opened-pages';
import { measureSlide } from '../helpers/slide-fit';

const SHOTS = 'test-results/screenshots';
const SEED = 4242;
let server: StaticServer;
let browser: LaunchedBrowser;
let model: UnfusedModel;
let opened: { page: Page; watch: PageWatch; path: string }[] = [];

beforeAll(async () => {
	model = requireUnfused(loadCheckpoint(new Uint8Array(await readFile('models/mobileone-cifar10.safetensors'))), 'this test');
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

/** The engine's exercise for this chapter on these weights (ours unless given), for the student the test plays. */
function engineExercise(id: ChapterId, on: UnfusedModel = model): Exercise {
	const ex = exerciseFor(id, lessonContext(on, lessonInstance(on, SEED)));
	if (!ex) throw new Error(`no exercise for chapter ${id}`);
	return ex;
}

const href = (id: ChapterId, query = '') => `/learn/${CHAPTER_SLUGS[id]}${query}`;

/** A fresh student with the test's seed and no answers, on `path`. */
async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
	const page = await browser.context.newPage();
	await page.setViewportSize(viewport);
	// a page load on the shared, busy machine (load average ~25 on 2 cores) can take longer than the default 30 s
	page.setDefaultNavigationTimeout(120_000);
	const watch = watchPage(page);
	opened.push({ page, watch, path });
	// The student is set up before the lesson's first script runs, once per tab (a reload keeps
	// their answers). Not by visiting another page of the site first: leaving a page right after
	// its load event aborts SvelteKit's fetch of the root error node (nodes/1), which start()
	// requests only once the page's own modules have run, after `load` on a busy machine.
	await page.addInitScript(
		([key, value]) => {
			if (sessionStorage.getItem('e2e-student') !== null) return;
			sessionStorage.setItem('e2e-student', '1');
			localStorage.setItem(key, value);
		},
		[PROGRESS_KEY, serializeProgress({ seed: SEED, chapters: {} })]
	);
	await page.goto(server.url + path);
	return page;
}

/** Wait for the model and picture downloads to finish, so leaving the page aborts nothing. */
const settle = (page: Page) => page.waitForLoadState('networkidle');
const h1 = (page: Page) => page.locator('h1').innerText();
const questionReady = (page: Page) => page.locator('.question .prompt').waitFor({ timeout: 60_000 });

async function noHorizontalOverflow(page: Page) {
	return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe('guided lesson', () => {
	// These walk many pages on a shared 2-core machine: allow them minutes, not the default 2.
	const LONG = 600_000;

	test('walks chapters 1 → 9 by keyboard only', { timeout: LONG }, async () => {
		const page = await open(href(1));
		for (const id of CHAPTER_IDS) {
			await expect.poll(() => h1(page)).toBe(CHAPTERS[id].title);
			expect(new URL(page.url()).pathname).toBe(href(id));
			if (id === 9) break;
			await questionReady(page);
			// leaving while the page still fetches (its favicon, a route's code) would abort those requests
			await page.waitForLoadState('networkidle');
			// Tab until the "next chapter" link has focus, then Enter.
			let found = false;
			for (let i = 0; i < 300 && !found; i++) {
				await page.keyboard.press('Tab');
				found = await page.evaluate(() => document.activeElement?.getAttribute('rel') === 'next');
			}
			expect(found, `reached the next-chapter link of chapter ${id} by Tab`).toBe(true);
			await page.keyboard.press('Enter');
		}
	});

	test('a wrong answer then a right one; progress survives a reload', async () => {
		const ex = engineExercise(2);
		expect(ex.kind).toBe('number');
		const answer = (ex as Extract<Exercise, { kind: 'number' }>).answer;
		const page = await open(href(2));
		await questionReady(page);
		const field = page.getByLabel(UI.answerLabel);
		await field.fill(String(answer * 1.5));
		await field.press('Enter');
		await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.wrong(1));
		await field.fill(answer.toFixed(5));
		await field.press('Enter');
		await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.correct);
		await expect.poll(() => page.locator('a[data-status="solved"]').count()).toBe(1);
		await page.screenshot({ path: `${SHOTS}/learn-answered.png`, fullPage: true });

		await settle(page);
		await page.reload();
		await questionReady(page);
		await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.correct);
		expect(await page.locator(`a[href="${href(2)}"]`).first().getAttribute('data-status')).toBe('solved');
		expect(await field.isDisabled()).toBe(true);

		// the chapter list shows it too
		await settle(page);
		await page.goto(server.url + '/learn');
		await expect.poll(() => page.getByText(UI.progress(1)).count()).toBe(1);
	});

	test('two wrong tries show the worked answer with the engine’s number', async () => {
		const ex = engineExercise(3) as Extract<Exercise, { kind: 'number' }>;
		const page = await open(href(3));
		await questionReady(page);
		const field = page.getByLabel(UI.answerLabel);
		await field.fill('not a number');
		await field.press('Enter');
		await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.unreadable);
		for (const wrong of [ex.answer + 1, ex.answer - 1]) {
			await field.fill(String(wrong));
			await field.press('Enter');
		}
		const worked = page.locator('.worked');
		await worked.waitFor();
		expect(await worked.innerText()).toContain(ex.answer.toPrecision(4));
	});

	test('click-the-cell: the identity kernel’s 1', async () => {
		const ex = engineExercise(5) as Extract<Exercise, { kind: 'cell' }>;
		const page = await open(href(5));
		await questionReady(page);
		const wrong = (ex.answer + 1) % ex.grid.values.length;
		await page.getByRole('button', { name: `input channel ${wrong}`, exact: true }).click();
		await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.wrong(1));
		await page.getByRole('button', { name: `input channel ${ex.answer}`, exact: true }).click();
		await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.correct);
	});

	// One page per width, walking every chapter in English then Korean; the phone pass is in the
	// dark theme, so both themes' contrast is checked on every chapter without a third pass.
	for (const viewport of [
		{ width: 1280, height: 900, name: 'desktop', scheme: 'light' as const },
		{ width: 375, height: 800, name: 'phone', scheme: 'dark' as const }
	]) {
		// 18 pages, each with axe: twice the other walks' time
		test(`every chapter is accessible and fits at ${viewport.name} width, in English and Korean (${viewport.scheme})`, { timeout: 2 * LONG }, async () => {
			const page = await open(href(1), viewport);
			await page.emulateMedia({ colorScheme: viewport.scheme });
			for (const locale of ['', '/ko']) {
				for (const id of CHAPTER_IDS) {
					if (id > 1 || locale) {
						await settle(page);
						await page.goto(server.url + locale + href(id));
					}
					const where = `${locale || '/en'} chapter ${id}`;
					await questionReady(page);
					await page.locator('.lesson-figure').waitFor();
					expect(await page.evaluate(() => document.documentElement.lang), where).toBe(locale ? 'ko' : 'en');
					expect(await noHorizontalOverflow(page), `${where} fits ${viewport.width} px`).toBe(true);
					expect(await seriousAxeViolations(page), `axe on ${where}`).toEqual([]);
					await page.screenshot({ path: `${SHOTS}/learn-${viewport.name}${locale.replace('/', '-')}-${id}.png`, fullPage: true });
				}
			}
		});
	}
});

/** Keeps `bytes` as the visitor's network the way /yours does (or forgets it, for null), from a page of the site. */
async function keepNetwork(page: Page, name: string, bytes: Uint8Array | null): Promise<void> {
	await page.evaluate(
		([db, name, bytes]) =>
			new Promise<void>((done, fail) => {
				const req = indexedDB.open(db.name, db.version);
				req.onupgradeneeded = () => req.result.createObjectStore(db.store);
				req.onerror = () => fail(req.error);
				req.onsuccess = () => {
					const tx = req.result.transaction(db.store, 'readwrite');
					const store = tx.objectStore(db.store);
					if (bytes) store.put({ name, bytes: new Uint8Array(bytes) }, db.key);
					else store.delete(db.key);
					tx.oncomplete = () => (req.result.close(), done());
					tx.onerror = () => fail(tx.error);
				};
			}),
		[OWN_NETWORK_DB, name, bytes && Array.from(bytes)] as const
	);
}

describe('the lesson on the visitor’s own network', () => {
	const LONG = 300_000;
	// A real MobileOne state dict (every kind of branch), written here, not committed: its weights differ from ours.
	const theirs = syntheticModel(SMALL_SPEC, 29);
	const FILE = 'small-mobileone.safetensors';

	/** A fresh student on a page that does not read the kept network, which then keeps `bytes`. */
	async function keeping(name: string, bytes: Uint8Array): Promise<Page> {
		const page = await open(LEARN_PATH);
		await settle(page);
		await keepNetwork(page, name, bytes);
		return page;
	}

	test('?model=yours: the figure says whose weights, the exercise is the engine’s on that file', { timeout: LONG }, async () => {
		const ours = engineExercise(3) as Extract<Exercise, { kind: 'number' }>;
		const mine = engineExercise(3, theirs) as Extract<Exercise, { kind: 'number' }>;
		// the check below can only fail if the two files ask different questions
		expect(Math.abs(mine.given.t - ours.given.t)).toBeGreaterThan(0.01);
		expect(Math.abs(mine.answer - ours.answer)).toBeGreaterThan(0.02 * Math.max(Math.abs(mine.answer), Math.abs(ours.answer), 1));
		const page = await keeping(FILE, saveCheckpoint(theirs));
		try {
			await page.goto(`${server.url}${href(3)}?model=yours`);
			await questionReady(page);
			await expect.poll(() => page.getByTestId('whose').innerText()).toBe(UI.whose(FILE));
			expect(await page.getByRole('alert').count()).toBe(0);
			const prompt = await page.locator('.question .prompt').innerText();
			for (const key of ['t', 'beta', 'mean']) expect(prompt, key).toContain(formatPrecise(mine.given[key], 4));
			expect(prompt).not.toContain(formatPrecise(ours.given.t, 4));

			const field = page.getByLabel(UI.answerLabel);
			await field.fill(ours.answer.toFixed(5));
			await field.press('Enter');
			await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.wrong(1));
			await field.fill(mine.answer.toFixed(5));
			await field.press('Enter');
			await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.correct);

			// the switch names the file, the chapter links keep the choice, and "our model" goes back
			const weights = page.getByRole('navigation', { name: UI.weightsSwitch });
			expect(await weights.getByRole('link', { name: UI.weightsYours(FILE) }).getAttribute('aria-current')).toBe('true');
			expect(await page.locator('a[rel="next"]').getAttribute('href')).toBe(`${href(4)}?model=yours`);
			for (const width of [375, 1280]) {
				await page.setViewportSize({ width, height: 900 });
				expect(await noHorizontalOverflow(page), `fits ${width} px`).toBe(true);
				await page.screenshot({ path: `${SHOTS}/learn-yours-${width}.png`, fullPage: true });
			}
			expect(await seriousAxeViolations(page)).toEqual([]);
			await settle(page);
			await weights.getByRole('link', { name: UI.weightsOurs }).click();
			await expect.poll(() => new URL(page.url()).search).toBe('');
			await expect.poll(() => page.getByTestId('whose').innerText()).toBe(UI.whose(null));
			await expect.poll(() => page.locator('.question .prompt').innerText()).toContain(formatPrecise(ours.given.t, 4));
		} finally {
			await settle(page);
			await keepNetwork(page, FILE, null);
		}
	});

	test('a network the lesson cannot use: one sentence, and the lesson goes on with our model', { timeout: LONG }, async () => {
		const ours = engineExercise(3) as Extract<Exercise, { kind: 'number' }>;
		const page = await keeping('small.onnx', unfusedOnnx());
		try {
			await page.goto(`${server.url}${href(3)}?model=yours`);
			await questionReady(page);
			await expect.poll(() => page.getByRole('alert').innerText()).toBe(UI.ownRefused({ reason: 'onnx' }, 'small.onnx'));
			expect(await page.getByTestId('whose').innerText()).toBe(UI.whose(null));
			expect(await page.locator('.question .prompt').innerText()).toContain(formatPrecise(ours.given.t, 4));
			const field = page.getByLabel(UI.answerLabel);
			await field.fill(ours.answer.toFixed(5));
			await field.press('Enter');
			await expect.poll(() => page.locator('.feedback').innerText()).toContain(UI.correct);
		} finally {
			await settle(page);
			await keepNetwork(page, 'small.onnx', null);
		}
	});
});

describe('presenter mode', () => {
	const LONG = 600_000;
	test('keys move between slides, each slide has its URL, Esc leaves; the notes window follows', async () => {
		const page = await open(href(1, '?present&slide=1'), { width: 1920, height: 1080 });
		const notes = await browser.context.newPage();
		const notesWatch = watchPage(notes);
		opened.push({ page: notes, watch: notesWatch, path: '/learn/notes' });
		await notes.goto(server.url + '/learn/notes');
		const notesAt = () => notes.locator('[data-testid="notes-at"]').textContent();
		await expect.poll(notesAt).toBe(`${UI.chapterN(1)} · ${UI.slideN(1, slidesOf(1).length)}`);

		await page.keyboard.press('PageDown');
		await expect.poll(() => page.url()).toContain(`${href(1)}?present&slide=2`);
		await page.keyboard.press('ArrowRight');
		await expect.poll(() => page.url()).toContain('slide=3');
		await page.keyboard.press('ArrowLeft');
		await expect.poll(() => page.url()).toContain('slide=2');
		await expect.poll(notesAt).toBe(`${UI.chapterN(1)} · ${UI.slideN(2, slidesOf(1).length)}`);
		const last = slidesOf(1).length;
		for (let n = 3; n <= last; n++) await page.keyboard.press('PageDown');
		await expect.poll(() => page.url()).toContain(`slide=${last}`);
		await page.keyboard.press('PageDown');
		await expect.poll(() => page.url()).toContain(`${href(2)}?present&slide=1`);
		await expect.poll(() => h1(page)).toBe(CHAPTERS[2].title);
		await expect.poll(notesAt).toBe(`${UI.chapterN(2)} · ${UI.slideN(1, slidesOf(2).length)}`);
		await page.keyboard.press('PageUp');
		await expect.poll(() => page.url()).toContain(`${href(1)}?present&slide=${last}`);
		await page.keyboard.press('Escape');
		await expect.poll(() => new URL(page.url()).search).toBe('');
		await page.locator('.pager').waitFor();
	});

	for (const viewport of [
		{ width: 1920, height: 1080 },
		{ width: 1280, height: 720 }
	]) {
		test(`every slide fits ${viewport.width}×${viewport.height}${viewport.width === 1920 ? ' with body text ≥ 28 px' : ''}`, { timeout: LONG }, async () => {
			const page = await open(href(1, '?present&slide=1'), viewport);
			await page.locator('.present').waitFor();
			for (const id of CHAPTER_IDS) {
				const slides = slidesOf(id);
				for (let slide = 1; slide <= slides.length; slide++) {
					const kind = slides[slide - 1].kind;
					// the next key only once this slide's requests are done: a navigation on top of a loading one aborts them
					if (id > 1 || slide > 1) await page.waitForLoadState('networkidle').then(() => page.keyboard.press('PageDown'));
					await expect.poll(() => page.url()).toContain(`${href(id)}?present&slide=${slide}`);
					await expect.poll(() => page.locator('.present').getAttribute('data-slide')).toBe(kind);
					if (kind === 'figure') await page.locator('.lesson-figure').waitFor();
					if (kind === 'question') await questionReady(page);
					await page.waitForTimeout(150); // the figure slide's fit runs on the next frame
					const fit = await measureSlide(page);
					expect(fit.fitsY, `chapter ${id} slide ${slide} fits vertically`).toBe(true);
					expect(fit.fitsX, `chapter ${id} slide ${slide} fits horizontally`).toBe(true);
					if (viewport.width === 1920) {
						expect(fit.smallestText, `chapter ${id} slide ${slide} body text`).toBeGreaterThanOrEqual(28);
						if (kind === 'figure')
							expect(fit.smallestNumber, `chapter ${id} figure: smallest number "${fit.smallestNumberText}"`).toBeGreaterThanOrEqual(24);
					}
					await page.screenshot({ path: `${SHOTS}/present-${viewport.width}-ch${id}-${slide}.png` });
				}
			}
		});
	}
});

describe('dark theme', () => {
	test('follows the system, is readable (axe, contrast included) on every page, and the switch is remembered', { timeout: 600_000 }, async () => {
		for (const path of ['/', '/learn', href(1), href(6), href(9), '/explorer', '/latency', '/classify', '/yours', '/model']) {
			// one page per route, checked before it closes (closing may abort a late font or model request)
			const page = await browser.context.newPage();
			await page.emulateMedia({ colorScheme: 'dark' });
			const watch = watchPage(page);
			await page.goto(server.url + path);
			await page.locator('h1').first().waitFor();
			if (path.startsWith('/learn/')) await questionReady(page);
			await page.evaluate(() => document.fonts.ready.then(() => undefined));
			expect(await page.evaluate(() => document.documentElement.dataset.theme), path).toBe('dark');
			expect(await seriousAxeViolations(page), `axe on ${path} in the dark`).toEqual([]);
			await page.screenshot({ path: `${SHOTS}/dark${path === '/' ? '-home' : path.replaceAll('/', '-')}.png`, fullPage: true });
			expect(watch.consoleErrors, `console errors on ${path}`).toEqual([]);
			expect(watch.outsideRequests, `requests from ${path} to other origins`).toEqual([]);
			await page.close();
		}
		const page = await browser.context.newPage();
		await page.emulateMedia({ colorScheme: 'dark' });
		opened.push({ page, watch: watchPage(page), path: href(2) });
		await page.goto(server.url + href(2));
		const toggle = page.getByRole('button', { name: 'Dark theme' });
		await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
		await toggle.click();
		expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
		await questionReady(page);
		await settle(page);
		await page.reload();
		expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
		await page.evaluate(() => localStorage.removeItem('mobileone-lab.theme'));
		await questionReady(page);
		await settle(page);
	});
});
