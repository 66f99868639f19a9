/**
 * Recognises one linear branch of a sum: the nodes between a shared input tensor and one operand
 * of the sum, and what they compute as numbers (a kernel with its geometry, a per-channel affine).
 *
 * Four shapes are linear in the input and cheap to merge:
 *   Conv(x)                      a kernel, with or without bias
 *   BatchNormalization(Conv(x))  a kernel followed by a per-channel affine (BN folded by the exporter or not)
 *   BatchNormalization(x)        a per-channel affine of the input itself: an identity kernel, scaled
 *   Identity(x) or x itself      the identity kernel
 * The description is in terms of the graph only, so RepVGG, ACNet or DBB graphs read the same.
 */
import { attribute, intAttribute, intsAttribute, isStandardDomain, stringAttribute, type ModelNode } from '../io/onnx/model';
import type { GraphIndex } from './graph-index';
import { batchNormScale, batchNormShift } from '../reparam/batch-norm';

export type BranchKind = 'conv' | 'conv-bn' | 'bn' | 'identity';

/** Spatial geometry of a 2-D convolution, per axis [height, width]; pads as ONNX orders them. */
export interface ConvGeometry {
	kernel: [number, number];
	strides: [number, number];
	dilations: [number, number];
	/** [top, left, bottom, right]. */
	pads: [number, number, number, number];
	group: number;
}

export interface ConvParams extends ConvGeometry {
	node: ModelNode;
	/** [cout, cin / group, kh, kw], row-major. */
	weight: Float64Array;
	cout: number;
	cinPerGroup: number;
	bias: Float64Array | null;
}

export interface AffineParams {
	node: ModelNode;
	/** y = scale·x + shift per channel: scale = γ/√(σ²+ε), shift = β − μ·scale. */
	scale: Float64Array;
	shift: Float64Array;
}

/** What a branch is made of, found from the graph's wiring alone. */
export interface BranchShape {
	kind: BranchKind;
	/** The tensor the branch reads. */
	input: string;
	/** The operand of the sum it produces. */
	output: string;
	/** Nodes the branch owns, removed when the group merges. */
	nodes: ModelNode[];
}

export interface LinearBranch extends BranchShape {
	conv: ConvParams | null;
	affine: AffineParams | null;
}

function standard(n: ModelNode, opType: string): boolean {
	return n.opType === opType && isStandardDomain(n.domain);
}

/** The branch ending in `operand`, by wiring only: never fails, since anything else is "x itself". */
export function branchShape(index: GraphIndex, operand: string): BranchShape {
	const p = index.producer.get(operand);
	if (!p) return { kind: 'identity', input: operand, output: operand, nodes: [] };
	if (standard(p, 'Conv')) return { kind: 'conv', input: p.inputs[0] ?? '', output: operand, nodes: [p] };
	if (standard(p, 'BatchNormalization')) {
		const q = index.producer.get(p.inputs[0] ?? '');
		if (q && standard(q, 'Conv')) return { kind: 'conv-bn', input: q.inputs[0] ?? '', output: operand, nodes: [q, p] };
		return { kind: 'bn', input: p.inputs[0] ?? '', output: operand, nodes: [p] };
	}
	if (standard(p, 'Identity') && p.inputs.length === 1) return { kind: 'identity', input: p.inputs[0], output: operand, nodes: [p] };
	return { kind: 'identity', input: operand, output: operand, nodes: [] };
}

function pair(v: number[] | null, what: string): [number, number] | string {
	if (!v || v.length !== 2 || v.some((x) => !Number.isSafeInteger(x) || x < 1)) return `${what} ${JSON.stringify(v)} is not two positive integers`;
	return [v[0], v[1]];
}

