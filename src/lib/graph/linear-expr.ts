/**
 * Reads what a tensor is as a linear function of the tensors behind it, from the graph's wiring
 * and constants alone: a tree of the operations the algebra can fold (Conv, AveragePool, a zero
 * Pad in front of either, BatchNormalization, Mul / Add / Sub by a constant, Neg, Identity, and
 * sums and differences). Anything else ends the walk: its output is an input leaf, so a ReLU inside
 * a branch or a Mul of two computed tensors is never looked behind, and never merged.
 *
 * A constant factor only counts when it provably acts per channel: a scalar, or C values shaped
 * [C, 1, 1] or [1, C, 1, 1]. A [C] constant broadcasts along the width, so it stays a leaf's business.
 */
import { attribute, intAttribute, intsAttribute, isStandardDomain, stringAttribute, type ModelNode } from '../io/onnx/model';
import type { BatchNorm } from '../reparam/batch-norm';
import { convParams, type ConvParams } from './branches';
import type { GraphIndex } from './graph-index';

/** A per-channel (or scalar, length 1) constant. */
export type ChannelConstant = Float64Array;

export type AffineRole = 'bn' | 'mul' | 'add' | 'sub' | 'rsub' | 'neg';

export type LinearExpr =
	| { op: 'input'; tensor: string }
	| { op: 'conv'; node: ModelNode; params: ConvParams; pads: [number, number, number, number]; padNode: ModelNode | null; of: LinearExpr }
	| { op: 'avgpool'; node: ModelNode; size: [number, number]; strides: [number, number]; pads: [number, number, number, number]; padNode: ModelNode | null; of: LinearExpr }
	| { op: 'affine'; node: ModelNode; role: AffineRole; bn: BatchNorm | null; factor: ChannelConstant | null; shift: ChannelConstant | null; of: LinearExpr }
	| { op: 'identity'; node: ModelNode; of: LinearExpr }
	/** Zeros around the spatial axes, not directly read by a Conv or AveragePool (DBB's gap: pad(y − v) + v). */
	| { op: 'pad'; node: ModelNode; pads: [number, number, number, number]; of: LinearExpr }
	| { op: 'sum'; node: ModelNode; terms: { sign: 1 | -1; tensor: string; expr: LinearExpr }[] }
	| { op: 'refused'; node: ModelNode; reason: string };

/** Deeper chains are read as an input leaf: a crafted file cannot overflow the call stack. */
const MAX_DEPTH = 64;

function standard(n: ModelNode, ...ops: string[]): boolean {
	return isStandardDomain(n.domain) && ops.includes(n.opType) && n.outputs.length === 1;
}

function label(n: ModelNode): string {
	return `${n.opType} "${n.name || n.outputs[0]}"`;
}

/** A constant that acts per channel or as one scalar, or why it does not. */
export function channelConstant(index: GraphIndex, tensor: string): ChannelConstant | string {
	const c = index.constant(tensor);
	if (typeof c === 'string') return c;
	const values = index.floats(tensor);
	if (typeof values === 'string') return values;
	const dims = c.tensor.dims;
	if (dims.every((d) => d === 1)) return values.length === 1 ? values : `"${tensor}" is empty`;
	const big = dims.filter((d) => d !== 1);
	const axis = dims.findIndex((d) => d !== 1);
	// NCHW: the channel axis is 3rd from the end ([C,1,1]) or 2nd of 4 ([1,C,1,1]).
	if (big.length === 1 && dims.length - axis === 3) return values;
	return `"${tensor}" of shape [${dims.join(', ')}] does not act per channel`;
}

function batchNorm(index: GraphIndex, node: ModelNode): BatchNorm | string {
	if (node.inputs.length !== 5) return `${label(node)} is in training form`;
	if (intAttribute(node, 'training_mode', 0) !== 0) return `${label(node)} has training_mode set`;
	const eps = attribute(node, 'epsilon')?.f ?? 1e-5;
	const gamma = index.floats(node.inputs[1]);
	if (typeof gamma === 'string') return `${label(node)}: scale ${gamma}`;
	const [beta, mean, variance] = [2, 3, 4].map((i) => index.floats(node.inputs[i], gamma.length));
	for (const v of [beta, mean, variance]) if (typeof v === 'string') return `${label(node)}: ${v}`;
	return { gamma, beta: beta as Float64Array, mean: mean as Float64Array, variance: variance as Float64Array, eps };
}

