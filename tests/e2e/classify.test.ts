/**
 * The classify page in the static build (run `vite build` first; `npm run test:e2e` does).
 *
 * - every sample picture gets its expected top-1 class from both networks, which agree;
 * - classifying sends nothing anywhere: a picked file causes no request at all, a sample only
 *   the request for its own file;
 * - bad input gets a clear message and the page keeps working: not an image, a truncated JPEG or
 *   PNG, a damaged PNG (bad checksum, and bad compressed data), an empty file, an SVG with scripts
 *   (which must not run), a denied camera, no camera;
 * - huge pictures (a 12000 × 12000 PNG, an 18-megapixel JPEG) are decoded small; larger ones are
 *   refused from their header;
 * - EXIF orientation is honoured; drop, paste and a (fake) camera work;
 * - screenshots at 1280 × 800 and 375 × 812 go to test-results/screenshots/.
 *
 * Test pictures are made here, in Node; none comes from CIFAR-10.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { deflateSync, createDeflate } from 'node:zlib';
import jpeg from 'jpeg-js';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser, startStaticServer, type LaunchedBrowser, type StaticServer } from '../../scripts/lib/browser-harness';
import { SAMPLES } from '../../src/ui/image/samples';
import { crc32 } from '../../src/lib/image/imagefile';
import { PROOF_IMAGE_HREF, PROOF_IMAGE_KEY, parseProofImage } from '../../src/lib/image/proofimage';

const SCREENSHOTS = 'test-results/screenshots';
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let server: StaticServer;
let browser: LaunchedBrowser;

beforeAll(async () => {
	await mkdir(SCREENSHOTS, { recursive: true });
	server = await startStaticServer('build', { isolated: true });
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
});

// ---------- helpers ----------

interface Opened {
	page: Page;
	errors: string[];
	requests: Recorded[];
}

interface Recorded {
	method: string;
	url: string;
	body: string | null;
}

function record(page: Page, into: Recorded[]) {
	page.on('request', (r) => into.push({ method: r.method(), url: r.url(), body: r.postData() }));
}

/** A plain GET, with no body, of a file the static build holds: one of the site's own assets. */
function isOwnAsset(r: Recorded): boolean {
	const url = new URL(r.url);
	if (r.method !== 'GET' || r.body !== null || url.origin !== server.url) return false;
	const path = join('build', decodeURIComponent(url.pathname));
	return [path, path + '.html', join(path, 'index.html')].some((p) => existsSync(p) && statSync(p).isFile());
}

const show = (rs: Recorded[]) => rs.map((r) => `${r.method} ${r.url}${r.body === null ? '' : ' (with a body)'}`);

/**
 * Open /classify and (unless `preload` is false) load the model with the page's "Load them now"
 * button. Records console errors and every request.
 */
async function openClassify(
	context: BrowserContext = browser.context,
	viewport = { width: 1280, height: 800 },
	preload = true
): Promise<Opened> {
	const page = await context.newPage();
	await page.setViewportSize(viewport);
	const errors: string[] = [];
	const requests: Recorded[] = [];
	page.on('console', (m) => {
		if (m.type() === 'error') errors.push(m.text());
	});
	page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
	record(page, requests);
	await page.goto(server.url + '/classify', { waitUntil: 'load' });
	await page.locator('[data-testid="classify"][data-model="idle"]').waitFor();
	if (preload) {
		await page.getByRole('button', { name: 'Load them now' }).click();
		await page.locator('[data-testid="classify"][data-model="ready"]').waitFor({ timeout: 90_000 });
	}
	return { page, errors, requests };
}

async function attempts(page: Page): Promise<number> {
	return Number(await page.locator('[data-testid="classify"]').getAttribute('data-attempts'));
}

/** Run `act` and wait until the page has finished one more attempt (classified or refused). */
async function afterAttempt(page: Page, act: () => Promise<unknown>): Promise<void> {
	const before = await attempts(page);
	await act();
	await expect.poll(() => attempts(page), { timeout: 60_000 }).toBeGreaterThan(before);
}

async function pickFile(page: Page, name: string, mimeType: string, buffer: Buffer | Uint8Array): Promise<void> {
	await afterAttempt(page, () =>
		page.locator('[data-testid="file-input"]').setInputFiles({ name, mimeType, buffer: Buffer.from(buffer) })
	);
}

