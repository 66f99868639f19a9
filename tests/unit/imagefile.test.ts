/**
 * Header parsing on hand-built bytes: every size a decoder will allocate is read before decoding
 * (every GIF frame, every AVIF/HEIF `ispe` and grid, every JPEG frame type, WebP, BMP), and the
 * budget turns it into a plan or a refusal. Also the SVG complexity check and the PNG stream
 * stopping after its last row.
 */
import { describe, expect, it } from 'vitest';
import { inspectImageFile } from '../../src/lib/image/imagefile';
import { FULL_DECODE_MAX_PIXELS, MAX_PIXELS, planDecode } from '../../src/lib/image/budget';
import { checkSvg, SVG_LIMITS } from '../../src/lib/image/svgcheck';
import { readPngStructure, shrinkPng } from '../../src/lib/image/pngdownscale';
import { gifWithHugeFrame, isoImage, jpegHeader, nestedUseSvg, pngWithZlibTail, tiffHeader } from '../e2e/hostile-images';

const enc = (s: string) => new TextEncoder().encode(s);

describe('GIF', () => {
	it('sizes every frame, not just the logical screen', () => {
		const info = inspectImageFile(gifWithHugeFrame(100, 16000));
		expect(info).toMatchObject({ format: 'gif', width: 16000, height: 16000, decodePixels: 256_000_000, problem: null });
		expect(planDecode(info)).toMatchObject({ kind: 'too-large-full' });
		expect(inspectImageFile(gifWithHugeFrame(100, 50))).toMatchObject({ width: 100, height: 100, decodePixels: 10_000 });
	});

	it('counts a frame’s offset and skips colour tables and extensions', () => {
		const b = Buffer.from(gifWithHugeFrame(10, 10));
		// Frame descriptor at 13 + 8 (GCE): move it to (5, 7).
		b.writeUInt16LE(5, 22);
		b.writeUInt16LE(7, 24);
		expect(inspectImageFile(b)).toMatchObject({ width: 15, height: 17 });
		const withTable = Buffer.concat([b.subarray(0, 10), Buffer.from([0x81, 0, 0]), Buffer.alloc(12, 0x2c), b.subarray(13)]);
		expect(inspectImageFile(withTable)).toMatchObject({ width: 15, height: 17 }); // table bytes are not a descriptor
	});
});

describe('AVIF and HEIF', () => {
	it('read ispe', () => {
		expect(inspectImageFile(isoImage('avif', 640, 480))).toMatchObject({ format: 'avif', width: 640, height: 480, problem: null });
		const huge = inspectImageFile(isoImage('avif', 16384, 16384));
		expect(huge.decodePixels).toBe(16384 * 16384);
		expect(planDecode(huge)).toMatchObject({ kind: 'too-large-full' });
		expect(inspectImageFile(isoImage('heic', 4032, 3024))).toMatchObject({ format: 'heic', width: 4032, height: 3024 });
	});

	it('read a grid’s output size from idat, past small tiles', () => {
		expect(inspectImageFile(isoImage('avif', 16384, 16384, true))).toMatchObject({ width: 16384, height: 16384 });
		expect(inspectImageFile(isoImage('avif', 100_000, 70_000, true))).toMatchObject({ width: 100_000, height: 70_000 });
		expect(planDecode(inspectImageFile(isoImage('avif', 100_000, 70_000, true)))).toMatchObject({ kind: 'too-large' });
		expect(inspectImageFile(isoImage('avif', 32, 32, true))).toMatchObject({ width: 64, height: 64 }); // the tile is larger
	});

	it('refuse a file that does not say its size', () => {
		const ftypOnly = isoImage('avif', 1, 1).subarray(0, 24);
		expect(inspectImageFile(ftypOnly)).toMatchObject({ format: 'avif', problem: 'corrupt', decodePixels: null });
		expect(inspectImageFile(isoImage('heic', 0, 0))).toMatchObject({ format: 'heic', problem: 'corrupt' });
	});
});

