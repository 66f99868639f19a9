/**
 * Decode a PNG straight to a small size, one scanline at a time, so that a huge picture (say
 * 12000 × 12000, which is 576 MB as RGBA) never exists at full size in memory. Browsers decode a
 * PNG fully before they scale it; this keeps two scanlines and the small output.
 *
 * The caller inflates the IDAT stream (zlib) however it likes, e.g. with the browser's
 * `DecompressionStream('deflate')`, and `push`es the inflated bytes in any chunk sizes. Each source
 * pixel is composited onto white and added into the output pixel whose box it falls in (a box
 * filter), so every source pixel counts.
 *
 * Supports every non-interlaced PNG: greyscale, RGB, palette, grey + alpha, RGBA, at every bit
 * depth the format allows, with palette transparency (tRNS). Interlaced (Adam7) files are refused
 * with `PngDownscaleError`; the caller can decode those another way.
 */

export interface PngHeader {
	width: number;
	height: number;
	bitDepth: number;
	colorType: number;
	interlaced: boolean;
	/** RGB triples (colour type 3). */
	palette: Uint8Array | null;
	/** Alpha per palette entry (colour type 3, tRNS). */
	paletteAlpha: Uint8Array | null;
}

export class PngDownscaleError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'PngDownscaleError';
	}
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

const u32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

/**
 * The header, palette and the IDAT chunks' data (views into `bytes`, in order) of a PNG whose
 * framing has already been checked (see `inspectImageFile`).
 */
export function readPngStructure(bytes: Uint8Array): { header: PngHeader; idat: Uint8Array[] } {
	let at = 8;
	let header: PngHeader | null = null;
	const idat: Uint8Array[] = [];
	while (at + 12 <= bytes.length) {
		const len = u32(bytes, at);
		const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
		const data = bytes.subarray(at + 8, at + 8 + len);
		if (type === 'IHDR') {
			header = {
				width: u32(data, 0),
				height: u32(data, 4),
				bitDepth: data[8],
				colorType: data[9],
				interlaced: data[12] === 1,
				palette: null,
				paletteAlpha: null
			};
		} else if (type === 'PLTE' && header) header.palette = data;
		else if (type === 'tRNS' && header && header.colorType === 3) header.paletteAlpha = data;
		else if (type === 'IDAT') idat.push(data);
		else if (type === 'IEND') break;
		at += 12 + len;
	}
	if (!header) throw new PngDownscaleError('no IHDR chunk');
	return { header, idat };
}

export class PngDownscaler {
	readonly outWidth: number;
	readonly outHeight: number;
	private readonly h: PngHeader;
	private readonly bpp: number; // bytes per complete pixel, at least 1, for the filters
	private readonly rowBytes: number;
	private prev: Uint8Array;
	private cur: Uint8Array;
	/** Bytes of the current scanline received so far, filter byte included. */
	private filled = 0;
	private y = 0;
	/** Output column of each source column. */
	private readonly colOf: Uint32Array;
	/** Source columns per output column. */
	private readonly colCount: Uint32Array;
	private readonly sums: Float64Array;
	private rowsInBin = 0;
	private bin = 0;
	private readonly out: Uint8ClampedArray;
	/** Source pixel as RGB composited onto white, 0–255. */
	private readonly px = new Float64Array(3);

	constructor(header: PngHeader, outWidth: number, outHeight: number) {
		const { width, height, bitDepth, colorType } = header;
		if (!(width > 0 && height > 0)) throw new PngDownscaleError('the PNG has no pixels');
		if (!(colorType in CHANNELS) || !DEPTHS[colorType].includes(bitDepth))
			throw new PngDownscaleError(`colour type ${colorType} with bit depth ${bitDepth} is not valid PNG`);
		if (header.interlaced) throw new PngDownscaleError('interlaced PNG');
		if (colorType === 3 && !header.palette) throw new PngDownscaleError('palette PNG without a palette');
		if (!(Number.isInteger(outWidth) && Number.isInteger(outHeight) && outWidth >= 1 && outHeight >= 1))
			throw new RangeError(`output size must be positive integers, got ${outWidth}×${outHeight}`);
		if (outWidth > width || outHeight > height) throw new RangeError('PngDownscaler only shrinks');
		this.h = header;
		this.outWidth = outWidth;
		this.outHeight = outHeight;
		const bitsPerPixel = CHANNELS[colorType] * bitDepth;
		this.bpp = Math.max(1, bitsPerPixel >> 3);
		this.rowBytes = Math.ceil((width * bitsPerPixel) / 8);
		this.prev = new Uint8Array(this.rowBytes);
		this.cur = new Uint8Array(1 + this.rowBytes);
		this.colOf = new Uint32Array(width);
		this.colCount = new Uint32Array(outWidth);
		for (let x = 0; x < width; x++) {
			const ox = Math.floor((x * outWidth) / width);
			this.colOf[x] = ox;
			this.colCount[ox]++;
		}
		this.sums = new Float64Array(outWidth * 3);
		this.out = new Uint8ClampedArray(outWidth * outHeight * 4);
	}