/** A Pad that adds zeros on the two spatial axes only, as [top, left, bottom, right], or null. */
function zeroPad(index: GraphIndex, node: ModelNode | undefined): [number, number, number, number] | null {
	if (!node || !standard(node, 'Pad') || node.inputs.length < 2) return null;
	if (stringAttribute(node, 'mode', 'constant') !== 'constant') return null;
	if (node.inputs[2]) {
		const v = index.floats(node.inputs[2]);
		if (typeof v === 'string' || v.some((x) => x !== 0)) return null;
	}
	if (node.inputs[3]) return null; // an axes input: rare, and not worth guessing
	const pads = index.integers(node.inputs[1]);
	if (typeof pads === 'string' || pads.length !== 8 || pads.some((p) => p < 0)) return null;
	if (pads[0] || pads[1] || pads[4] || pads[5]) return null;
	return [pads[2], pads[3], pads[6], pads[7]];
}

function isShared(index: GraphIndex, tensor: string): boolean {
	return index.readers(tensor).length !== 1 || index.graphOutputs.has(tensor) || index.subgraphReads.has(tensor);
}

/** The tensors `node`'s walk continues into; null: the node is not one the walk reads. */
export function linearOperands(index: GraphIndex, node: ModelNode): string[] | null {
	if (!standard(node, 'Conv', 'AveragePool', 'BatchNormalization', 'Identity', 'Neg', 'Pad', 'Sum', 'Add', 'Sub', 'Mul')) return null;
	if (node.opType === 'Sum') return node.inputs.length >= 1 ? node.inputs : null;
	if (node.opType === 'Add' || node.opType === 'Sub' || node.opType === 'Mul') {
		if (node.inputs.length !== 2) return null;
		const computed = node.inputs.filter((t) => typeof index.constant(t) === 'string');
		if (node.opType === 'Mul') return computed.length === 1 ? computed : null;
		return computed.length ? computed : null;
	}
	return node.inputs.length ? [node.inputs[0]] : null;
}

/** How an operation reading `tensor` may look behind it; `reader` is the op that reads it. */
function descend(index: GraphIndex, tensor: string, reader: ModelNode): boolean {
	const p = index.producer.get(tensor);
	if (!p || !linearOperands(index, p)) return false;
	if (p.opType === 'Pad' && !zeroPad(index, p)) return false;
	if (!isShared(index, tensor)) return true;
	// A shared Conv (or Conv → BN) output behind a sum or a BN: walked, so the plan can say why it stays.
	return standard(p, 'Conv', 'BatchNormalization') && standard(reader, 'Sum', 'Add', 'Sub', 'BatchNormalization');
}

