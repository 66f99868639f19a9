/// <reference lib="webworker" />
/**
 * Everything about a visitor's file that can take long runs here, off the page's thread, so a
 * hostile file can neither freeze the page nor outlive a Cancel (the page ends this worker):
 * reading the bytes, checking them (`inspectImageFile`), deciding from the header alone
 * (`planDecode`), judging an SVG's text (`checkSvg`), streaming a large PNG down to size, and the
 * browser's own decode (`createImageBitmap` works in workers).
 *
 * Two things need the page's DOM and come back as instructions instead of a bitmap: an SVG that
 * passed the check (workers cannot draw SVG) and a large baseline JPEG (only an `<img>` gets
 * Chromium's reduced-scale JPEG decode).
 */
import { planDecode } from '$lib/image/budget';
import { fitWithin, orientedSize } from '$lib/image/crop';
import { inspectImageFile, type ImageFileInfo } from '$lib/image/imagefile';
import { readPngStructure, shrinkPng } from '$lib/image/pngdownscale';
import { checkSvg } from '$lib/image/svgcheck';
import { FULL_DECODE_MAX_PIXELS } from '$lib/image/budget';
import { DECODE_MAX_SIDE, SVG_RASTER_SIDE } from './sizes';
import { m } from '$lib/paraglide/messages';
import { overwriteGetLocale, type Locale } from '$lib/paraglide/runtime';
import { FORMAT_NAMES, InputError, problemError, quote, refusal, tooComplexSvg, undecodable, unsupported, type InputErrorKind } from './messages';

export interface DecodeRequest {
	blob: Blob;
	name: string;
	/** The page's locale: a worker's own URL says nothing of it, and its sentences are read there. */
	locale: Locale;
}

/** Replies carry their request's id: one worker serves file after file. */
type Envelope = { id: number; reply: DecodeReply };

export type DecodeReply =
	| { kind: 'bitmap'; bitmap: ImageBitmap; sourceWidth: number; sourceHeight: number; format: string }
	/** Draw it on the page at this size: it passed the complexity check. */
	| { kind: 'svg'; width: number; height: number }
	/** Draw it on the page from an `<img>` at this size, for the reduced-scale decode. */
	| { kind: 'jpeg-reduced'; width: number; height: number; sourceWidth: number; sourceHeight: number }
	| { kind: 'error'; error: { kind: InputErrorKind; message: string } };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (e: MessageEvent<DecodeRequest & { id: number }>) => {
	const { id, blob, name, locale } = e.data;
	overwriteGetLocale(() => locale);
	let reply: DecodeReply;
	try {
		reply = await decode(new Uint8Array(await blob.arrayBuffer()), name);
	} catch (err) {
		const error =
			err instanceof InputError
				? err
				: new InputError('undecodable', m.classify_image_unreadable({ name: quote(name), reason: err instanceof Error ? err.message : String(err) }));
		reply = { kind: 'error', error: { kind: error.kind, message: error.message } };
	}
	scope.postMessage({ id, reply } satisfies Envelope, reply.kind === 'bitmap' ? [reply.bitmap] : []);
};

async function decode(bytes: Uint8Array<ArrayBuffer>, name: string): Promise<DecodeReply> {
	const info = inspectImageFile(bytes);
	if (info.problem) throw problemError(info, name);
	const plan = planDecode(info);
	const format = FORMAT_NAMES[info.format!];
	switch (plan.kind) {
		case 'svg': {
			const text = new TextDecoder().decode(bytes);
			const verdict = checkSvg(text, FULL_DECODE_MAX_PIXELS);
			if (!verdict.ok) throw tooComplexSvg(name, verdict.reason);
			const aspect = svgAspect(text) ?? 1;
			return {
				kind: 'svg',
				width: Math.max(1, Math.round(aspect >= 1 ? SVG_RASTER_SIDE : SVG_RASTER_SIDE * aspect)),
				height: Math.max(1, Math.round(aspect >= 1 ? SVG_RASTER_SIDE / aspect : SVG_RASTER_SIDE))
			};
		}
		case 'unsupported':
			throw unsupported(info.format!);
		case 'too-large':
		case 'too-large-full':
			throw refusal(plan, info, name);
		default:
	}
	const oriented = orientedSize(info.width!, info.height!, info.orientation);
	const fit = fitWithin(oriented.width, oriented.height, DECODE_MAX_SIDE);
	const bitmap = (b: ImageBitmap, sourceWidth = oriented.width, sourceHeight = oriented.height): DecodeReply => ({
		kind: 'bitmap',
		bitmap: b,
		sourceWidth,
		sourceHeight,
		format
	});
	if (plan.kind === 'jpeg-reduced') return { kind: 'jpeg-reduced', ...fit, sourceWidth: oriented.width, sourceHeight: oriented.height };
	if (plan.kind === 'png-stream') {
		const { header, idat } = readPngStructure(bytes);
		let rgba: Uint8ClampedArray;
		try {
			rgba = (await shrinkPng(header, idat, fit.width, fit.height)).rgba;
		} catch {
			throw undecodable(name, format);
		}
		return bitmap(await createImageBitmap(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, fit.width, fit.height)));
	}
	// A Blob with an explicit type, so the decoder does not depend on the file name or MIME type.
	const typed = new Blob([bytes], { type: info.format === 'heic' ? 'image/heic' : `image/${info.format}` });
	try {
		if (isoRotated(info)) {
			// AVIF and HEIF may turn the picture (irot) after the sizes we read, so shrink afterwards.
			const full = await createImageBitmap(typed, { imageOrientation: 'from-image' });
			const f = fitWithin(full.width, full.height, DECODE_MAX_SIDE);
			const { width, height } = full;
			if (f.scale === 1) return bitmap(full, width, height);
			const small = await createImageBitmap(full, { resizeWidth: f.width, resizeHeight: f.height, resizeQuality: 'high' });
			full.close();
			return bitmap(small, width, height);
		}
		return bitmap(
			fit.scale < 1
				? await createImageBitmap(typed, { imageOrientation: 'from-image', resizeWidth: fit.width, resizeHeight: fit.height, resizeQuality: 'high' })
				: await createImageBitmap(typed, { imageOrientation: 'from-image' })
		);
	} catch {
		throw info.format === 'heic' ? unsupported('heic') : undecodable(name, format);
	}
}

const isoRotated = (info: ImageFileInfo) => info.format === 'avif' || info.format === 'heic';

/** The aspect ratio an SVG asks for, from width/height or its viewBox; null when it says nothing. */
function svgAspect(text: string): number | null {
	const head = text.slice(0, 8192);
	const tag = /<svg\b[^>]*>/i.exec(head)?.[0] ?? '';
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
