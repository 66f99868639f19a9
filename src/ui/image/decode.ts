/**
 * From a file (or a camera frame) to the few pixels the network sees, in the browser, on this
 * device. Nothing here sends anything anywhere.
 *
 * 1. Check the bytes (`inspectImageFile`): empty, not an image, truncated or damaged files get a
 *    plain-language message instead of a half-decoded picture.
 * 2. Decode no larger than `DECODE_MAX_SIDE` on the longer side, with EXIF orientation applied.
 *    The size is read from the header first. Browsers decode a picture at full size before they
 *    scale it (a 12000 × 12000 one is 576 MB), so large pictures take paths that never do:
 *    a large PNG is inflated and shrunk one scanline at a time (`$lib/image/pngdownscale`); a large
 *    JPEG is drawn small from an `<img>`, which Chromium decodes at ⅛, ¼ or ½ size (measured:
 *    about 20 MB instead of 720 MB for 12000 × 12000). Other formats are decoded by the browser
 *    and so are refused above `FULL_DECODE_MAX_PIXELS`.
 * 3. SVG is drawn through an `<img>` (an image context never runs an SVG's scripts, nor loads
 *    anything it links to) onto a canvas.
 * 4. Take the centred square and shrink it in halving steps to the input size (`$lib/image/crop`).
 */
import { centreSquare, fitWithin, halvingSteps, orientedSize, type Rect } from '$lib/image/crop';
import { inspectImageFile, type ImageFileInfo } from '$lib/image/imagefile';
import { PngDownscaler, readPngStructure } from '$lib/image/pngdownscale';
import { formatBytes, formatMegapixels, formatSize } from '$lib/format';

/** Longest side kept after decoding; enough for a sharp preview and far more than 32 px. */
export const DECODE_MAX_SIDE = 1024;
/** Larger files are refused before reading them (decimal, as the message quotes it: 100 MB). */
export const MAX_FILE_BYTES = 100_000_000;
/** Images with more pixels than this (a 16384 × 16384 square) are refused from their header alone. */
export const MAX_PIXELS = 16384 * 16384;
/** Above this many pixels (a 4096 × 4096 square), JPEG and PNG take the bounded-memory paths. */
export const DIRECT_DECODE_PIXELS = 4096 * 4096;
/** Formats only the browser decodes, at full size, are refused above this (about 200 MB as RGBA). */
export const FULL_DECODE_MAX_PIXELS = 50_000_000;

export type InputErrorKind =
	| 'empty'
	| 'not-an-image'
	| 'truncated'
	| 'corrupt'
	| 'too-large'
	| 'undecodable'
	| 'camera-denied'
	| 'no-camera'
	| 'camera-unavailable';

/** A problem with what the visitor gave us, with a message meant for them. */
export class InputError extends Error {
	constructor(
		readonly kind: InputErrorKind,
		message: string
	) {
		super(message);
		this.name = 'InputError';
	}
}

export interface LoadedImage {
	name: string;
	/** Decoded, oriented, at most DECODE_MAX_SIDE on each side. */
	bitmap: ImageBitmap;
	/** The image's own size, after EXIF orientation. */
	sourceWidth: number;
	sourceHeight: number;
	format: string;
}

const FORMAT_NAMES: Record<string, string> = {
	png: 'PNG',
	jpeg: 'JPEG',
	gif: 'GIF',
	webp: 'WebP',
	bmp: 'BMP',
	avif: 'AVIF',
	svg: 'SVG'
};

function problemError(info: ImageFileInfo, name: string): InputError {
	const quoted = `“${name}”`;
	switch (info.problem) {
		case 'empty':
			return new InputError('empty', `${quoted} is empty (0 bytes), so there is nothing to classify.`);
		case 'not-an-image':
			return new InputError(
				'not-an-image',
				`${quoted} is not an image. Give a JPEG, PNG, GIF, WebP, BMP, AVIF or SVG file.`
			);
		case 'truncated':
			return new InputError('truncated', `${quoted} could not be used: ${info.detail} Try saving or downloading it again.`);
		default:
			return new InputError('corrupt', `${quoted} could not be used: ${info.detail}`);
	}
}

