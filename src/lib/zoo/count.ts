/**
 * Parameters and multiply-accumulates (MACs) per layer and in total, read from an `OnnxGraph`
 * alone: shapes are inferred node by node from the graph's input and the ops' attributes, never
 * taken from ONNX Runtime or from the builder.
 *
 * What counts, as in the published tables (fvcore, mmcv and ptflops agree on these up to ~1 %):
 *   - MACs: Conv (C_out·H_out·W_out·C_in/groups·k_h·k_w) and Gemm (in·out) only. BatchNorm,
 *     activations, adds, pools and reshapes cost memory traffic, not MACs, and are reported as 0.
 *     Published "FLOPs" for these networks (ResNet-18's 1.82 G, RepVGG's, MobileOne's) are MACs.
 *   - Parameters: what PyTorch's `model.parameters()` holds: conv and linear weights and biases,
 *     BatchNorm's γ and β (not its running mean and variance, which are buffers), PReLU slopes.
 *     Constants (Clip bounds, GELU's ½, reshape targets) are not parameters.
 * A batch dimension that is symbolic counts as 1.
 */
import type { OnnxAttribute, OnnxGraph, OnnxNode } from '../io/onnx/build';

export interface LayerCount {
	name: string;
	opType: string;
	/** Output shape, batch included. */
	output: number[];
	macs: number;
	params: number;
}

export interface GraphCount {
	layers: LayerCount[];
	macs: number;
	params: number;
	/** MACs per op type (Conv, Gemm). */
	macsByType: Record<string, number>;
}

const ELEMENTWISE = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Sigmoid', 'Tanh', 'Erf', 'HardSwish', 'HardSigmoid', 'Softplus', 'Clip', 'Identity', 'BatchNormalization']);
const BROADCAST = new Set(['Add', 'Mul', 'Div', 'Sub']);

function attr(node: OnnxNode, name: string): OnnxAttribute | undefined {
	return node.attributes.find((a) => a.name === name);
}
function ints(node: OnnxNode, name: string, fallback: number[]): number[] {
	const a = attr(node, name);
	return a && a.type === 'ints' ? a.value : fallback;
}
function int(node: OnnxNode, name: string, fallback: number): number {
	const a = attr(node, name);
	return a && a.type === 'int' ? a.value : fallback;
}
const product = (xs: readonly number[]) => xs.reduce((p, d) => p * d, 1);

function broadcast(a: number[], b: number[]): number[] {
	const n = Math.max(a.length, b.length);
	const out: number[] = [];
	for (let i = 0; i < n; i++) {
		const x = a[a.length - n + i] ?? 1;
		const y = b[b.length - n + i] ?? 1;
		if (x !== y && x !== 1 && y !== 1) throw new RangeError(`cannot broadcast [${a}] with [${b}]`);
		out.push(Math.max(x, y));
	}
	return out;
}

