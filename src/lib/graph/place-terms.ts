/**
 * Where each summed term's kernel lands inside the merged one, from the pads the file gives it.
 * A dense kernel of size k with begin pad p reads x[i·s − p + j]; inside the merged kernel (size K,
 * begin pad P) at offset o it reads x[i·s − P + j + o], so o = P − p, with the kernel inside the
 * merged one and the end pads agreeing too. ACNet's 1×3 with pads (0, 1) lands in the middle row of
 * the 3×3 with pads (1, 1); centred kernels always fit. Terms must share the stride.
 */
export interface PlacedGeometry {
	kernel: [number, number];
	strides: [number, number];
	/** [top, left, bottom, right] */
	pads: [number, number, number, number];
}

export interface TermGeometry extends PlacedGeometry {
	/** For messages: the node the term comes from, or "the input itself". */
	label: string;
}

/** The merged geometry and each term's [row, column] offset, or why the terms do not share one kernel. */
export function placeTerms(terms: TermGeometry[]): { merged: PlacedGeometry; offsets: [number, number][] } | string {
	const first = terms[0];
	for (const t of terms)
		if (t.strides[0] !== first.strides[0] || t.strides[1] !== first.strides[1]) return `different strides: [${first.strides}] in ${first.label}, [${t.strides}] in ${t.label}`;
	const kernel: [number, number] = [0, 1].map((a) => Math.max(...terms.map((t) => t.kernel[a]))) as [number, number];
	const pads: [number, number, number, number] = [0, 0, 0, 0];
	const offsets = terms.map((): [number, number] => [0, 0]);
	for (const a of [0, 1]) {
		const reference = terms.find((t) => t.kernel[a] === kernel[a])!;
		const [begin, end] = [reference.pads[a], reference.pads[a + 2]];
		pads[a] = begin;
		pads[a + 2] = end;
		for (let i = 0; i < terms.length; i++) {
			const t = terms[i];
			const o = begin - t.pads[a];
			if (!(o >= 0 && o <= kernel[a] - t.kernel[a] && end === t.pads[a + 2] + (kernel[a] - t.kernel[a] - o)))
				return `pads [${t.pads}] of ${t.label} do not place its ${t.kernel.join('×')} kernel inside the merged ${kernel.join('×')} kernel with pads [${reference.pads}]`;
			offsets[i][a] = o;
		}
	}
	return { merged: { kernel, strides: [first.strides[0], first.strides[1]], pads }, offsets };
}
