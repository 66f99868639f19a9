/**
 * ONNX operators evaluated on constants, each with the standard's exact semantics (opset 13+ forms),
 * for the shape arithmetic an exporter writes around a weight or a Pad: PyTorch 1.13 computes DBB's
 * pads and its identity kernel this way. Only the operators such exports need are here; anything
 * else (or another data type) is "not evaluated", never guessed.
 *
 * Integers are held as BigInt64Array so int64 stays exact (Slice's "to the end" is INT64_MAX);
 * floats as Float64Array, rounded to float32 after every float32 operation as a runtime would.
 * The file is untrusted: no output larger than `MAX_CONSTANT_ELEMENTS` is allocated, an int64
 * result that overflows or a negative or huge dimension is refused with a `WeightsError`.
 */
import { WeightsError } from '../core/errors';
import { DATA_TYPE, attribute, type ModelNode } from '../io/onnx/model';

/** A constant tensor: its ONNX data type, dims and values. */
export interface ConstValue {
	dataType: number;
	dims: number[];
	data: Float64Array | BigInt64Array;
}

/** The most elements one evaluated constant may hold (32 MiB as float64): shape arithmetic and weights fit far below. */
export const MAX_CONSTANT_ELEMENTS = 1 << 22;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const FLOATS = new Set<number>([DATA_TYPE.FLOAT, DATA_TYPE.DOUBLE]);
const INTEGERS = new Set<number>([DATA_TYPE.INT64, DATA_TYPE.INT32, DATA_TYPE.BOOL]);

export function isSupportedType(dataType: number): boolean {
	return FLOATS.has(dataType) || INTEGERS.has(dataType);
}

export function isIntegerType(dataType: number): boolean {
	return INTEGERS.has(dataType);
}

/** Why an operation was not evaluated: the node stays in the graph as it is. */
export class NotEvaluated {
	constructor(readonly reason: string) {}
}

function bad(what: string): never {
	throw new WeightsError('bad-onnx', what);
}

/** Element count of `dims`, or NotEvaluated past the cap; a negative or fractional dim is refused. */
export function checkedCount(dims: readonly number[], what: string): number | NotEvaluated {
	let n = 1;
	for (const d of dims) {
		if (!Number.isSafeInteger(d) || d < 0) bad(`${what} has dimension ${d}`);
		n *= d;
		if (n > MAX_CONSTANT_ELEMENTS) return new NotEvaluated(`${what} would hold more than ${MAX_CONSTANT_ELEMENTS} values, more than the pass evaluates`);
	}
	return n;
}

function allocate(dataType: number, dims: number[], what: string): ConstValue | NotEvaluated {
	const n = checkedCount(dims, what);
	if (n instanceof NotEvaluated) return n;
	return { dataType, dims, data: isIntegerType(dataType) ? new BigInt64Array(n) : new Float64Array(n) };
}

/** An int64 result, refused outside int64's range. */
function int64(v: bigint, what: string): bigint {
	if (v < INT64_MIN || v > INT64_MAX) bad(`${what} overflows int64`);
	return v;
}

/** How a value of `dataType` is stored: float32 rounded, int32 and bool range-checked. */
function store(dataType: number, v: number): number {
	return dataType === DATA_TYPE.FLOAT ? Math.fround(v) : v;
}

function storeInt(dataType: number, v: bigint, what: string): bigint {
	if (dataType === DATA_TYPE.INT32 && (v < -(1n << 31n) || v >= 1n << 31n)) bad(`${what} overflows int32`);
	if (dataType === DATA_TYPE.BOOL) return v !== 0n ? 1n : 0n;
	return int64(v, what);
}

/** A tensor's integer values as numbers (dims, axes, indices), refused beyond ±2^53. */
export function smallInts(c: ConstValue, what: string): number[] {
	if (!(c.data instanceof BigInt64Array)) return bad(`${what} is not an integer tensor`);
	return Array.from(c.data, (v) => {
		if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) bad(`${what} holds ${v}, beyond what a dimension can be`);
		return Number(v);
	});
}

