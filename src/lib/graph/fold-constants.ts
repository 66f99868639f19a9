/**
 * Constant folding: every node whose inputs are all constants, and whose operator `constant-ops.ts`
 * evaluates, is computed once and its output becomes an initializer. PyTorch 1.13 exports DBB's
 * bias-padded gap as a Pad whose pads come out of a Shape/ConstantOfShape/Concat/Reshape/Slice/…
 * chain, and DBB's identity-based 1×1 as a weight built by ScatterND: after this pass both are
 * plain initializers, so the linear-expression reader sees a zero Pad and a Conv with a constant
 * weight, as in any other family.
 *
 * Nodes are read in the file's order (ONNX requires a topological one); a node read out of order,
 * one in another domain, one that a subgraph reads or the graph returns, stays as it is. Folded
 * tensors that nothing reads any more leave the graph with the nodes that made them.
 */
import { WeightsError } from '../core/errors';
import { DATA_TYPE, elementBytes, isStandardDomain, tensorValues, type ModelAttribute, type ModelGraph, type ModelNode, type ModelTensor } from '../io/onnx/model';
import { checkedCount, evaluateOp, EVALUATED_OPS, isIntegerType, isSupportedType, NotEvaluated, type ConstValue } from './constant-ops';

export interface FoldResult {
	/** The graph with folded nodes gone and their read outputs as initializers; `graph` itself when nothing folded. */
	graph: ModelGraph;
	/** Nodes computed here (Constant nodes included). */
	folded: number;
	/** One sentence per node that had constant inputs but was not evaluated (too large, another data type, …). */
	notes: string[];
}

/** An initializer or a Constant's tensor as a ConstValue, or why it is not read. */
export function decodeTensor(t: ModelTensor | undefined): ConstValue | NotEvaluated {
	if (!t) return new NotEvaluated('a tensor attribute is missing');
	if (!isSupportedType(t.dataType)) return new NotEvaluated(`"${t.name}" has data type ${t.dataType}, which the pass does not evaluate`);
	const n = checkedCount(t.dims, `tensor "${t.name}"`);
	if (n instanceof NotEvaluated) return n;
	if (t.data.length !== n * elementBytes(t.dataType)!) throw new WeightsError('bad-onnx', `tensor "${t.name}" holds ${t.data.length} bytes, not the ${n} values its dims state`);
	if (t.dataType === DATA_TYPE.INT64) {
		const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
		return { dataType: t.dataType, dims: [...t.dims], data: BigInt64Array.from({ length: n }, (_, i) => view.getBigInt64(8 * i, true)) };
	}
	const values = tensorValues(t)!;
	return { dataType: t.dataType, dims: [...t.dims], data: isIntegerType(t.dataType) ? BigInt64Array.from(values, (v) => BigInt(v)) : values };
}

/** A ConstValue written as an initializer named `name`, little-endian in its own data type. */
export function encodeTensor(name: string, c: ConstValue): ModelTensor {
	const size = elementBytes(c.dataType)!;
	const data = new Uint8Array(size * c.data.length);
	const view = new DataView(data.buffer);
	for (let i = 0; i < c.data.length; i++) {
		const v = c.data[i];
		switch (c.dataType) {
			case DATA_TYPE.FLOAT: view.setFloat32(4 * i, v as number, true); break;
			case DATA_TYPE.DOUBLE: view.setFloat64(8 * i, v as number, true); break;
			case DATA_TYPE.INT64: view.setBigInt64(8 * i, v as bigint, true); break;
			case DATA_TYPE.INT32: view.setInt32(4 * i, Number(v), true); break;
			case DATA_TYPE.BOOL: view.setUint8(i, Number(v)); break;
		}
	}
	return { name, dims: [...c.dims], dataType: c.dataType, data, extra: [] };
}

