/**
 * Small ONNX graphs written by hand in the shapes exporters emit, and the onnxruntime check that a
 * rewritten graph computes what the original did.
 */
import * as ortNode from 'onnxruntime-node';
import type * as ortWeb from 'onnxruntime-web';
import { expect } from 'vitest';
import { seededNormal } from '../../src/lib/core/random';
import { maxAbs, maxAbsDiff, type Tensor } from '../../src/lib/core/tensor';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import { ATTRIBUTE_TYPE, float32Tensor, type ModelAttribute, type ModelNode, type ModelTensor, type OnnxModel } from '../../src/lib/io/onnx/model';

type Runtime = typeof ortNode | typeof ortWeb;

export async function run(ort: Runtime, bytes: Uint8Array, x: Tensor, input = 'input', output = 'logits'): Promise<Float32Array> {
	// No graph optimisation: onnxruntime's own Conv+BN folding must not hide what the file holds.
	const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
	try {
		const result = await session.run({ [input]: new ort.Tensor('float32', x.data, [...x.shape]) });
		return result[output].data as Float32Array;
	} finally {
		await session.release();
	}
}

export function opCounts(m: OnnxModel): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const n of m.graph.nodes) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
	return counts;
}

const normal = seededNormal(99);

function weight(name: string, dims: number[]): ModelTensor {
	return float32Tensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => 0.5 * normal()));
}

function attrs(a: Record<string, number | number[]>): ModelAttribute[] {
	return Object.entries(a).map(([name, v]) => {
		const base = { name, floats: [], ints: [], strings: [], tensors: [], graphs: [], extra: [] };
		return typeof v === 'number' ? { ...base, type: ATTRIBUTE_TYPE.INT, i: v } : { ...base, type: ATTRIBUTE_TYPE.INTS, ints: v };
	});
}

export class Hand {
	nodes: ModelNode[] = [];
	inits: ModelTensor[] = [];
	constructor(readonly channels: number) {}
	conv(name: string, x: string, kernel: [number, number], a: Record<string, number | number[]> = {}, bias = false): string {
		const group = (a.group as number | undefined) ?? 1;
		this.inits.push(weight(`${name}.w`, [this.channels, this.channels / group, ...kernel]));
		if (bias) this.inits.push(weight(`${name}.b`, [this.channels]));
		this.nodes.push({ name, opType: 'Conv', inputs: [x, `${name}.w`, ...(bias ? [`${name}.b`] : [])], outputs: [name], attributes: attrs(a), extra: [] });
		return name;
	}
	bn(name: string, x: string): string {
		const c = this.channels;
		const v = (suffix: string, f: () => number) => {
			this.inits.push(float32Tensor(`${name}.${suffix}`, [c], Array.from({ length: c }, f)));
			return `${name}.${suffix}`;
		};
		const inputs = [x, v('g', () => 1 + 0.3 * normal()), v('b', () => 0.2 * normal()), v('m', () => 0.3 * normal()), v('v', () => Math.exp(0.4 * normal()))];
		this.nodes.push({ name, opType: 'BatchNormalization', inputs, outputs: [name], attributes: [{ name: 'epsilon', type: ATTRIBUTE_TYPE.FLOAT, f: 1e-3, floats: [], ints: [], strings: [], tensors: [], graphs: [], extra: [] }], extra: [] });
		return name;
	}
	op(opType: string, name: string, inputs: string[], a: Record<string, number | number[]> = {}): string {
		this.nodes.push({ name, opType, inputs, outputs: [name], attributes: attrs(a), extra: [] });
		return name;
	}
	/** A float32 initializer; random when no values are given. */
	constant(name: string, dims: number[], values?: number[]): string {
		this.inits.push(values ? float32Tensor(name, dims, values) : weight(name, dims));
		return name;
	}
	/** An int64 initializer (a Pad's pads). */
	ints(name: string, values: number[]): string {
		const data = new Uint8Array(8 * values.length);
		values.forEach((v, i) => new DataView(data.buffer).setBigInt64(8 * i, BigInt(v), true));
		this.inits.push({ name, dims: [values.length], dataType: 7, data, extra: [] });
		return name;
	}
	model(outputs: string[], size: number): OnnxModel {
		const value = (name: string, shape: (number | string)[] | null) => ({ name, type: { kind: 'tensor' as const, elemType: 1, shape }, extra: [] });
		return {
			irVersion: 8,
			opsetImport: [{ domain: '', version: 17 }],
			producerName: 'hand',
			graph: { name: 'hand', nodes: this.nodes, initializers: this.inits, inputs: [value('x', [1, this.channels, size, size])], outputs: outputs.map((o) => value(o, null)), valueInfo: [], extra: [] },
			extra: []
		};
	}
}

export async function checkSame(before: OnnxModel, after: OnnxModel, output = 'y'): Promise<void> {
	const [, c, h, w] = (before.graph.inputs[0].type as { shape: number[] }).shape;
	const x: Tensor = { shape: [1, c, h, w], data: Float32Array.from({ length: c * h * w }, () => normal()) };
	const want = await run(ortNode, encodeOnnx(before), x, 'x', output);
	const got = await run(ortNode, encodeOnnx(after), x, 'x', output);
	expect(got.length).toBe(want.length);
	expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-4 * maxAbs(want));
}

