/**
 * Writes an `OnnxModel` (decoded, and perhaps edited by a graph pass) back to ModelProto bytes.
 *
 * Tensor values always go out as raw_data, whichever field they came in; fields the reader kept
 * as raw bytes go out verbatim. So decode(encode(m)) equals m for any decoded m.
 */
import { ATTRIBUTE, DIMENSION, GRAPH, MODEL, NODE, OPSET_ID, SHAPE, TENSOR, TENSOR_TYPE, TYPE, VALUE_INFO, WIRE } from './fields';
import type { Int64, ModelAttribute, ModelGraph, ModelNode, ModelTensor, ModelType, ModelValueInfo, OnnxModel, RawField } from './model';
import { ProtoMessage } from './protobuf';

/** A varint field whose value is beyond ±2^53, written by hand since the writer takes numbers. */
function bigVarintField(fieldNumber: number, value: bigint): Uint8Array {
	const out: number[] = [];
	const push = (v: bigint) => {
		do {
			const low = Number(v & 0x7fn);
			v >>= 7n;
			out.push(v > 0n ? low | 0x80 : low);
		} while (v > 0n);
	};
	push(BigInt(fieldNumber * 8 + WIRE.varint));
	push(BigInt.asUintN(64, value));
	return Uint8Array.from(out);
}

function int64(m: ProtoMessage, fieldNumber: number, v: Int64): void {
	if (typeof v === 'number') m.varint(fieldNumber, v);
	else m.raw(bigVarintField(fieldNumber, v));
}

function optionalString(m: ProtoMessage, fieldNumber: number, v: string | undefined): void {
	if (v !== undefined) m.string(fieldNumber, v);
}

function extras(m: ProtoMessage, extra: RawField[]): ProtoMessage {
	for (const f of extra) m.raw(f.bytes);
	return m;
}

function tensorProto(t: ModelTensor): ProtoMessage {
	const m = new ProtoMessage().packedVarints(TENSOR.dims, t.dims).varint(TENSOR.dataType, t.dataType).string(TENSOR.name, t.name);
	if (t.strings) for (const s of t.strings) m.bytes(TENSOR.stringData, s);
	else m.bytes(TENSOR.rawData, t.data);
	optionalString(m, TENSOR.docString, t.docString);
	return extras(m, t.extra);
}

function typeProto(t: ModelType): ProtoMessage {
	if (t.kind === 'other') return new ProtoMessage().raw(t.body);
	const tensor = new ProtoMessage().varint(TENSOR_TYPE.elemType, t.elemType);
	if (t.shape) {
		const shape = new ProtoMessage();
		for (const d of t.shape) {
			const dim = new ProtoMessage();
			if (typeof d === 'number') dim.varint(DIMENSION.value, d);
			else if (typeof d === 'string') dim.string(DIMENSION.param, d);
			shape.message(SHAPE.dim, dim);
		}
		tensor.message(TENSOR_TYPE.shape, shape);
	}
	return new ProtoMessage().message(TYPE.tensor, tensor);
}

function valueInfoProto(v: ModelValueInfo): ProtoMessage {
	const m = new ProtoMessage().string(VALUE_INFO.name, v.name);
	if (v.type) m.message(VALUE_INFO.type, typeProto(v.type));
	optionalString(m, VALUE_INFO.docString, v.docString);
	return extras(m, v.extra);
}

function attributeProto(a: ModelAttribute): ProtoMessage {
	const m = new ProtoMessage().string(ATTRIBUTE.name, a.name);
	if (a.type !== undefined) m.varint(ATTRIBUTE.type, a.type);
	if (a.f !== undefined) m.float(ATTRIBUTE.f, a.f);
	if (a.i !== undefined) int64(m, ATTRIBUTE.i, a.i);
	if (a.s !== undefined) m.bytes(ATTRIBUTE.s, a.s);
	if (a.t !== undefined) m.message(ATTRIBUTE.t, tensorProto(a.t));
	if (a.g !== undefined) m.message(ATTRIBUTE.g, graphProto(a.g));
	if (a.floats.length) m.packedFloats(ATTRIBUTE.floats, a.floats);
	if (a.ints.every((v): v is number => typeof v === 'number')) {
		if (a.ints.length) m.packedVarints(ATTRIBUTE.ints, a.ints);
	} else for (const v of a.ints) int64(m, ATTRIBUTE.ints, v);
	for (const s of a.strings) m.bytes(ATTRIBUTE.strings, s);
	for (const t of a.tensors) m.message(ATTRIBUTE.tensors, tensorProto(t));
	for (const g of a.graphs) m.message(ATTRIBUTE.graphs, graphProto(g));
	optionalString(m, ATTRIBUTE.docString, a.docString);
	return extras(m, a.extra);
}

function nodeProto(n: ModelNode): ProtoMessage {
	const m = new ProtoMessage();
	for (const i of n.inputs) m.string(NODE.input, i);
	for (const o of n.outputs) m.string(NODE.output, o);
	m.string(NODE.name, n.name).string(NODE.opType, n.opType);
	optionalString(m, NODE.domain, n.domain);
	for (const a of n.attributes) m.message(NODE.attribute, attributeProto(a));
	optionalString(m, NODE.docString, n.docString);
	return extras(m, n.extra);
}

function graphProto(g: ModelGraph): ProtoMessage {
	const m = new ProtoMessage();
	for (const n of g.nodes) m.message(GRAPH.node, nodeProto(n));
	m.string(GRAPH.name, g.name);
	for (const t of g.initializers) m.message(GRAPH.initializer, tensorProto(t));
	optionalString(m, GRAPH.docString, g.docString);
	for (const v of g.inputs) m.message(GRAPH.input, valueInfoProto(v));
	for (const v of g.outputs) m.message(GRAPH.output, valueInfoProto(v));
	for (const v of g.valueInfo) m.message(GRAPH.valueInfo, valueInfoProto(v));
	return extras(m, g.extra);
}

/** ModelProto bytes for `model`, ready for onnxruntime or Netron. */
export function encodeOnnx(model: OnnxModel): Uint8Array {
	const m = new ProtoMessage().varint(MODEL.irVersion, model.irVersion);
	optionalString(m, MODEL.producerName, model.producerName);
	optionalString(m, MODEL.producerVersion, model.producerVersion);
	optionalString(m, MODEL.domain, model.domain);
	optionalString(m, MODEL.docString, model.docString);
	m.message(MODEL.graph, graphProto(model.graph));
	for (const o of model.opsetImport) m.message(MODEL.opsetImport, new ProtoMessage().string(OPSET_ID.domain, o.domain).varint(OPSET_ID.version, o.version));
	return extras(m, model.extra).encode();
}
