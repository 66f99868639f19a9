/**
 * Every number the site, the CLI tools and the exports print, formatted in one place, so the same
 * quantity reads the same everywhere (megabytes, milliseconds, ratios, tiny differences).
 * Decimal units (1 MB = 10⁶ bytes), as storage and download sizes are usually quoted.
 */

/**
 * The pages pass their locale (`getLocale()` from the generated Paraglide runtime, which this
 * DOM-free engine does not import); the CLI and the exports keep the default. English and Korean
 * group and point digits alike, so the same number reads the same in both.
 */
const integerFormats = new Map<string, Intl.NumberFormat>();

/** 1681994 → "1,681,994". */
export function formatInt(n: number, locale = 'en'): string {
	let f = integerFormats.get(locale);
	if (!f) integerFormats.set(locale, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })));
	return f.format(n);
}

/** Bytes for people: "6.9 MB", "412.3 kB", "980 B". */
export function formatBytes(bytes: number): string {
	if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
	if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
	return `${Math.round(bytes)} B`;
}

/** A count in millions or thousands: "2.08 M", "418 k", "37". */
export function formatCount(n: number): string {
	if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
	if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k`;
	return String(n);
}

/** Milliseconds with as many digits as a benchmark can honestly claim: "123", "12.3", "1.23", "0.123". */
export function formatMs(ms: number): string {
	if (!Number.isFinite(ms)) return String(ms);
	const a = Math.abs(ms);
	if (a >= 100) return ms.toFixed(0);
	if (a >= 10) return ms.toFixed(1);
	if (a >= 1) return ms.toFixed(2);
	return ms.toFixed(3);
}

/** Seconds from milliseconds, one decimal: 12345 → "12.3 s". */
export function formatSeconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
}

/** A ratio such as a speed-up: "4.52×", "12.3×". */
export function formatRatio(r: number): string {
	return `${r.toFixed(r >= 10 ? 1 : 2)}×`;
}

/** An interval of ratios: "1.15–1.25"; from its two ends or from a record that has them. */
export function formatInterval(interval: { low: number; high: number }): string;
export function formatInterval(low: number, high: number): string;
export function formatInterval(a: number | { low: number; high: number }, b?: number): string {
	const [low, high] = typeof a === 'number' ? [a, b!] : [a.low, a.high];
	return `${low.toFixed(2)}–${high.toFixed(2)}`;
}

/** A difference that is usually tiny (max |Δ|): "4.8e-7"; exactly zero reads "0". */
export function formatDelta(d: number, digits = 2): string {
	return d === 0 ? '0' : d.toExponential(digits - 1);
}

/** A max |Δ| that may be missing (the reference row of a comparison): "3.1e-6", "0", "—". */
export function formatDiff(d: number | null): string {
	return d === null ? '—' : formatDelta(d);
}

/** A probability as a percentage: "87.0", "100", "<0.1". */
export function formatPercent(p: number, digits = 1): string {
	if (p >= 1 - 0.5 * 10 ** -(digits + 2)) return '100';
	if (p < 0.5 * 10 ** -(digits + 2)) return `<${(0.1).toFixed(digits)}`;
	return (100 * p).toFixed(digits);
}

/** A value read off a tensor, compact: significant digits, exponent only when very small or large. */
export function formatValue(v: number, digits = 3): string {
	const a = Math.abs(v);
	if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(digits - 1);
	return Number(v.toPrecision(digits)).toString();
}

/** A width × height in pixels: "4,032 × 3,024". */
export function formatSize(width: number, height: number, locale = 'en'): string {
	return `${formatInt(width, locale)} × ${formatInt(height, locale)}`;
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** A tiny or huge number as people write it: "7.7 × 10⁻⁷"; exactly zero reads "0". */
export function formatScientific(x: number, digits = 2): string {
	if (x === 0) return '0';
	if (!Number.isFinite(x)) return String(x);
	const [mantissa, exponent] = x.toExponential(digits - 1).split('e');
	return `${mantissa} × 10${exponent.replace('+', '').replace(/[-0-9]/g, (d) => SUPERSCRIPT[d])}`;
}

/** A statistic near 1 with fixed decimals, such as a per-channel mean or spread: "0.491", "0.200". */
export function formatFraction(x: number, digits = 3): string {
	return x.toFixed(digits);
}

/** A number inside a TeX formula: significant digits, the exponent as ×10ⁿ when very small or large. */
export function formatTex(v: number, digits = 4): string {
	if (v === 0) return '0';
	const a = Math.abs(v);
	if (a < 1e-3 || a >= 1e5) {
		const [m, e] = v.toExponential(digits - 1).split('e');
		return `${m}\\times10^{${Number(e)}}`;
	}
	return Number(v.toPrecision(digits)).toString();
}

/** A value shown to check by hand, with a fixed number of significant digits: "0.1234567". */
export function formatPrecise(v: number, digits: number): string {
	return v.toPrecision(digits);
}

/** How much smaller `after` is than `before`: "−12 %"; empty when there was nothing to cut. */
export function formatCut(before: number, after: number): string {
	return before === 0 || after === before ? '' : `−${Math.round((1 - after / before) * 100)} %`;
}

/** A number already in percent, fixed decimals: 87.04 → "87.04", 100 → "100.00". */
export function formatPercentage(percent: number, digits = 2): string {
	return percent.toFixed(digits);
}

/** A count in millions, always: "1.68 M", "0.42 M" (so a before → after pair reads in one unit). */
export function formatMillions(n: number): string {
	return `${(n / 1e6).toFixed(2)} M`;
}

/** A clock step, from milliseconds to microseconds with two significant digits: 0.005 → "5.0 µs". */
export function formatMicroseconds(ms: number): string {
	return `${(ms * 1000).toPrecision(2)} µs`;
}

/** A tick label on a numeric axis: integers as they are, others to three significant digits: "240", "0.15". */
export function formatTick(t: number): string {
	return Number.isInteger(t) ? String(t) : String(+t.toPrecision(3));
}

/** Seconds from milliseconds, without trailing zeros, for round settings: 5000 → "5 s", 500 → "0.5 s". */
export function formatSecondsCompact(ms: number): string {
	return `${+(ms / 1000).toPrecision(3)} s`;
}

/** Multiply-accumulates in billions: 1.814e9 → "1.81 G", 4.1e7 → "0.041 G". */
export function formatGiga(n: number): string {
	const g = n / 1e9;
	return `${g >= 1 ? g.toFixed(2) : g.toPrecision(2)} G`;
}

/** A correlation coefficient, two decimals with a real minus sign: "0.62", "−0.10". */
export function formatRho(rho: number): string {
	return Number.isFinite(rho) ? rho.toFixed(2).replace('-', '−') : '—';
}
