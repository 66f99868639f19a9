/**
 * MobileOne as an ONNX file, in either form.
 *
 * The unfused graph keeps every branch visible (Conv → BatchNormalization per branch, summed by a
 * chain of two-input Adds in the order of Apple's `forward`), so that ONNX Runtime's own Conv+BN
 * folding can be measured as an effect separate from MobileOne's reparameterization. The fused graph is one Conv with bias per block.
 *
 * Building happens in two steps: `onnxGraph` makes a plain JS description of the graph, and
 * `buildOnnx` encodes that object. `summarizeGraph` reads the same object, so the counts a page
 * shows cannot disagree with the file a visitor downloads.
 *
 * Node and initializer names follow Apple's module paths (`stage1.0/rbr_conv.0/conv`,
 * `stage1.0.rbr_conv.0.conv.weight`) so the graph reads the same in Netron as in the PyTorch code.
 */
import { featureWidth } from '../../mobileone/spec';
import type { BlockSpec } from '../../mobileone/spec';
import { sameShape, sizeOf, type Tensor } from '../../core/tensor';
import type { BatchNormParams, ConvBn, FusedBlock, FusedModel, SEWeights, UnfusedBlock, UnfusedModel } from '../../mobileone/model';
import { kernelShape } from '../../mobileone/model';
import {
	BN_TENSORS,
	branchBnPrefix,
	branchConvWeightKey,
	branchModule,
	CLASSIFIER_BIAS,
	CLASSIFIER_MODULE,
	CLASSIFIER_WEIGHT,
	convBranch,
	fusedBiasKey,
	fusedWeightKey,
	REPARAM_MODULE,
	SCALE_BRANCH,
	seKey,
	SKIP_BRANCH,
	type BranchId
} from '../../mobileone/keys';
import { littleEndianBytes, ProtoMessage } from './protobuf';

export interface OnnxBuildOptions {
	/** ONNX operator set; default 17. Every op used here gives the same float32 inference result from opset 13 on. */
	opset?: number;
	/** `producer_name` in the file; default "mobileone-lab". */
	producer?: string;
	/**
	 * Fix the input's height and width to this size. Default: symbolic, so the file runs at any size.
	 * A graph that will only ever run at one size should say so: with known shapes ONNX Runtime's
	 * CPU layout pass fuses more (measured in onnxruntime-node: our unfused CIFAR-10 graph ran 6 % slower with symbolic sides).
	 */
	size?: number;
}

export interface GraphSummary {
	nodes: number;
	/** Node count per op type, e.g. `{ Conv: 52, BatchNormalization: 70, … }`. */
	byType: Record<string, number>;
	initializers: number;
	/** Float values stored in initializers. BN running statistics count too, so the unfused form
	 *  holds 2 values per BN channel more than PyTorch's trainable-parameter count. */
	parameters: number;
	/** Exact size of the file `buildOnnx(model)` writes with default options. */
	bytes: number;
}

export type OnnxAttribute =
	| { name: string; type: 'int'; value: number }
	| { name: string; type: 'float'; value: number }
	| { name: string; type: 'ints'; value: number[] };

export interface OnnxNode {
	name: string;
	opType: string;
	inputs: string[];
	outputs: string[];
	attributes: OnnxAttribute[];
}

export interface OnnxInitializer {
	name: string;
	dims: number[];
	/** float32 weights, or int64 operands (Reshape's shape, Split's sizes). */
	data: Float32Array | BigInt64Array;
}

/** A graph input or output: float32, with a symbolic name (string) for any free dimension. */
export interface OnnxValueInfo {
	name: string;
	shape: (number | string)[];
}

export interface OnnxGraph {
	name: string;
	docString: string;
	inputs: OnnxValueInfo[];
	outputs: OnnxValueInfo[];
	nodes: OnnxNode[];
	initializers: OnnxInitializer[];
}

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'logits';
export const BATCH_DIM = 'N';
/**
 * Height and width are symbolic too: a network is fully convolutional up to its global pool, and a
 * checkpoint's training resolution cannot be read from its weights, so the file must run at any size.
 */
