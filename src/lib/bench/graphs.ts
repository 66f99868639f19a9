/** How big each form's graph is: nodes per op type, stored floats, file size. */
import type { OnnxGraph } from '../io/onnx/build';
import { elementCount, type OnnxModel } from '../io/onnx/model';

/** What the size counts need of a graph, whether our builder's (`OnnxGraph`) or a decoded file's. */
interface CountableGraph {
	nodes: readonly { opType: string; inputs: readonly string[]; outputs: readonly string[] }[];
	initializers: readonly { name: string; count: number }[];
}

/** A decoded ONNX file as the size counts see it. */
function countable(model: OnnxModel): CountableGraph {
	return { nodes: model.graph.nodes, initializers: model.graph.initializers.map((t) => ({ name: t.name, count: elementCount(t.dims, `tensor "${t.name}"`) })) };
}

/** A graph our builders made (`OnnxGraph`), written to `bytes` bytes. */
export function builtGraphSize(built: OnnxGraph, bytes: number): GraphSize {
	const byType: Record<string, number> = {};
	for (const n of built.nodes) byType[n.opType] = (byType[n.opType] ?? 0) + 1;
	return { nodes: built.nodes.length, byType, parameters: built.initializers.reduce((a, t) => a + t.data.length, 0), bytes };
}

/** A decoded ONNX file's size: its nodes per type, its stored values, its bytes. */
export function fileGraphSize(model: OnnxModel, bytes: number): GraphSize {
	const g = countable(model);
	const byType: Record<string, number> = {};
	for (const n of g.nodes) byType[n.opType] = (byType[n.opType] ?? 0) + 1;
	return { nodes: g.nodes.length, byType, parameters: g.initializers.reduce((a, t) => a + t.count, 0), bytes };
}

export interface GraphSize {
	nodes: number;
	/** Node count per op type. */
	byType: Record<string, number>;
	/** Float values in initializers. */
	parameters: number;
	/** Size of the ONNX file; null for a graph that exists only inside ONNX Runtime. */
	bytes: number | null;
}

/**
 * The unfused graph as ONNX Runtime's basic optimization level leaves it: every BatchNormalization
 * that reads a Conv's output (the Conv feeding nothing else) is folded into that Conv, which gains
 * a bias. The BatchNorm-only skips stay; so do the parallel branches and their Adds, because ORT
 * has no rule that merges convolutions running side by side. The unit tests check this against
 * the graph onnxruntime-node writes out.
 */
export function ortFoldedSize(built: OnnxGraph): GraphSize {
	return foldedSize({ nodes: built.nodes, initializers: built.initializers.map((t) => ({ name: t.name, count: t.data.length })) });
}

/** The same for a visitor's decoded ONNX file. */
export function ortFoldedFileSize(model: OnnxModel): GraphSize {
	return foldedSize(countable(model));
}

function foldedSize(graph: CountableGraph): GraphSize {
	const producer = new Map<string, (typeof graph.nodes)[number]>();
	const consumers = new Map<string, number>();
	for (const n of graph.nodes) {
		for (const out of n.outputs) producer.set(out, n);
		for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
	}
	const sizeOf = new Map(graph.initializers.map((t) => [t.name, t.count]));
	let parameters = 0;
	for (const t of graph.initializers) parameters += t.count;
	const byType: Record<string, number> = {};
	let nodes = 0;
	for (const n of graph.nodes) {
		if (n.opType === 'BatchNormalization') {
			const src = producer.get(n.inputs[0]);
			if (src && src.opType === 'Conv' && consumers.get(n.inputs[0]) === 1) {
				// γ, β, μ, σ² go; the conv gains a bias of one value per channel (if it had none).
				const channels = sizeOf.get(n.inputs[1]) ?? 0;
				parameters -= 4 * channels;
				if (src.inputs.length < 3) parameters += channels;
				continue;
			}
		}
		byType[n.opType] = (byType[n.opType] ?? 0) + 1;
		nodes++;
	}
	return { nodes, byType, parameters, bytes: null };
}
