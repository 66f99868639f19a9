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
 *
 * Sizes must match exactly: a buffer of the wrong length means the caller has the wrong width,
 * height or channel count, and reading it anyway would hand the network a scrambled picture.
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
	if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
		throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
	if (channelsIn !== 3 && channelsIn !== 4) throw new RangeError(`expected 3 or 4 channels per pixel, got ${channelsIn}`);
	if (norm.mean.length !== 3 || norm.std.length !== 3 || norm.std.some((s) => !(s > 0)))
		throw new RangeError('normalization needs three means and three positive stds');
	const plane = width * height;
	if (pixels.length !== plane * channelsIn)
		throw new RangeError(`expected ${plane * channelsIn} bytes of pixels (${width}×${height}×${channelsIn}), got ${pixels.length}`);
	const base = n * 3 * plane;
	if (!(Number.isInteger(n) && n >= 0) || base + 3 * plane > out.length)
		throw new RangeError(`image ${n} does not fit in an output of ${out.length} values`);
	for (let c = 0; c < 3; c++) {
		const scale = 1 / (255 * norm.std[c]);
		const shift = norm.mean[c] / norm.std[c];
		for (let i = 0; i < plane; i++) out[base + c * plane + i] = pixels[i * channelsIn + c] * scale - shift;
	}
	return out;
}
