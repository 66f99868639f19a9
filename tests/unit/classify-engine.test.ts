/** The pure parts of the classify page: crop geometry, image-file inspection, scores, proof payload. */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { centreSquare, fitWithin, halvingSteps, orientedSize, rgbaToRgb } from '../../src/lib/image/crop';
import { crc32, inspectImageFile } from '../../src/lib/image/imagefile';
import { parseProofImage, proofImageFromRgba, PROOF_IMAGE_HREF, PROOF_IMAGE_KEY } from '../../src/lib/image/proofimage';
import { median } from '../../src/lib/bench';
import { argmax, compareLogits, softmax, topK } from '../../src/lib/core/scores';

describe('crop geometry', () => {
	it('takes the largest centred square', () => {
		expect(centreSquare(451, 300)).toEqual({ x: 75, y: 0, width: 300, height: 300 });
		expect(centreSquare(300, 451)).toEqual({ x: 0, y: 75, width: 300, height: 300 });
		expect(centreSquare(32, 32)).toEqual({ x: 0, y: 0, width: 32, height: 32 });
		expect(centreSquare(1, 9)).toEqual({ x: 0, y: 4, width: 1, height: 1 });
		expect(() => centreSquare(0, 5)).toThrow(RangeError);
		expect(() => centreSquare(NaN, 5)).toThrow(RangeError);
	});

	it('fits within a bound without upscaling', () => {
		expect(fitWithin(12000, 12000, 1024)).toMatchObject({ width: 1024, height: 1024 });
		expect(fitWithin(4000, 3000, 1000)).toMatchObject({ width: 1000, height: 750 });
		expect(fitWithin(3000, 4000, 1000)).toMatchObject({ width: 750, height: 1000 });
		expect(fitWithin(640, 480, 1024)).toEqual({ width: 640, height: 480, scale: 1 });
		// extreme aspect ratios keep at least one pixel
		expect(fitWithin(100000, 3, 1000)).toMatchObject({ width: 1000, height: 1 });
		for (const [w, h] of [
			[12000, 12000],
			[4032, 3024],
			[1, 99999],
			[5000, 17]
		]) {
			const f = fitWithin(w, h, 1024);
			expect(Math.max(f.width, f.height)).toBeLessThanOrEqual(1024);
			expect(Math.min(f.width, f.height)).toBeGreaterThanOrEqual(1);
		}
	});

	it('shrinks in steps of at most one half', () => {
		expect(halvingSteps(300, 32)).toEqual([300, 256, 128, 64, 32]);
		expect(halvingSteps(64, 32)).toEqual([64, 32]);
		expect(halvingSteps(33, 32)).toEqual([33, 32]);
		expect(halvingSteps(32, 32)).toEqual([32]);
		expect(halvingSteps(10, 32)).toEqual([10, 32]);
		for (const from of [33, 100, 257, 1024, 3000, 12000]) {
			const s = halvingSteps(from, 32);
			expect(s[0]).toBe(from);
			expect(s.at(-1)).toBe(32);
			for (let i = 1; i < s.length; i++) {
				expect(s[i]).toBeLessThan(s[i - 1]);
				expect(s[i] * 2).toBeGreaterThanOrEqual(s[i - 1]);
			}
		}
		expect(() => halvingSteps(0, 32)).toThrow(RangeError);
		expect(() => halvingSteps(2.5, 32)).toThrow(RangeError);
	});

	it('swaps sides for quarter-turn EXIF orientations', () => {
		for (const o of [1, 2, 3, 4]) expect(orientedSize(40, 30, o)).toEqual({ width: 40, height: 30 });
		for (const o of [5, 6, 7, 8]) expect(orientedSize(40, 30, o)).toEqual({ width: 30, height: 40 });
	});

	it('composites alpha onto white when dropping it', () => {
		expect([...rgbaToRgb([10, 20, 30, 255, 0, 0, 0, 0, 200, 100, 0, 128])]).toEqual([10, 20, 30, 255, 255, 255, 227, 177, 127]);
		expect(() => rgbaToRgb([1, 2, 3])).toThrow(RangeError);
	});
});

// ---- tiny image files, built byte by byte ----