function strides(dims: readonly number[]): number[] {
	const s = new Array<number>(dims.length);
	let acc = 1;
	for (let i = dims.length - 1; i >= 0; i--) {
		s[i] = acc;
		acc *= dims[i];
	}
	return s;
}

/** Numpy-style broadcast of several shapes, or a refusal when two dims differ and neither is 1. */
export function broadcastDims(shapes: number[][], what: string): number[] {
	const rank = Math.max(...shapes.map((s) => s.length));
	const out = new Array<number>(rank).fill(1);
	for (const s of shapes)
		s.forEach((d, i) => {
			if (d < 0) bad(`${what} has dimension ${d}`);
			const at = rank - s.length + i;
			if (out[at] === 1) out[at] = d;
			else if (d !== 1 && d !== out[at]) bad(`${what} cannot broadcast [${shapes.map((x) => x.join(', ')).join('] with [')}]`);
		});
	return out;
}

/** For each element of `out`, the flat index of the element of `dims` it broadcasts from. */
function sourceIndex(out: number[], dims: number[]): (flat: number) => number {
	const os = strides(out);
	const is = strides(dims);
	const offset = out.length - dims.length;
	return (flat) => {
		let src = 0;
		for (let a = 0; a < out.length; a++) {
			const coord = Math.floor(flat / os[a]) % out[a];
			const ia = a - offset;
			if (ia >= 0 && dims[ia] !== 1) src += coord * is[ia];
		}
		return src;
	};
}

/** An axis in [-rank, rank) as [0, rank), refused outside. */
function axisOf(axis: number, rank: number, what: string): number {
	if (!Number.isInteger(axis) || axis < -rank || axis >= rank) bad(`${what} has axis ${axis} for rank ${rank}`);
	return axis < 0 ? axis + rank : axis;
}

function intAttr(node: ModelNode, name: string, fallback: number): number {
	const a = attribute(node, name);
	if (!a || a.i === undefined) return fallback;
	if (typeof a.i !== 'number') bad(`attribute ${name} of ${node.opType} "${node.name}" is beyond ±2^53`);
	return a.i;
}

function elementwise(node: ModelNode, inputs: ConstValue[], fn: (vals: (number | bigint)[]) => number | bigint, outType: number): ConstValue | NotEvaluated {
	const what = `${node.opType} "${node.name}"`;
	const dims = broadcastDims(inputs.map((c) => c.dims), what);
	const out = allocate(outType, dims, what);
	if (out instanceof NotEvaluated) return out;
	const maps = inputs.map((c) => sourceIndex(dims, c.dims));
	for (let i = 0; i < out.data.length; i++) {
		const v = fn(inputs.map((c, k) => c.data[maps[k](i)]));
		if (out.data instanceof BigInt64Array) out.data[i] = storeInt(outType, v as bigint, what);
		else out.data[i] = store(outType, v as number);
	}
	return out;
}

function arithmetic(node: ModelNode, [a, b]: ConstValue[]): ConstValue | NotEvaluated {
	if (a.dataType !== b.dataType) bad(`${node.opType} "${node.name}" mixes data types ${a.dataType} and ${b.dataType}`);
	if (a.dataType === DATA_TYPE.BOOL) return new NotEvaluated(`${node.opType} of booleans is not evaluated`);
	const op = node.opType;
	if (isIntegerType(a.dataType))
		return elementwise(node, [a, b], ([x, y]) => (op === 'Add' ? (x as bigint) + (y as bigint) : op === 'Sub' ? (x as bigint) - (y as bigint) : (x as bigint) * (y as bigint)), a.dataType);
	return elementwise(node, [a, b], ([x, y]) => (op === 'Add' ? (x as number) + (y as number) : op === 'Sub' ? (x as number) - (y as number) : (x as number) * (y as number)), a.dataType);
}

