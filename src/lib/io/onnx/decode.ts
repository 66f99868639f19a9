/**
 * Reads an ONNX file (ModelProto bytes) someone hands us into an `OnnxModel`.
 *
 * The file is untrusted, so every length is checked against the bytes present before anything is
 * sliced or allocated, varints stop at ten bytes, subgraphs nest at most `MAX_GRAPH_DEPTH` deep,
 * and a tensor's element count must match its dims. Every failure is a `WeightsError`; nothing
 * else escapes. Weight bytes are views into the input, not copies, so a 20 MB file decodes in
 * milliseconds.
 */
import { WeightsError } from '../../core/errors';
import { ATTRIBUTE, DATA_LOCATION_EXTERNAL, DIMENSION, GRAPH, MODEL, NODE, OPSET_ID, SHAPE, TENSOR, TENSOR_TYPE, TYPE, VALUE_INFO, WIRE } from './fields';
import {
	DATA_TYPE,
	elementBytes,
	elementCount,
	isStandardDomain,
	type Int64,
	type ModelAttribute,
	type ModelDim,
	type ModelGraph,
	type ModelNode,
	type ModelTensor,
	type ModelType,
	type ModelValueInfo,
	type OnnxModel,
	type OpsetId,
	type RawField
} from './model';

/** The standard operator sets whose Conv, BatchNormalization, Add and Sum this code has been checked against. */
export const SUPPORTED_OPSETS = { min: 7, max: 22 } as const;
export const MAX_GRAPH_DEPTH = 8;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One field as found on the wire: a varint's value, or the byte range of its payload. */
interface Field {
	field: number;
	wire: number;
	/** Where the key starts and the payload ends, for keeping the field verbatim. */
	start: number;
	end: number;
	/** Payload range for fixed and length-delimited fields. */
	from: number;
	value: Int64;
}

function bad(message: string): WeightsError {
	return new WeightsError('bad-onnx', message);
}

class Reader {
	constructor(readonly bytes: Uint8Array) {}

	/** A varint at `at`, as int64 (two's complement); returns the value and where it ends. */
	varint(at: number, end: number): [Int64, number] {
		let value = 0;
		let scale = 1;
		for (let i = 0; i < 7; i++) {
			if (at >= end) throw new WeightsError('truncated', 'a varint runs past the end of its message');
			const byte = this.bytes[at++];
			value += (byte & 0x7f) * scale;
			if (byte < 0x80) return [value, at];
			scale *= 128;
		}
		// Past 49 bits a double no longer holds every value: finish in bigint.
		let big = BigInt(value);
		let shift = 49n;
		for (let i = 7; i < 10; i++) {
			if (at >= end) throw new WeightsError('truncated', 'a varint runs past the end of its message');
			const byte = this.bytes[at++];
			big |= BigInt(byte & 0x7f) << shift;
			shift += 7n;
			if (byte < 0x80) {
				const signed = BigInt.asIntN(64, big);
				const n = Number(signed);
				return [Number.isSafeInteger(n) ? n : signed, at];
			}
		}
		throw bad('a varint is longer than 10 bytes');
	}

	/** Calls `visit` for each field of the message in [start, end); fields it declines go to `extra`. */
	fields(start: number, end: number, extra: RawField[] | null, visit: (f: Field) => boolean): void {
		let at = start;
		while (at < end) {
			const begin = at;
			const [key, afterKey] = this.varint(at, end);
			at = afterKey;
			if (typeof key !== 'number' || key < 8 || key > 0xffffffff) throw bad(`field key ${key} is out of range`);
			const field = Math.floor(key / 8);
			const wire = key % 8;
			let from = at;
			let value: Int64 = 0;
			switch (wire) {
				case WIRE.varint:
					[value, at] = this.varint(at, end);
					break;
				case WIRE.fixed64:
					at += 8;
					break;
				case WIRE.fixed32:
					at += 4;
					break;
				case WIRE.bytes: {
					const [length, afterLength] = this.varint(at, end);
					if (typeof length !== 'number' || length < 0 || length > end - afterLength)
						throw new WeightsError('truncated', `field ${field} claims ${length} bytes, ${end - afterLength} remain`);
					from = afterLength;
					at = afterLength + length;
					break;
				}
				default:
					throw bad(`field ${field} has wire type ${wire}, which ONNX never uses`);
			}
			if (at > end) throw new WeightsError('truncated', `field ${field} runs past the end of its message`);
			const f: Field = { field, wire, start: begin, end: at, from, value };
			if (!visit(f) && extra) extra.push({ field, bytes: this.bytes.subarray(begin, at) });
		}
	}

