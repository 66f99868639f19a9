/**
 * What the page tells a visitor about their picture: one sentence per problem, shared by the
 * page's thread and the decoding worker (no DOM here).
 */
import type { DecodePlan } from '$lib/image/budget';
import { DECODE_TIME_LIMIT_MS, MAX_FILE_BYTES, MAX_PIXELS } from '$lib/image/budget';
import type { ImageFileInfo, ImageFormat } from '$lib/image/imagefile';
import { formatBytes, formatMegapixels, formatSeconds, formatSize } from '$lib/format';

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

const quote = (name: string) => `“${name}”`;

export function problemError(info: ImageFileInfo, name: string): InputError {
	switch (info.problem) {
		case 'empty':
			return new InputError('empty', `${quote(name)} is empty (0 bytes), so there is nothing to classify.`);
		case 'not-an-image':
			return new InputError('not-an-image', `${quote(name)} is not an image. Give a JPEG, PNG, GIF, WebP, BMP, AVIF or SVG file.`);
		case 'truncated':
			return new InputError('truncated', `${quote(name)} could not be used: ${info.detail} Try saving or downloading it again.`);
		default:
			return new InputError('corrupt', `${quote(name)} could not be used: ${info.detail}`);
	}
}

export const fileTooLarge = (name: string, bytes: number) =>
	new InputError('too-large', `${quote(name)} is ${formatBytes(bytes)}; this page reads image files up to ${formatBytes(MAX_FILE_BYTES)}.`);

/** Formats a browser may not decode at all, and how to get a picture it does. */
export const UNSUPPORTED: Partial<Record<ImageFormat, string>> = {
	heic: 'This browser can’t decode HEIC pictures; export it as JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible) and try again.',
	tiff: 'This browser can’t decode TIFF pictures; export it as JPEG or PNG (most photo apps have Export or Save As) and try again.'
};

export const unsupported = (format: ImageFormat) => new InputError('unsupported-format', UNSUPPORTED[format] ?? '');

/** The sentence for a file the budget refuses from its header. */
export function refusal(plan: DecodePlan & { kind: 'too-large' | 'too-large-full' }, info: ImageFileInfo, name: string): InputError {
	const size = `${quote(name)} is ${formatSize(info.width ?? 0, info.height ?? 0)} pixels`;
	if (plan.kind === 'too-large') return new InputError('too-large', `${size}, more than this page decodes (${formatMegapixels(MAX_PIXELS)}).`);
	const kind =
		info.format === 'png' ? 'interlaced PNG' : info.format === 'jpeg' ? 'progressive JPEG' : FORMAT_NAMES[info.format ?? 'png'];
	const larger = info.format === 'png' ? 'other PNG' : info.format === 'jpeg' ? 'baseline JPEG' : 'JPEG and PNG';
	return new InputError(
		'too-large',
		`${size}. This page decodes ${kind} pictures up to ${formatMegapixels(plan.limit)} (${larger} much larger). Shrink it, or save it as JPEG or PNG, and try again.`
	);
}

export const tooComplexSvg = (name: string, reason: string) =>
	new InputError('too-complex', `${quote(name)} is an SVG too complex to draw safely here (${reason}); save it as PNG and try again.`);

export const tooSlow = (name: string) =>
	new InputError(
		'too-slow',
		`${quote(name)} took longer than ${formatSeconds(DECODE_TIME_LIMIT_MS)} to read, so the page stopped; save it smaller, as JPEG or PNG, and try again.`
	);

export const undecodable = (name: string, format: string) =>
	new InputError('undecodable', `${quote(name)} looks like a ${format} file but this browser could not decode it: it is probably damaged.`);
