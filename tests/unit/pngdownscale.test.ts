/** The streaming PNG decoder-downscaler against PNGs written here with every filter type. */
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, inspectImageFile } from '../../src/lib/image/imagefile';
import { PngDownscaleError, PngDownscaler, readPngStructure } from '../../src/lib/image/pngdownscale';
import { seededRandom } from '../../src/lib/core/random';

function chunk(type: string, data: Uint8Array): Buffer {
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	out.write(type, 4, 'ascii');
	out.set(data, 8);
	out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
	return out;
}

/** Apply PNG filter `type` to a raw scanline (the encoder side), given the previous raw one. */
function filterRow(type: number, line: Uint8Array, prev: Uint8Array, bpp: number): Uint8Array {
	const out = new Uint8Array(line.length);
	for (let i = 0; i < line.length; i++) {
		const a = i >= bpp ? line[i - bpp] : 0;
		const b = prev[i];
		const c = i >= bpp ? prev[i - bpp] : 0;
		let pred = 0;
		if (type === 1) pred = a;
		else if (type === 2) pred = b;
		else if (type === 3) pred = (a + b) >> 1;
		else if (type === 4) {
			const p = a + b - c;
			const pa = Math.abs(p - a);
			const pb = Math.abs(p - b);
			const pc = Math.abs(p - c);
			pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
		}
		out[i] = (line[i] - pred) & 0xff;
	}
	return out;
}

interface Made {
	png: Buffer;
	/** Expected RGB per pixel, composited onto white. */
	rgb: Float64Array;
	width: number;
	height: number;
}

/** A random PNG of the given type and depth; rows use filters 0–4 in turn. */
function makePng(width: number, height: number, colorType: number, bitDepth: number, seed: number): Made {
	const r = seededRandom(seed);
	const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType]!;
	const max = (1 << bitDepth) - 1;
	const rowBytes = Math.ceil((width * channels * bitDepth) / 8);
	const bpp = Math.max(1, (channels * bitDepth) >> 3);
	const palette = new Uint8Array(3 * 16).map(() => Math.floor(r() * 256));
	const trns = new Uint8Array([0, 128, 255, 40]);
	const rgb = new Float64Array(width * height * 3);
	const raw: Uint8Array[] = [];
	for (let y = 0; y < height; y++) {
		const line = new Uint8Array(rowBytes);
		for (let x = 0; x < width; x++) {
			const s = Array.from({ length: channels }, () => Math.floor(r() * (colorType === 3 ? Math.min(16, max + 1) : max + 1)));
			// write samples
			s.forEach((v, c) => {
				const k = x * channels + c;
				if (bitDepth === 16) {
					line[2 * k] = v >> 8;
					line[2 * k + 1] = v & 0xff;
				} else if (bitDepth === 8) line[k] = v;
				else {
					const bit = k * bitDepth;
					line[bit >> 3] |= v << (8 - bitDepth - (bit & 7));
				}
			});
			const to8 = (v: number) => (bitDepth === 16 ? v >> 8 : bitDepth === 8 ? v : Math.round((v * 255) / max));
			let px: number[];
			let a = 255;
			if (colorType === 3) {
				px = [palette[3 * s[0]], palette[3 * s[0] + 1], palette[3 * s[0] + 2]];
				a = s[0] < trns.length ? trns[s[0]] : 255;
			} else if (colorType === 0) px = [to8(s[0]), to8(s[0]), to8(s[0])];
			else if (colorType === 4) {
				px = [to8(s[0]), to8(s[0]), to8(s[0])];
				a = to8(s[1]);
			} else {
				px = [to8(s[0]), to8(s[1]), to8(s[2])];
				if (colorType === 6) a = to8(s[3]);
			}
			for (let c = 0; c < 3; c++) rgb[3 * (y * width + x) + c] = (px[c] * a) / 255 + 255 * (1 - a / 255);
		}
		raw.push(line);
	}
	const filtered: number[] = [];
	raw.forEach((line, y) => {
		const type = y % 5;
		filtered.push(type, ...filterRow(type, line, y ? raw[y - 1] : new Uint8Array(rowBytes), bpp));
	});
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr.set([bitDepth, colorType, 0, 0, 0], 8);
	const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
	if (colorType === 3) parts.push(chunk('PLTE', palette), chunk('tRNS', trns));
	const z = deflateSync(Buffer.from(filtered));
	// split the data over two IDAT chunks, as encoders may
	parts.push(chunk('IDAT', z.subarray(0, z.length >> 1)), chunk('IDAT', z.subarray(z.length >> 1)), chunk('IEND', new Uint8Array()));
	return { png: Buffer.concat(parts), rgb, width, height };
}

