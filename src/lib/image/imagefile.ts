/**
 * What an image file is, read from its bytes before any decoder sees it: the format (from magic
 * numbers, not the file name or MIME type), the pixel size from the header, the EXIF orientation
 * of a JPEG, and whether the file is whole. Browsers quietly show a truncated JPEG or PNG with a
 * grey or empty bottom, so the classify page checks structure here to say so instead of
 * classifying half a picture.
 *
 * Pure and DOM-free. It only reads headers and chunk framing (and PNG CRCs); it does not decode.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif' | 'heic' | 'tiff' | 'svg';

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
	/**
	 * The most pixels a decoder will hold at once, from every frame or item header, not only the
	 * first: a GIF frame may be larger than its logical screen, an AVIF grid larger than its tiles.
	 * Null where unknown (SVG, TIFF, an AVIF/HEIF without `ispe`).
	 */
	decodePixels: number | null;
	/** JPEG coded progressively (SOF2, SOF6, SOF10, SOF14): Chromium then decodes it at full size. */
	progressive: boolean;
	/** PNG with Adam7 interlacing: the streaming decoder refuses those. */
	interlaced: boolean;
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
	const decodePixels = width !== null && height !== null ? width * height : null;
	return { format, width, height, orientation, decodePixels, progressive: false, interlaced: false, problem: null, detail: null };
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
			out = { ...info('png', u32be(b, at + 8), u32be(b, at + 12)), interlaced: b[at + 20] === 1 };
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
		// SOF0–3, 5–7, 9–11, 13–15 all carry the frame size; C4, C8 and CC are other markers.
		const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
		if (isSof) {
			if (len < 8) return fail(out, 'corrupt', 'The JPEG file is damaged: its frame header is too short.');
			const sof = { ...info('jpeg', u16be(b, at + 7), u16be(b, at + 5), orientation), progressive: (marker & 3) === 2 };
			if (sof.width === 0 || sof.height === 0) return fail(sof, 'corrupt', 'The JPEG header says the image has no pixels.');
			// A second frame header (hierarchical JPEG, or a hostile one) must not hide a larger size.
			if (out.decodePixels === null || (sof.decodePixels ?? 0) > out.decodePixels) out = sof;
			else if (sof.progressive) out = { ...out, progressive: true };
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

/** Skip GIF data sub-blocks (length byte, bytes, …, 0) from `at`; returns the index after them. */
function skipSubBlocks(b: Uint8Array, at: number): number {
	while (at < b.length && b[at] !== 0) at += 1 + b[at];
	return at + 1;
}

function inspectGif(b: Uint8Array): ImageFileInfo {
	if (b.length < 13) return fail(info('gif', null, null), 'truncated', 'The GIF file stops inside its header.');
	let width = u16le(b, 6);
	let height = u16le(b, 8);
	// A decoder makes its canvas as large as the largest frame, whatever the logical screen says,
	// so every image descriptor counts. Not checked for truncation: many GIFs in the wild carry
	// bytes after their trailer, and a browser shows a cut GIF's first frame if it is complete.
	let at = 13 + (b[10] & 0x80 ? 3 << ((b[10] & 7) + 1) : 0);
	while (at < b.length) {
		const block = b[at];
		if (block === 0x2c) {
			if (at + 10 > b.length) break;
			width = Math.max(width, u16le(b, at + 1) + u16le(b, at + 5));
			height = Math.max(height, u16le(b, at + 3) + u16le(b, at + 7));
			const packed = b[at + 9];
			at += 10 + (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0) + 1; // + LZW minimum code size
			at = skipSubBlocks(b, at);
		} else if (block === 0x21) at = skipSubBlocks(b, at + 2);
		else break; // the trailer (0x3B), or bytes no decoder reads further
	}
	const out = info('gif', width, height);
	return width === 0 || height === 0 ? fail(out, 'corrupt', 'The GIF header says the image has no pixels.') : out;
}

function inspectWebp(b: Uint8Array): ImageFileInfo {
	const base = info('webp', null, null);
	const riffSize = u32le(b, 4);
	if (b.length < 30 || riffSize + 8 > b.length) return fail(base, 'truncated', 'The WebP file is cut short.');
	// VP8X gives the canvas (24-bit sizes minus one); animation frames must fit inside it.
	const chunk = ascii(b, 12, 4);
	if (chunk === 'VP8X') return info('webp', 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), 1 + (b[27] | (b[28] << 8) | (b[29] << 16)));
	if (chunk === 'VP8L') {
		const bits = u32le(b, 21);
		return info('webp', 1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
	}
	if (chunk === 'VP8 ') return info('webp', u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
	return fail(base, 'corrupt', 'The WebP file is damaged: it has no image header (VP8, VP8L or VP8X).');
}

function inspectBmp(b: Uint8Array): ImageFileInfo {
	if (b.length < 26) return fail(info('bmp', null, null), 'truncated', 'The BMP file stops inside its header.');
	// The 1988 OS/2 header (12 bytes) has 16-bit sizes; every later one signed 32-bit sizes
	// (a negative height means top-down rows).
	const core = u32le(b, 14) === 12;
	const width = core ? u16le(b, 18) : Math.abs(u32le(b, 18) | 0);
	const height = core ? u16le(b, 20) : Math.abs(u32le(b, 22) | 0);
	const out = info('bmp', width, height);
	return width === 0 || height === 0 ? fail(out, 'corrupt', 'The BMP header says the image has no pixels.') : out;
}

// ---------- AVIF and HEIF (ISO base media file format) ----------

interface Box {
	type: string;
	/** Where the box's contents start (after its header) and end. */
	start: number;
	end: number;
}

/** The boxes directly inside [start, end); stops at the first one that does not fit. */
function boxesIn(b: Uint8Array, start: number, end: number): Box[] {
	const out: Box[] = [];
	let at = start;
	while (at + 8 <= end && out.length < 4096) {
		let size = u32be(b, at);
		let header = 8;
		if (size === 1) {
			if (at + 16 > end) break;
			size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
			header = 16;
		} else if (size === 0) size = end - at;
		if (size < header || at + size > end) break;
		out.push({ type: ascii(b, at + 4, 4), start: at + header, end: at + size });
		at += size;
	}
	return out;
}

const child = (b: Uint8Array, box: Box | undefined, type: string, fullBox = false): Box | undefined =>
	box && boxesIn(b, box.start + (fullBox ? 4 : 0), box.end).find((c) => c.type === type);

/** An unsigned big-endian integer of 0, 4 or 8 bytes (iloc's field sizes). */
function uintBe(b: Uint8Array, at: number, size: number): number {
	if (size === 0) return 0;
	if (size === 4) return u32be(b, at);
	return u32be(b, at) * 2 ** 32 + u32be(b, at + 4);
}

/** Where iloc says each item's first extent lies: construction method (0 file, 1 idat), offset, length. */
function itemLocations(b: Uint8Array, iloc: Box): Map<number, { method: number; offset: number; length: number }> {
	const out = new Map<number, { method: number; offset: number; length: number }>();
	const v = b[iloc.start];
	let at = iloc.start + 4;
	if (at + 4 > iloc.end) return out;
	const offsetSize = b[at] >> 4;
	const lengthSize = b[at] & 15;
	const baseSize = b[at + 1] >> 4;
	const indexSize = v >= 1 ? b[at + 1] & 15 : 0;
	at += 2;
	const count = v < 2 ? u16be(b, at) : u32be(b, at);
	at += v < 2 ? 2 : 4;
	for (let i = 0; i < count && at < iloc.end; i++) {
		const id = v < 2 ? u16be(b, at) : u32be(b, at);
		at += v < 2 ? 2 : 4;
		const method = v >= 1 ? u16be(b, at) & 15 : 0;
		if (v >= 1) at += 2;
		at += 2; // data_reference_index
		const base = uintBe(b, at, baseSize);
		at += baseSize;
		const extents = u16be(b, at);
		at += 2;
		for (let e = 0; e < extents; e++) {
			at += indexSize;
			const offset = uintBe(b, at, offsetSize);
			const length = uintBe(b, at + offsetSize, lengthSize);
			at += offsetSize + lengthSize;
			if (e === 0) out.set(id, { method, offset: base + offset, length });
		}
	}
	return out;
}

/** Ids of the items of type `grid` (a picture made of tiles, described by an ImageGrid record). */
function gridItems(b: Uint8Array, iinf: Box | undefined): number[] {
	if (!iinf) return [];
	const v = b[iinf.start];
	const ids: number[] = [];
	for (const infe of boxesIn(b, iinf.start + (v === 0 ? 6 : 8), iinf.end)) {
		if (infe.type !== 'infe' || infe.end - infe.start < 12) continue;
		const iv = b[infe.start];
		if (iv < 2) continue;
		const id = iv === 2 ? u16be(b, infe.start + 4) : u32be(b, infe.start + 4);
		const type = ascii(b, infe.start + (iv === 2 ? 8 : 10), 4);
		if (type === 'grid') ids.push(id);
	}
	return ids;
}

function inspectIsoImage(b: Uint8Array, format: 'avif' | 'heic'): ImageFileInfo {
	const name = format === 'avif' ? 'AVIF' : 'HEIC';
	const top = boxesIn(b, 0, b.length);
	const meta = top.find((x) => x.type === 'meta');
	if (!meta) return fail(info(format, null, null), 'corrupt', `The ${name} file has no image description (meta box), so its size is unknown.`);
	let width = 0;
	let height = 0;
	let most = 0;
	const consider = (w: number, h: number) => {
		if (w * h > most) [most, width, height] = [w * h, w, h];
	};
	// Every image item's size property (tiles, alpha planes, thumbnails and the primary alike).
	const ipco = child(b, child(b, meta, 'iprp', true), 'ipco');
	if (ipco)
		for (const p of boxesIn(b, ipco.start, ipco.end))
			if (p.type === 'ispe' && p.end - p.start >= 12) consider(u32be(b, p.start + 4), u32be(b, p.start + 8));
	// A grid's output size lives in its ImageGrid record (in idat or in the file), not in a tile.
	const iloc = child(b, meta, 'iloc', true);
	const idat = child(b, meta, 'idat', true);
	const where = iloc ? itemLocations(b, iloc) : new Map();
	for (const id of gridItems(b, child(b, meta, 'iinf', true))) {
		const loc = where.get(id);
		if (!loc) continue;
		const at = loc.method === 1 && idat ? idat.start + loc.offset : loc.method === 0 ? loc.offset : -1;
		if (at < 0 || at + 8 > b.length) continue;
		const wide = (b[at + 1] & 1) === 1;
		if (wide && at + 12 > b.length) continue;
		consider(wide ? u32be(b, at + 4) : u16be(b, at + 4), wide ? u32be(b, at + 8) : u16be(b, at + 6));
	}
	if (most === 0) return fail(info(format, null, null), 'corrupt', `The ${name} file does not say how large its picture is.`);
	return info(format, width, height);
}

/** The brands an ISO media file declares in its ftyp box (major brand and compatible ones). */
function ftypBrands(b: Uint8Array): string[] {
	if (ascii(b, 4, 4) !== 'ftyp' || b.length < 12) return [];
	const end = Math.min(b.length, u32be(b, 0));
	const brands = [ascii(b, 8, 4)];
	for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(b, at, 4));
	return brands;
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

/** Identify and check an image file from its bytes. */
export function inspectImageFile(b: Uint8Array): ImageFileInfo {
	if (b.length === 0) return fail(info(null, null, null), 'empty', 'The file is empty (0 bytes).');
	if (startsWith(b, PNG_SIGNATURE)) return inspectPng(b);
	if (startsWith(b, [0xff, 0xd8, 0xff])) return inspectJpeg(b);
	if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return inspectGif(b);
	if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return inspectWebp(b);
	if (ascii(b, 0, 2) === 'BM') return inspectBmp(b);
	const brands = ftypBrands(b);
	if (brands.some((x) => AVIF_BRANDS.has(x))) return inspectIsoImage(b, 'avif');
	if (brands.some((x) => HEIF_BRANDS.has(x))) return inspectIsoImage(b, 'heic');
	// Size not read: no browser but Safari decodes TIFF, and the page refuses it by name.
	if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return info('tiff', null, null);
	if (looksLikeSvg(b)) return info('svg', null, null);
	return fail(info(null, null, null), 'not-an-image', 'This file is not an image in a format the page reads (JPEG, PNG, GIF, WebP, BMP, AVIF or SVG).');
}