function shapeOf(node: ModelNode, [x]: ConstValue[]): ConstValue {
	const rank = x.dims.length;
	const clamp = (v: number) => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
	const start = clamp(intAttr(node, 'start', 0));
	const end = clamp(intAttr(node, 'end', rank));
	const dims = x.dims.slice(start, Math.max(start, end));
	return { dataType: DATA_TYPE.INT64, dims: [dims.length], data: BigInt64Array.from(dims, BigInt) };
}

/** The one-element tensor of a ConstantOfShape (default float32 0). */
function fillValue(node: ModelNode, decode: (t: NonNullable<ReturnType<typeof attribute>>['t']) => ConstValue | NotEvaluated): ConstValue | NotEvaluated {
	const t = attribute(node, 'value')?.t;
	if (!t) return { dataType: DATA_TYPE.FLOAT, dims: [1], data: new Float64Array(1) };
	const v = decode(t);
	if (v instanceof NotEvaluated) return v;
	if (v.data.length !== 1) bad(`ConstantOfShape "${node.name}" has a value of ${v.data.length} elements, not one`);
	return v;
}

function constantOfShape(node: ModelNode, [shape]: ConstValue[], value: ConstValue): ConstValue | NotEvaluated {
	const dims = smallInts(shape, `the shape of ConstantOfShape "${node.name}"`);
	const out = allocate(value.dataType, dims, `ConstantOfShape "${node.name}"`);
	if (out instanceof NotEvaluated) return out;
	(out.data as Float64Array).fill(value.data[0] as never);
	return out;
}

function concat(node: ModelNode, inputs: ConstValue[]): ConstValue | NotEvaluated {
	const what = `Concat "${node.name}"`;
	const first = inputs[0];
	const axis = axisOf(intAttr(node, 'axis', 0), first.dims.length, what);
	for (const c of inputs)
		if (c.dataType !== first.dataType || c.dims.length !== first.dims.length || c.dims.some((d, i) => i !== axis && d !== first.dims[i]))
			bad(`${what} joins tensors of different types or shapes`);
	const dims = [...first.dims];
	dims[axis] = inputs.reduce((n, c) => n + c.dims[axis], 0);
	const out = allocate(first.dataType, dims, what);
	if (out instanceof NotEvaluated) return out;
	const outer = first.dims.slice(0, axis).reduce((a, b) => a * b, 1);
	let at = 0;
	for (let o = 0; o < outer; o++)
		for (const c of inputs) {
			const block = c.dims.slice(axis).reduce((a, b) => a * b, 1);
			for (let i = 0; i < block; i++) out.data[at++] = c.data[o * block + i] as never;
		}
	return out;
}

function reshape(node: ModelNode, [data, shape]: ConstValue[]): ConstValue {
	const what = `Reshape "${node.name}"`;
	const asked = smallInts(shape, `the shape of ${what}`);
	const allowZero = intAttr(node, 'allowzero', 0) === 1;
	const dims = asked.map((d, i) => (d === 0 && !allowZero ? (i < data.dims.length ? data.dims[i] : bad(`${what} copies a dimension its input lacks`)) : d));
	const unknown = dims.filter((d) => d === -1).length;
	if (unknown > 1 || dims.some((d) => d < -1)) bad(`${what} asks for shape [${asked.join(', ')}]`);
	const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
	if (unknown) {
		if (known === 0 || data.data.length % known !== 0) bad(`${what} cannot infer a dimension of [${asked.join(', ')}] for ${data.data.length} values`);
		dims[dims.indexOf(-1)] = data.data.length / known;
	} else if (known !== data.data.length) bad(`${what} asks for [${asked.join(', ')}], which does not hold ${data.data.length} values`);
	return { dataType: data.dataType, dims, data: data.data };
}

function clampBig(v: bigint, lo: bigint, hi: bigint): bigint {
	return v < lo ? lo : v > hi ? hi : v;
}