	string(f: Field, what: string): string {
		expectWire(f, WIRE.bytes, what);
		try {
			return utf8.decode(this.bytes.subarray(f.from, f.end));
		} catch {
			throw bad(`${what} is not UTF-8`);
		}
	}

	bytesOf(f: Field, what: string): Uint8Array {
		expectWire(f, WIRE.bytes, what);
		return this.bytes.subarray(f.from, f.end);
	}

	/** A non-negative int that fits a double exactly (sizes, enums, versions). */
	count(f: Field, what: string): number {
		expectWire(f, WIRE.varint, what);
		if (typeof f.value !== 'number' || f.value < 0) throw bad(`${what} is ${f.value}`);
		return f.value;
	}

	float32(f: Field, what: string): number {
		expectWire(f, WIRE.fixed32, what);
		return new DataView(this.bytes.buffer, this.bytes.byteOffset + f.from, 4).getFloat32(0, true);
	}

	/** A repeated integer field, packed or not. */
	ints(f: Field, out: Int64[], what: string): void {
		if (f.wire === WIRE.varint) {
			out.push(f.value);
			return;
		}
		expectWire(f, WIRE.bytes, what);
		for (let at = f.from; at < f.end; ) {
			const [v, next] = this.varint(at, f.end);
			out.push(v);
			at = next;
		}
	}

	/** A repeated fixed-width field (float: 4, double: 8), packed or not; returns its bytes. */
	fixed(f: Field, width: 4 | 8, what: string): Uint8Array {
		if (f.wire !== WIRE.bytes) expectWire(f, width === 4 ? WIRE.fixed32 : WIRE.fixed64, what);
		if ((f.end - f.from) % width !== 0) throw bad(`${what} holds ${f.end - f.from} bytes, not a multiple of ${width}`);
		return this.bytes.subarray(f.from, f.end);
	}
}

function expectWire(f: Field, wire: number, what: string): void {
	if (f.wire !== wire) throw bad(`${what} has wire type ${f.wire}, expected ${wire}`);
}

function concat(chunks: Uint8Array[]): Uint8Array {
	if (chunks.length === 1) return chunks[0];
	let n = 0;
	for (const c of chunks) n += c.length;
	const out = new Uint8Array(n);
	let at = 0;
	for (const c of chunks) {
		out.set(c, at);
		at += c.length;
	}
	return out;
}

/** Little-endian bytes of integers from int32_data / int64_data / uint64_data, `width` bytes each. */
function intBytes(values: Int64[], width: number, what: string): Uint8Array {
	const out = new Uint8Array(values.length * width);
	const view = new DataView(out.buffer);
	for (let i = 0; i < values.length; i++) {
		const v = BigInt(values[i]);
		if (width === 8) view.setBigUint64(8 * i, BigInt.asUintN(64, v), true);
		else {
			const n = Number(BigInt.asUintN(32, v));
			if (width === 4) view.setUint32(4 * i, n, true);
			else if (width === 2) view.setUint16(2 * i, n & 0xffff, true);
			else if (width === 1) view.setUint8(i, n & 0xff);
			else throw bad(`${what}: this data type cannot be stored in int32_data`);
		}
	}
	return out;
}

