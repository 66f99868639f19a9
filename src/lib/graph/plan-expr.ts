/**
 * Finds every group the graph pass merges: each outermost linear expression of the graph
 * (linear-expr.ts) whose terms read one input tensor and hold at least one Conv, and plans it as
 * one Conv computed by the algebra (evaluate-expr.ts). A sum some of whose terms read another
 * tensor (a branch behind a ReLU, or a gap whose pads the constant folding could not compute) is merged
 * partly: the terms on the common input become one Conv and the others are added to it as they are,
 * with one sentence saying so. A group that cannot be merged exactly stays, with its reason.
 */
import type { ModelNode } from '../io/onnx/model';
import type { BranchKind } from './branches';
import { evaluate, sumValues, type EvalContext, type ExprValue, type LabelledStep } from './evaluate-expr';
import type { GraphIndex } from './graph-index';
import { exprInputs, exprNodes, linearOperands, readExpr, type LinearExpr } from './linear-expr';

/** The transforms a group's merge used, named as the report and the explorer show them. */
export type TransformName = 'fold' | 'post-BN' | 'dilate' | 'sequential' | 'avgpool' | 'identity' | 'scale' | 'pad';

const TRANSFORM_ORDER: TransformName[] = ['fold', 'dilate', 'sequential', 'avgpool', 'identity', 'scale', 'pad', 'post-BN'];

export function transformsOf(steps: LabelledStep[]): TransformName[] {
	const used = new Set<TransformName>();
	for (const { step } of steps) {
		if (step.kind === 'bn-fold') used.add(step.where === 'after-sum' ? 'post-BN' : 'fold');
		else if (step.kind === 'avg-pool') used.add('avgpool');
		else if (step.kind === 'dilate' || step.kind === 'sequential' || step.kind === 'identity' || step.kind === 'scale' || step.kind === 'pad') used.add(step.kind);
	}
	return TRANSFORM_ORDER.filter((t) => used.has(t));
}

/** What a merged group's report adds after its result, for the CLI and the page: transforms, then what stayed. */
export function mergeNotes(g: Pick<GroupReport, 'merged' | 'transforms' | 'partial'>): string {
	if (!g.merged) return '';
	const used = g.transforms.length ? ` (${g.transforms.join(', ')})` : '';
	return g.partial ? `${used}; ${g.partial}` : used;
}

export interface BranchReport {
	/** `chain`: any other linear chain (a scale, a sequential conv, a pooling, a nested sum). */
	kind: BranchKind | 'chain';
	/** The tensor the branch reads. */
	input: string;
	nodes: string[];
	/** [kh, kw] of the branch as one kernel; null when its weight could not be read. */
	kernel: [number, number] | null;
}

export interface GroupReport {
	/** The group's output tensor: its name, unchanged by the pass. */
	output: string;
	input: string;
	/** The Add / Sum / Sub nodes of the group. */
	sumNodes: string[];
	branches: BranchReport[];
	merged: boolean;
	/** Why the group was left as it is. */
	reason?: string;
	/** The Conv that replaced the group, and its kernel. */
	node?: string;
	kernel?: [number, number];
	/** The algebra's transforms the merge used (empty for a plain sum of convs of one size). */
	transforms: TransformName[];
	/** When some branches stayed outside the merged Conv: one sentence saying which and why. */
	partial?: string;
}

export interface ExprMerge {
	root: ModelNode;
	/** Nodes the merge replaces (the root among them). */
	remove: Set<ModelNode>;
	value: ExprValue;
	/** Operands added to the merged Conv as they are (a partial merge); empty for a whole one. */
	strays: string[];
	report: GroupReport;
	steps: LabelledStep[];
}

/** The most float64 values a merge may allocate per source value: a guard against crafted files. */
const GROWTH_LIMIT = 8;

function label(n: ModelNode): string {
	return n.name || `${n.opType} → ${n.outputs[0] ?? ''}`;
}

interface Term {
	sign: 1 | -1;
	tensor: string;
	expr: LinearExpr;
}

/** The top-level terms of a sum (nested sums flattened, signs multiplied), and its sum nodes. */
function flatten(e: LinearExpr, tensor: string, sign: 1 | -1 = 1, terms: Term[] = [], sums: ModelNode[] = []): { terms: Term[]; sums: ModelNode[] } {
	if (e.op !== 'sum') terms.push({ sign, tensor, expr: e });
	else {
		sums.push(e.node);
		for (const t of e.terms) flatten(t.expr, t.tensor, (sign * t.sign) as 1 | -1, terms, sums);
	}
	return { terms, sums };
}

/** The first sum under a chain of one-input operations (BN, scale, …), or null. */
function innerSum(e: LinearExpr): LinearExpr | null {
	for (let x = e; ; x = x.of) {
		if (x.op === 'sum') return x;
		if (x.op === 'input' || x.op === 'refused') return null;
	}
}

