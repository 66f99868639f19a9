/**
 * Who produces and who reads each tensor of a graph, and which tensors are constants, so a pass can
 * ask "is this Conv's output read by anything else?" without rescanning the node list.
 */
import { WeightsError } from '../core/errors';
import { DATA_TYPE, isStandardDomain, tensorValues, type ModelGraph, type ModelNode, type ModelTensor } from '../io/onnx/model';

export class GraphIndex {
	readonly producer = new Map<string, ModelNode>();
	readonly consumers = new Map<string, ModelNode[]>();
	readonly initializers = new Map<string, ModelTensor>();
	readonly graphInputs = new Set<string>();
	readonly graphOutputs = new Set<string>();
	/** Names read from inside subgraphs (If, Loop, Scan bodies may read any outer tensor by name). */
	readonly subgraphReads = new Set<string>();

	constructor(readonly graph: ModelGraph) {
		for (const t of graph.initializers) this.initializers.set(t.name, t);
		for (const v of graph.inputs) this.graphInputs.add(v.name);
		for (const v of graph.outputs) this.graphOutputs.add(v.name);
		for (const n of graph.nodes) {
			for (const o of n.outputs) {
				if (o === '') continue;
				if (this.producer.has(o) || this.initializers.has(o))
					throw new WeightsError('bad-onnx', `tensor "${o}" is produced twice (node "${n.name}")`);
				this.producer.set(o, n);
			}
			for (const i of new Set(n.inputs)) {
				if (i === '') continue;
				const list = this.consumers.get(i);
				if (list) list.push(n);
				else this.consumers.set(i, [n]);
			}
			for (const a of n.attributes) for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) collectReads(g, this.subgraphReads);
		}
	}

	readers(tensor: string): ModelNode[] {
		return this.consumers.get(tensor) ?? [];
	}

	/** Nodes outside `owned` that read `tensor`, plus "graph output" when the graph returns it. */
	otherReaders(tensor: string, owned: ReadonlySet<ModelNode>): string[] {
		const others = this.readers(tensor)
			.filter((n) => !owned.has(n))
			.map((n) => `"${n.name || n.opType}"`);
		if (this.graphOutputs.has(tensor)) others.push('the graph output');
		if (this.subgraphReads.has(tensor)) others.push('a subgraph');
		return others;
	}

	/**
	 * The initializer behind `tensor`, following standard Identity nodes (PyTorch's exporter shares
	 * equal weights that way), or a reason it is not a constant. An initializer that is also a
	 * graph input can be overridden when the model runs, so it does not count.
	 */
	constant(tensor: string): { tensor: ModelTensor; via: ModelNode[] } | string {
		const via: ModelNode[] = [];
		let name = tensor;
		for (let hops = 0; hops <= this.graph.nodes.length; hops++) {
			const init = this.initializers.get(name);
			if (init) {
				if (this.graphInputs.has(name)) return `"${name}" is a graph input, so it can change at run time`;
				return { tensor: init, via };
			}
			const p = this.producer.get(name);
			// PyTorch writes small constants (pads, scalar factors) as Constant nodes, not initializers.
			if (p && p.opType === 'Constant' && isStandardDomain(p.domain) && p.inputs.length === 0) {
				const value = p.attributes.length === 1 && p.attributes[0].name === 'value' ? p.attributes[0].t : undefined;
				return value ? { tensor: value, via: [...via, p] } : `"${tensor}" is a Constant without a tensor value`;
			}
			if (!p || p.opType !== 'Identity' || !isStandardDomain(p.domain) || p.inputs.length !== 1) return `"${tensor}" is not an initializer`;
			via.push(p);
			name = p.inputs[0];
		}
		return `"${tensor}" is defined in a cycle`;
	}

	/** A float32 constant's values in float64, with `length` checked when given. */
	floats(tensor: string, length?: number): Float64Array | string {
		const c = this.constant(tensor);
		if (typeof c === 'string') return c;
		if (c.tensor.dataType !== DATA_TYPE.FLOAT) return `"${tensor}" has data type ${c.tensor.dataType}; only float32 weights are merged`;
		const values = tensorValues(c.tensor);
		if (!values) return `"${tensor}" is not numeric`;
		if (length !== undefined && values.length !== length) return `"${tensor}" holds ${values.length} values, expected ${length}`;
		return values;
	}

	/** An integer constant (int64 or int32), e.g. a Pad's pads. */
	integers(tensor: string): number[] | string {
		const c = this.constant(tensor);
		if (typeof c === 'string') return c;
		if (c.tensor.dataType !== DATA_TYPE.INT64 && c.tensor.dataType !== DATA_TYPE.INT32) return `"${tensor}" is not an integer tensor`;
		const values = tensorValues(c.tensor);
		if (!values || !values.every((v) => Number.isSafeInteger(v))) return `"${tensor}" holds integers beyond ±2^53`;
		return Array.from(values);
	}
}

function collectReads(g: ModelGraph, into: Set<string>): void {
	for (const n of g.nodes) {
		for (const i of n.inputs) into.add(i);
		for (const a of n.attributes) for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) collectReads(sub, into);
	}
	for (const o of g.outputs) into.add(o.name);
}
