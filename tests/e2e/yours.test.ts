/**
 * The "your network" page in Chromium, on the static build (`vite build` first): files set on the
 * input are fused in the worker and proved in onnxruntime-web; the downloaded ONNX is checked again
 * here in onnxruntime-node against the original. Bad files each get their sentence, and a good file
 * works after them. The network survives a reload (IndexedDB) and "Forget" removes it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, closeSync, openSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Page } from 'playwright-core';
import { launchBrowser, seriousAxeViolations, startStaticServer, watchPage, type LaunchedBrowser, type PageWatch, type StaticServer } from '../../scripts/lib/browser-harness';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { loadCheckpoint, requireUnfused, saveCheckpoint } from '../../src/lib/io/checkpoint';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { OWN_NETWORK_DB } from '../../src/ui/yours/store';
import { badFiles, SMALL_SPEC, unfusedOnnx } from '../fixtures/yours';
import { stateDict as familyBlocksStateDict } from '../fixtures/family-blocks';
import { FUSED_METADATA, fuseNetworkFile, PROOF_SEED } from '../../src/lib/fuse-file';
import { readFamilyBlocks } from '../../src/lib/families/read-blocks';
import { blockStateDict } from '../../src/lib/families/fuse-blocks';
import { familyStepView } from '../../src/lib/families/explain';
import { readSafetensors, writeSafetensors } from '../../src/lib/io/safetensors';
import { AGREEMENT_TOLERANCE } from '../../src/lib/mobileone/explain';

const BUILD = process.env.E2E_BUILD ?? 'build';
const SCREENSHOTS = 'test-results/screenshots';
/** Generous: on a busy 2-core machine loading the runtime and two sessions takes seconds. */
const FUSE_TIMEOUT = 120_000;
const PYTHON = '/usr/bin/python3';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

let server: StaticServer;
let browser: LaunchedBrowser;
let dir: string;
let opened: { page: Page; watch: PageWatch }[] = [];

beforeAll(async () => {
	server = await startStaticServer(BUILD, { isolated: true });
	browser = await launchBrowser();
	dir = mkdtempSync(join(tmpdir(), 'yours-e2e-'));
});

afterEach(async () => {
	const pages = opened;
	opened = [];
	try {
		for (const { watch } of pages) {
			expect(watch.consoleErrors, 'console errors').toEqual([]);
			expect(watch.failedRequests, 'failed requests').toEqual([]);
			expect(watch.outsideRequests, 'requests leaving the origin').toEqual([]);
		}
	} finally {
		for (const { page } of pages) await page.close();
	}
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
	const page = await browser.context.newPage();
	await page.setViewportSize(viewport);
	opened.push({ page, watch: watchPage(page) });
	// Each test starts with nothing kept: the browser profile, and so IndexedDB, is shared by all.
	// Cleared from a page that does not read it, so no network an earlier test kept starts loading.
	await page.goto(`${server.url}/model`, { waitUntil: 'networkidle' });
	await page.evaluate(
		(db) =>
			new Promise((done) => {
				const req = indexedDB.deleteDatabase(db);
				req.onsuccess = req.onerror = req.onblocked = () => done(null);
			}),
		OWN_NETWORK_DB.name
	);
	await page.goto(`${server.url}/yours`, { waitUntil: 'networkidle' });
	expect(await page.locator('.kept').count()).toBe(0);
	return page;
}

const fileInput = (page: Page) => page.getByLabel('Choose a network file');

async function give(page: Page, name: string, bytes: Uint8Array): Promise<void> {
	await fileInput(page).setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
}

/** Waits for the verdict, then downloads the fused ONNX and returns it with the verdict's text. */
async function verdictAndDownload(page: Page): Promise<{ verdict: string; onnx: Uint8Array; filename: string }> {
	const verdict = page.locator('.verdict');
	await page.locator('.verdict, [role="alert"]').first().waitFor({ state: 'visible', timeout: FUSE_TIMEOUT });
	const alert = page.getByRole('alert');
	if (await alert.count()) throw new Error(`the page refused the file: ${await alert.innerText()}`);
	expect(await verdict.getAttribute('data-agrees')).toBe('true');
	const link = page.getByRole('link', { name: /Fused ONNX/ });
	const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
	const path = await download.path();
	return { verdict: await verdict.innerText(), onnx: new Uint8Array(readFileSync(path)), filename: download.suggestedFilename() };
}

/** The original and the fused network on one random input in onnxruntime-node: max |Δ| ≤ 1e-4 · max |y|. */
async function expectSameFunction(original: Uint8Array, fused: Uint8Array, shape: number[]): Promise<void> {
	const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 12.9898) * 2);
	const run = async (bytes: Uint8Array) => {
		const s = await ort.InferenceSession.create(bytes);
		const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', data, shape) });
		const y = out[s.outputNames[0]].data as Float32Array;
		await s.release();
		return y;
	};
	const [a, b] = [await run(original), await run(fused)];
	expect(b.length).toBe(a.length);
	let d = 0;
	let m = 0;
	for (let i = 0; i < a.length; i++) {
		d = Math.max(d, Math.abs(a[i] - b[i]));
		m = Math.max(m, Math.abs(a[i]));
	}
	expect(m).toBeGreaterThan(0);
	expect(d).toBeLessThanOrEqual(1e-4 * m);
}

