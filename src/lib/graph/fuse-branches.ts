/**
 * Structural reparameterization as a graph pass: every group of linear branches that read the same
 * tensor and are summed becomes ONE Conv with bias, computed as the paper computes it on weights.
 *
 * A group is a sum tree (sum-trees.ts) with at least two operands that are branches (branches.ts)
 * of one input tensor, at least one of them a Conv. It merges when the branches agree on stride,
 * group and dilation, their pads place every kernel inside the largest (merge-kernels.ts), and no
 * node of the group is read from outside it. Otherwise it stays as it is and the summary says why.
 * The sum's output tensor keeps its name, so nothing downstream changes.
 */
import { formatCount, formatInt } from '../format';
import {
	ATTRIBUTE_TYPE,
	elementCount,
	float32Tensor,
	isStandardDomain,
	type ModelAttribute,
	type ModelGraph,
	type ModelNode,
	type ModelTensor,
	type OnnxModel
} from '../io/onnx/model';
import { branchShape, linearBranch, type BranchShape, type LinearBranch } from './branches';
import { foldConstants } from './fold-constants';
import { GraphIndex } from './graph-index';
import { mergeKernels, type MergedConv } from './merge-kernels';
import { planExpressions, type BranchReport, type ExprMerge, type GroupReport } from './plan-expr';
import { sumTrees, type SumTree } from './sum-trees';

export type { BranchReport, GroupReport, TransformName } from './plan-expr';

export interface Counts {
	before: number;
	after: number;
}

export interface FuseSummary {
	groups: GroupReport[];
	nodes: Counts;
	/** Values stored in initializers. */
	parameters: Counts;
	convs: Counts;
	/** One line for people, e.g. "merged 12 of 12 groups: 96 → 40 nodes, …". */
	message: string;
}

/** Proposals for a group, computed on the unchanged graph and applied all at once. */
interface Merge {
	tree: SumTree;
	remove: Set<ModelNode>;
	conv: MergedConv;
	report: GroupReport;
	branches: LinearBranch[];
}

function intsAttr(name: string, ints: number[]): ModelAttribute {
	return { name, type: ATTRIBUTE_TYPE.INTS, ints, floats: [], strings: [], tensors: [], graphs: [], extra: [] };
}

function intAttr(name: string, i: number): ModelAttribute {
	return { name, type: ATTRIBUTE_TYPE.INT, i, ints: [], floats: [], strings: [], tensors: [], graphs: [], extra: [] };
}

function parameterCount(g: ModelGraph): number {
	return g.initializers.reduce((n, t) => n + elementCount(t.dims, `tensor "${t.name}"`), 0);
}

function convCount(g: ModelGraph): number {
	return g.nodes.filter((n) => n.opType === 'Conv' && isStandardDomain(n.domain)).length;
}

function label(n: ModelNode): string {
	return n.name || `${n.opType} → ${n.outputs[0] ?? ''}`;
}

/** The tensor read by most branches (ties: the first), and the shapes reading it. */
function commonInput(shapes: BranchShape[]): string {
	const counts = new Map<string, number>();
	for (const s of shapes) counts.set(s.input, (counts.get(s.input) ?? 0) + 1);
	let best = shapes[0].input;
	for (const [input, n] of counts) if (n > counts.get(best)!) best = input;
	return best;
}

function branchReport(shape: BranchShape, linear: LinearBranch | null): BranchReport {
	const kernel = linear ? (linear.conv ? linear.conv.kernel : [1, 1]) : shape.kind === 'bn' || shape.kind === 'identity' ? [1, 1] : null;
	return { kind: shape.kind, input: shape.input, nodes: shape.nodes.map(label), kernel: kernel as [number, number] | null };
}