/** A Constant node's value: its `value` tensor or one of the scalar / list forms. */
function constantNodeValue(node: ModelNode): ConstValue | NotEvaluated {
	if (node.attributes.length !== 1 || node.inputs.length !== 0) return new NotEvaluated(`Constant "${node.name}" is malformed`);
	const a: ModelAttribute = node.attributes[0];
	switch (a.name) {
		case 'value':
			return decodeTensor(a.t);
		case 'value_int':
			return { dataType: DATA_TYPE.INT64, dims: [], data: BigInt64Array.of(BigInt(a.i ?? 0)) };
		case 'value_ints':
			return { dataType: DATA_TYPE.INT64, dims: [a.ints.length], data: BigInt64Array.from(a.ints, (v) => BigInt(v)) };
		case 'value_float':
			return { dataType: DATA_TYPE.FLOAT, dims: [], data: Float64Array.of(a.f ?? 0) };
		case 'value_floats':
			return { dataType: DATA_TYPE.FLOAT, dims: [a.floats.length], data: Float64Array.from(a.floats) };
		default:
			return new NotEvaluated(`Constant "${node.name}" holds a ${a.name}, which the pass does not evaluate`);
	}
}

function readsFromSubgraphs(g: ModelGraph): Set<string> {
	const into = new Set<string>();
	const walk = (sub: ModelGraph) => {
		for (const n of sub.nodes) {
			for (const i of n.inputs) into.add(i);
			for (const a of n.attributes) for (const s of a.g ? [a.g, ...a.graphs] : a.graphs) walk(s);
		}
		for (const o of sub.outputs) into.add(o.name);
	};
	for (const n of g.nodes) for (const a of n.attributes) for (const s of a.g ? [a.g, ...a.graphs] : a.graphs) walk(s);
	return into;
}

/** Folds every constant computation of `g` it can; see the module comment. */
export function foldConstants(g: ModelGraph): FoldResult {
	const graphInputs = new Set(g.inputs.map((v) => v.name));
	const initializers = new Map(g.initializers.map((t) => [t.name, t]));
	const pinned = new Set([...g.outputs.map((v) => v.name), ...readsFromSubgraphs(g)]);
	const values = new Map<string, ConstValue>();
	const notes: string[] = [];
	const folded = new Set<ModelNode>();

	// Initializers are decoded on first use only: a network's big weights are never copied unless folded.
	const value = (name: string): ConstValue | NotEvaluated => {
		const known = values.get(name);
		if (known) return known;
		const v = decodeTensor(initializers.get(name));
		if (!(v instanceof NotEvaluated)) values.set(name, v);
		return v;
	};

	for (const node of g.nodes) {
		if (!isStandardDomain(node.domain) || node.outputs.length !== 1 || node.outputs[0] === '' || pinned.has(node.outputs[0])) continue;
		if (node.opType !== 'Constant' && !EVALUATED_OPS.has(node.opType)) continue;
		if (node.inputs.some((i) => i !== '' && !values.has(i) && (!initializers.has(i) || graphInputs.has(i)))) continue;
		const inputs = node.inputs.map((i) => (i === '' ? undefined : value(i)));
		const why = inputs.find((v): v is NotEvaluated => v instanceof NotEvaluated);
		const out = why ?? (node.opType === 'Constant' ? constantNodeValue(node) : evaluateOp(node, inputs as (ConstValue | undefined)[], decodeTensor));
		if (out instanceof NotEvaluated) {
			notes.push(`${node.opType} "${node.name || node.outputs[0]}" stays: ${out.reason}`);
			continue;
		}
		values.set(node.outputs[0], out);
		folded.add(node);
	}
	if (!folded.size) return { graph: g, folded: 0, notes };

	const nodes = g.nodes.filter((n) => !folded.has(n));
	const read = new Set(nodes.flatMap((n) => n.inputs));
	const needed = (t: string) => read.has(t) || pinned.has(t) || graphInputs.has(t);
	const outputs = [...folded].map((n) => n.outputs[0]);
	const made = outputs.filter(needed);
	// Weights that only fed folded nodes (DBB's idconv1.weight) live on inside the folded tensors.
	const fedFolded = new Set([...folded].flatMap((n) => n.inputs));
	const gone = new Set(outputs.filter((t) => !needed(t)));
	const graph: ModelGraph = {
		...g,
		nodes,
		initializers: [...g.initializers.filter((t) => !fedFolded.has(t.name) || needed(t.name)), ...made.map((t) => encodeTensor(t, values.get(t)!))],
		valueInfo: g.valueInfo.filter((v) => !gone.has(v.name))
	};
	return { graph, folded: folded.size, notes };
}
