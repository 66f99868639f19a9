/**
 * Small crafted files that make a careless image decoder hang or take gigabytes, built here so the
 * tests need no fixtures: each is a few KB (the PNG tail about 10 MB) yet claims or expands to a
 * huge picture. Used by tests/unit/imagefile.test.ts and tests/e2e/images.test.ts.
 */
import { constants, deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/lib/image/imagefile';

const bytes = (...parts: (number[] | Uint8Array | string)[]) =>
	Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const u16be = (n: number) => [n >> 8, n & 255];
const u32be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u16le = (n: number) => [n & 255, n >> 8];

/** `depth` levels of groups, each `<use>`-ing the previous twice: 2^depth copies of one rect. */
export function nestedUseSvg(depth: number): Buffer {
	let body = '<g id="g0"><rect width="1" height="1" fill="#e61414"/></g>';
	for (let i = 1; i <= depth; i++) body += `<g id="g${i}"><use href="#g${i - 1}"/><use href="#g${i - 1}" x="1"/></g>`;
	return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs>${body}</defs><use href="#g${depth}"/></svg>`);
}

/** A GIF whose logical screen is small but whose one frame descriptor is huge. */
export function gifWithHugeFrame(screen: number, frame: number): Buffer {
	return bytes(
		'GIF89a',
		[...u16le(screen), ...u16le(screen), 0, 0, 0], // no global colour table
		[0x21, 0xf9, 4, 0, 0, 0, 0, 0], // graphic control extension
		[0x2c, ...u16le(0), ...u16le(0), ...u16le(frame), ...u16le(frame), 0],
		[2, 2, 0x44, 0x01, 0], // LZW minimum code size, one sub-block, terminator
		[0x3b]
	);
}

function box(type: string, ...content: (number[] | Uint8Array | string)[]): Buffer {
	const body = bytes(...content);
	return bytes(u32be(8 + body.length), type, body);
}
const fullBox = (type: string, version: number, ...content: (number[] | Uint8Array | string)[]) =>
	box(type, [version, 0, 0, 0], ...content);

/**
 * An AVIF (or HEIC, by brand) still image description with one `ispe` of `width` × `height`, or,
 * with `grid`, a grid item whose ImageGrid (in `idat`) says `width` × `height` over small tiles.
 */
export function isoImage(brand: 'avif' | 'heic', width: number, height: number, grid = false): Buffer {
	const ftyp = box('ftyp', brand, [0, 0, 0, 0], brand, 'mif1');
	const hdlr = fullBox('hdlr', 0, [0, 0, 0, 0], 'pict', new Array(12).fill(0), [0]);
	const ispe = (w: number, h: number) => fullBox('ispe', 0, u32be(w), u32be(h));
	if (!grid) return bytes(ftyp, fullBox('meta', 0, hdlr, box('iprp', box('ipco', ispe(width, height)))));
	const tileType = brand === 'avif' ? 'av01' : 'hvc1';
	const infe = (id: number, type: string) => fullBox('infe', 2, u16be(id), u16be(0), type, [0]);
	const iinf = fullBox('iinf', 0, u16be(3), infe(1, 'grid'), infe(2, tileType), infe(3, tileType));
	// iloc v1: offset/length 4 bytes, no base offset; item 1 in idat (construction method 1).
	const iloc = fullBox('iloc', 1, [0x44, 0x00], u16be(1), u16be(1), u16be(1), u16be(0), u16be(1), u32be(0), u32be(12));
	const wide = width > 0xffff || height > 0xffff;
	const imageGrid = wide ? [0, 1, 0, 1, ...u32be(width), ...u32be(height)] : [0, 0, 0, 1, ...u16be(width), ...u16be(height), 0, 0, 0, 0];
	return bytes(ftyp, fullBox('meta', 0, hdlr, iinf, iloc, fullBox('pitm', 0, u16be(1)), box('iprp', box('ipco', ispe(64, 64))), box('idat', imageGrid)));
}

/** A JPEG with frame header `marker` (0xC2: progressive) of `width` × `height`, and a token scan. */
export function jpegHeader(width: number, height: number, marker = 0xc2): Buffer {
	return bytes(
		[0xff, 0xd8],
		[0xff, 0xdb, 0, 67, 0, ...new Array(64).fill(1)], // one quantization table
		[0xff, marker, 0, 17, 8, ...u16be(height), ...u16be(width), 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0],
		[0xff, 0xda, 0, 8, 1, 1, 0, 0, 0, 0], // a DC scan
		[0x12, 0x34, 0x56],
		[0xff, 0xd9]
	);
}

export const tiffHeader = () => bytes('II*\0', [8, 0, 0, 0, 0, 0]);

function pngChunk(type: string, data: Uint8Array): Buffer {
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	out.write(type, 4, 'ascii');
	out.set(data, 8);
	out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
	return out;
}

/**
 * A black `size` × `size` RGB PNG whose one zlib stream goes on after the last scanline for
 * `tailMiB` MiB of zeros. Black rows with filter 0 are zero bytes too, so the whole stream is one
 * independently compressed MiB of zeros (about 1 KB) repeated: a 16384² image is under 1 MB.
 */
export function pngWithZlibTail(size: number, tailMiB: number): Buffer {
	const rowBytes = (1 + 3 * size) * size;
	const segment = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH }); // full flush: repeatable
	const segments = Math.ceil(rowBytes / (1 << 20)) + tailMiB;
	// Adler-32 of n zero bytes: a = 1, b = n mod 65521. A valid stream, so only the size is hostile.
	const adler = Buffer.alloc(4);
	adler.writeUInt32BE((((segments * 2 ** 20) % 65521) * 65536 + 1) >>> 0);
	const idat = Buffer.concat([
		Buffer.from([0x78, 0x01]),
		...new Array<Buffer>(segments).fill(segment),
		Buffer.from([0x03, 0x00]), // final empty block
		adler
	]);
	const ihdr = Buffer.from([...u32be(size), ...u32be(size), 8, 2, 0, 0, 0]);
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', idat),
		pngChunk('IEND', new Uint8Array())
	]);
}
