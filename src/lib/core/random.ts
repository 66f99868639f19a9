/** Seeded pseudo-random numbers, so synthetic weights and fuzz tests repeat exactly. */

/** mulberry32: tiny, fast, and good enough for test data (not for cryptography). */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Standard normal samples by Box-Muller. */
export function seededNormal(seed: number): () => number {
	const u = seededRandom(seed);
	let spare: number | null = null;
	return () => {
		if (spare !== null) {
			const s = spare;
			spare = null;
			return s;
		}
		let r = 0;
		let v = 0;
		while (r === 0) r = u();
		v = u();
		const m = Math.sqrt(-2 * Math.log(r));
		spare = m * Math.sin(2 * Math.PI * v);
		return m * Math.cos(2 * Math.PI * v);
	};
}