export const HEIGHT_DIM = 'H';
export const WIDTH_DIM = 'W';
const DEFAULT_OPSET = 17;
/** The oldest opset the tests run; older ones would likely work but are unchecked. */
const MIN_OPSET = 13;
const DEFAULT_PRODUCER = 'mobileone-lab';

/** Collects nodes and initializers; names are checked for clashes because ONNX rejects duplicates. */
export class GraphBuilder {
	readonly nodes: OnnxNode[] = [];
	readonly initializers: OnnxInitializer[] = [];
	private readonly names = new Set<string>([INPUT_NAME]);

	/** Adds a weight; returns its name, for use as a node input. */
	weight(name: string, t: Tensor, expected: readonly number[]): string {
		if (!sameShape(t.shape, expected))
			throw new RangeError(`"${name}" has shape [${t.shape.join(', ')}], expected [${expected.join(', ')}]`);
		if (t.data.length !== sizeOf(t.shape)) throw new RangeError(`"${name}" holds ${t.data.length} values for shape [${t.shape.join(', ')}]`);
		this.claim(name);
		this.initializers.push({ name, dims: [...t.shape], data: t.data });
		return name;
	}

	vector(name: string, data: Float32Array, length: number): string {
		return this.weight(name, { shape: [data.length], data }, [length]);
	}

	/** Adds a 1-D int64 constant (a Reshape's target shape, a Split's sizes); returns its name. */
	int64s(name: string, values: readonly number[]): string {
		this.claim(name);
		this.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });
		return name;
	}

	/** Adds a node with one output, named `output` or else after the node; returns the output name. */
	node(opType: string, name: string, inputs: string[], attributes: OnnxAttribute[] = [], output = name): string {
		this.claim(`node:${name}`);
		if (output !== name) this.claim(output);
		else this.claim(name);
		this.nodes.push({ name, opType, inputs, outputs: [output], attributes });
		return output;
	}

	private claim(name: string): void {
		if (this.names.has(name)) throw new Error(`ONNX graph would contain "${name}" twice`);
		this.names.add(name);
	}
}

function convAttributes(b: BlockSpec, kernel: number, padding: number): OnnxAttribute[] {
	return [
		{ name: 'group', type: 'int', value: b.groups },
		{ name: 'kernel_shape', type: 'ints', value: [kernel, kernel] },
		{ name: 'pads', type: 'ints', value: [padding, padding, padding, padding] },
		{ name: 'strides', type: 'ints', value: [b.stride, b.stride] }
	];
}

/** `key` is Apple's state-dict prefix (dots), `path` the node-name prefix (slashes). */
function batchNorm(g: GraphBuilder, key: string, path: string, x: string, bn: BatchNormParams, channels: number): string {
	const inputs = [
		x,
		g.vector(`${key}.${BN_TENSORS.gamma}`, bn.gamma, channels),
		g.vector(`${key}.${BN_TENSORS.beta}`, bn.beta, channels),
		g.vector(`${key}.${BN_TENSORS.mean}`, bn.mean, channels),
		g.vector(`${key}.${BN_TENSORS.variance}`, bn.variance, channels)
	];
	return g.node('BatchNormalization', path, inputs, [{ name: 'epsilon', type: 'float', value: bn.eps }]);
}

/** One conv+BN branch of a block; names come from Apple's module path of that branch. */
function convBn(g: GraphBuilder, b: BlockSpec, id: BranchId, x: string, branch: ConvBn, kernel: number, padding: number): string {
	const path = `${b.name}/${branchModule(id)}`;
	const weight = g.weight(branchConvWeightKey(b.name, id), branch.weight, kernelShape(b, kernel));
	const conv = g.node('Conv', `${path}/conv`, [x, weight], convAttributes(b, kernel, padding));
	return batchNorm(g, branchBnPrefix(b.name, id), `${path}/bn`, conv, branch.bn, b.cout);
}

