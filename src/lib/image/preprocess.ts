/**
 * Pixels to the network's input: RGB(A) bytes in [0, 255] → float32 NCHW, scaled to [0, 1] and
 * normalized per channel with the mean and std the model was trained with.
 */
export interface Normalization {
	mean: readonly number[];
	std: readonly number[];
}

/**
 * `pixels` is interleaved, `channelsIn` bytes per pixel (3 for RGB, 4 for canvas RGBA; alpha is
 * dropped). Writes one image into `out` at image index `n` (for batches).
 */
export function pixelsToInput(
	pixels: ArrayLike<number>,
	width: number,
	height: number,
	channelsIn: 3 | 4,
	norm: Normalization,
	out: Float32Array = new Float32Array(3 * width * height),
	n = 0
): Float32Array {
	const plane = width * height;
	if (pixels.length < plane * channelsIn) throw new RangeError(`expected ${plane * channelsIn} bytes of pixels, got ${pixels.length}`);
	const base = n * 3 * plane;
	for (let c = 0; c < 3; c++) {
		const scale = 1 / (255 * norm.std[c]);
		const shift = norm.mean[c] / norm.std[c];
		for (let i = 0; i < plane; i++) out[base + c * plane + i] = pixels[i * channelsIn + c] * scale - shift;
	}
	return out;
}