export function convParams(index: GraphIndex, node: ModelNode): ConvParams | string {
	const label = `Conv "${node.name}"`;
	if (node.inputs.length < 2 || node.inputs.length > 3 || node.outputs.length !== 1) return `${label} has an unexpected number of inputs or outputs`;
	const w = index.constant(node.inputs[1]);
	if (typeof w === 'string') return `${label}: weight ${w}`;
	const dims = w.tensor.dims;
	if (dims.length !== 4) return `${label} is not a 2-D convolution (weight of rank ${dims.length})`;
	const [cout, cinPerGroup, kh, kw] = dims;
	if (cout < 1 || cinPerGroup < 1 || kh < 1 || kw < 1) return `${label} has an empty weight`;
	const shape = intsAttribute(node, 'kernel_shape', [kh, kw]);
	if (!shape || shape.length !== 2 || shape[0] !== kh || shape[1] !== kw) return `${label}: kernel_shape disagrees with its weight`;
	const strides = pair(intsAttribute(node, 'strides', [1, 1]), `${label}: strides`);
	if (typeof strides === 'string') return strides;
	const dilations = pair(intsAttribute(node, 'dilations', [1, 1]), `${label}: dilations`);
	if (typeof dilations === 'string') return dilations;
	const autoPad = stringAttribute(node, 'auto_pad', 'NOTSET');
	if (autoPad !== 'NOTSET' && autoPad !== '' && autoPad !== 'VALID') return `${label} uses auto_pad ${autoPad}`;
	const pads = intsAttribute(node, 'pads', [0, 0, 0, 0]);
	if (!pads || pads.length !== 4 || pads.some((p) => !Number.isSafeInteger(p) || p < 0)) return `${label}: pads ${JSON.stringify(pads)} are not four non-negative integers`;
	if (autoPad === 'VALID' && pads.some((p) => p !== 0)) return `${label} sets both auto_pad VALID and pads`;
	const group = intAttribute(node, 'group', 1);
	if (group === null || group < 1 || cout % group !== 0) return `${label}: group ${group} does not divide ${cout} output channels`;
	const weight = index.floats(node.inputs[1]);
	if (typeof weight === 'string') return `${label}: ${weight}`;
	let bias: Float64Array | null = null;
	if (node.inputs[2]) {
		const b = index.floats(node.inputs[2], cout);
		if (typeof b === 'string') return `${label}: bias ${b}`;
		bias = b;
	}
	return {
		node,
		kernel: [kh, kw],
		strides,
		dilations,
		pads: [pads[0], pads[1], pads[2], pads[3]],
		group,
		weight,
		cout,
		cinPerGroup,
		bias
	};
}

function affineParams(index: GraphIndex, node: ModelNode): AffineParams | string {
	const label = `BatchNormalization "${node.name}"`;
	if (node.inputs.length !== 5 || node.outputs.length !== 1) return `${label} is in training form (extra inputs or outputs)`;
	if (intAttribute(node, 'training_mode', 0) !== 0) return `${label} has training_mode set`;
	if (intAttribute(node, 'spatial', 1) !== 1) return `${label} is not spatial`;
	const eps = attribute(node, 'epsilon')?.f ?? 1e-5;
	const gamma = index.floats(node.inputs[1]);
	if (typeof gamma === 'string') return `${label}: scale ${gamma}`;
	const c = gamma.length;
	const [beta, mean, variance] = [2, 3, 4].map((i) => index.floats(node.inputs[i], c));
	for (const v of [beta, mean, variance]) if (typeof v === 'string') return `${label}: ${v}`;
	const bn = { gamma, beta: beta as Float64Array, mean: mean as Float64Array, variance: variance as Float64Array, eps };
	const scale = batchNormScale(bn);
	return { node, scale, shift: batchNormShift(bn, scale) };
}

/** Reads the numbers behind a branch shape, or says why they cannot be merged. */
export function linearBranch(index: GraphIndex, shape: BranchShape): LinearBranch | string {
	let conv: ConvParams | null = null;
	let affine: AffineParams | null = null;
	for (const n of shape.nodes) {
		if (n.opType === 'Conv') {
			const c = convParams(index, n);
			if (typeof c === 'string') return c;
			conv = c;
		} else if (n.opType === 'BatchNormalization') {
			const a = affineParams(index, n);
			if (typeof a === 'string') return a;
			affine = a;
		} else if (n.outputs.length !== 1) return `Identity "${n.name}" has ${n.outputs.length} outputs`;
	}
	if (conv && affine && affine.scale.length !== conv.cout)
		return `BatchNormalization "${affine.node.name}" has ${affine.scale.length} channels, its Conv ${conv.cout}`;
	return { ...shape, conv, affine };
}