describe('JPEG frame headers', () => {
	const sofs = [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf];
	it.each(sofs)('SOF 0x%s gives the size and whether it is progressive', (marker) => {
		const info = inspectImageFile(jpegHeader(3000, 2000, marker));
		expect(info).toMatchObject({ format: 'jpeg', width: 3000, height: 2000, problem: null });
		expect(info.progressive).toBe([0xc2, 0xc6, 0xca, 0xce].includes(marker));
	});

	it('a huge progressive JPEG is refused; a baseline one of the same size is decoded reduced', () => {
		expect(planDecode(inspectImageFile(jpegHeader(16384, 16384, 0xc2)))).toMatchObject({ kind: 'too-large-full', limit: FULL_DECODE_MAX_PIXELS });
		expect(planDecode(inspectImageFile(jpegHeader(16384, 16384, 0xc0)))).toEqual({ kind: 'jpeg-reduced' });
		expect(planDecode(inspectImageFile(jpegHeader(65535, 65535, 0xc0)))).toMatchObject({ kind: 'too-large', limit: MAX_PIXELS });
		expect(planDecode(inspectImageFile(jpegHeader(5000, 5000, 0xc2)))).toEqual({ kind: 'full' });
	});

	it('a second, larger frame header is not hidden by a first, small one', () => {
		const small = jpegHeader(10, 10, 0xc0);
		const sof = jpegHeader(20000, 20000, 0xc2).subarray(71, 90);
		const both = Buffer.concat([small.subarray(0, 90), sof, small.subarray(90)]);
		expect(inspectImageFile(both)).toMatchObject({ width: 20000, height: 20000, progressive: true });
	});
});

describe('WebP, BMP, PNG, TIFF', () => {
	it('WebP VP8X, VP8L and VP8 sizes', () => {
		const riff = (chunk: Buffer) => {
			const b = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP'), chunk]);
			b.writeUInt32LE(b.length - 8, 4);
			return b;
		};
		const vp8x = Buffer.alloc(18);
		vp8x.write('VP8X', 0);
		vp8x.writeUInt32LE(10, 4);
		vp8x.writeUIntLE(16383, 12, 3);
		vp8x.writeUIntLE(9999, 15, 3);
		expect(inspectImageFile(riff(vp8x))).toMatchObject({ format: 'webp', width: 16384, height: 10000 });
		const vp8l = Buffer.alloc(18);
		vp8l.write('VP8L', 0);
		vp8l.writeUInt32LE(5, 4);
		vp8l[8] = 0x2f;
		vp8l.writeUInt32LE((640 - 1) | ((480 - 1) << 14), 9);
		expect(inspectImageFile(riff(vp8l))).toMatchObject({ width: 640, height: 480 });
		const vp8 = Buffer.alloc(18);
		vp8.write('VP8 ', 0);
		vp8.set([0x9d, 0x01, 0x2a], 11);
		vp8.writeUInt16LE(800, 14);
		vp8.writeUInt16LE(600, 16);
		expect(inspectImageFile(riff(vp8))).toMatchObject({ width: 800, height: 600 });
		const other = Buffer.from(vp8);
		other.write('ABCD', 0);
		expect(inspectImageFile(riff(other))).toMatchObject({ problem: 'corrupt' });
	});

	it('BMP, with both header kinds and top-down rows', () => {
		const bmp = Buffer.alloc(54);
		bmp.write('BM', 0);
		bmp.writeUInt32LE(40, 14);
		bmp.writeInt32LE(300, 18);
		bmp.writeInt32LE(-200, 22);
		expect(inspectImageFile(bmp)).toMatchObject({ format: 'bmp', width: 300, height: 200, decodePixels: 60_000 });
		const core = Buffer.alloc(26);
		core.write('BM', 0);
		core.writeUInt32LE(12, 14);
		core.writeUInt16LE(70, 18);
		core.writeUInt16LE(50, 20);
		expect(inspectImageFile(core)).toMatchObject({ width: 70, height: 50 });
		bmp.writeInt32LE(-0x7fffffff, 22);
		expect(planDecode(inspectImageFile(bmp))).toMatchObject({ kind: 'too-large' });
	});

	it('PNG: interlaced ones are not streamed', () => {
		const png = pngWithZlibTail(4100, 1);
		const info = inspectImageFile(png);
		expect(info).toMatchObject({ format: 'png', width: 4100, interlaced: false, problem: null });
		expect(planDecode(info)).toEqual({ kind: 'png-stream' });
		expect(planDecode({ ...info, interlaced: true })).toEqual({ kind: 'full' });
		expect(planDecode({ ...info, width: 8000, height: 8000, decodePixels: 64e6, interlaced: true })).toMatchObject({ kind: 'too-large-full' });
	});

	it('TIFF is recognised by name, for its own message', () => {
		expect(inspectImageFile(tiffHeader())).toMatchObject({ format: 'tiff', problem: null });
		expect(inspectImageFile(Buffer.from('MM\0*\0\0\0\x08'))).toMatchObject({ format: 'tiff' });
		expect(planDecode(inspectImageFile(tiffHeader()))).toEqual({ kind: 'unsupported' });
	});
});

