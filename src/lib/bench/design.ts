/**
 * The order the forms run in: a Williams design, so over a cycle of rounds every form runs in
 * every position and right after every other form equally often, and slow drifts of the machine
 * (a background job, thermal throttling) fall on all forms alike.
 */

/**
 * A Williams design for `n` treatments: rows are orders. Every treatment appears once per row;
 * over all rows, in every position equally often, and immediately after every other treatment
 * equally often (first-order carry-over balance). `n` rows for even `n`, `2n` for odd `n`.
 */
export function williamsDesign(n: number): number[][] {
	if (!Number.isInteger(n) || n < 1) throw new RangeError(`need a positive number of forms, got ${n}`);
	if (n === 1) return [[0]];
	// First row 0, 1, n−1, 2, n−2, …; row i adds i (mod n).
	const first: number[] = [0];
	for (let lo = 1, hi = n - 1, j = 1; j < n; j++) first.push(j % 2 === 1 ? lo++ : hi--);
	const rows = Array.from({ length: n }, (_, i) => first.map((v) => (v + i) % n));
	return n % 2 === 0 ? rows : [...rows, ...rows.map((r) => [...r].reverse())];
}

/** The order in which `items` run in round `round` (0-based; warm-up rounds count too). */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
	const design = williamsDesign(items.length);
	return design[round % design.length].map((i) => items[i]);
}
