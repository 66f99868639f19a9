/**
 * What an image file is, read from its bytes before any decoder sees it: the format (from magic
 * numbers, not the file name or MIME type), the pixel size from the header, the EXIF orientation
 * of a JPEG, and whether the file is whole. Browsers quietly show a truncated JPEG or PNG with a
 * grey or empty bottom, so the classify page checks structure here to say so instead of
 * classifying half a picture.
 *
 * Pure and DOM-free. It only reads headers and chunk framing (and PNG CRCs); it does not decode.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif' | 'svg';

export type ImageProblem =
	/** Zero bytes. */
	| 'empty'
	/** No image format we know starts like this. */
	| 'not-an-image'
	/** The file stops before the image data ends. */
	| 'truncated'
	/** The framing or a checksum is wrong. */
	| 'corrupt';

export interface ImageFileInfo {
	format: ImageFormat | null;
	/** From the header, before EXIF orientation; null where the format has no simple header (SVG). */
	width: number | null;
	height: number | null;
	/** EXIF orientation 1–8 (JPEG only; 1 when absent). */
	orientation: number;
	problem: ImageProblem | null;
	/** A sentence saying what is wrong, when `problem` is set. */
	detail: string | null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
	if (b.length < at + sig.length) return false;
	for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
	return true;
}

function ascii(b: Uint8Array, at: number, n: number): string {
	let s = '';
	for (let i = at; i < Math.min(b.length, at + n); i++) s += String.fromCharCode(b[i]);
	return s;
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u32le = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

let crcTable: Uint32Array | null = null;
/** CRC-32 as PNG uses it (ISO 3309 / ITU-T V.42). */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
	if (!crcTable) {
		crcTable = new Uint32Array(256);
		for (let n = 0; n < 256; n++) {
			let c = n;
			for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
			crcTable[n] = c >>> 0;
		}
	}
	let c = 0xffffffff;
	for (let i = start; i < end; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

/** Does the text look like SVG markup? Skips a BOM, whitespace, an XML declaration, comments, a doctype. */
function looksLikeSvg(b: Uint8Array): boolean {
	const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 4096)).replace(/^\uFEFF/, '');
	const rest = head.replace(/^(\s+|<\?xml[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[\s\S]*?>)*/i, '');
	return /^<svg[\s>]/i.test(rest);
}

function info(format: ImageFormat | null, width: number | null, height: number | null, orientation = 1): ImageFileInfo {
	return { format, width, height, orientation, problem: null, detail: null };
}

function fail(base: ImageFileInfo, problem: ImageProblem, detail: string): ImageFileInfo {
	return { ...base, problem, detail };
}

function inspectPng(b: Uint8Array): ImageFileInfo {
	const base = info('png', null, null);
	let at = 8;
	let sawIhdr = false;
	let sawIdat = false;
	let out = base;
	while (true) {
		if (at + 8 > b.length) return fail(out, 'truncated', 'The PNG file stops before its end marker (IEND): it is incomplete.');
		const len = u32be(b, at);
		const type = ascii(b, at + 4, 4);
		if (!/^[A-Za-z]{4}$/.test(type) || len > 0x7fffffff)
			return fail(out, 'corrupt', `The PNG file is damaged: a chunk at byte ${at} is not valid.`);
		const end = at + 12 + len;
		if (end > b.length) return fail(out, 'truncated', `The PNG file stops in the middle of its "${type}" chunk: it is incomplete.`);
		if (crc32(b, at + 4, at + 8 + len) !== u32be(b, at + 8 + len))
			return fail(out, 'corrupt', `The PNG file is damaged: the checksum of its "${type}" chunk is wrong.`);
		if (!sawIhdr) {
			if (type !== 'IHDR' || len !== 13) return fail(out, 'corrupt', 'The PNG file is damaged: it does not start with an image header (IHDR).');
			sawIhdr = true;
			out = info('png', u32be(b, at + 8), u32be(b, at + 12));
			if (out.width === 0 || out.height === 0) return fail(out, 'corrupt', 'The PNG header says the image has no pixels.');
		}
		if (type === 'IDAT') sawIdat = true;
		if (type === 'IEND') {
			return sawIdat ? out : fail(out, 'corrupt', 'The PNG file has no image data (IDAT).');
		}
		at = end;
	}
}

/** EXIF orientation from the TIFF structure inside an APP1 "Exif" segment; 1 if absent or odd. */
function exifOrientation(b: Uint8Array, tiff: number, end: number): number {
	if (tiff + 8 > end) return 1;
	const order = ascii(b, tiff, 2);
	const le = order === 'II';
	if (!le && order !== 'MM') return 1;
	const r16 = (i: number) => (le ? u16le(b, i) : u16be(b, i));
	const r32 = (i: number) => (le ? u32le(b, i) : u32be(b, i));
	if (r16(tiff + 2) !== 42) return 1;
	const ifd = tiff + r32(tiff + 4);
	if (ifd + 2 > end) return 1;
	const n = r16(ifd);
	for (let e = 0; e < n; e++) {
		const entry = ifd + 2 + 12 * e;
		if (entry + 12 > end) return 1;
		if (r16(entry) === 0x0112) {
			const v = r16(entry + 8);
			return v >= 1 && v <= 8 ? v : 1;
		}
	}
	return 1;
}

function inspectJpeg(b: Uint8Array): ImageFileInfo {
	let out = info('jpeg', null, null);
	let orientation = 1;
	let at = 2;
	while (true) {
		// Markers may be padded with extra 0xFF bytes.
		while (at < b.length && b[at] === 0xff && b[at + 1] === 0xff) at++;
		if (at + 4 > b.length) return fail(out, 'truncated', 'The JPEG file stops inside its header: it is incomplete.');
		if (b[at] !== 0xff) return fail(out, 'corrupt', `The JPEG file is damaged: expected a marker at byte ${at}.`);
		const marker = b[at + 1];
		if (marker === 0xd9) return fail(out, 'corrupt', 'The JPEG file ends before any image data.');
		// Stand-alone markers have no length.
		if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
			at += 2;
			continue;
		}
		const len = u16be(b, at + 2);
		if (len < 2) return fail(out, 'corrupt', `The JPEG file is damaged: a segment at byte ${at} has an impossible length.`);
		const end = at + 2 + len;
		if (end > b.length) return fail(out, 'truncated', 'The JPEG file stops inside its header: it is incomplete.');
		if (marker === 0xe1 && ascii(b, at + 4, 6) === 'Exif\0\0') orientation = exifOrientation(b, at + 10, end);
		const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
		if (isSof && len >= 7) {
			out = info('jpeg', u16be(b, at + 7), u16be(b, at + 5), orientation);
			if (out.width === 0 || out.height === 0) return fail(out, 'corrupt', 'The JPEG header says the image has no pixels.');
		}
		if (marker === 0xda) {
			if (out.width === null) return fail(out, 'corrupt', 'The JPEG file is damaged: its image data comes before its size.');
			out = { ...out, orientation };
			// Entropy-coded data escapes 0xFF as FF 00 and uses FF D0–D7 as restart markers, so the
			// next FF D9 after the scan header is the end-of-image marker (or, for progressive
			// files, further scans come first; they end with it too).
			for (let i = end; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xd9) return out;
			return fail(out, 'truncated', 'The JPEG file is cut short: it stops before the end of its image data.');
		}
		at = end;
	}
}