/** Plans the merge of one sum tree, or returns its report with the reason it stays, or null when it is no group at all. */
function planGroup(index: GraphIndex, tree: SumTree, terms = false): Merge | GroupReport | null {
	const shapes = tree.operands.map((o) => branchShape(index, o));
	const input = commonInput(shapes);
	const onInput = shapes.filter((s) => s.input === input);
	// A residual add (x + f(x)) or a sum of unrelated tensors is no group of parallel branches.
	if (onInput.length < 2 || !onInput.some((s) => s.kind === 'conv' || s.kind === 'conv-bn')) return null;

	const linear = shapes.map((s) => linearBranch(index, s));
	const report: GroupReport = {
		output: tree.root.outputs[0],
		input,
		sumNodes: tree.nodes.map(label),
		branches: shapes.map((s, i) => branchReport(s, typeof linear[i] === 'string' ? null : (linear[i] as LinearBranch))),
		merged: false,
		transforms: []
	};
	const refuse = (reason: string): GroupReport => ({ ...report, reason });

	const stray = shapes.find((s) => s.input !== input);
	if (stray) return refuse(`branch "${stray.output}" reads "${stray.input}", not "${input}"`);
	const remove = new Set<ModelNode>(tree.nodes);
	for (const s of shapes) for (const n of s.nodes) remove.add(n);
	for (const s of shapes)
		for (const n of s.nodes)
			for (const out of n.outputs) {
				const others = index.otherReaders(out, remove);
				if (others.length) return refuse(`"${out}" (from ${n.opType} "${label(n)}") is also read by ${others.join(', ')}`);
			}
	const reason = linear.find((l): l is string => typeof l === 'string');
	if (reason) return refuse(reason);
	const conv = mergeKernels(linear as LinearBranch[], { terms });
	if (typeof conv === 'string') return refuse(conv);
	return { tree, remove, conv, report: { ...report, merged: true, kernel: conv.kernel }, branches: linear as LinearBranch[] };
}

/**
 * A Conv → BatchNormalization pair outside any sum is a group of one branch: the same algebra
 * folds it. PyTorch's exporter has already done this; our own builder's single-branch blocks have not.
 */
function planLone(index: GraphIndex, bn: ModelNode, taken: ReadonlySet<ModelNode>, terms = false): Merge | null {
	if (taken.has(bn) || bn.opType !== 'BatchNormalization' || !isStandardDomain(bn.domain)) return null;
	const shape = branchShape(index, bn.outputs[0] ?? '');
	if (shape.kind !== 'conv-bn' || shape.nodes[1] !== bn || taken.has(shape.nodes[0])) return null;
	const remove = new Set(shape.nodes);
	if (shape.nodes[0].outputs.some((o) => index.otherReaders(o, remove).length > 0)) return null;
	const branch = linearBranch(index, shape);
	if (typeof branch === 'string') return null;
	const conv = mergeKernels([branch], { terms });
	if (typeof conv === 'string') return null;
	const report: GroupReport = { output: shape.output, input: shape.input, sumNodes: [], branches: [branchReport(shape, branch)], merged: true, kernel: conv.kernel, transforms: [] };
	return { tree: { root: bn, nodes: [], operands: [shape.output] }, remove, conv, report, branches: [branch] };
}

class Names {
	private readonly used = new Set<string>();
	constructor(g: ModelGraph) {
		for (const n of g.nodes) {
			this.used.add(n.name);
			for (const t of [...n.inputs, ...n.outputs]) this.used.add(t);
		}
		for (const t of g.initializers) this.used.add(t.name);
		for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo]) this.used.add(v.name);
	}
	fresh(base: string): string {
		let name = base;
		for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
		this.used.add(name);
		return name;
	}
}

function mergedNode(m: Merge, input: string, names: Names, initializers: ModelTensor[]): ModelNode {
	const { conv } = m;
	const output = m.tree.root.outputs[0];
	const weight = names.fresh(`${output}.fused_weight`);
	const bias = names.fresh(`${output}.fused_bias`);
	initializers.push(float32Tensor(weight, [conv.cout, conv.cinPerGroup, ...conv.kernel], conv.weight));
	initializers.push(float32Tensor(bias, [conv.cout], conv.bias));
	const node: ModelNode = {
		name: names.fresh(`${m.tree.root.name || output}/fused_conv`),
		opType: 'Conv',
		inputs: [input, weight, bias],
		outputs: [output],
		attributes: [
			intsAttr('dilations', conv.dilations),
			intAttr('group', conv.group),
			intsAttr('kernel_shape', conv.kernel),
			intsAttr('pads', conv.pads),
			intsAttr('strides', conv.strides)
		],
		extra: []
	};
	m.report.node = node.name;
	return node;
}

