/**
 * npm run bench:explorer — frame times while the fusion explorer animates its steps in headless
 * Chromium (build first: `npm run build`). Prints p50/p95 of the time between animation frames.
 * Target: p95 ≤ 20 ms on the project's 2-core machine. A benchmark, not a test.
 */
import { quantile } from 'd3-array';
import { launchBrowser, startStaticServer } from './lib/browser-harness';

const BLOCKS = ['stage0', 'stage1.2', 'stage2.1', 'stage3.4', 'stage4.1'];
const server = await startStaticServer(process.env.BUILD ?? 'build');
const browser = await launchBrowser();
const rows: string[][] = [['block', 'frames', 'p50 ms', 'p95 ms', 'max ms']];
const all: number[] = [];
try {
	const page = await browser.context.newPage();
	await page.setViewportSize({ width: 1280, height: 900 });
	for (const block of BLOCKS) {
		await page.goto(`${server.url}/explorer?model=cifar10&block=${block}&ch=3&step=1`);
		await page.locator('#step-title').waitFor();
		await page.locator('h1').click();
		await page.waitForTimeout(500);
		// a string, not a function: tsx would wrap named functions in a helper the page lacks
		await page.evaluate(`(() => {
			window.frames_ = [];
			window.stop_ = false;
			let last = performance.now();
			const tick = (t) => { window.frames_.push(t - last); last = t; if (!window.stop_) requestAnimationFrame(tick); };
			requestAnimationFrame(tick);
		})()`);
		for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft']) {
			await page.keyboard.press(key);
			await page.waitForTimeout(800); // the transition lasts 650 ms
		}
		const frames = (await page.evaluate('(() => { window.stop_ = true; return window.frames_.slice(1); })()')) as number[];
		frames.sort((a, b) => a - b);
		all.push(...frames);
		rows.push([block, String(frames.length), quantile(frames, 0.5)!.toFixed(1), quantile(frames, 0.95)!.toFixed(1), frames.at(-1)!.toFixed(1)]);
	}
} finally {
	await browser.close();
	await server.close();
}
all.sort((a, b) => a - b);
rows.push(['all', String(all.length), quantile(all, 0.5)!.toFixed(1), quantile(all, 0.95)!.toFixed(1), all.at(-1)!.toFixed(1)]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, r] of rows.entries()) {
	console.log(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
	if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
const p95 = quantile(all, 0.95)!;
console.log(`\nstepping 1→5→1 on each block, cifar10 model, 1280×900, headless Chromium (software rendering). p95 ${p95.toFixed(1)} ms: target ≤ 20 ms ${p95 <= 20 ? 'met' : 'missed'}.`);
