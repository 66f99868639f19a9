/**
 * The fusion explorer's records for an ONNX graph: every group of parallel branches the graph pass
 * merges becomes a "block" with the explorer's five steps, computed by the pass's own routine
 * (`plannedMerges` → `mergeKernels` with its terms), so what is shown is what the pass writes.
 *
 *   1. BatchNorm: each branch's kernel and bias as the file stores them. PyTorch's exporter has
 *      usually folded the BatchNorm into the Conv already; only a BatchNormalization still in the
 *      file is folded here (t = γ/√(σ²+ε), W·t, β − μ·t).
 *   2. Pad: smaller kernels placed inside the largest one.
 *   3. Identity: a BN-only or identity branch written as a kernel.
 *   4. Sum: the placed kernels and the biases added, in float64, rounded once to float32.
 *   5. Proof: the branches as the file has them against the one merged Conv, on a seeded input.
 */
import { seededNormal } from '../core/random';
import { maxAbs, type Tensor } from '../core/tensor';
import type { OnnxModel } from '../io/onnx/model';
import { AGREEMENT_TOLERANCE, type BlockProof, type KernelSlice } from '../mobileone/explain';
import type { BranchKind, ConvGeometry } from './branches';
import { convolve } from './convolve';
import { plannedMerges } from './fuse-branches';
import { GraphIndex } from './graph-index';
import { planExpressions, type TransformName } from './plan-expr';
import type { BranchTerm } from './merge-kernels';

export interface GroupBranchStep {
	kind: BranchKind;
	/** The branch's node names, or "the input itself". */
	label: string;
	/** The Conv's weight and bias exactly as the file stores them; null for BN-only and identity branches. */
	stored: { kernel: [number, number]; weight: Float64Array; bias: Float64Array | null; geometry: ConvGeometry } | null;
	/** A BatchNormalization the file still holds on this branch: t and β − μ·t per channel. Null: none in the file. */
	bn: { node: string; scale: Float64Array; shift: Float64Array } | null;
	term: BranchTerm;
}

export interface GroupSteps {
	/** The sum's output tensor: the group's name. */
	name: string;
	/** The tensor every branch reads. */
	input: string;
	/** The algebra's transforms the graph pass uses on this group, as its report names them. */
	transforms: TransformName[];
	geometry: ConvGeometry;
	cout: number;
	cinPerGroup: number;
	branches: GroupBranchStep[];
	/** Σ of the placed terms, float64. */
	sum: { weight: Float64Array; bias: Float64Array };
	/** The sum rounded once to float32: what the fused graph's Conv holds. */
	fused: { weight: Float32Array; bias: Float32Array };
}

/** Every group the graph pass merges, step by step, in the graph's order. */
export function graphGroupSteps(model: OnnxModel): GroupSteps[] {
	const reports = new Map(planExpressions(new GraphIndex(model.graph)).groups.map((g) => [g.output, g]));
	return plannedMerges(model).map(({ report, branches, conv }) => ({
		name: report.output,
		input: report.input,
		transforms: reports.get(report.output)?.transforms ?? [],
		geometry: { kernel: conv.kernel, strides: conv.strides, dilations: conv.dilations, pads: conv.pads, group: conv.group },
		cout: conv.cout,
		cinPerGroup: conv.cinPerGroup,
		branches: branches.map((b, i) => ({
			kind: b.kind,
			label: b.nodes.length ? b.nodes.map((n) => n.name || n.opType).join(' → ') : 'the input itself',
			stored: b.conv ? { kernel: b.conv.kernel, weight: b.conv.weight, bias: b.conv.bias, geometry: b.conv } : null,
			bn: b.affine ? { node: b.affine.node.name || 'BatchNormalization', scale: b.affine.scale, shift: b.affine.shift } : null,
			term: conv.terms[i]
		})),
		sum: { weight: conv.weight, bias: conv.bias },
		fused: { weight: Float32Array.from(conv.weight), bias: Float32Array.from(conv.bias) }
	}));
}

/** One output channel of every step, as the explorer's heatmaps draw it. */
export interface GroupChannelView {
	name: string;
	channel: number;
	/** The merged kernel's [kh, kw]; the heatmaps draw square kernels only. */
	kernel: [number, number];
	square: boolean;
	branches: {
		kind: BranchKind;
		label: string;
		stored: { kernel: KernelSlice; bias: number | null } | null;
		bn: { scale: number; shift: number } | null;
		identity: KernelSlice | null;
		folded: KernelSlice;
		bias: number;
		/** Zeros added around the kernel to reach the merged size; 0 when it already has it. */
		padded: boolean;
		offset: [number, number];
		placed: KernelSlice;
	}[];
	sum: { kernel: KernelSlice; bias: number; rounded: KernelSlice; roundedBias: number };
}

