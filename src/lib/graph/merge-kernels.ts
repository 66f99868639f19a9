/**
 * The paper's algebra on a group of parallel linear branches: fold each BatchNorm into its kernel
 * (t = γ/√(σ²+ε), W′ = W·t, b′ = β − μ·t + t·b), write the identity as a kernel, place every kernel
 * in the largest one where its padding puts it, and sum. Float64 throughout; the caller rounds once.
 *
 * Where a branch's kernel lands follows from its padding: a Conv with kernel K, begin pad p and
 * dilation d reads x[i·s − p + k·d]; inside the merged kernel (begin pad P) at offset o it reads
 * x[i·s − P + (k + o)·d], so o = (P − p)/d, which must be a whole number with the kernel inside
 * the merged one, and the end pads must agree too. Centred kernels with pad (K−1)/2·d always fit.
 */
import type { ConvGeometry, LinearBranch } from './branches';

export interface MergedConv extends ConvGeometry {
	cout: number;
	cinPerGroup: number;
	/** [cout, cin / group, kh, kw], row-major. */
	weight: Float64Array;
	bias: Float64Array;
	/** Each branch on its own, when asked for (`{ terms: true }`): what the explorer steps through. */
	terms?: BranchTerm[];
}

/** One branch as a kernel: BN folded, the identity written out, then placed in the merged kernel. */
export interface BranchTerm {
	/** For a BN-only or identity branch: the identity kernel (1×1) before its BatchNorm; else null. */
	identity: Float64Array | null;
	/** The branch's kernel at its own size [kh, kw], with its BatchNorm (if the file still has one) folded. */
	kernel: [number, number];
	weight: Float64Array;
	bias: Float64Array;
	/** Where its kernel sits inside the merged one, [rows, columns]. */
	offset: [number, number];
	/** The same kernel placed in the merged kernel's size (zeros around it): the term that is summed. */
	placed: Float64Array;
}

/**
 * Adds one branch, its BatchNorm folded (W·t, t·b + β − μ·t), into `weight`/`bias` of a kernel of
 * size KH×KW at offset (oy, ox). `affine: false` leaves the BatchNorm out. The one routine the merge,
 * and every term the explorer shows, are computed with.
 */
function addBranch(b: LinearBranch, cout: number, cinPerGroup: number, weight: Float64Array, bias: Float64Array, [KH, KW]: readonly number[], [oy, ox]: readonly number[], affine = true) {
	const a = affine ? b.affine : null;
	const scale = a?.scale;
	if (b.conv) {
		const { weight: w, kernel: [kh, kw], bias: cb } = b.conv;
		for (let o = 0; o < cout; o++) {
			const t = scale ? scale[o] : 1;
			bias[o] += (a ? a.shift[o] : 0) + t * (cb ? cb[o] : 0);
			for (let c = 0; c < cinPerGroup; c++)
				for (let y = 0; y < kh; y++)
					for (let x = 0; x < kw; x++) weight[((o * cinPerGroup + c) * KH + y + oy) * KW + x + ox] += t * w[((o * cinPerGroup + c) * kh + y) * kw + x];
		}
	} else {
		for (let o = 0; o < cout; o++) {
			weight[((o * cinPerGroup + (o % cinPerGroup)) * KH + oy) * KW + ox] += scale ? scale[o] : 1;
			if (a) bias[o] += a.shift[o];
		}
	}
}

/** The most float64 values a merge may allocate per source value: a guard against crafted files. */
const GROWTH_LIMIT = 8;

const IDENTITY_GEOMETRY = { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] } as const;

function describe(b: LinearBranch, i: number): string {
	return b.nodes.length ? `"${b.nodes[0].name || b.nodes[0].opType}"` : `branch ${i + 1} (the input itself)`;
}