function slice(node: ModelNode, [data, starts, ends, axesIn, stepsIn]: (ConstValue | undefined)[]): ConstValue | NotEvaluated {
	const what = `Slice "${node.name}"`;
	const x = data!;
	const rank = x.dims.length;
	const s = starts!.data as BigInt64Array;
	const e = ends!.data as BigInt64Array;
	if (!(s instanceof BigInt64Array) || !(e instanceof BigInt64Array) || s.length !== e.length) bad(`${what} has starts and ends of different lengths`);
	const axes = axesIn ? smallInts(axesIn, `the axes of ${what}`).map((a) => axisOf(a, rank, what)) : s.length ? Array.from(s, (_, i) => i) : [];
	const steps = stepsIn ? (stepsIn.data as BigInt64Array) : BigInt64Array.from(s, () => 1n);
	if (axes.length !== s.length || steps.length !== s.length || new Set(axes).size !== axes.length) bad(`${what} has axes, starts, ends and steps that do not match`);
	const begin = x.dims.map(() => 0);
	const step = x.dims.map(() => 1);
	const dims = [...x.dims];
	axes.forEach((a, i) => {
		const dim = BigInt(x.dims[a]);
		const st = steps[i];
		if (st === 0n) bad(`${what} has a step of 0`);
		// ONNX clamps to [0, dim] going forwards and to [-1, dim - 1] going backwards.
		const b = clampBig(s[i] < 0n ? s[i] + dim : s[i], 0n, st > 0n ? dim : dim - 1n);
		const f = clampBig(e[i] < 0n ? e[i] + dim : e[i], st > 0n ? 0n : -1n, st > 0n ? dim : dim - 1n);
		const n = dim === 0n ? 0n : st > 0n ? (f > b ? (f - b + st - 1n) / st : 0n) : b > f ? (b - f - st - 1n) / -st : 0n;
		begin[a] = Number(b);
		// A step longer than the axis takes one element, so its size beyond the axis does not matter.
		step[a] = Number(clampBig(st, -dim - 1n, dim + 1n));
		dims[a] = Number(n);
	});
	const out = allocate(x.dataType, dims, what);
	if (out instanceof NotEvaluated) return out;
	const os = strides(dims);
	const is = strides(x.dims);
	for (let i = 0; i < out.data.length; i++) {
		let src = 0;
		for (let a = 0; a < rank; a++) src += (begin[a] + (Math.floor(i / os[a]) % dims[a]) * step[a]) * is[a];
		out.data[i] = x.data[src] as never;
	}
	return out;
}

function transpose(node: ModelNode, [x]: ConstValue[]): ConstValue | NotEvaluated {
	const what = `Transpose "${node.name}"`;
	const rank = x.dims.length;
	const a = attribute(node, 'perm');
	const perm = a ? a.ints.map(Number) : x.dims.map((_, i) => rank - 1 - i);
	if (perm.length !== rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) bad(`${what} has perm [${perm.join(', ')}] for rank ${rank}`);
	const dims = perm.map((p) => x.dims[p]);
	const out = allocate(x.dataType, dims, what);
	if (out instanceof NotEvaluated) return out;
	const os = strides(dims);
	const is = strides(x.dims);
	for (let i = 0; i < out.data.length; i++) {
		let src = 0;
		for (let k = 0; k < rank; k++) src += (Math.floor(i / os[k]) % dims[k]) * is[perm[k]];
		out.data[i] = x.data[src] as never;
	}
	return out;
}