function unfusedBranches(g: GraphBuilder, block: UnfusedBlock, x: string): string {
	const b = block.spec;
	const n = b.name;
	if (block.convs.length !== b.k) throw new RangeError(`${n} has ${block.convs.length} conv branches, its spec says ${b.k}`);
	// Apple's forward, step for step: identity_out = rbr_skip(x); scale_out = rbr_scale(x);
	// out = scale_out + identity_out; then out += conv(x) per conv branch. Summed by that chain of
	// two-input Adds (as torch.onnx.export writes it), not one many-input Sum: ONNX Runtime fuses a
	// Conv into the Add that consumes it (and the block's ReLU into the last one), but has no such
	// rule for Sum. In this node order each branch is added as soon as it exists, so no more than
	// two branch outputs are ever alive at once.
	const total = b.k + (block.scale ? 1 : 0) + (block.skip ? 1 : 0);
	let sum: string | null = null;
	let adds = 0;
	// The block's sum keeps one name, `<block>/sum`, whatever its length; a lone branch needs no Add.
	const add = (term: string) => {
		if (sum === null) sum = term;
		else {
			adds++;
			sum = g.node('Add', `${n}/add.${adds}`, [sum, term], [], adds === total - 1 ? `${n}/sum` : undefined);
		}
	};
	const skip = block.skip ? batchNorm(g, branchBnPrefix(n, SKIP_BRANCH), `${n}/${branchModule(SKIP_BRANCH)}`, x, block.skip, b.cin) : null;
	if (block.scale) add(convBn(g, b, SCALE_BRANCH, x, block.scale, 1, 0));
	if (skip) add(skip);
	block.convs.forEach((c, i) => add(convBn(g, b, convBranch(i), x, c, b.kernel, b.padding)));
	return sum!;
}

function fusedConv(g: GraphBuilder, block: FusedBlock, x: string): string {
	const b = block.spec;
	const n = b.name;
	const weight = g.weight(fusedWeightKey(n), block.weight, kernelShape(b));
	const bias = g.vector(fusedBiasKey(n), block.bias, b.cout);
	return g.node('Conv', `${n}/${REPARAM_MODULE}`, [x, weight, bias], convAttributes(b, b.kernel, b.padding));
}

/** Apple's SEBlock: the per-channel gate multiplies the block output before the block's ReLU. */
function squeezeExcite(g: GraphBuilder, b: BlockSpec, x: string, se: SEWeights): string {
	const path = `${b.name}/se`;
	const reduced = se.reduceBias.length;
	const pooled = g.node('GlobalAveragePool', `${path}/pool`, [x]);
	const pointwise: OnnxAttribute[] = [{ name: 'kernel_shape', type: 'ints', value: [1, 1] }];
	const reduce = g.node(
		'Conv',
		`${path}/reduce`,
		[pooled, g.weight(seKey(b.name, 'reduce.weight'), se.reduceWeight, [reduced, b.cout, 1, 1]), g.vector(seKey(b.name, 'reduce.bias'), se.reduceBias, reduced)],
		pointwise
	);
	const relu = g.node('Relu', `${path}/relu`, [reduce]);
	const expand = g.node(
		'Conv',
		`${path}/expand`,
		[relu, g.weight(seKey(b.name, 'expand.weight'), se.expandWeight, [b.cout, reduced, 1, 1]), g.vector(seKey(b.name, 'expand.bias'), se.expandBias, b.cout)],
		pointwise
	);
	const gate = g.node('Sigmoid', `${path}/sigmoid`, [expand]);
	return g.node('Mul', `${path}/scale`, [x, gate]);
}

