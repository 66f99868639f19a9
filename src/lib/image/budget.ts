/**
 * How much of a visitor's picture the page agrees to decode, and how, decided from the header
 * alone (`inspectImageFile`) before any decoder runs. The budget is on the largest decoded
 * intermediate, in RGBA bytes (4 per pixel):
 *
 * - a browser decode at full size holds at most `FULL_DECODE_MAX_PIXELS` (50 M pixels = 200 MB);
 * - a non-interlaced PNG above `DIRECT_DECODE_PIXELS` is inflated and shrunk one scanline at a
 *   time (two scanlines and the 1024-px output: a few MB), up to `MAX_PIXELS`;
 * - a baseline JPEG above `DIRECT_DECODE_PIXELS` is drawn small from an `<img>`, which Chromium
 *   decodes at ⅛ scale at most: `MAX_PIXELS` / 64 = 4.2 M pixels = 16.8 MB;
 * - everything else over its limit is refused from its header, with one sentence.
 *
 * Pure and DOM-free.
 */
import type { ImageFileInfo } from './imagefile';

/** Larger files are refused before reading them (decimal, as the message quotes it: 100 MB). */
export const MAX_FILE_BYTES = 100_000_000;
/** The most pixels any path decodes (a 16384 × 16384 square); only the reduced paths get near it. */
export const MAX_PIXELS = 16384 * 16384;
/** Above this many pixels (a 4096 × 4096 square), JPEG and PNG take the reduced paths. */
export const DIRECT_DECODE_PIXELS = 4096 * 4096;
/** A decode at full size is refused above this (50 M pixels, 200 MB as RGBA). */
export const FULL_DECODE_MAX_PIXELS = 50_000_000;
/** Bytes per decoded pixel (RGBA). */
export const BYTES_PER_PIXEL = 4;
/** A decode that has not finished after this long is stopped (the worker is ended). */
export const DECODE_TIME_LIMIT_MS = 20_000;

export type DecodePlan =
	/** Decode the whole picture (the browser may shrink it while it does). */
	| { kind: 'full' }
	/** Inflate and shrink scanline by scanline (`pngdownscale`). */
	| { kind: 'png-stream' }
	/** Draw small from an `<img>`: Chromium decodes a baseline JPEG at a reduced scale. */
	| { kind: 'jpeg-reduced' }
	/** Check the text (`checkSvg`), then draw it. */
	| { kind: 'svg' }
	/** A format this browser does not decode (TIFF). */
	| { kind: 'unsupported' }
	/** More pixels than any path decodes. */
	| { kind: 'too-large'; pixels: number; limit: number }
	/** More pixels than a full decode allows, and no reduced path for this file. */
	| { kind: 'too-large-full'; pixels: number; limit: number };

/** How to decode a file whose header passed `inspectImageFile` without a problem. */
export function planDecode(info: ImageFileInfo): DecodePlan {
	if (info.format === 'svg') return { kind: 'svg' };
	if (info.format === 'tiff' || info.format === null) return { kind: 'unsupported' };
	const pixels = info.decodePixels;
	if (pixels === null) return { kind: 'unsupported' };
	if (pixels > MAX_PIXELS) return { kind: 'too-large', pixels, limit: MAX_PIXELS };
	if (pixels > DIRECT_DECODE_PIXELS) {
		if (info.format === 'png' && !info.interlaced) return { kind: 'png-stream' };
		if (info.format === 'jpeg' && !info.progressive) return { kind: 'jpeg-reduced' };
	}
	if (pixels > FULL_DECODE_MAX_PIXELS) return { kind: 'too-large-full', pixels, limit: FULL_DECODE_MAX_PIXELS };
	return { kind: 'full' };
}