function slice(data: ArrayLike<number>, planes: number, [kh, kw]: readonly number[], o: number): KernelSlice {
	const per = planes * kh * kw;
	const values = new Float64Array(per);
	for (let i = 0; i < per; i++) values[i] = data[o * per + i];
	return { planes, size: kw, values };
}

export function groupChannel(g: GroupSteps, channel: number): GroupChannelView {
	const o = Math.max(0, Math.min(Math.trunc(channel) || 0, g.cout - 1));
	const K = g.geometry.kernel;
	const p = g.cinPerGroup;
	return {
		name: g.name,
		channel: o,
		kernel: [K[0], K[1]],
		square: K[0] === K[1] && g.branches.every((b) => b.term.kernel[0] === b.term.kernel[1]),
		branches: g.branches.map((b) => ({
			kind: b.kind,
			label: b.label,
			stored: b.stored ? { kernel: slice(b.stored.weight, p, b.stored.kernel, o), bias: b.stored.bias ? b.stored.bias[o] : null } : null,
			bn: b.bn ? { scale: b.bn.scale[o], shift: b.bn.shift[o] } : null,
			identity: b.term.identity ? slice(b.term.identity, p, b.term.kernel, o) : null,
			folded: slice(b.term.weight, p, b.term.kernel, o),
			bias: b.term.bias[o],
			padded: b.term.kernel[0] !== K[0] || b.term.kernel[1] !== K[1],
			offset: b.term.offset,
			placed: slice(b.term.placed, p, K, o)
		})),
		sum: { kernel: slice(g.sum.weight, p, K, o), bias: g.sum.bias[o], rounded: slice(g.fused.weight, p, K, o), roundedBias: g.fused.bias[o] }
	};
}

/** Multiply-adds the proof may spend: the side of its input shrinks for wide groups. */
const PROOF_MACS = 4e7;

/** The proof's input: seeded standard-normal values, [1, C, S, S] with S ≤ 16 chosen so the proof stays small. */
export function groupInput(g: GroupSteps, seed: number): Tensor {
	const cin = g.cinPerGroup * g.geometry.group;
	const [kh, kw] = g.geometry.kernel;
	const perPixel = g.cout * g.cinPerGroup * kh * kw * (g.branches.length + 1);
	const side = Math.max(Math.max(kh, kw) + 1, Math.min(16, Math.floor(Math.sqrt(PROOF_MACS / perPixel))));
	const next = seededNormal(seed);
	const data = new Float32Array(cin * side * side);
	for (let i = 0; i < data.length; i++) data[i] = next();
	return { shape: [1, cin, side, side], data };
}

/** The branches as the file has them, summed, against the one merged Conv (float32 weights), on `x`. */
export function proveGroup(g: GroupSteps, x: Tensor): BlockProof {
	let unfused: Tensor | null = null;
	const acc: Float64Array[] = [];
	for (const b of g.branches) {
		const y = b.stored ? convolve(x, b.stored.weight, g.cout, g.cinPerGroup, b.stored.geometry, b.stored.bias) : x;
		unfused ??= y;
		const plane = y.shape[2] * y.shape[3];
		if (acc.length === 0) for (let i = 0; i < g.cout; i++) acc.push(new Float64Array(plane));
		for (let c = 0; c < g.cout; c++)
			for (let i = 0; i < plane; i++) {
				const v = y.data[c * plane + i];
				acc[c][i] += b.bn ? b.bn.scale[c] * v + b.bn.shift[c] : v;
			}
	}
	const shape = unfused!.shape;
	const plane = shape[2] * shape[3];
	const sum = new Float32Array(g.cout * plane);
	acc.forEach((a, c) => sum.set(a, c * plane));
	const fused = convolve(x, g.fused.weight, g.cout, g.cinPerGroup, g.geometry, g.fused.bias);
	const delta = new Float32Array(sum.length);
	let maxDelta = 0;
	for (let i = 0; i < delta.length; i++) {
		delta[i] = Math.abs(sum[i] - fused.data[i]);
		if (!(delta[i] <= maxDelta)) maxDelta = delta[i];
	}
	const maxOutput = maxAbs(sum);
	const relative = maxOutput > 0 ? maxDelta / maxOutput : maxDelta;
	const float32Ulp = maxOutput > 0 ? 2 ** (Math.floor(Math.log2(maxOutput)) - 23) : 2 ** -149;
	return { unfused: { shape: [1, g.cout, shape[2], shape[3]], data: sum }, fused, delta, maxDelta, maxOutput, relative, float32Ulp, agrees: relative <= AGREEMENT_TOLERANCE };
}