function cast(node: ModelNode, [x]: ConstValue[]): ConstValue | NotEvaluated {
	const what = `Cast "${node.name}"`;
	const to = intAttr(node, 'to', -1);
	if (!isSupportedType(to)) return new NotEvaluated(`${what} to data type ${to} is not evaluated`);
	const out = allocate(to, [...x.dims], what);
	if (out instanceof NotEvaluated) return out;
	for (let i = 0; i < x.data.length; i++) {
		const v = x.data[i];
		if (out.data instanceof BigInt64Array) {
			if (typeof v === 'bigint') out.data[i] = storeInt(to, v, what);
			else if (to === DATA_TYPE.BOOL) out.data[i] = v !== 0 ? 1n : 0n;
			else if (!Number.isFinite(v) || Math.abs(v) >= 2 ** 63) bad(`${what} turns ${v} into an integer`);
			else out.data[i] = storeInt(to, BigInt(Math.trunc(v)), what);
		} else out.data[i] = store(to, typeof v === 'bigint' ? Number(v) : v);
	}
	return out;
}

function expand(node: ModelNode, [x, shape]: ConstValue[]): ConstValue | NotEvaluated {
	const what = `Expand "${node.name}"`;
	return broadcastTo(node, x, broadcastDims([x.dims, smallInts(shape, `the shape of ${what}`)], what));
}

function broadcastTo(node: ModelNode, x: ConstValue, dims: number[]): ConstValue | NotEvaluated {
	const out = allocate(x.dataType, dims, `${node.opType} "${node.name}"`);
	if (out instanceof NotEvaluated) return out;
	const from = sourceIndex(dims, x.dims);
	for (let i = 0; i < out.data.length; i++) out.data[i] = x.data[from(i)] as never;
	return out;
}

function unsqueeze(node: ModelNode, [x, axesIn]: (ConstValue | undefined)[]): ConstValue {
	const what = `Unsqueeze "${node.name}"`;
	const raw = axesIn ? smallInts(axesIn, `the axes of ${what}`) : (attribute(node, 'axes')?.ints.map(Number) ?? []);
	const rank = x!.dims.length + raw.length;
	const axes = raw.map((a) => axisOf(a, rank, what));
	if (new Set(axes).size !== axes.length) bad(`${what} repeats an axis`);
	const dims: number[] = [];
	let k = 0;
	for (let i = 0; i < rank; i++) dims.push(axes.includes(i) ? 1 : x!.dims[k++]);
	return { dataType: x!.dataType, dims, data: x!.data };
}

function equal(node: ModelNode, [a, b]: ConstValue[]): ConstValue | NotEvaluated {
	if (a.dataType !== b.dataType) bad(`Equal "${node.name}" compares data types ${a.dataType} and ${b.dataType}`);
	return elementwise(node, [a, b], ([x, y]) => (x === y ? 1n : 0n), DATA_TYPE.BOOL);
}

function where(node: ModelNode, [c, x, y]: ConstValue[]): ConstValue | NotEvaluated {
	if (c.dataType !== DATA_TYPE.BOOL || x.dataType !== y.dataType) bad(`Where "${node.name}" needs a boolean condition and two values of one type`);
	return elementwise(node, [c, x, y], ([k, p, q]) => (k ? p : q), x.dataType);
}

function gather(node: ModelNode, [x, indices]: ConstValue[]): ConstValue | NotEvaluated {
	const what = `Gather "${node.name}"`;
	const axis = axisOf(intAttr(node, 'axis', 0), x.dims.length, what);
	const dim = x.dims[axis];
	const idx = smallInts(indices, `the indices of ${what}`).map((i) => {
		if (i < -dim || i >= dim) bad(`${what} reads index ${i} of a dimension of ${dim}`);
		return i < 0 ? i + dim : i;
	});
	const dims = [...x.dims.slice(0, axis), ...indices.dims, ...x.dims.slice(axis + 1)];
	const out = allocate(x.dataType, dims, what);
	if (out instanceof NotEvaluated) return out;
	const inner = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
	const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
	let at = 0;
	for (let o = 0; o < outer; o++)
		for (const i of idx) for (let k = 0; k < inner; k++) out.data[at++] = x.data[(o * dim + i) * inner + k] as never;
	return out;
}

