/**
 * An ONNX file held in memory as plain objects: what `decodeOnnx` returns, what graph passes edit and
 * what `encodeOnnx` writes back.
 *
 * Unlike `OnnxGraph` in build.ts (which only describes graphs we write ourselves), this type holds
 * any model: any data type, any attribute kind, subgraphs. Optional proto2 fields stay `undefined`
 * when the file leaves them out, so a round trip does not invent values. Fields this module does not
 * interpret (functions, training info, sparse tensors, type protos other than tensors, metadata) are
 * kept as `RawField`s, their original bytes, and written back verbatim.
 *
 * Tensor contents are normalised to little-endian bytes (`data`), whichever field the file used
 * (raw_data, float_data, int64_data …), so a weight is read one way whatever the producer.
 */
import { WeightsError } from '../../core/errors';

/** One encoded field (key included) that the reader kept but did not interpret. */
export interface RawField {
	field: number;
	bytes: Uint8Array;
}

/** ONNX TensorProto.DataType values used by name in this code base. */
export const DATA_TYPE = {
	FLOAT: 1,
	UINT8: 2,
	INT8: 3,
	UINT16: 4,
	INT16: 5,
	INT32: 6,
	INT64: 7,
	STRING: 8,
	BOOL: 9,
	FLOAT16: 10,
	DOUBLE: 11,
	UINT32: 12,
	UINT64: 13,
	COMPLEX64: 14,
	COMPLEX128: 15,
	BFLOAT16: 16
} as const;

/**
 * Bytes per element by data type; 0.5 for the 4-bit types (two per byte). Float8 types (17–20) are
 * one byte. STRING has no fixed size and UNDEFINED none at all.
 */
const ELEMENT_BYTES: Record<number, number> = {
	1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2,
	17: 1, 18: 1, 19: 1, 20: 1, 21: 0.5, 22: 0.5, 23: 0.5
};

export function elementBytes(dataType: number): number | undefined {
	return ELEMENT_BYTES[dataType];
}

export interface ModelTensor {
	name: string;
	dims: number[];
	dataType: number;
	/** Little-endian element bytes (empty for STRING tensors). May be a view into the decoded file. */
	data: Uint8Array;
	/** Elements of a STRING tensor. */
	strings?: Uint8Array[];
	docString?: string;
	extra: RawField[];
}

/** A dimension: a size, a symbolic name, or unknown. */
export type ModelDim = number | string | null;

export type ModelType =
	| { kind: 'tensor'; elemType: number; shape: ModelDim[] | null }
	/** Sequence, map, optional and sparse types are carried as their encoded TypeProto body. */
	| { kind: 'other'; body: Uint8Array };

export interface ModelValueInfo {
	name: string;
	type?: ModelType;
	docString?: string;
	extra: RawField[];
}

/** AttributeProto.AttributeType values. */
export const ATTRIBUTE_TYPE = {
	FLOAT: 1,
	INT: 2,
	STRING: 3,
	TENSOR: 4,
	GRAPH: 5,
	FLOATS: 6,
	INTS: 7,
	STRINGS: 8,
	TENSORS: 9,
	GRAPHS: 10
} as const;

/** int64 values beyond ±2^53 (INT64_MAX as "to the end" in Slice, say) stay exact as bigint. */
export type Int64 = number | bigint;

export interface ModelAttribute {
	name: string;
	type?: number;
	f?: number;
	i?: Int64;
	s?: Uint8Array;
	t?: ModelTensor;
	g?: ModelGraph;
	floats: number[];
	ints: Int64[];
	strings: Uint8Array[];
	tensors: ModelTensor[];
	graphs: ModelGraph[];
	docString?: string;
	extra: RawField[];
}

export interface ModelNode {
	name: string;
	opType: string;
	/** '' and 'ai.onnx' both mean the standard operator set. */
	domain?: string;
	/** '' marks an omitted optional input. */
	inputs: string[];
	outputs: string[];
	attributes: ModelAttribute[];
	docString?: string;
	extra: RawField[];
}

export interface ModelGraph {
	name: string;
	nodes: ModelNode[];
	initializers: ModelTensor[];
	inputs: ModelValueInfo[];
	outputs: ModelValueInfo[];
	valueInfo: ModelValueInfo[];
	docString?: string;
	extra: RawField[];
}

export interface OpsetId {
	domain: string;
	version: number;
}

export interface OnnxModel {
	irVersion: number;
	opsetImport: OpsetId[];
	producerName?: string;
	producerVersion?: string;
	domain?: string;
	docString?: string;
	graph: ModelGraph;
	extra: RawField[];
}

