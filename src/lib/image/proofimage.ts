/**
 * The image the classify page hands to the fusion explorer's proof step: the exact 32×32 crop the
 * network sees, as interleaved RGB bytes. It travels in the browser's sessionStorage (this tab
 * only, never sent anywhere) under `PROOF_IMAGE_KEY` as JSON:
 *
 *   { "width": 32, "height": 32, "rgb": [r, g, b, r, g, b, …], "name": "cat.jpg" }
 *
 * and the page links to `PROOF_IMAGE_HREF`. Pure: building and checking the payload only.
 */
import { rgbaToRgb } from './crop';

export const PROOF_IMAGE_KEY = 'mobileone-lab:proof-image';
export const PROOF_IMAGE_HREF = '/explorer?input=mine';

export interface ProofImage {
	width: number;
	height: number;
	/** width × height × 3 integers in 0–255, row-major, interleaved RGB. */
	rgb: number[];
	name: string;
}

/** From canvas RGBA bytes (alpha composited onto white). */
export function proofImageFromRgba(rgba: ArrayLike<number>, width: number, height: number, name: string): ProofImage {
	if (rgba.length !== width * height * 4) throw new RangeError(`expected ${width * height * 4} RGBA bytes, got ${rgba.length}`);
	return { width, height, rgb: Array.from(rgbaToRgb(rgba)), name };
}

/** Parse and check a stored payload; null when it is missing or malformed. */
export function parseProofImage(json: string | null): ProofImage | null {
	if (json === null) return null;
	let v: unknown;
	try {
		v = JSON.parse(json);
	} catch {
		return null;
	}
	if (typeof v !== 'object' || v === null) return null;
	const { width, height, rgb, name } = v as Record<string, unknown>;
	if (!Number.isInteger(width) || !Number.isInteger(height) || (width as number) < 1 || (height as number) < 1) return null;
	if (!Array.isArray(rgb) || rgb.length !== (width as number) * (height as number) * 3) return null;
	if (!rgb.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) return null;
	return { width: width as number, height: height as number, rgb: rgb as number[], name: typeof name === 'string' ? name : 'image' };
}
