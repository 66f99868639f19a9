/**
 * How the classify page paints one normalized input channel: a diverging colour scale, purple
 * below 0, paper at 0, green above, saturating at ±CHANNEL_LIMIT (colour-blind safe). Pure
 * arithmetic, so the component only puts the bytes on a canvas.
 */

/** Normalized values beyond ± this many spreads get the end colours. */
export const CHANNEL_LIMIT = 2;

type Rgb = readonly [number, number, number];
// The same colours as app.css's --purple-ink, --bg and --green-ink (a canvas cannot read tokens
// without a DOM, and the legend beside it uses the tokens themselves).
const NEGATIVE: Rgb = [154, 74, 124];
const ZERO: Rgb = [247, 246, 242];
const POSITIVE: Rgb = [0, 112, 79];

/** The colour for one normalized value. */
export function channelColour(v: number): [number, number, number] {
	const t = Math.max(-1, Math.min(1, v / CHANNEL_LIMIT));
	const end = t < 0 ? NEGATIVE : POSITIVE;
	const a = Math.abs(t);
	return [0, 1, 2].map((i) => Math.round(ZERO[i] + (end[i] - ZERO[i]) * a)) as [number, number, number];
}

/** Channel `channel` of an NCHW (N = 1) input of `size` × `size`, as opaque RGBA bytes. */
export function channelToRgba(input: ArrayLike<number>, channel: number, size: number): Uint8ClampedArray<ArrayBuffer> {
	const plane = size * size;
	if (!(Number.isInteger(channel) && channel >= 0 && (channel + 1) * plane <= input.length))
		throw new RangeError(`channel ${channel} of ${size}×${size} is outside an input of ${input.length} values`);
	const out = new Uint8ClampedArray(4 * plane);
	for (let i = 0; i < plane; i++) {
		const [r, g, b] = channelColour(input[channel * plane + i]);
		out[4 * i] = r;
		out[4 * i + 1] = g;
		out[4 * i + 2] = b;
		out[4 * i + 3] = 255;
	}
	return out;
}