async function errorText(page: Page): Promise<string> {
	return (await page.locator('[data-testid="error"]').innerText()).trim();
}

interface Answer {
	unfused: string;
	fused: string;
	unfusedP: number;
	fusedP: number;
	agree: boolean;
	maxDiff: number;
}

async function answer(page: Page): Promise<Answer> {
	const top = (form: string) => page.locator(`[data-testid="scores-${form}"] li`).first();
	return {
		unfused: (await top('unfused').getAttribute('data-label')) ?? '',
		fused: (await top('fused').getAttribute('data-label')) ?? '',
		unfusedP: Number(await top('unfused').getAttribute('data-probability')),
		fusedP: Number(await top('fused').getAttribute('data-probability')),
		agree: (await page.locator('[data-testid="verdict"]').getAttribute('data-agree')) === 'true',
		maxDiff: Number(await page.locator('[data-testid="max-diff"]').getAttribute('data-value'))
	};
}

/** The 32 × 32 preview's pixels, as the page drew them. */
async function networkPixels(page: Page): Promise<number[]> {
	return page.locator('[data-testid="pixel-preview"]').evaluate((c: HTMLCanvasElement) =>
		Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data)
	);
}

function pixelAt(rgba: number[], x: number, y: number, size = 32): [number, number, number] {
	const i = 4 * (y * size + x);
	return [rgba[i], rgba[i + 1], rgba[i + 2]];
}

function isRed([r, g, b]: number[]) {
	return r > 180 && g < 80 && b < 80;
}
function isBlue([r, g, b]: number[]) {
	return b > 180 && r < 80 && g < 80;
}

/** Serious or critical axe-core violations (evaluated over DevTools, which the page CSP allows). */
async function seriousAxeViolations(page: Page): Promise<string[]> {
	await page.evaluate(await readFile(AXE_PATH, 'utf8'));
	const violations = await page.evaluate(async () => {
		// @ts-expect-error injected above
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations as { id: string; impact: string | null; nodes: { target: unknown[] }[] }[];
	});
	return violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.impact} ${v.id} @ ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

// ---------- test pictures, made here ----------

function pngChunk(type: string, data: Buffer): Buffer {
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	out.write(type, 4, 'ascii');
	data.copy(out, 8);
	out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
	return out;
}

function pngFromIdat(width: number, height: number, idat: Buffer): Buffer {
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', idat),
		pngChunk('IEND', Buffer.alloc(0))
	]);
}

/** RGB PNG, top half red and bottom half blue, compressed row by row (never all in memory). */
async function redOverBluePng(width: number, height: number): Promise<Buffer> {
	const row = (rgb: number[]) => {
		const r = Buffer.alloc(1 + 3 * width);
		for (let x = 0; x < width; x++) r.set(rgb, 1 + 3 * x);
		return r;
	};
	const red = row([230, 20, 20]);
	const blue = row([20, 20, 230]);
	const deflate = createDeflate({ level: 6 });
	const chunks: Buffer[] = [];
	deflate.on('data', (c: Buffer) => chunks.push(c));
	const done = new Promise((ok) => deflate.on('end', ok));
	for (let y = 0; y < height; y++) {
		if (!deflate.write(y < height / 2 ? red : blue)) await new Promise((ok) => deflate.once('drain', ok));
	}
	deflate.end();
	await done;
	return pngFromIdat(width, height, Buffer.concat(chunks));
}

/** A JPEG whose stored pixels are left half red, right half blue, with an EXIF orientation tag. */
function jpegWithOrientation(width: number, height: number, orientation: number): Buffer {
	const data = Buffer.alloc(width * height * 4);
	for (let y = 0; y < height; y++)
		for (let x = 0; x < width; x++) data.set(x < width / 2 ? [230, 20, 20, 255] : [20, 20, 230, 255], 4 * (y * width + x));
	const encoded = jpeg.encode({ data, width, height }, 92).data;
	// APP1 "Exif": a big-endian TIFF header and one IFD entry, Orientation (0x0112), SHORT.
	const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0, 0, 0];
	const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from(tiff)]);
	const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
	return Buffer.concat([encoded.subarray(0, 2), app1, encoded.subarray(2)]);
}

// ---------- tests ----------