function convsOf(e: LinearExpr): Extract<LinearExpr, { op: 'conv' }>[] {
	const out: Extract<LinearExpr, { op: 'conv' }>[] = [];
	const walk = (x: LinearExpr) => {
		if (x.op === 'conv') out.push(x);
		if (x.op === 'sum') x.terms.forEach((t) => walk(t.expr));
		else if (x.op !== 'input' && x.op !== 'refused') walk(x.of);
	};
	walk(e);
	return out;
}

/** Output channels of an expression: those of its outermost Conv. */
function outerChannels(e: LinearExpr): number | null {
	if (e.op === 'conv') return e.params.cout;
	if (e.op === 'sum') {
		for (const t of e.terms) {
			const c = outerChannels(t.expr);
			if (c !== null) return c;
		}
		return null;
	}
	return e.op === 'input' || e.op === 'refused' ? null : outerChannels(e.of);
}

function kind(e: LinearExpr): BranchKind | 'chain' {
	if (e.op === 'input') return 'identity';
	if (e.op === 'identity') return e.of.op === 'input' ? 'identity' : 'chain';
	if (e.op === 'conv' && e.of.op === 'input') return 'conv';
	if (e.op === 'affine' && e.role === 'bn') {
		if (e.of.op === 'input') return 'bn';
		if (e.of.op === 'conv' && e.of.of.op === 'input') return 'conv-bn';
	}
	return 'chain';
}

/** A term's kernel size from its structure alone (for the report). */
function kernelOf(e: LinearExpr): [number, number] | null {
	switch (e.op) {
		case 'input':
			return [1, 1];
		case 'refused':
			return null;
		case 'conv':
		case 'avgpool': {
			const [kh, kw] = e.op === 'conv' ? e.params.kernel : e.size;
			const [dh, dw] = e.op === 'conv' ? e.params.dilations : [1, 1];
			const inner = kernelOf(e.of) ?? [1, 1];
			return [dh * (kh - 1) + inner[0], dw * (kw - 1) + inner[1]];
		}
		case 'sum': {
			const ks = e.terms.map((t) => kernelOf(t.expr));
			if (ks.some((k) => k === null)) return null;
			return [Math.max(...ks.map((k) => k![0])), Math.max(...ks.map((k) => k![1]))];
		}
		default:
			return kernelOf(e.of);
	}
}

function branchReport(t: Term): BranchReport {
	const inputs = exprInputs(t.expr);
	return { kind: kind(t.expr), input: inputs[0] ?? t.tensor, nodes: exprNodes(t.expr).reverse().map(label), kernel: kernelOf(t.expr) };
}

/** The reason of the first operation in `e` the walk refused (a constant not per channel, …), or null. */
function refusal(e: LinearExpr): string | null {
	if (e.op === 'refused') return e.reason;
	if (e.op === 'input') return null;
	if (e.op === 'sum') return e.terms.map((t) => refusal(t.expr)).find((r) => r !== null) ?? null;
	return refusal(e.of);
}

/** Why a term that reads another tensor stays outside, in plain words for the one sentence. */
function strayWhy(index: GraphIndex, t: Term, input: string): string {
	const other = exprInputs(t.expr).find((i) => i !== input) ?? t.tensor;
	const p = index.producer.get(other);
	const from = p ? `${p.opType} "${label(p)}"` : 'outside the graph';
	const dbb =
		p?.opType === 'ScatterND'
			? ' (a slice assignment into a computed tensor, which the pass does not match)'
			: p?.opType === 'Pad' && p.inputs[1] && typeof index.integers(p.inputs[1]) === 'string'
				? ' whose pads the graph computes from shapes at run time and the constant folding could not evaluate, so the pass cannot prove what its border holds'
				: '';
	return t.expr.op === 'input' ? `"${t.tensor}" comes from ${from}${dbb}` : `"${t.tensor}" reads "${other}", which comes from ${from}${dbb}`;
}