describe('checkSvg', () => {
	const ok = (s: string | Buffer) => checkSvg(s.toString(), FULL_DECODE_MAX_PIXELS).ok;
	const svg = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">${body}</svg>`;

	it('accepts ordinary drawings, with comments, CDATA and quoted ">"', () => {
		expect(ok(svg('<rect width="5" height="5"/><!-- <use href="#x"/> --><style><![CDATA[ a > b {} ]]></style><text title="a > b">hi</text>'))).toBe(true);
		expect(ok(nestedUseSvg(10))).toBe(true); // 1,024 copies
	});

	it('refuses nested <use> that expands past the limit, however small the file', () => {
		const file = nestedUseSvg(20);
		expect(file.length).toBeLessThan(2000);
		const v = checkSvg(file.toString(), FULL_DECODE_MAX_PIXELS);
		expect(v).toEqual({ ok: false, reason: expect.stringMatching(/expand to more than 20,000 elements/) });
		// Each level's group and two <use> count, and the definitions once more: about 15 k
		// elements for 2^10 copies, about 60 k for 2^12.
		expect(ok(nestedUseSvg(12))).toBe(false);
		expect(ok(nestedUseSvg(10))).toBe(true);
	});

	it('counts references through fills and filters too, and refuses loops', () => {
		let body = '<pattern id="p0"><rect width="1" height="1"/></pattern>';
		for (let i = 1; i <= 16; i++) body += `<pattern id="p${i}"><rect fill="url(#p${i - 1})"/><rect fill="url('#p${i - 1}')"/></pattern>`;
		expect(ok(svg(body))).toBe(false);
		expect(checkSvg(svg('<g id="a"><use href="#b"/></g><g id="b"><use xlink:href="#a"/></g>'), 1)).toMatchObject({ reason: expect.stringMatching(/loop/) });
	});

	it('refuses length, element, filter and pattern counts, entities and deep nesting', () => {
		expect(ok(' '.repeat(SVG_LIMITS.bytes + 1))).toBe(false);
		expect(ok(svg('<rect/>'.repeat(SVG_LIMITS.elements)))).toBe(false);
		expect(ok(svg('<rect/>'.repeat(SVG_LIMITS.elements - 2)))).toBe(true);
		expect(ok(svg(`<filter>${'<feGaussianBlur stdDeviation="9"/>'.repeat(65)}</filter>`))).toBe(false);
		expect(ok(svg('<pattern/>'.repeat(33)))).toBe(false);
		expect(ok('<!DOCTYPE svg [<!ENTITY a "aaaa">]>' + svg('&a;'))).toBe(false);
		expect(ok(svg('<g>'.repeat(1001)))).toBe(false);
	});

	it('checks embedded pictures by their own headers', () => {
		const img = (bytes: Uint8Array) => svg(`<image href="data:image/gif;base64,${Buffer.from(bytes).toString('base64')}"/>`);
		expect(ok(img(gifWithHugeFrame(10, 10)))).toBe(true);
		expect(ok(img(gifWithHugeFrame(10, 16000)))).toBe(false);
		expect(ok(img(enc(svg(''))))).toBe(false);
	});
});

describe('shrinkPng', () => {
	it('stops inflating at the last scanline: a 2 GiB zlib tail is never read', async () => {
		const png = pngWithZlibTail(64, 2048);
		expect(png.length).toBeGreaterThan(2_000_000);
		const { header, idat } = readPngStructure(png);
		const out = await shrinkPng(header, idat, 16, 16);
		expect(out.rgba.length).toBe(16 * 16 * 4);
		expect([...out.rgba.subarray(0, 4)]).toEqual([0, 0, 0, 255]);
		expect(out.compressedRead).toBeLessThan(64 * 1024);
		expect(out.inflatedRead).toBeLessThan(64 * 1024 * 1024);
	});

	it('still reports data that stops before the last row', async () => {
		const png = pngWithZlibTail(64, 0);
		const { header, idat } = readPngStructure(png);
		await expect(shrinkPng({ ...header, height: 10_000 }, idat, 16, 16)).rejects.toThrow(); // 1 MiB holds 5,433 rows
	});
});
