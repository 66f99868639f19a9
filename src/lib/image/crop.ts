/**
 * Geometry for turning an image of any size into the network's square input: pure arithmetic,
 * no DOM, so the classify page and the tests share it.
 *
 * The pipeline is: decode no larger than `fitWithin(…, maxSide)` → take the largest centred square
 * (`centreSquare`) → shrink it in steps of at most one half (`halvingSteps`) down to the input
 * size. Halving steps with bilinear filtering average every source pixel, which a single big
 * bilinear step would not (it samples only a few and aliases).
 */

export interface Size {
	width: number;
	height: number;
}

export interface Rect extends Size {
	x: number;
	y: number;
}

function checkSize(width: number, height: number): void {
	if (!(Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0))
		throw new RangeError(`image size must be positive, got ${width}×${height}`);
}

/**
 * The largest square centred in a `width`×`height` image, in whole pixels. When the leftover is
 * odd, the extra pixel goes after the square (right or bottom).
 */
export function centreSquare(width: number, height: number): Rect {
	checkSize(width, height);
	const side = Math.min(width, height);
	return {
		x: Math.floor((width - side) / 2),
		y: Math.floor((height - side) / 2),
		width: side,
		height: side
	};
}

/**
 * Scale `width`×`height` down (never up) so that its longer side is at most `maxSide`, keeping the
 * aspect ratio; each side is rounded and at least 1 px.
 */
export function fitWithin(width: number, height: number, maxSide: number): Size & { scale: number } {
	checkSize(width, height);
	if (!(maxSide >= 1)) throw new RangeError(`maxSide must be at least 1, got ${maxSide}`);
	const scale = Math.min(1, maxSide / Math.max(width, height));
	if (scale === 1) return { width, height, scale };
	return {
		width: Math.max(1, Math.min(maxSide, Math.round(width * scale))),
		height: Math.max(1, Math.min(maxSide, Math.round(height * scale))),
		scale
	};
}

/**
 * Square sides from `from` down to `to`, each step at most halving the one before and every step
 * after the first an exact halving: 300 → 32 gives [300, 256, 128, 64, 32].
 * When `from <= to` there is one resampling at most: [from, to] (or [to]).
 */
export function halvingSteps(from: number, to: number): number[] {
	if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to >= 1))
		throw new RangeError(`halvingSteps needs positive integers, got ${from} → ${to}`);
	if (from <= to) return from === to ? [from] : [from, to];
	// Powers of two times `to` between the two ends: to, 2to, 4to, … < from.
	const steps: number[] = [];
	for (let s = to; s < from; s *= 2) steps.unshift(s);
	return [from, ...steps];
}

/** EXIF orientations 5–8 turn the image a quarter turn, so width and height trade places. */
export function orientedSize(width: number, height: number, orientation: number): Size {
	return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}

/**
 * Drop the alpha of canvas RGBA bytes, compositing onto `background` (0–255, default white) so a
 * transparent PNG reads as the picture on paper rather than as black.
 */
export function rgbaToRgb(rgba: ArrayLike<number>, background = 255): Uint8Array {
	if (rgba.length % 4 !== 0) throw new RangeError(`RGBA data length ${rgba.length} is not a multiple of 4`);
	const n = rgba.length / 4;
	const out = new Uint8Array(n * 3);
	for (let i = 0; i < n; i++) {
		const a = rgba[4 * i + 3] / 255;
		for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(rgba[4 * i + c] * a + background * (1 - a));
	}
	return out;
}