function decodeTensor(r: Reader, start: number, end: number, where: string): ModelTensor {
	const t: ModelTensor = { name: '', dims: [], dataType: 0, data: new Uint8Array(0), extra: [] };
	const dims: Int64[] = [];
	let raw: Uint8Array | null = null;
	const floats: Uint8Array[] = [];
	const doubles: Uint8Array[] = [];
	const int32s: Int64[] = [];
	const int64s: Int64[] = [];
	const uint64s: Int64[] = [];
	const strings: Uint8Array[] = [];
	let external = false;
	r.fields(start, end, t.extra, (f) => {
		switch (f.field) {
			case TENSOR.dims: r.ints(f, dims, `${where}: dims`); return true;
			case TENSOR.dataType: t.dataType = r.count(f, `${where}: data_type`); return true;
			case TENSOR.name: t.name = r.string(f, `${where}: tensor name`); return true;
			case TENSOR.docString: t.docString = r.string(f, `${where}: doc_string`); return true;
			case TENSOR.rawData: raw = r.bytesOf(f, `${where}: raw_data`); return true;
			case TENSOR.floatData: floats.push(r.fixed(f, 4, `${where}: float_data`)); return true;
			case TENSOR.doubleData: doubles.push(r.fixed(f, 8, `${where}: double_data`)); return true;
			case TENSOR.int32Data: r.ints(f, int32s, `${where}: int32_data`); return true;
			case TENSOR.int64Data: r.ints(f, int64s, `${where}: int64_data`); return true;
			case TENSOR.uint64Data: r.ints(f, uint64s, `${where}: uint64_data`); return true;
			case TENSOR.stringData: strings.push(r.bytesOf(f, `${where}: string_data`)); return true;
			case TENSOR.externalData: external = true; return false;
			case TENSOR.dataLocation: if (r.count(f, `${where}: data_location`) === DATA_LOCATION_EXTERNAL) external = true; return false;
			default: return false;
		}
	});
	const label = `tensor "${t.name}"${where ? ` in ${where}` : ''}`;
	if (external)
		throw new WeightsError('onnx-external-data', `${label} keeps its data in an external file; save the model with its weights inside (onnx.save(..., save_as_external_data=False))`);
	for (const d of dims) if (typeof d !== 'number' || d < 0) throw bad(`${label} has dimension ${d}`);
	t.dims = dims as number[];
	const count = elementCount(t.dims, label);
	const sources = [raw !== null, floats.length > 0, doubles.length > 0, int32s.length > 0, int64s.length > 0, uint64s.length > 0, strings.length > 0].filter(Boolean).length;
	if (sources > 1) throw bad(`${label} stores its values in more than one field`);
	if (t.dataType === DATA_TYPE.STRING) {
		if (raw !== null || sources > (strings.length > 0 ? 1 : 0)) throw bad(`${label} is a string tensor with numeric data`);
		if (strings.length !== count) throw new WeightsError('shape-mismatch', `${label} holds ${strings.length} strings for dims [${t.dims.join(', ')}]`);
		t.strings = strings;
		return t;
	}
	const size = elementBytes(t.dataType);
	if (size === undefined) {
		if (sources === 0 && count === 0) return t;
		throw bad(`${label} has unknown data type ${t.dataType}`);
	}
	const typed = (want: number[], got: string): void => {
		if (!want.includes(t.dataType)) throw bad(`${label} of data type ${t.dataType} stores values in ${got}`);
	};
	if (raw !== null) t.data = raw;
	else if (floats.length) {
		typed([DATA_TYPE.FLOAT, DATA_TYPE.COMPLEX64], 'float_data');
		t.data = concat(floats);
	} else if (doubles.length) {
		typed([DATA_TYPE.DOUBLE, DATA_TYPE.COMPLEX128], 'double_data');
		t.data = concat(doubles);
	} else if (int32s.length) {
		if (size < 1 || size > 4 || t.dataType === DATA_TYPE.FLOAT || t.dataType === DATA_TYPE.UINT32) throw bad(`${label} of data type ${t.dataType} stores values in int32_data`);
		t.data = intBytes(int32s, size, label);
	} else if (int64s.length) {
		typed([DATA_TYPE.INT64], 'int64_data');
		t.data = intBytes(int64s, 8, label);
	} else if (uint64s.length) {
		typed([DATA_TYPE.UINT32, DATA_TYPE.UINT64], 'uint64_data');
		t.data = intBytes(uint64s, size, label);
	}
	const expected = Math.ceil(count * size);
	if (t.data.length !== expected)
		throw new WeightsError('shape-mismatch', `${label} holds ${t.data.length} bytes, dims [${t.dims.join(', ')}] need ${expected}`);
	return t;
}

