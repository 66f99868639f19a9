/**
 * From a file (or a camera frame) to the few pixels the network sees, in the browser, on this
 * device. Nothing here sends anything anywhere.
 *
 * 1. A worker (`decode.worker.ts`) reads and checks the bytes, decides from the header alone what
 *    may be decoded and how (`$lib/image/budget`), and decodes it no larger than
 *    `DECODE_MAX_SIDE`, with EXIF orientation applied. The page's thread never decodes a file it
 *    has not judged safe, and Cancel or `DECODE_TIME_LIMIT_MS` end the worker wherever it is
 *    (a decode still waiting in it then fails too; the page only ever runs one).
 * 2. Two kinds come back to be drawn here, where the DOM is: an SVG that passed the complexity
 *    check, drawn through an `<img>` (an image context never runs an SVG's scripts, nor loads
 *    anything it links to), and a large baseline JPEG, drawn small from an `<img>`, which
 *    Chromium decodes at ⅛, ¼ or ½ size (measured: about 20 MB instead of 720 MB for
 *    12000 × 12000).
 * 3. Take the centred square and shrink it in halving steps to the input size (`$lib/image/crop`).
 */
import { centreSquare, fitWithin, halvingSteps, type Rect } from '$lib/image/crop';
import { DECODE_TIME_LIMIT_MS, MAX_FILE_BYTES } from '$lib/image/budget';
import { inspectImageFile } from '$lib/image/imagefile';
import type { DecodeReply, DecodeRequest } from './decode.worker';
import { fileTooLarge, InputError, problemError, quote, tooSlow, undecodable } from './messages';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';
import { DECODE_MAX_SIDE, SVG_RASTER_SIDE } from './sizes';

export { DECODE_MAX_SIDE } from './sizes';
export { DIRECT_DECODE_PIXELS, FULL_DECODE_MAX_PIXELS, MAX_FILE_BYTES, MAX_PIXELS } from '$lib/image/budget';
export { InputError, type InputErrorKind } from './messages';

export interface LoadedImage {
	name: string;
	/** Decoded, oriented, at most DECODE_MAX_SIDE on each side. */
	bitmap: ImageBitmap;
	/** The image's own size, after EXIF orientation. */
	sourceWidth: number;
	sourceHeight: number;
	format: string;
}

/**
 * Decode an image file given by file picker, drop, paste or a sample. Rejects with an
 * `InputError` (a sentence for the visitor), or with an `AbortError` when `signal` aborts.
 */
export async function decodeImageBlob(blob: Blob, name: string, signal?: AbortSignal): Promise<LoadedImage> {
	if (blob.size === 0) throw problemError(inspectImageFile(new Uint8Array()), name);
	if (blob.size > MAX_FILE_BYTES) throw fileTooLarge(name, blob.size);
	const reply = await inWorker({ blob, name, locale: getLocale() }, signal);
	signal?.throwIfAborted();
	switch (reply.kind) {
		case 'bitmap': {
			const { bitmap, sourceWidth, sourceHeight, format } = reply;
			return { name, bitmap, sourceWidth, sourceHeight, format };
		}
		case 'error':
			throw new InputError(reply.error.kind, reply.error.message);
		case 'svg':
			return decodeSvg(blob, name, reply.width, reply.height);
		case 'jpeg-reduced':
			try {
				const bitmap = await decodeViaImg(new Blob([blob], { type: 'image/jpeg' }), reply.width, reply.height);
				return { name, bitmap, sourceWidth: reply.sourceWidth, sourceHeight: reply.sourceHeight, format: 'JPEG' };
			} catch {
				throw undecodable(name, 'JPEG');
			}
	}
}

/**
 * The decoding worker, kept between files (so a file costs no request), and ended with everything
 * it holds whenever a decode is cancelled or runs past DECODE_TIME_LIMIT_MS; the next file starts
 * a fresh one.
 */
let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve(r: DecodeReply): void; reject(e: unknown): void }>();

function decoder(): Worker {
	if (worker) return worker;
	const w = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'image-decode' });
	w.onmessage = (e: MessageEvent<{ id: number; reply: DecodeReply }>) => {
		pending.get(e.data.id)?.resolve(e.data.reply);
		pending.delete(e.data.id);
	};
	w.onerror = (e) => restart(new Error(m.classify_image_decoder_stopped({ reason: e.message || 'worker error' })));
	return (worker = w);
}

/** End the worker, failing whatever it was still doing with `reason`. */
function restart(reason: unknown): void {
	worker?.terminate();
	worker = null;
	for (const p of pending.values()) p.reject(reason);
	pending.clear();
}

function inWorker(request: DecodeRequest, signal?: AbortSignal): Promise<DecodeReply> {
	signal?.throwIfAborted();
	return new Promise<DecodeReply>((resolve, reject) => {
		const id = nextId++;
		const onAbort = () => restart(signal!.reason);
		const timer = setTimeout(() => restart(tooSlow(request.name)), DECODE_TIME_LIMIT_MS);
		const done = () => {
			clearTimeout(timer);
			signal?.removeEventListener('abort', onAbort);
		};
		pending.set(id, {
			resolve: (r) => (done(), resolve(r)),
			reject: (e) => (done(), reject(e))
		});
		signal?.addEventListener('abort', onAbort);
		decoder().postMessage({ id, ...request });
	});
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

/** An SVG the worker has judged cheap to draw; `width` × `height` when it states no size of its own. */
async function decodeSvg(blob: Blob, name: string, fallbackWidth: number, fallbackHeight: number): Promise<LoadedImage> {
	const url = URL.createObjectURL(new Blob([blob], { type: 'image/svg+xml' }));
	try {
		const img = new Image();
		img.src = url;
		try {
			await img.decode();
		} catch {
			throw new InputError('undecodable', m.classify_image_svg_invalid({ name: quote(name) }));
		}
		let width = fallbackWidth;
		let height = fallbackHeight;
		if (img.naturalWidth > 0 && img.naturalHeight > 0) {
			const aspect = img.naturalWidth / img.naturalHeight;
			width = Math.max(1, Math.round(aspect >= 1 ? SVG_RASTER_SIDE : SVG_RASTER_SIDE * aspect));
			height = Math.max(1, Math.round(aspect >= 1 ? SVG_RASTER_SIDE / aspect : SVG_RASTER_SIDE));
		}
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
			throw new InputError('undecodable', m.classify_image_svg_unreadable({ name: quote(name) }));
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
	if (!w || !h) throw new InputError('camera-unavailable', m.classify_camera_no_frame());
	const fit = fitWithin(w, h, DECODE_MAX_SIDE);
	const bitmap = await createImageBitmap(video, { resizeWidth: fit.width, resizeHeight: fit.height, resizeQuality: 'high' });
	return { name: m.classify_camera_name(), bitmap, sourceWidth: w, sourceHeight: h, format: 'camera frame' };
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
			return new InputError('camera-denied', m.classify_camera_denied());
		case 'NotFoundError':
		case 'OverconstrainedError':
			return new InputError('no-camera', m.classify_camera_not_found());
		case 'NotReadableError':
		case 'AbortError':
			return new InputError('camera-unavailable', m.classify_camera_busy());
		default:
			return new InputError('camera-unavailable', m.classify_camera_failed());
	}
}