/** Plans the expression ending at `root`, or its report with the reason it stays, or null when it is no group. */
export function planRoot(index: GraphIndex, root: ModelNode): ExprMerge | GroupReport | null {
	const output = root.outputs[0];
	const expr = readExpr(index, output);
	let { terms, sums } = flatten(expr, output);
	// A BN or a scale over a sum whose terms read different tensors is one impure term: look inside,
	// so that the group is reported with the branch that keeps it from merging.
	if (terms.length === 1 && new Set(exprInputs(terms[0].expr)).size > 1) {
		const inner = innerSum(expr);
		if (inner) ({ terms, sums } = flatten(inner, output));
	}
	const pure = terms.map((t) => {
		const inputs = new Set(exprInputs(t.expr));
		return inputs.size === 1 ? [...inputs][0] : null;
	});
	const counts = new Map<string, number>();
	pure.forEach((i) => i !== null && counts.set(i, (counts.get(i) ?? 0) + 1));
	// The common input: read by the most whole terms, among those with a Conv on it.
	let input: string | null = null;
	terms.forEach((t, i) => {
		const p = pure[i];
		if (p !== null && convsOf(t.expr).length && (input === null || counts.get(p)! > counts.get(input)!)) input = p;
	});
	if (input === null) return null;
	const main: string = input;
	const kept = terms.filter((_, i) => pure[i] === main);
	const strays = terms.filter((_, i) => pure[i] !== main);
	const keptNodes = kept.flatMap((t) => exprNodes(t.expr));
	const refused = strays.map((t) => refusal(t.expr)).find((r) => r !== null) ?? null;
	// Nothing to gain: a lone Conv, or a Conv plus branches that all stay (unless one was refused: say why).
	if (kept.length < 2 && keptNodes.length < 2 && !refused) return null;

	const report: GroupReport = { output, input: main, sumNodes: sums.map(label), branches: terms.map(branchReport), merged: false, transforms: [] };
	const refuse = (reason: string): GroupReport => ({ ...report, reason });
	const why = (t: Term) => refusal(t.expr) ?? strayWhy(index, t, main);
	if (strays.length && (expr.op !== 'sum' || strays.some((s) => s.sign !== 1)))
		return refuse(refusal(strays[0].expr) ?? `${strayWhy(index, strays[0], main)}, not from "${main}", and it is not simply added to the rest`);
	if (strays.length && kept.length < 2) return refused ? refuse(refused) : null;

	const remove = new Set<ModelNode>([...sums, ...keptNodes]);
	for (const n of remove)
		for (const out of n.outputs) {
			if (out === output) continue;
			const others = index.otherReaders(out, remove);
			if (others.length) return refuse(`"${out}" (from ${n.opType} "${label(n)}") is also read by ${others.join(', ')}`);
		}
	const convs = kept.flatMap((t) => convsOf(t.expr));
	const first = convs[0].params;
	const odd = convs.find((c) => c.params.group !== first.group);
	if (odd) return refuse(`different groups: ${first.group} in "${label(first.node)}", ${odd.params.group} in "${label(odd.node)}"`);
	const channels = outerChannels(strays.length ? kept[0].expr : expr) ?? first.cout;
	const source = convs.reduce((n, c) => n + c.params.weight.length, 0) + channels;
	const ctx: EvalContext = { input: main, groups: first.group, budget: GROWTH_LIMIT * source + 4096, steps: [] };

	let value: ExprValue | string;
	if (!strays.length) value = evaluate(expr, channels, ctx);
	else {
		const values: { sign: 1 | -1; value: ExprValue }[] = [];
		value = '';
		for (const t of kept) {
			const v = evaluate(t.expr, channels, ctx);
			if (typeof v === 'string') {
				value = v;
				break;
			}
			values.push({ sign: t.sign, value: v });
		}
		if (value === '') value = sumValues(values, ctx, `"${label(root)}"`);
	}
	if (typeof value === 'string') return refuse(value);
	if (value.border) return refuse(`${value.label} ends in a padded tensor, which no single Conv writes`);
	if (value.k.shape[0] !== channels || value.k.groups !== first.group) return refuse(`the merged kernel has ${value.k.shape[0]} outputs in ${value.k.groups} groups, expected ${channels} in ${first.group}`);
	const partial = strays.length ? `${strays.map(why).join('; ')}: ${strays.length === 1 ? 'it stays' : 'they stay'} outside the merged Conv and ${strays.length === 1 ? 'is' : 'are'} added to it` : undefined;
	return {
		root,
		remove,
		value,
		strays: strays.map((s) => s.tensor),
		steps: ctx.steps,
		report: { ...report, merged: true, kernel: value.kernel, transforms: transformsOf(ctx.steps), ...(partial ? { partial } : {}) }
	};
}

/** Roots: linear nodes whose output is not read by exactly one linear node that walks into it. */
function isRoot(index: GraphIndex, n: ModelNode): boolean {
	if (!linearOperands(index, n) || n.opType === 'Pad') return false;
	const out = n.outputs[0];
	const readers = index.readers(out);
	if (readers.length !== 1 || index.graphOutputs.has(out) || index.subgraphReads.has(out)) return true;
	const walks = linearOperands(index, readers[0]);
	return !walks || !walks.includes(out);
}

/** Every group in graph order: the mergeable ones as merges, the others as reports. */
export function planExpressions(index: GraphIndex): { merges: ExprMerge[]; groups: GroupReport[] } {
	const merges: ExprMerge[] = [];
	const groups: GroupReport[] = [];
	const taken = new Set<ModelNode>();
	for (const n of index.graph.nodes) {
		if (!isRoot(index, n)) continue;
		const p = planRoot(index, n);
		if (!p) continue;
		if ('value' in p) {
			// A node claimed twice (never in a well-formed graph) leaves the second group as it is.
			if ([...p.remove].some((r) => taken.has(r))) {
				groups.push({ ...p.report, merged: false, transforms: [], kernel: undefined, partial: undefined, reason: 'it shares nodes with a group merged before it' });
				continue;
			}
			for (const r of p.remove) taken.add(r);
			merges.push(p);
			groups.push(p.report);
		} else groups.push(p);
	}
	return { merges, groups };
}