/** Decode an image file given by file picker, drop, paste or a sample. */
export async function decodeImageBlob(blob: Blob, name: string): Promise<LoadedImage> {
	if (blob.size === 0) throw problemError(inspectImageFile(new Uint8Array()), name);
	if (blob.size > MAX_FILE_BYTES)
		throw new InputError(
			'too-large',
			`“${name}” is ${formatBytes(blob.size)}; this page reads image files up to ${formatBytes(MAX_FILE_BYTES)}.`
		);
	const bytes = new Uint8Array(await blob.arrayBuffer());
	const info = inspectImageFile(bytes);
	if (info.problem) throw problemError(info, name);
	const format = FORMAT_NAMES[info.format ?? ''] ?? 'image';

	if (info.format === 'svg') return decodeSvg(bytes, name);

	if (info.width !== null && info.height !== null && info.width * info.height > MAX_PIXELS) {
		throw new InputError(
			'too-large',
			`“${name}” is ${formatSize(info.width, info.height)} pixels, more than this page decodes (${formatMegapixels(MAX_PIXELS)}).`
		);
	}

	// A Blob with an explicit type, so the decoder does not depend on the file name or MIME type.
	const typed = new Blob([bytes], { type: info.format === 'jpeg' ? 'image/jpeg' : `image/${info.format}` });
	const { width, height } = info;
	const undecodable = () =>
		new InputError('undecodable', `“${name}” looks like a ${format} file but this browser could not decode it: it is probably damaged.`);

	if (width === null || height === null) {
		// AVIF: no simple header to read; let the browser decode it, then bound the result.
		let bitmap: ImageBitmap;
		try {
			bitmap = await boundBitmap(await createImageBitmap(typed, { imageOrientation: 'from-image' }));
		} catch {
			throw undecodable();
		}
		return { name, bitmap, sourceWidth: bitmap.width, sourceHeight: bitmap.height, format };
	}

	const oriented = orientedSize(width, height, info.orientation);
	const fit = fitWithin(oriented.width, oriented.height, DECODE_MAX_SIDE);
	const large = width * height > DIRECT_DECODE_PIXELS;
	const loaded = (bitmap: ImageBitmap): LoadedImage => ({
		name,
		bitmap,
		sourceWidth: oriented.width,
		sourceHeight: oriented.height,
		format
	});

	if (large && info.format === 'jpeg') {
		try {
			return loaded(await decodeViaImg(typed, fit.width, fit.height));
		} catch {
			throw undecodable();
		}
	}
	if (large && info.format === 'png') {
		const { header, idat } = readPngStructure(bytes);
		if (!header.interlaced) {
			try {
				return loaded(await decodePngDownscaled(header, idat, fit.width, fit.height));
			} catch {
				throw undecodable();
			}
		}
	}
	if (width * height > FULL_DECODE_MAX_PIXELS) {
		throw new InputError(
			'too-large',
			`“${name}” is ${formatSize(width, height)} pixels. This page decodes ${info.format === 'png' ? 'interlaced PNG' : format} pictures up to ${formatMegapixels(FULL_DECODE_MAX_PIXELS)} (JPEG and PNG much larger). Shrink it, or save it as JPEG or PNG, and try again.`
		);
	}
	try {
		return loaded(
			fit.scale < 1
				? await createImageBitmap(typed, {
						imageOrientation: 'from-image',
						resizeWidth: fit.width,
						resizeHeight: fit.height,
						resizeQuality: 'high'
					})
				: await createImageBitmap(typed, { imageOrientation: 'from-image' })
		);
	} catch {
		throw undecodable();
	}
}

/**
 * A large JPEG, drawn at `width` × `height` from an `<img>`: Chromium then decodes it at a reduced
 * scale instead of at full size, and applies its EXIF orientation.
 */
async function decodeViaImg(blob: Blob, width: number, height: number): Promise<ImageBitmap> {
	const url = URL.createObjectURL(blob);
	try {
		const img = new Image();
		img.src = url;
		await img.decode();
		const canvas = document.createElement('canvas');
		canvas.width = width;
		canvas.height = height;
		const ctx = canvas.getContext('2d')!;
		ctx.imageSmoothingEnabled = true;
		ctx.imageSmoothingQuality = 'high';
		ctx.drawImage(img, 0, 0, width, height);
		return await createImageBitmap(canvas);
	} finally {
		URL.revokeObjectURL(url);
	}
}