/** The Conv (and, for a partial merge, the Sum adding the branches that stay) replacing a group. */
function exprNodesFor(m: ExprMerge, names: Names, initializers: ModelTensor[]): ModelNode[] {
	const { value } = m;
	const output = m.root.outputs[0];
	const cout = value.k.shape[0];
	const weight = names.fresh(`${output}.fused_weight`);
	const bias = names.fresh(`${output}.fused_bias`);
	initializers.push(float32Tensor(weight, [...value.k.shape], value.k.weight));
	initializers.push(float32Tensor(bias, [cout], value.k.bias));
	const convOut = m.strays.length ? names.fresh(`${output}.fused`) : output;
	const conv: ModelNode = {
		name: names.fresh(`${m.root.name || output}/fused_conv`),
		opType: 'Conv',
		inputs: [m.report.input, weight, bias],
		outputs: [convOut],
		attributes: [
			intsAttr('dilations', [1, 1]),
			intAttr('group', value.k.groups),
			intsAttr('kernel_shape', value.kernel),
			intsAttr('pads', value.pads),
			intsAttr('strides', value.strides)
		],
		extra: []
	};
	m.report.node = conv.name;
	if (!m.strays.length) return [conv];
	return [conv, { name: names.fresh(`${m.root.name || output}/fused_sum`), opType: 'Sum', inputs: [convOut, ...m.strays], outputs: [output], attributes: [], extra: [] }];
}

/**
 * Removes constant plumbing (Identity/Constant nodes, initializers) that only fed removed nodes.
 * Only names the pass touched are considered, so dead code the file already had stays.
 */
function dropOrphans(g: ModelGraph, nodes: ModelNode[], touched: Set<string>, index: GraphIndex): { nodes: ModelNode[]; initializers: ModelTensor[] } {
	const reads = new Map<string, number>();
	const read = (t: string, by: number) => reads.set(t, (reads.get(t) ?? 0) + by);
	for (const n of nodes) for (const i of n.inputs) read(i, 1);
	const needed = (t: string) => (reads.get(t) ?? 0) > 0 || index.graphOutputs.has(t) || index.subgraphReads.has(t);
	const dropped = new Set<ModelNode>();
	for (let changed = true; changed; ) {
		changed = false;
		for (let i = nodes.length - 1; i >= 0; i--) {
			const n = nodes[i];
			if (dropped.has(n) || !isStandardDomain(n.domain) || (n.opType !== 'Identity' && n.opType !== 'Constant')) continue;
			if (!n.outputs.some((o) => touched.has(o)) || n.outputs.some(needed)) continue;
			dropped.add(n);
			changed = true;
			for (const t of n.inputs) {
				read(t, -1);
				touched.add(t);
			}
		}
	}
	const kept = nodes.filter((n) => !dropped.has(n));
	const initializers = g.initializers.filter((t) => !touched.has(t.name) || needed(t.name) || index.graphInputs.has(t.name));
	return { nodes: kept, initializers };
}

function message(groups: GroupReport[], nodes: Counts, parameters: Counts, convs: Counts): string {
	if (groups.length === 0) return `already fused: ${formatInt(convs.before)} convs, no parallel branches`;
	const merged = groups.filter((g) => g.merged).length;
	const partial = groups.filter((g) => g.partial).length;
	const head = `merged ${formatInt(merged)} of ${formatInt(groups.length)} groups of parallel branches${partial ? ` (${formatInt(partial)} in part)` : ''}`;
	if (merged === 0) return `${head}; nothing changed`;
	return `${head}: ${formatInt(nodes.before)} → ${formatInt(nodes.after)} nodes, ${formatInt(convs.before)} → ${formatInt(convs.after)} convs, ${formatCount(parameters.before)} → ${formatCount(parameters.after)} parameters`;
}

