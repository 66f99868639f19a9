/**
 * What the page tells a visitor about their picture: one sentence per problem, shared by the
 * page's thread and the decoding worker (no DOM here). The sentences are in messages/classify, in
 * the page's locale (the worker is told it with each request); engine details stay as data.
 */
import type { DecodePlan } from '$lib/image/budget';
import { DECODE_TIME_LIMIT_MS, MAX_FILE_BYTES, MAX_PIXELS } from '$lib/image/budget';
import type { ImageFileInfo, ImageFormat } from '$lib/image/imagefile';
import { formatBytes, formatSeconds, formatSize } from '$lib/format';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';

export type InputErrorKind =
	| 'empty'
	| 'not-an-image'
	| 'truncated'
	| 'corrupt'
	| 'too-large'
	| 'too-complex'
	| 'too-slow'
	| 'unsupported-format'
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

export const FORMAT_NAMES: Record<ImageFormat, string> = {
	png: 'PNG',
	jpeg: 'JPEG',
	gif: 'GIF',
	webp: 'WebP',
	bmp: 'BMP',
	avif: 'AVIF',
	heic: 'HEIC',
	tiff: 'TIFF',
	svg: 'SVG'
};

export const quote = (name: string) => `“${name}”`;

export function problemError(info: ImageFileInfo, name: string): InputError {
	switch (info.problem) {
		case 'empty':
			return new InputError('empty', m.classify_image_empty({ name: quote(name) }));
		case 'not-an-image':
			return new InputError('not-an-image', m.classify_image_not_image({ name: quote(name) }));
		case 'truncated':
			return new InputError('truncated', m.classify_image_truncated({ name: quote(name), detail: info.detail ?? '' }));
		default:
			return new InputError('corrupt', m.classify_image_corrupt({ name: quote(name), detail: info.detail ?? '' }));
	}
}

export const fileTooLarge = (name: string, bytes: number) =>
	new InputError('too-large', m.classify_image_file_too_large({ name: quote(name), bytes: formatBytes(bytes), max: formatBytes(MAX_FILE_BYTES) }));

/** Formats a browser may not decode at all, and how to get a picture it does. */
export const UNSUPPORTED: Partial<Record<ImageFormat, () => string>> = {
	heic: m.classify_image_heic,
	tiff: m.classify_image_tiff
};

export const unsupported = (format: ImageFormat) => new InputError('unsupported-format', UNSUPPORTED[format]?.() ?? '');

/** A pixel count in whole megapixels, in the page's language: "50 megapixels", "50메가픽셀". */
const megapixels = (pixels: number) => m.classify_image_megapixels({ count: Math.round(pixels / 1e6) });

/** The sentence for a file the budget refuses from its header. */
export function refusal(plan: DecodePlan & { kind: 'too-large' | 'too-large-full' }, info: ImageFileInfo, name: string): InputError {
	const q = quote(name);
	const size = formatSize(info.width ?? 0, info.height ?? 0, getLocale());
	if (plan.kind === 'too-large') return new InputError('too-large', m.classify_image_too_many_pixels({ name: q, size, max: megapixels(MAX_PIXELS) }));
	const kind =
		info.format === 'png'
			? m.classify_image_kind_interlaced_png()
			: info.format === 'jpeg'
				? m.classify_image_kind_progressive_jpeg()
				: FORMAT_NAMES[info.format ?? 'png'];
	const larger =
		info.format === 'png' ? m.classify_image_larger_png() : info.format === 'jpeg' ? m.classify_image_larger_jpeg() : m.classify_image_larger_other();
	return new InputError('too-large', m.classify_image_too_large_kind({ name: q, size, kind, limit: megapixels(plan.limit), larger }));
}

export const tooComplexSvg = (name: string, reason: string) =>
	new InputError('too-complex', m.classify_image_too_complex_svg({ name: quote(name), reason }));

export const tooSlow = (name: string) =>
	new InputError('too-slow', m.classify_image_too_slow({ name: quote(name), seconds: formatSeconds(DECODE_TIME_LIMIT_MS) }));

export const undecodable = (name: string, format: string) =>
	new InputError('undecodable', m.classify_image_undecodable({ name: quote(name), format }));