function decodeType(r: Reader, start: number, end: number, where: string): ModelType {
	let tensor: { elemType: number; shape: ModelDim[] | null } | null = null;
	let other = false;
	r.fields(start, end, null, (f) => {
		if (f.field !== TYPE.tensor) {
			other = true;
			return true;
		}
		expectWire(f, WIRE.bytes, `${where}: tensor type`);
		const t: { elemType: number; shape: ModelDim[] | null } = { elemType: 0, shape: null };
		r.fields(f.from, f.end, null, (g) => {
			if (g.field === TENSOR_TYPE.elemType) t.elemType = r.count(g, `${where}: elem_type`);
			else if (g.field === TENSOR_TYPE.shape) {
				expectWire(g, WIRE.bytes, `${where}: shape`);
				const shape: ModelDim[] = [];
				r.fields(g.from, g.end, null, (d) => {
					if (d.field !== SHAPE.dim) return true;
					expectWire(d, WIRE.bytes, `${where}: dim`);
					let dim: ModelDim = null;
					r.fields(d.from, d.end, null, (v) => {
						if (v.field === DIMENSION.value) dim = r.count(v, `${where}: dim_value`);
						else if (v.field === DIMENSION.param) dim = r.string(v, `${where}: dim_param`);
						return true;
					});
					shape.push(dim);
					return true;
				});
				t.shape = shape;
			} else other = true;
			return true;
		});
		tensor = t;
		return true;
	});
	// Anything beyond a plain tensor type (denotations, sequences, maps) is carried as bytes.
	if (tensor && !other) return { kind: 'tensor', ...(tensor as { elemType: number; shape: ModelDim[] | null }) };
	return { kind: 'other', body: r.bytes.subarray(start, end) };
}

function decodeValueInfo(r: Reader, start: number, end: number, where: string): ModelValueInfo {
	const v: ModelValueInfo = { name: '', extra: [] };
	r.fields(start, end, v.extra, (f) => {
		switch (f.field) {
			case VALUE_INFO.name: v.name = r.string(f, `${where}: value name`); return true;
			case VALUE_INFO.type:
				expectWire(f, WIRE.bytes, `${where}: type`);
				v.type = decodeType(r, f.from, f.end, `${where} "${v.name}"`);
				return true;
			case VALUE_INFO.docString: v.docString = r.string(f, `${where}: doc_string`); return true;
			default: return false;
		}
	});
	return v;
}

function decodeAttribute(r: Reader, start: number, end: number, where: string, depth: number): ModelAttribute {
	const a: ModelAttribute = { name: '', floats: [], ints: [], strings: [], tensors: [], graphs: [], extra: [] };
	const floats: Uint8Array[] = [];
	r.fields(start, end, a.extra, (f) => {
		const what = `${where}: attribute "${a.name}"`;
		switch (f.field) {
			case ATTRIBUTE.name: a.name = r.string(f, `${where}: attribute name`); return true;
			case ATTRIBUTE.type: a.type = r.count(f, `${what} type`); return true;
			case ATTRIBUTE.f: a.f = r.float32(f, what); return true;
			case ATTRIBUTE.i: expectWire(f, WIRE.varint, what); a.i = f.value; return true;
			case ATTRIBUTE.s: a.s = r.bytesOf(f, what); return true;
			case ATTRIBUTE.t: expectWire(f, WIRE.bytes, what); a.t = decodeTensor(r, f.from, f.end, what); return true;
			case ATTRIBUTE.g: expectWire(f, WIRE.bytes, what); a.g = decodeGraph(r, f.from, f.end, depth + 1); return true;
			case ATTRIBUTE.floats: floats.push(r.fixed(f, 4, what)); return true;
			case ATTRIBUTE.ints: r.ints(f, a.ints, what); return true;
			case ATTRIBUTE.strings: a.strings.push(r.bytesOf(f, what)); return true;
			case ATTRIBUTE.tensors: expectWire(f, WIRE.bytes, what); a.tensors.push(decodeTensor(r, f.from, f.end, what)); return true;
			case ATTRIBUTE.graphs: expectWire(f, WIRE.bytes, what); a.graphs.push(decodeGraph(r, f.from, f.end, depth + 1)); return true;
			case ATTRIBUTE.docString: a.docString = r.string(f, what); return true;
			default: return false;
		}
	});
	for (const chunk of floats) {
		const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		for (let at = 0; at < chunk.length; at += 4) a.floats.push(view.getFloat32(at, true));
	}
	return a;
}

function decodeNode(r: Reader, start: number, end: number, depth: number, index: number): ModelNode {
	const n: ModelNode = { name: '', opType: '', inputs: [], outputs: [], attributes: [], extra: [] };
	const where = () => `node ${index}${n.name ? ` "${n.name}"` : ''}`;
	r.fields(start, end, n.extra, (f) => {
		switch (f.field) {
			case NODE.input: n.inputs.push(r.string(f, `${where()}: input`)); return true;
			case NODE.output: n.outputs.push(r.string(f, `${where()}: output`)); return true;
			case NODE.name: n.name = r.string(f, `${where()}: name`); return true;
			case NODE.opType: n.opType = r.string(f, `${where()}: op_type`); return true;
			case NODE.domain: n.domain = r.string(f, `${where()}: domain`); return true;
			case NODE.docString: n.docString = r.string(f, `${where()}: doc_string`); return true;
			case NODE.attribute:
				expectWire(f, WIRE.bytes, `${where()}: attribute`);
				n.attributes.push(decodeAttribute(r, f.from, f.end, where(), depth));
				return true;
			default: return false;
		}
	});
	return n;
}