describe('your network', () => {
	test('a safetensors state dict: recognised, proved, downloadable, kept across a reload, forgotten', async () => {
		const page = await openPage();
		const bytes = new Uint8Array(readFileSync('models/mobileone-cifar10.safetensors'));
		await give(page, 'mobileone-cifar10.safetensors', bytes);
		const { verdict, onnx, filename } = await verdictAndDownload(page);
		expect(verdict).toMatch(/^The fused network computes the same function: max \|Δ\| = /);
		expect(filename).toBe('mobileone-cifar10-fused.onnx');
		await expectSameFunction(buildOnnx(requireUnfused(loadCheckpoint(bytes), 'the test')), onnx, [1, 3, 32, 32]);

		// What it recognised: the spec, the collapse table, operators before → after.
		await expect.poll(() => page.getByRole('region', { name: 'Whole-network collapse table' }).count()).toBe(1);
		expect(await page.locator('.spec').innerText()).toMatch(/k = 4/);
		const st = page.getByRole('link', { name: /Fused safetensors/ });
		expect(await st.getAttribute('download')).toBe('mobileone-cifar10-fused.safetensors');
		expect(await st.getAttribute('href')).toMatch(/^blob:/);
		const [stDownload] = await Promise.all([page.waitForEvent('download'), st.click()]);
		const fusedCk = loadCheckpoint(new Uint8Array(readFileSync(await stDownload.path())));
		expect(fusedCk.form).toBe('fused');

		expect(await seriousAxeViolations(page)).toEqual([]);
		mkdirSync(SCREENSHOTS, { recursive: true });
		for (const width of [375, 1280, 1920]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${SCREENSHOTS}/yours-${width}.png`, fullPage: true });
			const wider = await page.evaluate(() =>
				[...document.querySelectorAll('body *')]
					.filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll-x'))
					.map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
			);
			expect(wider, `elements wider than ${width} px`).toEqual([]);
		}

		// Kept in IndexedDB: a reload shows it again, proved again.
		await page.reload({ waitUntil: 'networkidle' });
		await page.locator('.verdict[data-agrees="true"]').waitFor({ timeout: FUSE_TIMEOUT });
		expect(await page.locator('.kept').innerText()).toContain('mobileone-cifar10.safetensors');
		await page.getByRole('button', { name: 'Forget this network' }).click();
		await expect.poll(() => page.locator('.verdict').count()).toBe(0);
		await page.reload({ waitUntil: 'networkidle' });
		await page.waitForTimeout(500);
		expect(await page.locator('.kept').count()).toBe(0);
		expect(await page.locator('.verdict').count()).toBe(0);
	}, 300_000);

	test('an unfused ONNX graph: every group listed and merged, the download computes the same', async () => {
		const page = await openPage();
		const original = unfusedOnnx();
		await give(page, 'small.onnx', original);
		const { onnx, filename } = await verdictAndDownload(page);
		expect(filename).toBe('small-fused.onnx');
		const groups = page.getByRole('region', { name: 'Groups of parallel branches' });
		const rows = groups.locator('tbody tr');
		expect(await rows.count()).toBeGreaterThan(0);
		expect(await groups.locator('caption').innerText()).toMatch(/^(\d+) of \1 groups/);
		expect(await page.getByRole('link', { name: /Fused safetensors/ }).count()).toBe(0);
		await expectSameFunction(original, onnx, [1, 3, 40, 40]);
		await page.screenshot({ path: `${SCREENSHOTS}/yours-onnx-1280.png`, fullPage: true });
	}, 300_000);

	test.skipIf(!torchAvailable)('a PyTorch .pth.tar training checkpoint written by torch.save', async () => {
		const path = join(dir, 'small.pth.tar');
		const script = [
			'import json, sys, torch',
			"sys.path.insert(0, 'models')",
			'from mobileone import MobileOne',
			'torch.set_num_threads(1); torch.manual_seed(0)',
			'm = MobileOne(json.loads(sys.argv[1]))',
			'with torch.no_grad():',
			'    for b in m.modules():',
			'        if isinstance(b, torch.nn.BatchNorm2d):',
			'            b.weight.uniform_(0.5, 1.5); b.bias.normal_(0, 0.1); b.running_mean.normal_(0, 0.1); b.running_var.uniform_(0.5, 2.0)',
			"torch.save({'epoch': 3, 'state_dict': m.state_dict()}, sys.argv[2])"
		].join('\n');
		const made = spawnSync(PYTHON, ['-c', script, JSON.stringify(SMALL_SPEC), path], { encoding: 'utf8' });
		expect(made.status, made.stderr).toBe(0);
		const page = await openPage();
		await give(page, 'small.pth.tar', new Uint8Array(readFileSync(path)));
		const { onnx, filename } = await verdictAndDownload(page);
		expect(filename).toBe('small-fused.onnx');
		expect(await page.locator('#recognised-heading + p').innerText()).toMatch(/PyTorch.*found at state_dict/s);
		// The original, as our builder writes the same weights unfused, against the download.
		const tensors = await import('../../src/lib/io/network-file').then((m) => m.readNetworkFile(new Uint8Array(readFileSync(path))));
		if (tensors.kind !== 'checkpoint') throw new Error('expected a checkpoint');
		await expectSameFunction(buildOnnx(requireUnfused(tensors.checkpoint, 'the test')), onnx, [1, 3, 32, 32]);
	}, 300_000);

	test('every bad file gets its one sentence, and a good file works after them', async () => {
		const page = await openPage({ width: 375, height: 800 });
		for (const f of badFiles()) {
			await give(page, f.name, f.bytes);
			const alert = page.getByRole('alert');
			await expect.poll(() => alert.innerText().catch(() => ''), { timeout: 30_000 }).toContain(f.name);
			expect(await alert.innerText(), f.label).toMatch(f.says);
		}
		// Too large: refused by its size, before a byte is read (a sparse file costs no disk).
		const huge = join(dir, 'huge.onnx');
		closeSync(openSync(huge, 'w'));
		truncateSync(huge, 600 * 1024 * 1024);
		await fileInput(page).setInputFiles(huge);
		await expect.poll(() => page.getByRole('alert').innerText().catch(() => '')).toMatch(/huge\.onnx: This file is 629 MB, above the 512 MB this page reads; it was not opened\./);
		await page.screenshot({ path: `${SCREENSHOTS}/yours-error-375.png`, fullPage: true });
		expect(await seriousAxeViolations(page)).toEqual([]);
		// Nothing bad was kept.
		expect(await page.locator('.kept').count()).toBe(0);

		await give(page, 'small.onnx', unfusedOnnx());
		await verdictAndDownload(page);
		expect(await page.getByRole('alert').count()).toBe(0);
		await page.getByRole('button', { name: 'Forget this network' }).click();
	}, 300_000);

	test('Explore it and Time it: a state dict’s blocks step by step, then timed in the latency lab', async () => {
		const page = await openPage();
		// A small MobileOne state dict with its spec (input 32×32) in the metadata.
		await give(page, 'small.safetensors', saveCheckpoint(syntheticModel(SMALL_SPEC, 3)));
		await page.locator('.verdict[data-agrees="true"]').waitFor({ timeout: FUSE_TIMEOUT });

		// Explore it: the first block, the normal five steps with the real numbers, to the proof's max |Δ|.
		await page.getByRole('link', { name: 'Explore it' }).click();
		await page.waitForURL(/\/explorer\?model=yours/);
		await page.locator('#step-title').waitFor({ timeout: 60_000 });
		expect(await page.locator('.lede').innerText()).toContain('your network (small.safetensors)');
		expect(await page.locator('form.controls label:has(> span:text-is("Model")) select').locator('option:checked').textContent()).toBe('Your network (small.safetensors)');
		await page.locator('form.controls label:has(> span:text-is("Block")) select').selectOption({ index: 3 });
		for (let i = 1; i < 5; i++) await page.getByRole('button', { name: 'Next →' }).click();
		const verdict = page.locator('.verdict');
		await verdict.waitFor({ timeout: 60_000 });
		expect(await verdict.innerText()).toMatch(/^max \|Δ\| = /);
		expect(Number(await verdict.getAttribute('data-max-delta'))).toBeLessThanOrEqual(1e-4 * Number(await verdict.getAttribute('data-max-output')));
		expect(page.url()).toMatch(/model=yours&block=stage1\.2&ch=0&step=5/);
		expect(await seriousAxeViolations(page)).toEqual([]);

		// Time it: the lab offers the network by its file name and times it at the spec's size.
		await page.goto(`${server.url}/yours`, { waitUntil: 'networkidle' });
		await page.locator('.verdict[data-agrees="true"]').waitFor({ timeout: FUSE_TIMEOUT });
		await page.getByRole('link', { name: 'Time it' }).click();
		await page.waitForURL(/\/latency\?model=yours/);
		const choice = page.locator('input[name="model"][value="yours"]');
		await choice.waitFor({ state: 'attached' });
		expect(await choice.isChecked()).toBe(true);
		expect(await page.locator('.controls').innerText()).toContain('Your network (small.safetensors)');
		// A short budget on one thread, by the lab's own link format.
		await page.goto(`${server.url}/latency?model=yours&backend=wasm-1&budget=0.5`, { waitUntil: 'networkidle' });
		await expect.poll(() => page.locator('input[name="model"][value="yours"]').isChecked()).toBe(true);
		await page.getByRole('button', { name: /Run the benchmark/ }).click();
		await page.locator('#results-heading').waitFor({ state: 'visible', timeout: FUSE_TIMEOUT });
		expect(await page.locator('.size-note').innerText()).toBe('Your network is timed at 32×32, the input size of your network’s spec.');
		expect(await page.locator('#graphs-heading').count()).toBe(1);
		await page.screenshot({ path: `${SCREENSHOTS}/yours-latency-1280.png`, fullPage: true });
		expect(await seriousAxeViolations(page)).toEqual([]);
	}, 480_000);

	test('Explore it on an ONNX file (torch.onnx.export when PyTorch is here): each merged group a block, the exporter’s folded BatchNorm said, a proof; nothing kept says so', async () => {
		const page = await openPage();
		// With nothing kept, the explorer says so in one sentence and links back here.
		await page.goto(`${server.url}/explorer?model=yours`, { waitUntil: 'networkidle' });
		const missing = page.locator('.missing');
		await missing.waitFor();
		expect(await missing.innerText()).toMatch(/^No network of yours is kept in this browser: drop one on Your network first/);
		expect(await missing.getByRole('link').getAttribute('href')).toBe('/yours');
		await page.goto(`${server.url}/yours`, { waitUntil: 'networkidle' });

		let bytes: Uint8Array;
		if (torchAvailable) {
			const spec = { name: 'export', numClasses: 5, inputSize: 16, stem: { width: 8, stride: 2, k: 2 }, stages: [{ width: 8, blocks: 1, stride: 1, k: 2, seBlocks: 0 }] };
			writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
			const done = spawnSync(PYTHON, ['models/export_onnx_fixture.py', join(dir, 'spec.json'), join(dir, 'exported.onnx'), '5'], { encoding: 'utf8' });
			expect(done.status, done.stderr).toBe(0);
			bytes = new Uint8Array(readFileSync(join(dir, 'exported.onnx')));
		} else bytes = unfusedOnnx();
		await give(page, 'exported.onnx', bytes);
		await page.locator('.verdict[data-agrees="true"]').waitFor({ timeout: FUSE_TIMEOUT });
		await page.getByRole('link', { name: 'Explore it' }).click();
		await page.waitForURL(/\/explorer\?model=yours&block=group1/);
		await page.locator('#step-title').waitFor({ timeout: 60_000 });
		expect(await page.locator('.eyebrow', { hasText: 'Step 1 of 5' }).textContent()).toMatch(/group 1 of \d+/);
		if (torchAvailable) expect(await page.locator('.folded').innerText()).toMatch(/^The exporter already folded the BatchNorm of every conv branch into its Conv/);
		expect(await page.locator('.row').count()).toBeGreaterThan(0);
		await page.screenshot({ path: `${SCREENSHOTS}/yours-explore-onnx-1280.png`, fullPage: true });
		await page.locator('form.controls label:has(> span:text-is("Block")) select').selectOption({ index: 1 });
		for (let i = 1; i < 5; i++) await page.getByRole('button', { name: 'Next →' }).click();
		const verdict = page.locator('.verdict');
		await verdict.waitFor({ timeout: 60_000 });
		expect(await verdict.innerText()).toMatch(/^max \|Δ\| = .*the fused block computes the same function/s);
		expect(page.url()).toMatch(/model=yours&block=group2&ch=0&step=5/);
		expect(await seriousAxeViolations(page)).toEqual([]);
		for (const width of [375, 1920]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${SCREENSHOTS}/yours-explore-onnx-${width}.png`, fullPage: true });
		}
	}, 480_000);
	test('a state dict of family blocks (torch.save of models/families.py when PyTorch is here): every block fused and proved, the download = the engine’s, a block opened in the explorer', async () => {
		let name = 'family-blocks.safetensors';
		let bytes = writeSafetensors(familyBlocksStateDict());
		if (torchAvailable) {
			const made = spawnSync(PYTHON, ['models/families.py', 'network', join(dir, 'families'), '--seed', '5'], { encoding: 'utf8' });
			expect(made.status, made.stderr).toBe(0);
			name = 'network.pth';
			bytes = new Uint8Array(readFileSync(join(dir, 'families', 'network.pth')));
		}
		// what the engine (the same fuseNetworkFile as npm run fuse) makes of it, in Node
		const engine = await fuseNetworkFile(bytes, { seed: PROOF_SEED, size: 0, out: 'safetensors', metadata: { ...FUSED_METADATA } });
		if (engine.status !== 'fused' || !engine.blockChecks) throw new Error('the engine did not fuse it as blocks');
		const checks = engine.blockChecks;
		expect(new Set(checks.map((c) => c.familyId)).size).toBeGreaterThanOrEqual(7);

		const page = await openPage();
		await give(page, name, bytes);
		await page.locator('.verdict, [role="alert"]').first().waitFor({ state: 'visible', timeout: FUSE_TIMEOUT });
		expect(await page.getByRole('alert').count()).toBe(0);
		expect(await page.locator('.verdict').getAttribute('data-agrees')).toBe('true');
		expect(await page.locator('.verdict').innerText()).toMatch(/^Every block's fused conv computes the same function/);
		// one row per block, in the engine's order, each proved: max |Δ| small against max |y|, as the engine found
		const rows = page.getByRole('region', { name: 'Per-block results' }).locator('tbody tr');
		expect(await rows.count()).toBe(checks.length);
		for (let i = 0; i < checks.length; i++) {
			const row = rows.nth(i);
			expect(await row.getAttribute('data-block')).toBe(checks[i].block);
			expect(await row.locator('td').first().innerText()).toBe(checks[i].family);
			expect(await row.locator('td').nth(1).innerText()).toBe(`${checks[i].branches} → 1`);
			const d = Number(await row.getAttribute('data-max-delta'));
			const y = Number(await row.getAttribute('data-max-output'));
			expect(d, checks[i].block).toBeLessThanOrEqual(AGREEMENT_TOLERANCE * y);
			expect(Math.abs(y - checks[i].maxOutput)).toBeLessThanOrEqual(1e-9 * checks[i].maxOutput);
		}
		if (engine.recognised.kind !== 'blocks') throw new Error('not blocks');
		expect(await page.getByRole('region', { name: 'Per-block results' }).locator('caption').innerText()).toBe(
			`${checks.length} blocks fused in place; ${engine.recognised.passedThrough} other tensors passed through untouched.`
		);
		expect(await page.getByRole('link', { name: /Fused ONNX/ }).count()).toBe(0);
		expect(await page.getByRole('link', { name: 'Time it' }).count()).toBe(0);

		// the download: the fused safetensors, each tensor the engine's, byte for byte the file npm run fuse writes
		const link = page.getByRole('link', { name: /Fused safetensors, each family/ });
		const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
		expect(download.suggestedFilename()).toBe(name.replace(/\.(safetensors|pth)$/, '-fused.safetensors'));
		const downloaded = new Uint8Array(readFileSync(await download.path()));
		const got = readSafetensors(downloaded).tensors;
		const want = readSafetensors(engine.bytes).tensors;
		expect([...got.keys()]).toEqual([...want.keys()]);
		for (const [k, t] of want) expect(Array.from(got.get(k)!.data), k).toEqual(Array.from(t.data));
		expect(Buffer.from(downloaded).equals(Buffer.from(engine.bytes))).toBe(true);

		mkdirSync(SCREENSHOTS, { recursive: true });
		for (const width of [375, 1280]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${SCREENSHOTS}/yours-blocks-${width}.png`, fullPage: true });
		}
		await page.setViewportSize({ width: 1280, height: 900 });
		expect(await seriousAxeViolations(page)).toEqual([]);

		// a DBB block into the explorer: the engine's numbers for its own weights, then its proof
		const i = checks.findIndex((c) => c.familyId === 'dbb');
		await rows.nth(i).getByRole('link').click();
		await page.waitForURL(/\/explorer\?family=dbb&/);
		expect(new URL(page.url()).searchParams.get('fblock')).toBe(checks[i].block);
		await page.locator('#family-step-title').waitFor({ timeout: 60_000 });
		expect(await page.locator('.family-intro').innerText()).toContain(`This is block ${checks[i].block} of your network ${name}`);
		const file = readFamilyBlocks(bytes);
		const b = file.blocks[i];
		const fusion = b.family.fuse(b.geometry, blockStateDict(file.tensors, b));
		const view = familyStepView(fusion.steps[0], 0);
		const titles = await page.locator('figure.heatmap').last().locator('rect title').allTextContents();
		expect(titles.map((t) => Number(t.slice(t.lastIndexOf(': ') + 2)))).toEqual(Array.from(view.output!.slice.values));
		for (const width of [375, 1280]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${SCREENSHOTS}/yours-blocks-explore-${width}.png`, fullPage: true });
		}
		await page.setViewportSize({ width: 1280, height: 900 });
		const steps = page.locator('nav ol.steps button');
		expect(await steps.count()).toBe(fusion.steps.length + 1);
		await steps.last().click();
		const verdict = page.locator('.detail .verdict');
		await verdict.waitFor({ timeout: 60_000 });
		expect(Number(await verdict.getAttribute('data-max-output'))).toBeCloseTo(checks[i].maxOutput, 9);
		expect(Number(await verdict.getAttribute('data-relative'))).toBeLessThan(AGREEMENT_TOLERANCE);
		expect(await verdict.innerText()).toMatch(/same function/);
		// any other found block from the list, MobileOne's too
		const other = checks.findIndex((c) => c.familyId === 'mobileone');
		await page.locator('form.controls label:has(> span:text-is("Block")) select').selectOption({ index: other });
		await page.waitForFunction((b) => new URL(location.href).searchParams.get('fblock') === b, checks[other].block);
		expect(await page.locator('.family-intro').innerText()).toContain('MobileOne');
		expect(await seriousAxeViolations(page)).toEqual([]);
	}, 480_000);
});