/** A large PNG, inflated by the browser and shrunk by us one scanline at a time. */
async function decodePngDownscaled(
	header: ReturnType<typeof readPngStructure>['header'],
	idat: Uint8Array[],
	width: number,
	height: number
): Promise<ImageBitmap> {
	const shrink = new PngDownscaler(header, width, height);
	// Feed the inflater small slices and let it wait for us: compressed PNG data can expand a
	// thousandfold, so one large input chunk would queue hundreds of MB of output.
	const SLICE = 4096;
	const inflate = new DecompressionStream('deflate');
	const writer = inflate.writable.getWriter();
	const reader = inflate.readable.getReader();
	const consume = (async () => {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			if (!shrink.done) shrink.push(value);
		}
	})();
	const produce = (async () => {
		for (const part of idat) {
			for (let i = 0; i < part.length; i += SLICE) {
				await writer.ready;
				await writer.write(part.subarray(i, i + SLICE) as Uint8Array<ArrayBuffer>);
			}
		}
		await writer.close();
	})();
	// Both fail together when the data is not zlib; wait for both so neither rejection goes unheard.
	const [produced, consumed] = await Promise.allSettled([produce, consume]);
	if (produced.status === 'rejected') throw produced.reason;
	if (consumed.status === 'rejected') throw consumed.reason;
	const rgba = shrink.finish();
	return createImageBitmap(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height));
}

/** Re-encode a bitmap no larger than DECODE_MAX_SIDE (for formats whose size we cannot read first). */
async function boundBitmap(bitmap: ImageBitmap): Promise<ImageBitmap> {
	const fit = fitWithin(bitmap.width, bitmap.height, DECODE_MAX_SIDE);
	if (fit.scale === 1) return bitmap;
	const small = await createImageBitmap(bitmap, { resizeWidth: fit.width, resizeHeight: fit.height, resizeQuality: 'high' });
	bitmap.close();
	return small;
}

/** The aspect ratio an SVG asks for, from width/height or its viewBox; null when it says nothing. */
function svgAspect(bytes: Uint8Array): number | null {
	const text = new TextDecoder().decode(bytes.subarray(0, 8192));
	const tag = /<svg\b[^>]*>/i.exec(text)?.[0] ?? '';
	const num = (attr: string) => {
		const m = new RegExp(`\\s${attr}\\s*=\\s*["']\\s*([\\d.]+)(px)?\\s*["']`, 'i').exec(tag);
		return m ? Number(m[1]) : NaN;
	};
	const w = num('width');
	const h = num('height');
	if (w > 0 && h > 0) return w / h;
	const vb = /\sviewBox\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1].trim().split(/[\s,]+/).map(Number);
	if (vb && vb.length === 4 && vb[2] > 0 && vb[3] > 0) return vb[2] / vb[3];
	return null;
}

/** Longer side an SVG is rasterized at: sharp in the preview, and it is vector anyway. */
const SVG_RASTER_SIDE = 512;

async function decodeSvg(bytes: Uint8Array<ArrayBuffer>, name: string): Promise<LoadedImage> {
	const url = URL.createObjectURL(new Blob([bytes], { type: 'image/svg+xml' }));
	try {
		const img = new Image();
		img.src = url;
		try {
			await img.decode();
		} catch {
			throw new InputError('undecodable', `“${name}” is an SVG file this browser could not draw: it is probably not valid SVG.`);
		}
		const aspect =
			img.naturalWidth > 0 && img.naturalHeight > 0 ? img.naturalWidth / img.naturalHeight : (svgAspect(bytes) ?? 1);
		const width = Math.max(1, Math.round(aspect >= 1 ? SVG_RASTER_SIDE : SVG_RASTER_SIDE * aspect));
		const height = Math.max(1, Math.round(aspect >= 1 ? SVG_RASTER_SIDE / aspect : SVG_RASTER_SIDE));
		const canvas = document.createElement('canvas');
		canvas.width = width;
		canvas.height = height;
		const ctx = canvas.getContext('2d')!;
		// Transparent areas read as white paper, as they look on the page.
		ctx.fillStyle = '#fff';
		ctx.fillRect(0, 0, width, height);
		ctx.drawImage(img, 0, 0, width, height);
		try {
			ctx.getImageData(0, 0, 1, 1);
		} catch {
			// A browser may refuse to let a page read back some SVG content (e.g. embedded HTML).
			throw new InputError(
				'undecodable',
				`“${name}” is an SVG this browser draws but will not let the page read back (it may embed HTML). Save it as PNG and try that.`
			);
		}
		const bitmap = await createImageBitmap(canvas);
		return {
			name,
			bitmap,
			sourceWidth: img.naturalWidth || width,
			sourceHeight: img.naturalHeight || height,
			format: 'SVG'
		};
	} finally {
		URL.revokeObjectURL(url);
	}
}