function decodeGraph(r: Reader, start: number, end: number, depth: number): ModelGraph {
	if (depth > MAX_GRAPH_DEPTH) throw bad(`subgraphs nest more than ${MAX_GRAPH_DEPTH} deep`);
	const g: ModelGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [], extra: [] };
	const where = depth === 0 ? 'graph' : `subgraph (depth ${depth})`;
	r.fields(start, end, g.extra, (f) => {
		switch (f.field) {
			case GRAPH.name: g.name = r.string(f, `${where}: name`); return true;
			case GRAPH.docString: g.docString = r.string(f, `${where}: doc_string`); return true;
			case GRAPH.node:
				expectWire(f, WIRE.bytes, `${where}: node`);
				g.nodes.push(decodeNode(r, f.from, f.end, depth, g.nodes.length));
				return true;
			case GRAPH.initializer:
				expectWire(f, WIRE.bytes, `${where}: initializer`);
				g.initializers.push(decodeTensor(r, f.from, f.end, ''));
				return true;
			case GRAPH.input: case GRAPH.output: case GRAPH.valueInfo: {
				expectWire(f, WIRE.bytes, `${where}: value info`);
				const list = f.field === GRAPH.input ? g.inputs : f.field === GRAPH.output ? g.outputs : g.valueInfo;
				list.push(decodeValueInfo(r, f.from, f.end, where));
				return true;
			}
			default: return false;
		}
	});
	return g;
}

/**
 * Decodes ModelProto bytes. Throws `WeightsError`: `truncated`/`bad-onnx`/`shape-mismatch` for a
 * damaged file, `onnx-external-data` for weights kept outside it, `onnx-opset` for a standard
 * operator set outside `SUPPORTED_OPSETS`.
 */
export function decodeOnnx(bytes: Uint8Array): OnnxModel {
	const r = new Reader(bytes);
	let irVersion: number | null = null;
	let graph: ModelGraph | null = null;
	const opsetImport: OpsetId[] = [];
	const model: Omit<OnnxModel, 'graph' | 'irVersion'> = { opsetImport, extra: [] };
	r.fields(0, bytes.length, model.extra, (f) => {
		switch (f.field) {
			case MODEL.irVersion: irVersion = r.count(f, 'ir_version'); return true;
			case MODEL.producerName: model.producerName = r.string(f, 'producer_name'); return true;
			case MODEL.producerVersion: model.producerVersion = r.string(f, 'producer_version'); return true;
			case MODEL.domain: model.domain = r.string(f, 'domain'); return true;
			case MODEL.docString: model.docString = r.string(f, 'doc_string'); return true;
			case MODEL.graph:
				expectWire(f, WIRE.bytes, 'graph');
				if (graph) throw bad('the model has two graphs');
				graph = decodeGraph(r, f.from, f.end, 0);
				return true;
			case MODEL.opsetImport: {
				expectWire(f, WIRE.bytes, 'opset_import');
				const o: OpsetId = { domain: '', version: 0 };
				r.fields(f.from, f.end, null, (g) => {
					if (g.field === OPSET_ID.domain) o.domain = r.string(g, 'opset domain');
					else if (g.field === OPSET_ID.version) o.version = r.count(g, 'opset version');
					return true;
				});
				opsetImport.push(o);
				return true;
			}
			default: return false;
		}
	});
	if (irVersion === null || graph === null) throw bad('not an ONNX model: no ir_version or no graph');
	const standard = opsetImport.filter((o) => isStandardDomain(o.domain));
	if (standard.length !== 1) throw new WeightsError('onnx-opset', `the model imports the standard operator set ${standard.length} times, expected once`);
	const v = standard[0].version;
	if (v < SUPPORTED_OPSETS.min || v > SUPPORTED_OPSETS.max)
		throw new WeightsError('onnx-opset', `the model uses ONNX opset ${v}; supported are ${SUPPORTED_OPSETS.min}–${SUPPORTED_OPSETS.max}`);
	return { irVersion, graph, ...model };
}
