/**
 * The web app manifest's PNG icons, drawn from `static/favicon.svg` (the one drawing of the logo) by
 * headless Chromium, so they match it exactly: `static/icons/icon-192.png` and `icon-512.png` (the
 * rounded mark on a transparent background, `purpose: any`) and `icon-maskable-512.png` (the same on
 * a full square of the brand colour, for platforms that cut their own shape; the mark stays inside
 * the central safe circle). Run `npx tsx scripts/make-icons.ts` after changing the SVG; the PNGs are
 * committed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { launchBrowser } from './lib/browser-harness';

const SVG = 'static/favicon.svg';
const OUT = 'static/icons';
/** The mark's own background colour (the SVG's rect fill). */
const BRAND = '#0b3c5d';

const svg = await readFile(SVG, 'utf8');
const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
const browser = await launchBrowser({ serviceWorkers: 'block' });
try {
	const page = await browser.context.newPage();
	const draw = async (size: number, background: string | null, file: string) => {
		await page.setViewportSize({ width: size, height: size });
		await page.setContent(
			`<html><body style="margin:0;background:${background ?? 'transparent'}"><img src="${dataUrl}" width="${size}" height="${size}" style="display:block"></body></html>`
		);
		await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
		await writeFile(`${OUT}/${file}`, await page.screenshot({ omitBackground: background === null }));
		console.log(`${OUT}/${file}`);
	};
	await draw(192, null, 'icon-192.png');
	await draw(512, null, 'icon-512.png');
	await draw(512, BRAND, 'icon-maskable-512.png');
} finally {
	await browser.close();
}