/** A still from a playing camera stream, no larger than DECODE_MAX_SIDE. */
export async function captureVideoFrame(video: HTMLVideoElement): Promise<LoadedImage> {
	const w = video.videoWidth;
	const h = video.videoHeight;
	if (!w || !h) throw new InputError('camera-unavailable', 'The camera has not sent a picture yet. Wait a moment and try again.');
	const fit = fitWithin(w, h, DECODE_MAX_SIDE);
	const bitmap = await createImageBitmap(video, { resizeWidth: fit.width, resizeHeight: fit.height, resizeQuality: 'high' });
	return { name: 'camera photo', bitmap, sourceWidth: w, sourceHeight: h, format: 'camera frame' };
}

export interface NetworkInput {
	/** The centred square, in the decoded bitmap's pixels. */
	crop: Rect;
	/** Square sides of each resampling step, from the crop down to `size`. */
	steps: number[];
	/** size × size RGBA bytes, opaque. */
	rgba: Uint8ClampedArray;
	size: number;
}

function canvas2d(size: number, readback = false): [HTMLCanvasElement, CanvasRenderingContext2D] {
	const c = document.createElement('canvas');
	c.width = size;
	c.height = size;
	const ctx = c.getContext('2d', readback ? { willReadFrequently: true } : undefined)!;
	ctx.imageSmoothingEnabled = true;
	ctx.imageSmoothingQuality = 'high';
	return [c, ctx];
}

/** Centre-crop and shrink to size × size pixels, as the network was trained on (CIFAR's 32 × 32). */
export function toNetworkPixels(bitmap: ImageBitmap, size: number): NetworkInput {
	const crop = centreSquare(bitmap.width, bitmap.height);
	const steps = halvingSteps(crop.width, size);
	const targets = steps.length > 1 ? steps.slice(1) : steps;
	let [canvas, ctx] = canvas2d(targets[0], targets.length === 1);
	ctx.fillStyle = '#fff'; // transparent pixels become white, as on the page
	ctx.fillRect(0, 0, targets[0], targets[0]);
	ctx.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, targets[0], targets[0]);
	for (let i = 1; i < targets.length; i++) {
		const [next, nctx] = canvas2d(targets[i], i === targets.length - 1);
		nctx.drawImage(canvas, 0, 0, targets[i - 1], targets[i - 1], 0, 0, targets[i], targets[i]);
		[canvas, ctx] = [next, nctx];
	}
	const rgba = ctx.getImageData(0, 0, size, size).data;
	return { crop, steps, rgba, size };
}

/** Turn getUserMedia's failures into messages for a person. */
export function cameraError(err: unknown): InputError {
	const name = err instanceof DOMException || err instanceof Error ? err.name : '';
	switch (name) {
		case 'NotAllowedError':
		case 'SecurityError':
			return new InputError(
				'camera-denied',
				'The camera was not allowed. To use it, allow camera access for this site in your browser’s settings, or choose a file instead.'
			);
		case 'NotFoundError':
		case 'OverconstrainedError':
			return new InputError('no-camera', 'No camera was found on this device. Choose a file or a sample photo instead.');
		case 'NotReadableError':
		case 'AbortError':
			return new InputError(
				'camera-unavailable',
				'The camera could not be started; another app may be using it. Close it and try again, or choose a file.'
			);
		default:
			return new InputError('camera-unavailable', 'The camera could not be started. Choose a file or a sample photo instead.');
	}
}