function pngChunk(type: string, data: Uint8Array): Uint8Array {
	const out = new Uint8Array(12 + data.length);
	const view = new DataView(out.buffer);
	view.setUint32(0, data.length);
	for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
	out.set(data, 8);
	view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
	return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

function png(width: number, height: number): Uint8Array {
	const ihdr = new Uint8Array(13);
	const v = new DataView(ihdr.buffer);
	v.setUint32(0, width);
	v.setUint32(4, height);
	ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
	const raw = new Uint8Array(height * (1 + 3 * width)); // filter byte 0 per row, black pixels
	return concat(
		new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', new Uint8Array(deflateSync(raw))),
		pngChunk('IEND', new Uint8Array())
	);
}

/** A JPEG skeleton: SOI, optional EXIF orientation, SOF0, SOS, some scan bytes, EOI. Not decodable, but structurally whole. */
function jpeg(width: number, height: number, orientation?: number, littleEndian = false): Uint8Array {
	const parts: number[][] = [[0xff, 0xd8]];
	if (orientation !== undefined) {
		const tiff = littleEndian
			? [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0, 0, 0]
			: [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0, 0, 0];
		const payload = [...'Exif'].map((c) => c.charCodeAt(0)).concat([0, 0], tiff);
		parts.push([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload]);
	}
	parts.push([0xff, 0xc0, 0, 11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
	parts.push([0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0]);
	parts.push([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]); // scan data with a stuffed FF and a restart marker
	parts.push([0xff, 0xd9]);
	return new Uint8Array(parts.flat());
}

describe('inspectImageFile', () => {
	it('reads a whole PNG', () => {
		expect(inspectImageFile(png(7, 5))).toMatchObject({ format: 'png', width: 7, height: 5, problem: null });
	});

	it('finds a truncated or damaged PNG', () => {
		const whole = png(7, 5);
		expect(inspectImageFile(whole.subarray(0, whole.length - 6))).toMatchObject({ format: 'png', problem: 'truncated' });
		expect(inspectImageFile(whole.subarray(0, 40))).toMatchObject({ problem: 'truncated' });
		const flipped = whole.slice();
		flipped[50] ^= 0x40; // inside IDAT
		expect(inspectImageFile(flipped)).toMatchObject({ problem: 'corrupt' });
		expect(inspectImageFile(flipped).detail).toMatch(/checksum/);
	});

	it('reads a JPEG’s size and EXIF orientation in either byte order', () => {
		expect(inspectImageFile(jpeg(640, 480))).toMatchObject({ format: 'jpeg', width: 640, height: 480, orientation: 1, problem: null });
		expect(inspectImageFile(jpeg(640, 480, 6))).toMatchObject({ width: 640, height: 480, orientation: 6, problem: null });
		expect(inspectImageFile(jpeg(30, 20, 8, true))).toMatchObject({ width: 30, height: 20, orientation: 8 });
		expect(inspectImageFile(jpeg(30, 20, 9))).toMatchObject({ orientation: 1 }); // out of range → ignored
	});

	it('finds a truncated JPEG', () => {
		const whole = jpeg(64, 48, 3);
		expect(inspectImageFile(whole.subarray(0, whole.length - 2))).toMatchObject({ format: 'jpeg', problem: 'truncated' });
		expect(inspectImageFile(whole.subarray(0, 10))).toMatchObject({ problem: 'truncated' });
		expect(inspectImageFile(new Uint8Array([0xff, 0xd8, 0xff]))).toMatchObject({ problem: 'truncated' });
	});

	it('recognises other formats and SVG markup, and refuses the rest', () => {
		const gif = new Uint8Array([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([3, 0, 2, 0, 0, 0, 0, 0x3b]));
		expect(inspectImageFile(gif)).toMatchObject({ format: 'gif', width: 3, height: 2, problem: null });
		const enc = (s: string) => new TextEncoder().encode(s);
		expect(inspectImageFile(enc('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toMatchObject({ format: 'svg', problem: null });
		expect(
			inspectImageFile(enc('\uFEFF<?xml version="1.0"?>\n<!-- hi -->\n<!DOCTYPE svg>\n<svg width="4">'))
		).toMatchObject({ format: 'svg' });
		expect(inspectImageFile(enc('hello, world'))).toMatchObject({ format: null, problem: 'not-an-image' });
		expect(inspectImageFile(enc('<html><svg></svg></html>'))).toMatchObject({ problem: 'not-an-image' });
		expect(inspectImageFile(enc('%PDF-1.7'))).toMatchObject({ problem: 'not-an-image' });
		expect(inspectImageFile(new Uint8Array())).toMatchObject({ problem: 'empty' });
	});

	it('never throws on random bytes', () => {
		let seed = 1;
		const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		const base = [png(3, 3), jpeg(9, 9, 6)];
		for (let i = 0; i < 500; i++) {
			const b = base[i % 2].slice(0, Math.floor(rnd() * 80));
			for (let j = 0; j < 3; j++) if (b.length) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
			expect(() => inspectImageFile(b)).not.toThrow();
		}
	});
});

describe('scores', () => {
	it('softmax sums to one and survives huge logits', () => {
		const p = softmax([1000, 1001, 999]);
		expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
		expect(argmax(p)).toBe(1);
		expect([...softmax([0, 0])]).toEqual([0.5, 0.5]);
	});

	it('ranks the top k with labels', () => {
		const t = topK([0.1, 3, -1, 2], ['a', 'b', 'c', 'd'], 3);
		expect(t.map((r) => r.label)).toEqual(['b', 'd', 'a']);
		expect(t[0].logit).toBe(3);
		expect(() => topK([1, 2], ['a'], 1)).toThrow(RangeError);
	});

	it('compares two forms', () => {
		expect(compareLogits([1, 2, 3], [1, 2, 3.000001])).toMatchObject({ agree: true, top1A: 2, top1B: 2 });
		expect(compareLogits([1, 2, 3], [1, 2, 3.000001]).maxAbsDiff).toBeCloseTo(1e-6, 9);
		expect(compareLogits([3, 2], [2, 3]).agree).toBe(false);
	});

	it('takes medians', () => {
		expect(median([3, 1, 2])).toBe(2);
		expect(median([4, 1, 2, 3])).toBe(2.5);
		expect(median([])).toBeNaN();
	});
});

describe('proof image payload', () => {
	it('round-trips the 32×32 crop as interleaved RGB', () => {
		const rgba = new Uint8Array(32 * 32 * 4).map((_, i) => (i % 4 === 3 ? 255 : i % 251));
		const p = proofImageFromRgba(rgba, 32, 32, 'cat.jpg');
		expect(p.rgb).toHaveLength(3072);
		expect(p.rgb.slice(0, 6)).toEqual([0, 1, 2, 4, 5, 6]);
		expect(parseProofImage(JSON.stringify(p))).toEqual(p);
		expect(PROOF_IMAGE_KEY).toBe('mobileone-lab:proof-image');
		expect(PROOF_IMAGE_HREF).toBe('/explorer?input=mine');
	});

	it('rejects malformed payloads', () => {
		expect(parseProofImage(null)).toBeNull();
		expect(parseProofImage('{')).toBeNull();
		expect(parseProofImage(JSON.stringify({ width: 2, height: 2, rgb: [1, 2, 3] }))).toBeNull();
		expect(parseProofImage(JSON.stringify({ width: 1, height: 1, rgb: [1, 2, 256] }))).toBeNull();
		expect(parseProofImage(JSON.stringify({ width: 1, height: 1, rgb: [1, 2, 3] }))).toEqual({ width: 1, height: 1, rgb: [1, 2, 3], name: 'image' });
	});
});

describe('sample pictures', () => {
	it('exist, are small, are credited in LICENSES.md, and cover distinct CIFAR-10 classes', async () => {
		const { existsSync, readFileSync, statSync } = await import('node:fs');
		const { SAMPLES } = await import('../../src/ui/image/samples');
		const licences = readFileSync('static/samples/LICENSES.md', 'utf8');
		const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
		for (const s of SAMPLES) {
			const path = `static/samples/${s.file}`;
			expect(existsSync(path), path).toBe(true);
			expect(statSync(path).size).toBeLessThan(64 * 1024);
			expect(licences).toContain(`\`${s.file}\``);
			expect(classes).toContain(s.label);
			expect(s.licence).toMatch(/^(CC0|GPL-2\.0\+|CC BY 2\.5)$/);
			const info = inspectImageFile(new Uint8Array(readFileSync(path)));
			expect(info.problem, path).toBeNull();
			expect(Math.max(info.width!, info.height!)).toBeLessThanOrEqual(640);
		}
		expect(new Set(SAMPLES.map((s) => s.label)).size).toBe(SAMPLES.length);
	});
});
