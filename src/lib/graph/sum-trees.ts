/**
 * Finds every sum in a graph as one tree: a `Sum`, or a chain or tree of two-input `Add`s whose
 * intermediate results feed only the next addition. PyTorch's exporter writes `a + b + c` as
 * Add(Add(a, b), c); our own builder writes Sum(a, b, c); both come out as one tree of operands.
 */
import { isStandardDomain, type ModelNode } from '../io/onnx/model';
import type { GraphIndex } from './graph-index';

export interface SumTree {
	/** The node whose output is the whole sum; its output name is what the rest of the graph reads. */
	root: ModelNode;
	/** Every Add/Sum node in the tree, root included. */
	nodes: ModelNode[];
	/** What is summed, in graph order, repeated if an operand is added more than once. */
	operands: string[];
}

function isSum(n: ModelNode): boolean {
	if (!isStandardDomain(n.domain) || n.outputs.length !== 1) return false;
	if (n.opType === 'Add') return n.inputs.length === 2;
	return n.opType === 'Sum' && n.inputs.length >= 1;
}

/** An addition whose result feeds only one other addition (and is not a graph output) is part of that one's tree. */
function absorbedBy(index: GraphIndex, n: ModelNode): ModelNode | null {
	const out = n.outputs[0];
	if (index.graphOutputs.has(out)) return null;
	const readers = index.readers(out);
	if (readers.length !== 1 || !isSum(readers[0]) || readers[0] === n) return null;
	return readers[0];
}

export function sumTrees(index: GraphIndex): SumTree[] {
	const trees: SumTree[] = [];
	for (const root of index.graph.nodes) {
		if (!isSum(root) || absorbedBy(index, root)) continue;
		const nodes: ModelNode[] = [];
		const operands: string[] = [];
		const seen = new Set<ModelNode>([root]);
		// Depth first with an explicit stack of tensors, so operands come out left to right and a
		// crafted chain of a million Adds cannot overflow the call stack.
		const expand = (n: ModelNode) => {
			nodes.push(n);
			return [...n.inputs].reverse().map((input) => ({ input, reader: n }));
		};
		const stack = expand(root);
		while (stack.length) {
			const { input, reader } = stack.pop()!;
			const p = index.producer.get(input);
			// `seen` guards against a cycle in a damaged file.
			if (p && !seen.has(p) && isSum(p) && absorbedBy(index, p) === reader) {
				seen.add(p);
				stack.push(...expand(p));
			} else operands.push(input);
		}
		trees.push({ root, nodes, operands });
	}
	return trees;
}