	/** True once every scanline has arrived. */
	get done(): boolean {
		return this.y >= this.h.height;
	}

	/** Feed inflated IDAT bytes. Bytes after the last scanline are ignored. */
	push(data: Uint8Array): void {
		let i = 0;
		const need = 1 + this.rowBytes;
		while (i < data.length && !this.done) {
			const take = Math.min(need - this.filled, data.length - i);
			this.cur.set(data.subarray(i, i + take), this.filled);
			this.filled += take;
			i += take;
			if (this.filled === need) {
				this.row();
				this.filled = 0;
			}
		}
	}

	/** The output as opaque RGBA. Throws if scanlines are missing. */
	finish(): Uint8ClampedArray {
		if (!this.done)
			throw new PngDownscaleError(`the image data stops after ${this.y} of ${this.h.height} rows`);
		return this.out;
	}

	private row(): void {
		const { cur, prev, bpp, rowBytes } = this;
		const filter = cur[0];
		const line = cur.subarray(1);
		switch (filter) {
			case 0:
				break;
			case 1:
				for (let i = bpp; i < rowBytes; i++) line[i] = (line[i] + line[i - bpp]) & 0xff;
				break;
			case 2:
				for (let i = 0; i < rowBytes; i++) line[i] = (line[i] + prev[i]) & 0xff;
				break;
			case 3:
				for (let i = 0; i < rowBytes; i++) line[i] = (line[i] + (((i >= bpp ? line[i - bpp] : 0) + prev[i]) >> 1)) & 0xff;
				break;
			case 4:
				for (let i = 0; i < rowBytes; i++) {
					const a = i >= bpp ? line[i - bpp] : 0;
					const b = prev[i];
					const c = i >= bpp ? prev[i - bpp] : 0;
					const p = a + b - c;
					const pa = Math.abs(p - a);
					const pb = Math.abs(p - b);
					const pc = Math.abs(p - c);
					line[i] = (line[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
				}
				break;
			default:
				throw new PngDownscaleError(`row ${this.y} has an unknown filter type ${filter}`);
		}
		this.accumulate(line);
		prev.set(line);
		this.y++;
	}

	private accumulate(line: Uint8Array): void {
		const { width, height, colorType, bitDepth } = this.h;
		const oy = Math.floor((this.y * this.outHeight) / height);
		if (oy !== this.bin) {
			this.flush();
			this.bin = oy;
		}
		const { sums, colOf, px } = this;
		if (bitDepth === 8 && (colorType === 2 || colorType === 6)) {
			// The common cases, without the general path's per-pixel function call.
			const step = colorType === 2 ? 3 : 4;
			for (let x = 0, i = 0; x < width; x++, i += step) {
				const o = 3 * colOf[x];
				if (step === 3) {
					sums[o] += line[i];
					sums[o + 1] += line[i + 1];
					sums[o + 2] += line[i + 2];
				} else {
					const a = line[i + 3] / 255;
					const white = 255 * (1 - a);
					sums[o] += line[i] * a + white;
					sums[o + 1] += line[i + 1] * a + white;
					sums[o + 2] += line[i + 2] * a + white;
				}
			}
		} else {
			for (let x = 0; x < width; x++) {
				this.pixel(line, x);
				const o = 3 * colOf[x];
				sums[o] += px[0];
				sums[o + 1] += px[1];
				sums[o + 2] += px[2];
			}
		}
		this.rowsInBin++;
		if (this.y === height - 1) this.flush();
	}

	/** Source pixel x of an unfiltered scanline, composited onto white, into this.px. */
	private pixel(line: Uint8Array, x: number): void {
		const { colorType, bitDepth, palette, paletteAlpha } = this.h;
		const channels = CHANNELS[colorType];
		const sample = (c: number): number => {
			if (bitDepth === 8) return line[x * channels + c];
			if (bitDepth === 16) return line[2 * (x * channels + c)];
			const bit = x * bitDepth; // sub-byte depths have one channel
			const v = (line[bit >> 3] >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
			return colorType === 3 ? v : Math.round((v * 255) / ((1 << bitDepth) - 1));
		};
		let r: number, g: number, b: number, a: number;
		switch (colorType) {
			case 0:
				r = g = b = sample(0);
				a = 255;
				break;
			case 2:
				r = sample(0);
				g = sample(1);
				b = sample(2);
				a = 255;
				break;
			case 3: {
				const k = sample(0);
				r = palette![3 * k] ?? 0;
				g = palette![3 * k + 1] ?? 0;
				b = palette![3 * k + 2] ?? 0;
				a = paletteAlpha && k < paletteAlpha.length ? paletteAlpha[k] : 255;
				break;
			}
			case 4:
				r = g = b = sample(0);
				a = sample(1);
				break;
			default:
				r = sample(0);
				g = sample(1);
				b = sample(2);
				a = sample(3);
		}
		const t = a / 255;
		const white = 255 * (1 - t);
		this.px[0] = r * t + white;
		this.px[1] = g * t + white;
		this.px[2] = b * t + white;
	}

	private flush(): void {
		if (this.rowsInBin === 0) return;
		const { sums, colCount, out, outWidth } = this;
		const base = this.bin * outWidth * 4;
		for (let ox = 0; ox < outWidth; ox++) {
			const n = colCount[ox] * this.rowsInBin;
			out[base + 4 * ox] = Math.round(sums[3 * ox] / n);
			out[base + 4 * ox + 1] = Math.round(sums[3 * ox + 1] / n);
			out[base + 4 * ox + 2] = Math.round(sums[3 * ox + 2] / n);
			out[base + 4 * ox + 3] = 255;
		}
		sums.fill(0);
		this.rowsInBin = 0;
	}
}

export interface ShrunkPng {
	/** outWidth × outHeight opaque RGBA. */
	rgba: Uint8ClampedArray;
	/** Compressed IDAT bytes handed to the inflater: after the last scanline it is given no more. */
	compressedRead: number;
	/** Inflated bytes received. */
	inflatedRead: number;
}

/**
 * Inflate a PNG's IDAT data with `DecompressionStream` (browser, worker or Node) and shrink it as
 * it comes. Once every scanline has arrived the stream is cancelled: a file can carry gigabytes of
 * zlib data after its last row, and none of it is inflated.
 */
export async function shrinkPng(
	header: PngHeader,
	idat: readonly Uint8Array[],
	outWidth: number,
	outHeight: number,
	slice = 4096
): Promise<ShrunkPng> {
	const shrink = new PngDownscaler(header, outWidth, outHeight);
	const inflate = new DecompressionStream('deflate');
	const writer = inflate.writable.getWriter();
	const reader = inflate.readable.getReader();
	let compressedRead = 0;
	let inflatedRead = 0;
	const consume = (async () => {
		while (!shrink.done) {
			const { done, value } = await reader.read();
			if (done) return;
			inflatedRead += value.length;
			shrink.push(value);
		}
		await reader.cancel();
	})();
	// Small slices, each waiting for the inflater: compressed PNG data can expand a thousandfold,
	// so one large input chunk would queue hundreds of MB of output.
	const produce = (async () => {
		try {
			for (const part of idat) {
				for (let i = 0; i < part.length && !shrink.done; i += slice) {
					await writer.ready;
					if (shrink.done) return;
					const piece = part.subarray(i, i + slice);
					compressedRead += piece.length;
					await writer.write(piece as Uint8Array<ArrayBuffer>);
				}
			}
			if (!shrink.done) await writer.close();
		} catch (e) {
			if (!shrink.done) throw e; // after the last row, the cancelled stream's errors are expected
		}
	})();
	// Both fail together when the data is not zlib; wait for both so neither rejection goes unheard.
	const [produced, consumed] = await Promise.allSettled([produce, consume]);
	if (produced.status === 'rejected') throw produced.reason;
	if (consumed.status === 'rejected') throw consumed.reason;
	return { rgba: shrink.finish(), compressedRead, inflatedRead };
}
