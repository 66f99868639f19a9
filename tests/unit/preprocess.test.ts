/**
 * `pixelsToInput` pinned on a hand-worked 2 × 1 image, without the CIFAR-10 dataset, and the
 * channel colours the classify page paints from its output.
 */
import { describe, expect, it } from 'vitest';
import { pixelsToInput } from '../../src/lib/image/preprocess';
import { CHANNEL_LIMIT, channelColour, channelToRgba } from '../../src/lib/image/channelview';

// Round numbers so every expected value below is worked out by hand.
const NORM = { mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] };

// Two pixels, left then right: (255, 0, 51) and (0, 255, 102).
const RGB = [255, 0, 51, 0, 255, 102];
// (x / 255 − mean) / std per channel:
//   R: (1 − 0.5) / 0.5 = 1,      (0 − 0.5) / 0.5 = −1
//   G: (0 − 0.25) / 0.25 = −1,   (1 − 0.25) / 0.25 = 3
//   B: (0.2 − 0) / 2 = 0.1,      (0.4 − 0) / 2 = 0.2
// laid out NCHW: all of R, then all of G, then all of B.
const EXPECTED = [1, -1, -1, 3, 0.1, 0.2];

describe('pixelsToInput', () => {
	it('scales to [0, 1], applies mean and std per channel, and lays the planes out NCHW', () => {
		const out = pixelsToInput(RGB, 2, 1, 3, NORM);
		expect(out).toBeInstanceOf(Float32Array);
		expect(out.length).toBe(6);
		EXPECTED.forEach((v, i) => expect(out[i], `value ${i}`).toBeCloseTo(v, 6));
	});

	it('ignores alpha in RGBA input, whatever it is', () => {
		const rgba = [255, 0, 51, 0, 0, 255, 102, 77];
		expect(Array.from(pixelsToInput(rgba, 2, 1, 4, NORM))).toEqual(Array.from(pixelsToInput(RGB, 2, 1, 3, NORM)));
		const opaque = [255, 0, 51, 255, 0, 255, 102, 255];
		expect(Array.from(pixelsToInput(opaque, 2, 1, 4, NORM))).toEqual(Array.from(pixelsToInput(RGB, 2, 1, 3, NORM)));
	});

	it('keeps rows apart from channels in a 2 × 2 image', () => {
		// Red goes 0, 51, 102, 153 in reading order; green and blue stay 0. Plain [0, 1] scaling.
		const px = [0, 0, 0, 51, 0, 0, 102, 0, 0, 153, 0, 0];
		const out = pixelsToInput(px, 2, 2, 3, { mean: [0, 0, 0], std: [1, 1, 1] });
		[0, 0.2, 0.4, 0.6].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
		expect(Array.from(out.subarray(4))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
	});

	it('writes image n of a batch into its own slot and leaves the others alone', () => {
		const batch = new Float32Array(3 * 6).fill(42);
		pixelsToInput(RGB, 2, 1, 3, NORM, batch, 1);
		expect(Array.from(batch.subarray(0, 6))).toEqual([42, 42, 42, 42, 42, 42]);
		EXPECTED.forEach((v, i) => expect(batch[6 + i]).toBeCloseTo(v, 6));
		expect(Array.from(batch.subarray(12))).toEqual([42, 42, 42, 42, 42, 42]);
	});

	it('refuses pixel buffers of the wrong size', () => {
		expect(() => pixelsToInput(RGB.slice(0, 5), 2, 1, 3, NORM)).toThrow(RangeError);
		expect(() => pixelsToInput([...RGB, 0], 2, 1, 3, NORM)).toThrow(RangeError);
		// RGB bytes announced as RGBA, and the other way round
		expect(() => pixelsToInput(RGB, 2, 1, 4, NORM)).toThrow(RangeError);
		expect(() => pixelsToInput([...RGB, 0, 0], 2, 1, 3, NORM)).toThrow(RangeError);
		// the right bytes for another shape
		expect(() => pixelsToInput(RGB, 1, 1, 3, NORM)).toThrow(RangeError);
		expect(() => pixelsToInput(RGB, 0, 2, 3, NORM)).toThrow(RangeError);
		expect(() => pixelsToInput(RGB, 1.5, 1, 3, NORM)).toThrow(RangeError);
	});

	it('refuses an output too small for image n, and a malformed normalization', () => {
		expect(() => pixelsToInput(RGB, 2, 1, 3, NORM, new Float32Array(5))).toThrow(RangeError);
		expect(() => pixelsToInput(RGB, 2, 1, 3, NORM, new Float32Array(12), 2)).toThrow(RangeError);
		expect(() => pixelsToInput(RGB, 2, 1, 3, { mean: [0, 0], std: [1, 1] })).toThrow(RangeError);
		expect(() => pixelsToInput(RGB, 2, 1, 3, { mean: [0, 0, 0], std: [1, 0, 1] })).toThrow(RangeError);
	});
});

describe('channel colours', () => {
	it('is paper at 0, the end colours at ± the limit and beyond', () => {
		expect(channelColour(0)).toEqual([247, 246, 242]);
		expect(channelColour(-CHANNEL_LIMIT)).toEqual([154, 74, 124]);
		expect(channelColour(-10)).toEqual([154, 74, 124]);
		expect(channelColour(CHANNEL_LIMIT)).toEqual([0, 112, 79]);
		expect(channelColour(10)).toEqual([0, 112, 79]);
		// halfway to green: round((247 + 0) / 2), round((246 + 112) / 2), round((242 + 79) / 2)
		expect(channelColour(CHANNEL_LIMIT / 2)).toEqual([124, 179, 161]);
	});

	it('paints one plane of an NCHW input as opaque RGBA', () => {
		const one = pixelsToInput([255, 0, 0], 1, 1, 3, { mean: [0, 0, 0], std: [0.5, 0.5, 0.5] });
		expect(Array.from(channelToRgba(one, 0, 1))).toEqual([0, 112, 79, 255]); // 2 → green end
		expect(Array.from(channelToRgba(one, 1, 1))).toEqual([247, 246, 242, 255]); // 0 → paper
		expect(() => channelToRgba(one, 3, 1)).toThrow(RangeError);
		expect(() => channelToRgba(one, 0, 2)).toThrow(RangeError);
	});
});