export function isStandardDomain(domain: string | undefined): boolean {
	return domain === undefined || domain === '' || domain === 'ai.onnx';
}

/** The standard operator set's version, or undefined when the model does not import it. */
export function standardOpset(model: OnnxModel): number | undefined {
	return model.opsetImport.find((o) => isStandardDomain(o.domain))?.version;
}

/** Number of elements `dims` describe, or a typed error when a product leaves the safe integers. */
export function elementCount(dims: readonly number[], what: string): number {
	let n = 1;
	for (const d of dims) {
		if (!Number.isSafeInteger(d) || d < 0) throw new WeightsError('bad-onnx', `${what} has dimension ${d}`);
		n *= d;
		if (!Number.isSafeInteger(n)) throw new WeightsError('bad-onnx', `${what} has more elements than can be counted`);
	}
	return n;
}

const halfScratch = new DataView(new ArrayBuffer(4));

function halfToFloat(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exponent = (bits >> 10) & 0x1f;
	const fraction = bits & 0x3ff;
	if (exponent === 0) return sign * fraction * 2 ** -24;
	if (exponent === 31) return fraction ? NaN : sign * Infinity;
	return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function bfloatToFloat(bits: number): number {
	halfScratch.setUint32(0, bits << 16);
	return halfScratch.getFloat32(0);
}

/**
 * A numeric tensor's values as float64, or null for a data type that is not a plain number
 * (strings, complex, 4- and 8-bit floats). Allocates only as much as the tensor's bytes hold.
 */
export function tensorValues(t: ModelTensor): Float64Array | null {
	const size = ELEMENT_BYTES[t.dataType];
	if (size === undefined || size < 1 || t.dataType === DATA_TYPE.STRING || (t.dataType >= 14 && t.dataType !== DATA_TYPE.BFLOAT16)) return null;
	const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
	const n = Math.floor(t.data.length / size);
	const out = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		const at = i * size;
		switch (t.dataType) {
			case DATA_TYPE.FLOAT: out[i] = view.getFloat32(at, true); break;
			case DATA_TYPE.DOUBLE: out[i] = view.getFloat64(at, true); break;
			case DATA_TYPE.FLOAT16: out[i] = halfToFloat(view.getUint16(at, true)); break;
			case DATA_TYPE.BFLOAT16: out[i] = bfloatToFloat(view.getUint16(at, true)); break;
			case DATA_TYPE.UINT8: case DATA_TYPE.BOOL: out[i] = view.getUint8(at); break;
			case DATA_TYPE.INT8: out[i] = view.getInt8(at); break;
			case DATA_TYPE.UINT16: out[i] = view.getUint16(at, true); break;
			case DATA_TYPE.INT16: out[i] = view.getInt16(at, true); break;
			case DATA_TYPE.INT32: out[i] = view.getInt32(at, true); break;
			case DATA_TYPE.UINT32: out[i] = view.getUint32(at, true); break;
			case DATA_TYPE.INT64: out[i] = Number(view.getBigInt64(at, true)); break;
			case DATA_TYPE.UINT64: out[i] = Number(view.getBigUint64(at, true)); break;
		}
	}
	return out;
}

/** A float32 tensor whose bytes are a fresh little-endian copy of `values` rounded once. */
export function float32Tensor(name: string, dims: number[], values: ArrayLike<number>): ModelTensor {
	const data = new Uint8Array(4 * values.length);
	const view = new DataView(data.buffer);
	for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
	return { name, dims, dataType: DATA_TYPE.FLOAT, data, extra: [] };
}

export function attribute(node: ModelNode, name: string): ModelAttribute | undefined {
	return node.attributes.find((a) => a.name === name);
}

/** An INTS attribute as numbers; `fallback` when absent; null when a value is beyond ±2^53. */
export function intsAttribute(node: ModelNode, name: string, fallback: number[]): number[] | null {
	const a = attribute(node, name);
	if (!a) return fallback;
	return a.ints.every((v): v is number => typeof v === 'number') ? a.ints : null;
}

export function intAttribute(node: ModelNode, name: string, fallback: number): number | null {
	const a = attribute(node, name);
	if (!a || a.i === undefined) return fallback;
	return typeof a.i === 'number' ? a.i : null;
}

export function stringAttribute(node: ModelNode, name: string, fallback: string): string {
	const a = attribute(node, name);
	return a?.s ? new TextDecoder().decode(a.s) : fallback;
}