describe('classify page', () => {
	test('classifies every sample picture correctly, with both forms agreeing', async () => {
		const { page, errors } = await openClassify();
		const rows: string[] = [];
		const wrong: string[] = [];
		try {
			for (const s of SAMPLES) {
				await afterAttempt(page, () => page.locator(`[data-sample="${s.file}"]`).click());
				expect(await errorText(page), s.file).toBe('');
				const a = await answer(page);
				rows.push(
					`${s.file.padEnd(24)} expected ${s.label.padEnd(10)} train-time ${a.unfused} ${(100 * a.unfusedP).toFixed(1)}%, fused ${a.fused} ${(100 * a.fusedP).toFixed(1)}%, max|Δ| ${a.maxDiff.toExponential(1)}`
				);
				if (a.unfused !== s.label || a.fused !== s.label) wrong.push(s.file);
				expect(a.agree, `${s.file}: forms agree`).toBe(true);
				expect(a.unfused).toBe(a.fused);
				expect(a.maxDiff, `${s.file}: max |Δ| of logits`).toBeLessThan(1e-4);
				expect(Math.abs(a.unfusedP - a.fusedP)).toBeLessThan(1e-4);
			}
			console.log(`sample results:\n${rows.join('\n')}`);
			expect(wrong, 'samples with the wrong top-1 class').toEqual([]);
			expect(errors).toEqual([]);
		} finally {
			await page.close();
		}
	});

	test('nothing leaves the device: classifying requests only the site’s own files', async () => {
		const { page, errors, requests } = await openClassify(browser.context, undefined, false);
		try {
			// The page alone does not fetch the model (about 21 MB): the first picture does.
			await page.waitForLoadState('networkidle');
			expect(requests.some((r) => /\.(safetensors|wasm)$/.test(r.url))).toBe(false);
			await afterAttempt(page, () => page.locator('[data-sample="airplane-747.jpg"]').click());
			expect((await answer(page)).unfused).toBe('airplane');
			// Loading the page and the model: this site's own static files only.
			expect(show(requests.filter((r) => !isOwnAsset(r)))).toEqual([]);
			expect(requests.some((r) => r.url.endsWith('.safetensors'))).toBe(true);
			expect(requests.some((r) => r.url.endsWith('.wasm'))).toBe(true);
			const csp = (await page.locator('meta[http-equiv="content-security-policy"]').getAttribute('content')) ?? '';
			expect(csp).toContain("connect-src 'self'");
			expect(csp).toContain("default-src 'self'");

			// A picked file: at most a font the new text needs, nothing that could carry the picture.
			const during: Recorded[] = [];
			record(page, during);
			await pickFile(page, 'red-over-blue.png', 'image/png', await redOverBluePng(400, 300));
			expect((await answer(page)).agree).toBe(true);
			expect(show(during.filter((r) => !isOwnAsset(r) || !/\.woff2$/.test(r.url)))).toEqual([]);

			// A sample: its own file.
			during.length = 0;
			await afterAttempt(page, () => page.locator('[data-sample="frog.jpg"]').click());
			expect(show(during.filter((r) => !isOwnAsset(r)))).toEqual([]);
			expect(show(during)).toContain(`GET ${server.url}/samples/frog.jpg`);

			// A script on the page cannot reach another origin either: the CSP refuses it.
			const outside = await page.evaluate(() =>
				fetch('http://example.invalid/upload', { method: 'POST', body: 'x' }).then(
					() => 'sent',
					() => 'refused'
				)
			);
			expect(outside).toBe('refused');
			expect(show(during.filter((r) => !isOwnAsset(r)))).toEqual([]);
			expect(errors.filter((e) => !/Content Security Policy|example\.invalid/.test(e))).toEqual([]);
		} finally {
			await page.close();
		}
	});

	test('hands the 32 × 32 crop to the fusion explorer through sessionStorage', async () => {
		const { page } = await openClassify();
		try {
			await afterAttempt(page, () => page.locator('[data-sample="cat-chelsea.jpg"]').click());
			const link = page.locator('[data-testid="explorer-link"]');
			expect(await link.getAttribute('href')).toBe(PROOF_IMAGE_HREF);
			const stored = parseProofImage(await page.evaluate((k) => sessionStorage.getItem(k), PROOF_IMAGE_KEY));
			expect(stored).not.toBeNull();
			expect(stored).toMatchObject({ width: 32, height: 32, name: 'cat-chelsea.jpg' });
			const px = await networkPixels(page);
			expect(stored!.rgb.slice(0, 6)).toEqual([px[0], px[1], px[2], px[4], px[5], px[6]]);
			await Promise.all([page.waitForURL(/\/explorer\?input=mine$/), link.click()]);
			expect(await page.evaluate((k) => sessionStorage.getItem(k) !== null, PROOF_IMAGE_KEY)).toBe(true);
		} finally {
			await page.close();
		}
	});

	test('rapid choices: the last picture wins, and runs never overlap', async () => {
		const { page, errors } = await openClassify();
		try {
			for (const f of ['airplane-747.jpg', 'frog.jpg', 'cat-chelsea.jpg', 'ship-junk.jpg']) await page.locator(`[data-sample="${f}"]`).click();
			await expect.poll(() => page.locator('[data-testid="classify"]').getAttribute('data-busy'), { timeout: 60_000 }).toBe('false');
			await expect.poll(() => page.locator('[data-testid="verdict"]').getAttribute('data-agree'), { timeout: 60_000 }).toBe('true');
			expect((await answer(page)).unfused).toBe('ship');
			expect(await page.locator('[data-sample="ship-junk.jpg"]').getAttribute('aria-pressed')).toBe('true');
			expect(await errorText(page)).toBe('');
			expect(errors).toEqual([]);
		} finally {
			await page.close();
		}
	});

	test('works on a many-core device (ORT stays on one thread, no worker errors)', async () => {
		const context = browser.context;
		const page0 = await context.newPage();
		// A string, not a function: the test's compiler would add helpers the page does not have.
		await page0.addInitScript({ content: "Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 16 })" });
		const errors: string[] = [];
		page0.on('console', (m) => {
			if (m.type() === 'error') errors.push(m.text());
		});
		page0.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
		try {
			await page0.goto(server.url + '/classify');
			expect(await page0.evaluate(() => [navigator.hardwareConcurrency, self.crossOriginIsolated])).toEqual([16, true]);
			await afterAttempt(page0, () => page0.locator('[data-sample="ship-junk.jpg"]').click());
			expect((await answer(page0)).unfused).toBe('ship');
			expect(errors).toEqual([]);
		} finally {
			await page0.close();
		}
	});

	test('honours EXIF orientation', async () => {
		const { page, errors } = await openClassify();
		try {
			// Stored 640 × 320, left red | right blue; orientation 6 turns it a quarter clockwise, so
			// it shows 320 × 640 with red on top. Without EXIF the centre square would be red | blue.
			await pickFile(page, 'rotated.jpg', 'image/jpeg', jpegWithOrientation(640, 320, 6));
			expect(await errorText(page)).toBe('');
			const px = await networkPixels(page);
			expect(isRed(pixelAt(px, 4, 4)), 'top-left is red').toBe(true);
			expect(isRed(pixelAt(px, 28, 4)), 'top-right is red').toBe(true);
			expect(isBlue(pixelAt(px, 4, 28)), 'bottom-left is blue').toBe(true);
			expect(isBlue(pixelAt(px, 28, 28)), 'bottom-right is blue').toBe(true);
			expect(await page.locator('[data-testid="classify"]').innerText()).toContain('320 × 640 px');

			// Orientation 8 turns it the other way: blue on top.
			await pickFile(page, 'rotated-8.jpg', 'image/jpeg', jpegWithOrientation(640, 320, 8));
			const px8 = await networkPixels(page);
			expect(isBlue(pixelAt(px8, 16, 4))).toBe(true);
			expect(isRed(pixelAt(px8, 16, 28))).toBe(true);

			// A phone-sized photo, decoded with a resize as well as the turn: not squashed.
			await pickFile(page, 'phone.jpg', 'image/jpeg', jpegWithOrientation(2400, 1200, 6));
			expect(await page.locator('[data-testid="classify"]').innerText()).toContain('1,200 × 2,400 px');
			const preview = await page.locator('[data-testid="source-preview"]').evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
			expect(preview).toEqual([512, 1024]);
			const pxPhone = await networkPixels(page);
			expect(isRed(pixelAt(pxPhone, 4, 4)) && isRed(pixelAt(pxPhone, 28, 4))).toBe(true);
			expect(isBlue(pixelAt(pxPhone, 4, 28)) && isBlue(pixelAt(pxPhone, 28, 28))).toBe(true);
			expect(errors).toEqual([]);
		} finally {
			await page.close();
		}
	});

	test('bad files get a clear message and the page keeps working', async () => {
		const { page, errors } = await openClassify();
		try {
			const chelsea = Buffer.from(await (await fetch(server.url + '/samples/cat-chelsea.jpg')).arrayBuffer());
			const horse = Buffer.from(await (await fetch(server.url + '/samples/horse-silhouette.png')).arrayBuffer());
			const badCrc = Buffer.from(horse);
			badCrc[60] ^= 0xff; // inside IDAT
			// Valid framing and checksums, but compressed data that is not zlib: only the decoder notices.
			const badZlib = pngFromIdat(64, 64, Buffer.concat([Buffer.from([0x78, 0x9c]), Buffer.alloc(300, 0xa5)]));

			const cases: { name: string; type: string; bytes: Buffer; message: RegExp }[] = [
				{ name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('hello, this is not a picture\n'), message: /“notes\.txt” is not an image/ },
				{ name: 'fake.jpg', type: 'image/jpeg', bytes: Buffer.from('%PDF-1.7\n1 0 obj\n'), message: /“fake\.jpg” is not an image/ },
				{ name: 'cut.jpg', type: 'image/jpeg', bytes: chelsea.subarray(0, Math.floor(chelsea.length * 0.6)), message: /“cut\.jpg”.*JPEG file is cut short/ },
				{ name: 'damaged.png', type: 'image/png', bytes: badCrc, message: /“damaged\.png”.*PNG file is damaged/ },
				{ name: 'cut.png', type: 'image/png', bytes: horse.subarray(0, horse.length - 100), message: /“cut\.png”.*incomplete/ },
				{ name: 'garbled.png', type: 'image/png', bytes: badZlib, message: /“garbled\.png” looks like a PNG file but this browser could not decode it/ },
				{ name: 'empty.png', type: 'image/png', bytes: Buffer.alloc(0), message: /“empty\.png” is empty/ },
				{ name: 'broken.svg', type: 'image/svg+xml', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><rect'), message: /“broken\.svg” is an SVG file this browser could not draw/ }
			];
			for (const c of cases) {
				await pickFile(page, c.name, c.type, c.bytes);
				expect(await errorText(page), c.name).toMatch(c.message);
				expect(await page.locator('[data-testid="error"]').getAttribute('role')).toBe('alert');
			}
			// Still works.
			await afterAttempt(page, () => page.locator('[data-sample="ship-junk.jpg"]').click());
			expect(await errorText(page)).toBe('');
			expect((await answer(page)).unfused).toBe('ship');
			expect(errors).toEqual([]);
		} finally {
			await page.close();
		}
	});

	test('huge pictures are decoded small, with bounded memory, or refused from their header', async () => {
		const { page, errors } = await openClassify();
		try {
			// 12000 × 12000 PNG (576 MB as RGBA): inflated and shrunk one scanline at a time.
			await pickFile(page, 'huge.png', 'image/png', await redOverBluePng(12000, 12000));
			expect(await errorText(page)).toBe('');
			expect(await page.locator('[data-testid="classify"]').innerText()).toContain('12,000 × 12,000 px');
			// The page keeps no full-size copy: its preview canvas is the downscaled decode.
			const size = await page.locator('[data-testid="source-preview"]').evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
			expect(size).toEqual([1024, 1024]);
			let px = await networkPixels(page);
			expect(isRed(pixelAt(px, 16, 4))).toBe(true);
			expect(isBlue(pixelAt(px, 16, 28))).toBe(true);
			expect((await answer(page)).agree).toBe(true);

			// 6000 × 3000 JPEG turned by EXIF: drawn small from an <img> (decoded at reduced scale).
			await pickFile(page, 'big-rotated.jpg', 'image/jpeg', jpegWithOrientation(6000, 3000, 6));
			expect(await errorText(page)).toBe('');
			expect(await page.locator('[data-testid="classify"]').innerText()).toContain('3,000 × 6,000 px');
			px = await networkPixels(page);
			expect(isRed(pixelAt(px, 4, 4)) && isRed(pixelAt(px, 28, 4)), 'red on top').toBe(true);
			expect(isBlue(pixelAt(px, 4, 28)) && isBlue(pixelAt(px, 28, 28)), 'blue below').toBe(true);

			// Past the limits, refused from the header alone, without decoding.
			await pickFile(page, 'enormous.png', 'image/png', pngFromIdat(40000, 40000, deflateSync(Buffer.alloc(10))));
			expect(await errorText(page)).toMatch(/“enormous\.png” is 40,000 × 40,000 pixels, more than this page decodes/);
			const webp = Buffer.alloc(30);
			webp.write('RIFF', 0, 'ascii');
			webp.writeUInt32LE(22, 4);
			webp.write('WEBPVP8X', 8, 'ascii');
			webp.writeUInt32LE(10, 16);
			webp.writeUIntLE(11999, 24, 3);
			webp.writeUIntLE(11999, 27, 3);
			await pickFile(page, 'huge.webp', 'image/webp', webp);
			expect(await errorText(page)).toMatch(/“huge\.webp” is 12,000 × 12,000 pixels\. This page decodes WebP pictures up to 50 megapixels/);
			expect(errors).toEqual([]);
		} finally {
			await page.close();
		}
	});

	test('an SVG is drawn as a picture and its scripts never run', async () => {
		const { page, errors } = await openClassify();
		try {
			const svg = `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" onload="top.__svgOnload = 1">
  <script>top.__svgScript = 1; parent.__svgScript = 1; window.__svgScript = 1;</script>
  <rect width="200" height="100" fill="#e61414"/>
  <rect y="100" width="200" height="100" fill="#1414e6"/>
  <image href="http://example.invalid/track.png" width="10" height="10"/>
</svg>`;
			const during: Recorded[] = [];
			record(page, during);
			await pickFile(page, 'scripted.svg', 'image/svg+xml', Buffer.from(svg));
			expect(await errorText(page)).toBe('');
			const ran = await page.evaluate(() => {
				const w = window as unknown as Record<string, unknown>;
				return { script: w.__svgScript, onload: w.__svgOnload };
			});
			expect(ran).toEqual({ script: undefined, onload: undefined });
			// Only the page's own blob: URL for the <img>, and perhaps a font; never the linked image.
			expect(show(during.filter((r) => !r.url.startsWith('blob:' + server.url) && !isOwnAsset(r)))).toEqual([]);
			const px = await networkPixels(page);
			expect(isRed(pixelAt(px, 16, 4))).toBe(true);
			expect(isBlue(pixelAt(px, 16, 28))).toBe(true);
			expect((await answer(page)).agree).toBe(true);

			// Embedded HTML (foreignObject), with a script inside it: drawn as a picture or refused
			// with a message, never run.
			const html = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
  <rect width="100" height="100" fill="#1414e6"/>
  <foreignObject width="100" height="100"><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="top.__svgHtml = 1"/><script>top.__svgHtml = 1</script>hi</div></foreignObject>
</svg>`;
			await pickFile(page, 'html.svg', 'image/svg+xml', Buffer.from(html));
			const msg = await errorText(page);
			console.log(`SVG with foreignObject: ${msg || 'classified'}`);
			if (msg) expect(msg).toMatch(/“html\.svg” is an SVG this browser draws but will not let the page read back/);
			expect(await page.evaluate(() => (window as unknown as Record<string, unknown>).__svgHtml)).toBeUndefined();
			expect(errors).toEqual([]);
		} finally {
			await page.close();
		}
	});

	test('a file can be dropped or pasted', async () => {
		const { page, errors } = await openClassify();
		try {
			const bytes = [...(await redOverBluePng(300, 300))];
			const withFile = (kind: 'drop' | 'paste') =>
				page.evaluate(
					({ bytes, kind }) => {
						const dt = new DataTransfer();
						dt.items.add(new File([new Uint8Array(bytes)], `${kind}.png`, { type: 'image/png' }));
						if (kind === 'drop') {
							document.querySelector('.dropzone')!.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
							document.querySelector('.dropzone')!.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
						} else {
							document.body.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
						}
					},
					{ bytes, kind }
				);
			await afterAttempt(page, () => withFile('drop'));
			expect(await page.locator('[role="img"][aria-label^="drop.png"]').count()).toBe(1);
			await afterAttempt(page, () => withFile('paste'));
			expect(await page.locator('[role="img"][aria-label^="paste.png"]').count()).toBe(1);
			expect(await errorText(page)).toBe('');
			// Dropping a link, not a file, is explained, not fetched.
			await page.evaluate(() => {
				const dt = new DataTransfer();
				dt.setData('text/uri-list', 'https://example.com/cat.jpg');
				document.body.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
			});
			expect(await errorText(page)).toMatch(/link or some text, not a file/);
			expect(errors).toEqual([]);
		} finally {
			await page.close();
		}
	});

	test('camera: no camera gets a message, and the page keeps working', async () => {
		// The test browser has no camera at all; with permission granted, getUserMedia finds none.
		const { page, errors } = await openClassify();
		try {
			await browser.context.grantPermissions(['camera'], { origin: server.url });
			await page.getByRole('button', { name: 'Use the camera' }).click();
			await expect.poll(() => errorText(page), { timeout: 20_000 }).toMatch(/No camera was found/);
			await expect.poll(() => page.getByRole('button', { name: 'Use the camera' }).count()).toBe(1);
			await afterAttempt(page, () => page.locator('[data-sample="deer.jpg"]').click());
			expect((await answer(page)).agree).toBe(true);
			expect(errors).toEqual([]);
		} finally {
			await browser.context.clearPermissions();
			await page.close();
		}
	});

	test('camera: permission denied gets a message; granted, a frame is captured and classified', async () => {
		// A browser with a fake camera; without a grant, headless Chromium refuses the prompt.
		const fake = await chromium.launch({
			executablePath: CHROMIUM_PATH,
			headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream']
		});
		try {
			const denied = await fake.newContext();
			{
				const { page, errors } = await openClassify(denied);
				await page.getByRole('button', { name: 'Use the camera' }).click();
				await expect.poll(() => errorText(page), { timeout: 20_000 }).toMatch(/camera was not allowed/);
				await expect.poll(() => page.getByRole('button', { name: 'Use the camera' }).count()).toBe(1);
				await afterAttempt(page, () => page.locator('[data-sample="frog.jpg"]').click());
				expect((await answer(page)).unfused).toBe('frog');
				expect(errors).toEqual([]);
			}
			await denied.close();

			const context = await fake.newContext();
			await context.grantPermissions(['camera'], { origin: server.url });
			const { page, errors, requests } = await openClassify(context);
			await page.getByRole('button', { name: 'Use the camera' }).click();
			const shoot = page.getByRole('button', { name: 'Take the photo' });
			await expect.poll(() => shoot.isEnabled(), { timeout: 20_000 }).toBe(true);
			await page.screenshot({ path: `${SCREENSHOTS}/classify-camera.png` });
			const before = requests.length;
			await afterAttempt(page, () => shoot.click());
			expect(await errorText(page)).toBe('');
			expect((await answer(page)).agree).toBe(true);
			expect(await page.locator('[role="img"][aria-label^="camera photo"]').count()).toBe(1);
			// The camera is switched off after the shot.
			expect(await page.locator('video').count()).toBe(0);
			expect(show(requests.slice(before).filter((r) => !isOwnAsset(r)))).toEqual([]);
			expect(errors).toEqual([]);
			await context.close();
		} finally {
			await fake.close();
		}
	});

	test('fits a 375 px phone, and is screenshotted', async () => {
		for (const viewport of [
			{ width: 1280, height: 800 },
			{ width: 375, height: 812 }
		]) {
			const { page, errors } = await openClassify(browser.context, viewport);
			try {
				const name = `classify-${viewport.width}x${viewport.height}`;
				await page.screenshot({ path: `${SCREENSHOTS}/${name}-empty.png` });
				await afterAttempt(page, () => page.locator('[data-sample="cat-chelsea.jpg"]').click());
				await page.evaluate(() => document.fonts.ready.then(() => undefined));
				await page.screenshot({ path: `${SCREENSHOTS}/${name}-full.png`, fullPage: true });
				await page.locator('#answer-heading').scrollIntoViewIfNeeded();
				await page.waitForTimeout(300);
				await page.screenshot({ path: `${SCREENSHOTS}/${name}-answer.png` });
				const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
				expect(await seriousAxeViolations(page), 'axe, with results on the page').toEqual([]);
				expect(overflow, `horizontal overflow at ${viewport.width}px`).toBeLessThanOrEqual(0);
				expect(errors).toEqual([]);
			} finally {
				await page.close();
			}
		}
	});
});