function decode(png: Uint8Array, outW: number, outH: number, pieces = 7): Uint8ClampedArray {
	const { header, idat } = readPngStructure(png);
	const inflated = new Uint8Array(inflateSync(Buffer.concat(idat)));
	const d = new PngDownscaler(header, outW, outH);
	// feed in uneven pieces to exercise row reassembly
	const step = Math.max(1, Math.floor(inflated.length / pieces));
	for (let i = 0; i < inflated.length; i += step) d.push(inflated.subarray(i, i + step));
	return d.finish();
}

const CASES: [number, number][] = [
	[0, 1],
	[0, 2],
	[0, 4],
	[0, 8],
	[0, 16],
	[2, 8],
	[2, 16],
	[3, 1],
	[3, 2],
	[3, 4],
	[3, 8],
	[4, 8],
	[4, 16],
	[6, 8],
	[6, 16]
];

describe('PngDownscaler', () => {
	it.each(CASES)('decodes colour type %i at bit depth %i exactly at full size', (colorType, bitDepth) => {
		const m = makePng(13, 11, colorType, bitDepth, colorType * 100 + bitDepth);
		expect(inspectImageFile(m.png).problem).toBeNull();
		const out = decode(m.png, m.width, m.height);
		for (let i = 0; i < m.width * m.height; i++) {
			for (let c = 0; c < 3; c++) expect(out[4 * i + c]).toBe(Math.round(m.rgb[3 * i + c]));
			expect(out[4 * i + 3]).toBe(255);
		}
	});

	it.each([
		[2, 8],
		[6, 8],
		[3, 4]
	])('box-averages when shrinking (type %i, depth %i)', (colorType, bitDepth) => {
		const m = makePng(40, 30, colorType, bitDepth, 9);
		const outW = 7;
		const outH = 4;
		const out = decode(m.png, outW, outH, 3);
		for (let oy = 0; oy < outH; oy++)
			for (let ox = 0; ox < outW; ox++) {
				const sum = [0, 0, 0];
				let n = 0;
				for (let y = 0; y < m.height; y++)
					for (let x = 0; x < m.width; x++)
						if (Math.floor((x * outW) / m.width) === ox && Math.floor((y * outH) / m.height) === oy) {
							for (let c = 0; c < 3; c++) sum[c] += m.rgb[3 * (y * m.width + x) + c];
							n++;
						}
				for (let c = 0; c < 3; c++) expect(Math.abs(out[4 * (oy * outW + ox) + c] - sum[c] / n)).toBeLessThanOrEqual(0.5 + 1e-9);
			}
	});

	it('refuses interlaced files, missing rows and bad filters', () => {
		const m = makePng(8, 8, 2, 8, 1);
		const { header, idat } = readPngStructure(m.png);
		expect(() => new PngDownscaler({ ...header, interlaced: true }, 4, 4)).toThrow(PngDownscaleError);
		expect(() => new PngDownscaler(header, 9, 4)).toThrow(RangeError);
		const inflated = new Uint8Array(inflateSync(Buffer.concat(idat)));
		const short = new PngDownscaler(header, 4, 4);
		short.push(inflated.subarray(0, inflated.length - 5));
		expect(() => short.finish()).toThrow(/stops after 7 of 8 rows/);
		const bad = inflated.slice();
		bad[0] = 9;
		expect(() => new PngDownscaler(header, 4, 4).push(bad)).toThrow(/unknown filter type 9/);
	});
});