/** The graph as a plain object: what `buildOnnx` encodes and `summarizeGraph` counts. */
export function onnxGraph(model: UnfusedModel | FusedModel, size?: number): OnnxGraph {
	if (size !== undefined && !(Number.isInteger(size) && size >= 1)) throw new RangeError(`input size ${size} is not a positive integer`);
	const spec = model.spec;
	const g = new GraphBuilder();
	let x = INPUT_NAME;
	let form: 'unfused' | 'fused' | null = null;
	for (const block of model.blocks as (UnfusedBlock | FusedBlock)[]) {
		// A half-fused model would build fine but mislabel itself; refuse it instead.
		if (form !== null && block.form !== form) throw new Error(`model mixes ${form} and ${block.form} blocks`);
		form = block.form;
		const summed = block.form === 'fused' ? fusedConv(g, block, x) : unfusedBranches(g, block, x);
		const gated = block.se ? squeezeExcite(g, block.spec, summed, block.se) : summed;
		// The block's output tensor carries the block's name, so Netron's edges read `stage1.0`, `stage1.1`, …
		x = g.node('Relu', `${block.spec.name}/relu`, [gated], [], block.spec.name);
	}
	const features = featureWidth(spec);
	const pooled = g.node('GlobalAveragePool', 'gap', [x]);
	const flat = g.node('Flatten', 'flatten', [pooled], [{ name: 'axis', type: 'int', value: 1 }]);
	const weight = g.weight(CLASSIFIER_WEIGHT, model.classifier.weight, [spec.numClasses, features]);
	const bias = g.vector(CLASSIFIER_BIAS, model.classifier.bias, spec.numClasses);
	g.node('Gemm', CLASSIFIER_MODULE, [flat, weight, bias], [{ name: 'transB', type: 'int', value: 1 }], OUTPUT_NAME);

	const formName = form ?? 'fused';
	return {
		name: `${spec.name} (${formName})`,
		docString:
			formName === 'unfused'
				? 'MobileOne, train-time form: every conv+BN branch is its own Conv → BatchNormalization, summed per block by a chain of Adds in the order of Apple’s forward.'
				: 'MobileOne, reparameterized form: one Conv with bias per block.',
		inputs: [{ name: INPUT_NAME, shape: [BATCH_DIM, spec.inChannels, size ?? HEIGHT_DIM, size ?? WIDTH_DIM] }],
		outputs: [{ name: OUTPUT_NAME, shape: [BATCH_DIM, spec.numClasses] }],
		nodes: g.nodes,
		initializers: g.initializers
	};
}

// Field numbers from onnx.proto3 (checked against the generated decoder in onnxruntime-web).
const MODEL = { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 } as const;
const OPSET_ID = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, f: 2, i: 3, ints: 8, type: 20 } as const;
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;
const TENSOR_FLOAT = 1;
const TENSOR_INT64 = 7;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE_TENSOR = 1;
const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
const SHAPE_DIM = 1;
const DIMENSION = { value: 1, param: 2 } as const;

/** The IR version that shipped with each opset; a file should not claim an opset newer than its IR. */
function irVersionFor(opset: number): number {
	if (opset <= 18) return 8;
	if (opset <= 20) return 9;
	if (opset <= 22) return 10;
	return 11;
}

function attributeProto(a: OnnxAttribute): ProtoMessage {
	const m = new ProtoMessage().string(ATTRIBUTE.name, a.name).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE[a.type]);
	switch (a.type) {
		case 'int':
			return m.varint(ATTRIBUTE.i, a.value);
		case 'float':
			return m.float(ATTRIBUTE.f, a.value);
		case 'ints':
			return m.packedVarints(ATTRIBUTE.ints, a.value);
	}
}

function nodeProto(n: OnnxNode): ProtoMessage {
	const m = new ProtoMessage();
	for (const i of n.inputs) m.string(NODE.input, i);
	for (const o of n.outputs) m.string(NODE.output, o);
	m.string(NODE.name, n.name).string(NODE.opType, n.opType);
	for (const a of n.attributes) m.message(NODE.attribute, attributeProto(a));
	return m;
}