function pooledSide(side: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation = 1): number {
	return Math.floor((side + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function countGraph(graph: OnnxGraph): GraphCount {
	const shapes = new Map<string, number[]>();
	const constants = new Map<string, number[]>();
	for (const t of graph.initializers) {
		shapes.set(t.name, t.dims);
		if (t.data instanceof BigInt64Array) constants.set(t.name, Array.from(t.data, Number));
	}
	for (const v of graph.inputs) shapes.set(v.name, v.shape.map((d) => (typeof d === 'number' ? d : 1)));
	const shapeOf = (name: string, node: OnnxNode): number[] => {
		const s = shapes.get(name);
		if (!s) throw new Error(`${node.name}: input "${name}" has no known shape`);
		return s;
	};
	const sizeOf = (name: string | undefined) => (name && shapes.has(name) ? product(shapes.get(name)!) : 0);

	const layers: LayerCount[] = [];
	const macsByType: Record<string, number> = {};
	for (const node of graph.nodes) {
		const x = shapeOf(node.inputs[0], node);
		let out: number[];
		let macs = 0;
		let params = 0;
		switch (node.opType) {
			case 'Conv': {
				const w = shapeOf(node.inputs[1], node);
				const [n, , h, wd] = x;
				const kernel = ints(node, 'kernel_shape', w.slice(2));
				const strides = ints(node, 'strides', [1, 1]);
				const pads = ints(node, 'pads', [0, 0, 0, 0]);
				const dil = ints(node, 'dilations', [1, 1]);
				const groups = int(node, 'group', 1);
				if (x[1] !== w[1] * groups) throw new RangeError(`${node.name}: ${x[1]} input channels, weight expects ${w[1]} × ${groups} groups`);
				out = [n, w[0], pooledSide(h, kernel[0], strides[0], pads[0], pads[2], dil[0]), pooledSide(wd, kernel[1], strides[1], pads[1], pads[3], dil[1])];
				macs = product(out) * w[1] * kernel[0] * kernel[1];
				params = sizeOf(node.inputs[1]) + sizeOf(node.inputs[2]);
				break;
			}
			case 'Gemm': {
				const b = shapeOf(node.inputs[1], node);
				const transA = int(node, 'transA', 0);
				const transB = int(node, 'transB', 0);
				const [m, k] = transA ? [x[1], x[0]] : x;
				const [k2, nOut] = transB ? [b[1], b[0]] : b;
				if (k !== k2) throw new RangeError(`${node.name}: inner sizes ${k} and ${k2} differ`);
				out = [m, nOut];
				macs = m * k * nOut;
				params = sizeOf(node.inputs[1]) + sizeOf(node.inputs[2]);
				break;
			}
			case 'GlobalAveragePool':
				out = [x[0], x[1], 1, 1];
				break;
			case 'MaxPool':
			case 'AveragePool': {
				const k = ints(node, 'kernel_shape', [1, 1]);
				const s = ints(node, 'strides', [1, 1]);
				const p = ints(node, 'pads', [0, 0, 0, 0]);
				out = [x[0], x[1], pooledSide(x[2], k[0], s[0], p[0], p[2]), pooledSide(x[3], k[1], s[1], p[1], p[3])];
				break;
			}
			case 'Flatten': {
				const axis = int(node, 'axis', 1);
				out = [product(x.slice(0, axis)), product(x.slice(axis))];
				break;
			}
			case 'Reshape': {
				const target = constants.get(node.inputs[1]);
				if (!target) throw new Error(`${node.name}: the target shape is not a constant`);
				const shaped = target.map((d, i) => (d === 0 ? x[i] : d));
				const known = product(shaped.filter((d) => d !== -1));
				out = shaped.map((d) => (d === -1 ? product(x) / known : d));
				if (product(out) !== product(x)) throw new RangeError(`${node.name}: cannot reshape [${x}] to [${target}]`);
				break;
			}
			case 'Transpose': {
				const perm = ints(node, 'perm', x.map((_, i) => x.length - 1 - i));
				out = perm.map((p) => x[p]);
				break;
			}
			case 'Concat': {
				const axis = int(node, 'axis', 0);
				out = [...x];
				out[axis] = node.inputs.reduce((sum, name) => sum + shapeOf(name, node)[axis], 0);
				break;
			}
			case 'Slice': {
				const starts = constants.get(node.inputs[1]);
				const ends = constants.get(node.inputs[2]);
				const axes = node.inputs[3] ? constants.get(node.inputs[3]) : starts?.map((_, i) => i);
				if (!starts || !ends || !axes) throw new Error(`${node.name}: slice bounds are not constants`);
				out = [...x];
				axes.forEach((axis, i) => {
					const clamp = (v: number) => Math.max(0, Math.min(x[axis], v < 0 ? v + x[axis] : v));
					out[axis] = Math.max(0, clamp(ends[i]) - clamp(starts[i]));
				});
				break;
			}
			default:
				if (ELEMENTWISE.has(node.opType)) {
					out = [...x];
					if (node.opType === 'BatchNormalization') params = sizeOf(node.inputs[1]) + sizeOf(node.inputs[2]);
					if (node.opType === 'PRelu') params = sizeOf(node.inputs[1]);
				} else if (BROADCAST.has(node.opType)) {
					out = broadcast(x, shapeOf(node.inputs[1], node));
				} else throw new Error(`${node.name}: the counter does not know the op ${node.opType}`);
		}
		for (const o of node.outputs) shapes.set(o, out);
		if (macs > 0) macsByType[node.opType] = (macsByType[node.opType] ?? 0) + macs;
		layers.push({ name: node.name, opType: node.opType, output: out, macs, params });
	}
	return {
		layers,
		macs: layers.reduce((s, l) => s + l.macs, 0),
		params: layers.reduce((s, l) => s + l.params, 0),
		macsByType
	};
}