/** The expression `tensor` is, read backwards through linear operations. */
export function readExpr(index: GraphIndex, tensor: string, reader: ModelNode | null = null, depth = 0): LinearExpr {
	const p = index.producer.get(tensor);
	if (!p || depth > MAX_DEPTH || (reader && !descend(index, tensor, reader)) || !linearOperands(index, p)) return { op: 'input', tensor };
	const next = (t: string) => readExpr(index, t, p, depth + 1);
	switch (p.opType) {
		case 'Conv': {
			const params = convParams(index, p);
			if (typeof params === 'string') return { op: 'refused', node: p, reason: params };
			const padNode = index.producer.get(p.inputs[0]);
			const extra = !isShared(index, p.inputs[0]) ? zeroPad(index, padNode) : null;
			const pads = params.pads.map((v, i) => v + (extra ? extra[i] : 0)) as [number, number, number, number];
			return { op: 'conv', node: p, params, pads, padNode: extra ? padNode! : null, of: next(extra ? padNode!.inputs[0] : p.inputs[0]) };
		}
		case 'AveragePool': {
			const why = (r: string): LinearExpr => ({ op: 'refused', node: p, reason: `${label(p)} ${r}` });
			const size = intsAttribute(p, 'kernel_shape', []);
			const strides = intsAttribute(p, 'strides', [1, 1]);
			const own = intsAttribute(p, 'pads', [0, 0, 0, 0]);
			if (!size || size.length !== 2 || !strides || strides.length !== 2 || !own || own.length !== 4) return why('is not a 2-D pooling');
			if (intAttribute(p, 'ceil_mode', 0) !== 0) return why('rounds its output size up (ceil_mode)');
			if (stringAttribute(p, 'auto_pad', 'NOTSET') !== 'NOTSET') return why('uses auto_pad');
			if ((intsAttribute(p, 'dilations', [1, 1]) ?? []).some((d) => d !== 1)) return why('is dilated');
			if (own.some((v) => v !== 0) && intAttribute(p, 'count_include_pad', 0) !== 1) return why('leaves its padding out of the average, which no convolution does');
			const padNode = index.producer.get(p.inputs[0]);
			const extra = !isShared(index, p.inputs[0]) ? zeroPad(index, padNode) : null;
			const pads = own.map((v, i) => v + (extra ? extra[i] : 0)) as [number, number, number, number];
			return { op: 'avgpool', node: p, size: [size[0], size[1]], strides: [strides[0], strides[1]], pads, padNode: extra ? padNode! : null, of: next(extra ? padNode!.inputs[0] : p.inputs[0]) };
		}
		case 'BatchNormalization': {
			const bn = batchNorm(index, p);
			if (typeof bn === 'string') return { op: 'refused', node: p, reason: bn };
			return { op: 'affine', node: p, role: 'bn', bn, factor: null, shift: null, of: next(p.inputs[0]) };
		}
		case 'Identity':
			return { op: 'identity', node: p, of: next(p.inputs[0]) };
		case 'Pad':
			return { op: 'pad', node: p, pads: zeroPad(index, p)!, of: next(p.inputs[0]) };
		case 'Neg':
			return { op: 'affine', node: p, role: 'neg', bn: null, factor: null, shift: null, of: next(p.inputs[0]) };
		case 'Sum':
			return { op: 'sum', node: p, terms: p.inputs.map((t) => ({ sign: 1 as const, tensor: t, expr: next(t) })) };
		default: {
			const [a, b] = p.inputs;
			const [ca, cb] = [a, b].map((t) => typeof index.constant(t) !== 'string');
			if (!ca && !cb) {
				if (p.opType === 'Mul') return { op: 'input', tensor };
				return { op: 'sum', node: p, terms: [{ sign: 1, tensor: a, expr: next(a) }, { sign: p.opType === 'Sub' ? -1 : 1, tensor: b, expr: next(b) }] };
			}
			const [value, other] = ca ? [a, b] : [b, a];
			const c = channelConstant(index, value);
			if (typeof c === 'string') return { op: 'refused', node: p, reason: `${label(p)}: ${c}` };
			const role: AffineRole = p.opType === 'Mul' ? 'mul' : p.opType === 'Add' ? 'add' : ca ? 'rsub' : 'sub';
			return { op: 'affine', node: p, role, bn: null, factor: role === 'mul' ? c : null, shift: role === 'mul' ? null : c, of: next(other) };
		}
	}
}

/** Every node an expression owns (absorbed Pads included), in no particular order. */
export function exprNodes(e: LinearExpr, into: ModelNode[] = []): ModelNode[] {
	switch (e.op) {
		case 'input':
			return into;
		case 'refused':
			into.push(e.node);
			return into;
		case 'sum':
			into.push(e.node);
			for (const t of e.terms) exprNodes(t.expr, into);
			return into;
		case 'conv':
		case 'avgpool':
			into.push(e.node);
			if (e.padNode) into.push(e.padNode);
			return exprNodes(e.of, into);
		default:
			into.push(e.node);
			return exprNodes(e.of, into);
	}
}

/** The input leaves of an expression, one entry per occurrence. */
export function exprInputs(e: LinearExpr, into: string[] = []): string[] {
	if (e.op === 'input') into.push(e.tensor);
	else if (e.op === 'sum') for (const t of e.terms) exprInputs(t.expr, into);
	else if (e.op !== 'refused') exprInputs(e.of, into);
	return into;
}