function int64Bytes(data: BigInt64Array): Uint8Array {
	const out = new Uint8Array(data.length * 8);
	const view = new DataView(out.buffer);
	for (let i = 0; i < data.length; i++) view.setBigInt64(8 * i, data[i], true);
	return out;
}

function tensorProto(t: OnnxInitializer): ProtoMessage {
	const int64 = t.data instanceof BigInt64Array;
	return new ProtoMessage()
		.packedVarints(TENSOR.dims, t.dims)
		.varint(TENSOR.dataType, int64 ? TENSOR_INT64 : TENSOR_FLOAT)
		.string(TENSOR.name, t.name)
		.bytes(TENSOR.rawData, t.data instanceof BigInt64Array ? int64Bytes(t.data) : littleEndianBytes(t.data));
}

function valueInfoProto(v: OnnxValueInfo): ProtoMessage {
	const shape = new ProtoMessage();
	for (const d of v.shape) {
		const dim = typeof d === 'string' ? new ProtoMessage().string(DIMENSION.param, d) : new ProtoMessage().varint(DIMENSION.value, d);
		shape.message(SHAPE_DIM, dim);
	}
	const tensorType = new ProtoMessage().varint(TENSOR_TYPE.elemType, TENSOR_FLOAT).message(TENSOR_TYPE.shape, shape);
	return new ProtoMessage().string(VALUE_INFO.name, v.name).message(VALUE_INFO.type, new ProtoMessage().message(TYPE_TENSOR, tensorType));
}

function modelProto(graph: OnnxGraph, opts: OnnxBuildOptions): ProtoMessage {
	const opset = opts.opset ?? DEFAULT_OPSET;
	if (!Number.isInteger(opset) || opset < MIN_OPSET) throw new RangeError(`opset must be an integer ≥ ${MIN_OPSET}, got ${opset}`);
	const g = new ProtoMessage();
	for (const n of graph.nodes) g.message(GRAPH.node, nodeProto(n));
	g.string(GRAPH.name, graph.name);
	for (const t of graph.initializers) g.message(GRAPH.initializer, tensorProto(t));
	g.string(GRAPH.docString, graph.docString);
	for (const v of graph.inputs) g.message(GRAPH.input, valueInfoProto(v));
	for (const v of graph.outputs) g.message(GRAPH.output, valueInfoProto(v));
	return new ProtoMessage()
		.varint(MODEL.irVersion, irVersionFor(opset))
		.string(MODEL.producerName, opts.producer ?? DEFAULT_PRODUCER)
		.message(MODEL.graph, g)
		.message(MODEL.opsetImport, new ProtoMessage().string(OPSET_ID.domain, '').varint(OPSET_ID.version, opset));
}

/** Any graph described as an `OnnxGraph` (the network zoo's, for one) as ONNX file bytes. */
export function encodeGraph(graph: OnnxGraph, opts: Omit<OnnxBuildOptions, 'size'> = {}): Uint8Array {
	return modelProto(graph, opts).encode();
}

/** The model as an ONNX file (ModelProto bytes), ready for onnxruntime or Netron. */
export function buildOnnx(model: UnfusedModel | FusedModel, opts: OnnxBuildOptions = {}): Uint8Array {
	return modelProto(onnxGraph(model, opts.size), opts).encode();
}

export function summarizeGraph(model: UnfusedModel | FusedModel): GraphSummary {
	const graph = onnxGraph(model);
	const byType: Record<string, number> = {};
	for (const n of graph.nodes) byType[n.opType] = (byType[n.opType] ?? 0) + 1;
	let parameters = 0;
	for (const t of graph.initializers) parameters += t.data.length;
	return {
		nodes: graph.nodes.length,
		byType,
		initializers: graph.initializers.length,
		parameters,
		// Sizing the encoder's message tree writes nothing and copies no weights.
		bytes: modelProto(graph, {}).size()
	};
}