/** One Conv equal to the sum of `branches`, or the reason they cannot be one. */
export function mergeKernels(branches: LinearBranch[], options: { terms?: boolean } = {}): MergedConv | string {
	const convs = branches.filter((b) => b.conv);
	if (convs.length === 0) return 'no Conv among the branches';
	const first = convs[0].conv!;
	const { cout, cinPerGroup, group } = first;
	for (const b of convs) {
		const c = b.conv!;
		if (c.strides[0] !== first.strides[0] || c.strides[1] !== first.strides[1])
			return `different strides: [${first.strides}] in "${first.node.name}", [${c.strides}] in "${c.node.name}"`;
		if (c.group !== group) return `different groups: ${group} in "${first.node.name}", ${c.group} in "${c.node.name}"`;
		if (c.cout !== cout || c.cinPerGroup !== cinPerGroup)
			return `different weight shapes: ${cout}×${cinPerGroup} in "${first.node.name}", ${c.cout}×${c.cinPerGroup} in "${c.node.name}"`;
	}
	const identities = branches.filter((b) => !b.conv);
	if (identities.length) {
		if (first.strides[0] !== 1 || first.strides[1] !== 1) return `an identity branch cannot join convolutions of stride [${first.strides}]`;
		if (group * cinPerGroup !== cout) return `an identity branch needs as many input as output channels (${group * cinPerGroup} in, ${cout} out)`;
	}
	for (const b of branches)
		if (b.affine && b.affine.scale.length !== cout) return `BatchNormalization "${b.affine.node.name}" has ${b.affine.scale.length} channels, the Convs ${cout}`;

	const geometry = branches.map((b) => b.conv ?? IDENTITY_GEOMETRY);
	const kernel: [number, number] = [0, 1].map((a) => Math.max(...geometry.map((g) => g.kernel[a]))) as [number, number];
	const dilations: [number, number] = [1, 1];
	const pads: [number, number, number, number] = [0, 0, 0, 0];
	const offsets = branches.map(() => [0, 0]);
	for (const a of [0, 1]) {
		// A kernel of size 1 along an axis reads one tap: its dilation there does not matter.
		const dilated = geometry.filter((g) => g.kernel[a] > 1);
		dilations[a] = dilated.length ? dilated[0].dilations[a] : 1;
		const other = dilated.find((g) => g.dilations[a] !== dilations[a]);
		if (other) return `different dilations: ${dilations[a]} and ${other.dilations[a]}`;
		const reference = geometry.find((g) => g.kernel[a] === kernel[a])!;
		const [begin, end] = [reference.pads[a], reference.pads[a + 2]];
		pads[a] = begin;
		pads[a + 2] = end;
		for (let i = 0; i < branches.length; i++) {
			const g = geometry[i];
			const k = g.kernel[a];
			const shift = begin - g.pads[a];
			const o = shift / dilations[a];
			const fits = Number.isInteger(o) && o >= 0 && o <= kernel[a] - k && end === g.pads[a + 2] + (kernel[a] - k - o) * dilations[a];
			if (!fits)
				return `pads [${g.pads}] of ${describe(branches[i], i)} do not place its ${g.kernel.join('×')} kernel inside the merged ${kernel.join('×')} kernel with pads [${reference.pads}]`;
			offsets[i][a] = o;
		}
	}

	const taps = kernel[0] * kernel[1];
	const size = cout * cinPerGroup * taps;
	const source = convs.reduce((n, b) => n + b.conv!.weight.length, 0) + cout;
	if (size > GROWTH_LIMIT * source + 4096) return `the merged kernel (${size} values) would be far larger than the branches`;
	const weight = new Float64Array(size);
	const bias = new Float64Array(cout);
	branches.forEach((b, i) => addBranch(b, cout, cinPerGroup, weight, bias, kernel, offsets[i]));
	const merged: MergedConv = { kernel, strides: [...first.strides], dilations, pads, group, cout, cinPerGroup, weight, bias };
	if (options.terms)
		merged.terms = branches.map((b, i) => {
			const own = geometry[i].kernel;
			const n = cout * cinPerGroup * own[0] * own[1];
			const term: BranchTerm = { identity: null, kernel: [own[0], own[1]], weight: new Float64Array(n), bias: new Float64Array(cout), offset: [offsets[i][0], offsets[i][1]], placed: new Float64Array(size) };
			addBranch(b, cout, cinPerGroup, term.weight, term.bias, own, [0, 0]);
			addBranch(b, cout, cinPerGroup, term.placed, new Float64Array(cout), kernel, offsets[i]);
			if (!b.conv) {
				term.identity = new Float64Array(n);
				addBranch(b, cout, cinPerGroup, term.identity, new Float64Array(cout), own, [0, 0], false);
			}
			return term;
		});
	return merged;
}