/** Every group the pass finds, in the graph's order: the mergeable ones as merges, the rest as reports. */
function plan(index: GraphIndex, terms: boolean): { merges: Merge[]; groups: GroupReport[] } {
	const plans = sumTrees(index).map((t) => planGroup(index, t, terms));
	const merges = plans.filter((p): p is Merge => p !== null && 'conv' in p);
	const taken = new Set(merges.flatMap((m) => [...m.remove]));
	const lone = index.graph.nodes.map((n) => planLone(index, n, taken, terms)).filter((m): m is Merge => m !== null);
	merges.push(...lone);
	const groups = [...plans.filter((p): p is Merge | GroupReport => p !== null), ...lone].map((p) => ('conv' in p ? p.report : p));
	return { merges, groups };
}

/** One group the pass would merge: its report, its branches as the file holds them, and the merge with every term kept. */
export interface PlannedMerge {
	report: GroupReport;
	branches: LinearBranch[];
	conv: MergedConv & { terms: NonNullable<MergedConv['terms']> };
}

/** Every group `fuseParallelBranches` merges, with its terms, without changing the graph: what the explorer steps through. */
export function plannedMerges(model: OnnxModel): PlannedMerge[] {
	return plan(new GraphIndex(model.graph), true).merges.map((m) => ({ report: m.report, branches: m.branches, conv: m.conv as PlannedMerge['conv'] }));
}

/**
 * Returns a new model with every mergeable group replaced by one Conv, and a summary of every group
 * found. The input model is not modified. Throws only `WeightsError`, for a graph ONNX itself forbids.
 */
export function fuseParallelBranches(model: OnnxModel): { model: OnnxModel; summary: FuseSummary } {
	const original = model.graph;
	// Shape arithmetic an exporter left in the file (DBB's computed pads and weights) becomes constants first.
	const g = foldConstants(original).graph;
	const index = new GraphIndex(g);
	const { merges, groups } = planExpressions(index);
	const names = new Names(g);
	const initializers: ModelTensor[] = [];
	const byRoot = new Map<ModelNode, ModelNode[]>();
	const removed = new Set<ModelNode>();
	const touched = new Set<string>();
	for (const m of merges) {
		byRoot.set(m.root, exprNodesFor(m, names, initializers));
		for (const n of m.remove) {
			removed.add(n);
			for (const t of n.inputs) if (!m.strays.includes(t)) touched.add(t);
			for (const t of n.outputs) if (t !== m.root.outputs[0]) touched.add(t);
		}
	}
	const rewired = g.nodes.flatMap((n) => byRoot.get(n) ?? (removed.has(n) ? [] : [n]));
	const cleaned = dropOrphans(g, rewired, touched, index);
	const produced = new Set(cleaned.nodes.flatMap((n) => n.outputs));
	const graph: ModelGraph = {
		...g,
		nodes: cleaned.nodes,
		initializers: [...cleaned.initializers, ...initializers],
		// Shapes recorded for tensors that no longer exist would only confuse a reader of the file.
		valueInfo: g.valueInfo.filter((v) => !touched.has(v.name) || produced.has(v.name))
	};
	const nodes = { before: original.nodes.length, after: merges.length ? graph.nodes.length : original.nodes.length };
	const parameters = { before: parameterCount(original), after: merges.length ? parameterCount(graph) : parameterCount(original) };
	const convs = { before: convCount(original), after: convCount(graph) };
	return {
		// Folding alone is no reason to rewrite a file: without a merge the model comes back as it was.
		model: merges.length ? { ...model, graph } : model,
		summary: { groups, nodes, parameters, convs, message: message(groups, nodes, parameters, convs) }
	};
}