function inspectGif(b: Uint8Array): ImageFileInfo {
	if (b.length < 10) return fail(info('gif', null, null), 'truncated', 'The GIF file stops inside its header.');
	// Not checked for truncation: many GIFs in the wild carry bytes after their trailer, and a
	// browser shows a cut GIF's first frame if it is complete.
	return info('gif', u16le(b, 6), u16le(b, 8));
}

function inspectWebp(b: Uint8Array): ImageFileInfo {
	const base = info('webp', null, null);
	const riffSize = u32le(b, 4);
	if (b.length < 30 || riffSize + 8 > b.length) return fail(base, 'truncated', 'The WebP file is cut short.');
	const chunk = ascii(b, 12, 4);
	if (chunk === 'VP8X') return info('webp', 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), 1 + (b[27] | (b[28] << 8) | (b[29] << 16)));
	if (chunk === 'VP8L') {
		const bits = u32le(b, 21);
		return info('webp', 1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
	}
	if (chunk === 'VP8 ') return info('webp', u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
	return base;
}

/** Identify and check an image file from its bytes. */
export function inspectImageFile(b: Uint8Array): ImageFileInfo {
	if (b.length === 0) return fail(info(null, null, null), 'empty', 'The file is empty (0 bytes).');
	if (startsWith(b, PNG_SIGNATURE)) return inspectPng(b);
	if (startsWith(b, [0xff, 0xd8, 0xff])) return inspectJpeg(b);
	if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return inspectGif(b);
	if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return inspectWebp(b);
	if (ascii(b, 0, 2) === 'BM' && b.length >= 26) return info('bmp', u32le(b, 18), Math.abs(u32le(b, 22) | 0));
	if (ascii(b, 4, 4) === 'ftyp' && /^(avif|avis)$/.test(ascii(b, 8, 4))) return info('avif', null, null);
	if (looksLikeSvg(b)) return info('svg', null, null);
	return fail(info(null, null, null), 'not-an-image', 'This file is not an image in a format the page reads (JPEG, PNG, GIF, WebP, BMP, AVIF or SVG).');
}