function scatterND(node: ModelNode, [x, indices, updates]: ConstValue[]): ConstValue | NotEvaluated {
	const what = `ScatterND "${node.name}"`;
	const reduction = attribute(node, 'reduction')?.s;
	if (reduction && new TextDecoder().decode(reduction) !== 'none') return new NotEvaluated(`${what} with a reduction is not evaluated`);
	if (x.dataType !== updates.dataType) bad(`${what} writes data type ${updates.dataType} into ${x.dataType}`);
	const q = indices.dims.length;
	const k = indices.dims[q - 1];
	if (q < 1 || k < 1 || k > x.dims.length) bad(`${what} has indices of shape [${indices.dims.join(', ')}] for data of rank ${x.dims.length}`);
	const want = [...indices.dims.slice(0, -1), ...x.dims.slice(k)];
	if (want.length !== updates.dims.length || want.some((d, i) => d !== updates.dims[i])) bad(`${what} has updates of shape [${updates.dims.join(', ')}], not [${want.join(', ')}]`);
	const out: ConstValue = { dataType: x.dataType, dims: [...x.dims], data: x.data.slice() };
	const idx = smallInts(indices, `the indices of ${what}`);
	const is = strides(x.dims);
	const block = x.dims.slice(k).reduce((a, b) => a * b, 1);
	for (let n = 0; n < idx.length / k; n++) {
		let at = 0;
		for (let j = 0; j < k; j++) {
			const d = x.dims[j];
			const i = idx[n * k + j];
			if (i < -d || i >= d) bad(`${what} writes index ${i} of a dimension of ${d}`);
			at += (i < 0 ? i + d : i) * is[j];
		}
		for (let b = 0; b < block; b++) out.data[at + b] = updates.data[n * block + b] as never;
	}
	return out;
}

/** Operators this module evaluates. */
export const EVALUATED_OPS = new Set(['Shape', 'ConstantOfShape', 'Concat', 'Reshape', 'Slice', 'Transpose', 'Cast', 'Expand', 'Unsqueeze', 'Add', 'Sub', 'Mul', 'Equal', 'Where', 'Gather', 'ScatterND']);

/**
 * The outputs of `node` (one of EVALUATED_OPS) from constant inputs ('' inputs as undefined), or why
 * it is not evaluated. `decode` reads a tensor attribute (ConstantOfShape's value).
 */
export function evaluateOp(node: ModelNode, inputs: (ConstValue | undefined)[], decode: (t: NonNullable<ReturnType<typeof attribute>>['t']) => ConstValue | NotEvaluated): ConstValue | NotEvaluated {
	const need = (n: number): ConstValue[] => {
		if (inputs.length < n || inputs.slice(0, n).some((c) => !c)) bad(`${node.opType} "${node.name}" lacks an input`);
		return inputs as ConstValue[];
	};
	switch (node.opType) {
		case 'Shape':
			return shapeOf(node, need(1));
		case 'ConstantOfShape': {
			const value = fillValue(node, decode);
			return value instanceof NotEvaluated ? value : constantOfShape(node, need(1), value);
		}
		case 'Concat':
			return concat(node, need(inputs.length));
		case 'Reshape':
			return reshape(node, need(2));
		case 'Slice':
			need(3);
			return slice(node, inputs);
		case 'Transpose':
			return transpose(node, need(1));
		case 'Cast':
			return cast(node, need(1));
		case 'Expand':
			return expand(node, need(2));
		case 'Unsqueeze':
			need(1);
			return unsqueeze(node, inputs);
		case 'Add':
		case 'Sub':
		case 'Mul':
			return arithmetic(node, need(2));
		case 'Equal':
			return equal(node, need(2));
		case 'Where':
			return where(node, need(3));
		case 'Gather':
			return gather(node, need(2));
		case 'ScatterND':
			return scatterND(node, need(3));
		default:
			return new NotEvaluated(`${node.opType} is not evaluated`);
	}
}
