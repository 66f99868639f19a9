/**
 * Layer helpers for building whole CNNs as `OnnxGraph`s with seeded synthetic weights: conv, BN,
 * activations, residual adds, pooling, squeeze-excite, channel split and shuffle, the classifier.
 *
 * `ZooGraph` tracks each tensor's [C, H, W] (batch 1) so that a family file only says what it
 * builds; the counter (`count.ts`) never trusts these shapes and infers its own from the graph.
 * Initializer names use the dotted module paths of each family's reference code (torchvision's
 * `layer1.0.conv1.weight`, RepVGG's `stage1.0.rbr_dense.conv.weight`, …); node names use slashes.
 */
import { seededNormal } from '../core/random';
import type { Tensor } from '../core/tensor';
import { BN_EPS } from '../mobileone/spec';
import { BATCH_DIM, GraphBuilder, INPUT_NAME, OUTPUT_NAME, type OnnxAttribute, type OnnxGraph } from '../io/onnx/build';
import { activation, type ActivationId } from './activations';

export interface Shape {
	c: number;
	h: number;
	w: number;
}

export interface ConvOptions {
	cout: number;
	kernel: number;
	stride?: number;
	groups?: number;
	/** Default ⌊kernel / 2⌋ on every side ("same" for odd kernels at stride 1). */
	padding?: number;
	/** A bias input; default false (a BatchNorm follows). */
	bias?: boolean;
}

export function convOutSide(side: number, kernel: number, stride: number, padding: number): number {
	return Math.floor((side + 2 * padding - kernel) / stride) + 1;
}

/**
 * A graph under construction, with seeded weights and known shapes. With `given` weights, every
 * initializer is taken from that map under its name instead (the latency lab builds RepVGG's two
 * forms from one state dict and its fusion, so that they compute the same function).
 */
export class ZooGraph {
	readonly g = new GraphBuilder();
	private readonly shapes = new Map<string, Shape>();
	private readonly normal: () => number;

	constructor(
		readonly inputSize: number,
		seed: number,
		readonly inChannels = 3,
		private readonly given: ReadonlyMap<string, Tensor> | null = null
	) {
		if (!(Number.isInteger(inputSize) && inputSize >= 8 && inputSize <= 1024)) throw new RangeError(`input size ${inputSize} is not an integer from 8 to 1024`);
		this.normal = seededNormal(seed);
		this.shapes.set(INPUT_NAME, { c: inChannels, h: inputSize, w: inputSize });
	}

	get input(): string {
		return INPUT_NAME;
	}

	shape(x: string): Shape {
		const s = this.shapes.get(x);
		if (!s) throw new Error(`no tensor "${x}" in this graph`);
		return s;
	}

	private set(x: string, s: Shape): string {
		this.shapes.set(x, s);
		return x;
	}

	private fill(n: number, f: () => number): Float32Array {
		const a = new Float32Array(n);
		for (let i = 0; i < n; i++) a[i] = f();
		return a;
	}

	/** Kaiming-normal weights (std √(2 / fan-in)) scaled by `gain`. */
	private kaiming(shape: number[], gain = 1): Float32Array {
		const fanIn = shape.slice(1).reduce((p, d) => p * d, 1);
		const std = gain * Math.sqrt(2 / fanIn);
		return this.fill(
			shape.reduce((p, d) => p * d, 1),
			() => this.normal() * std
		);
	}

	/** A float initializer of any shape; `data` is only made when no weights were given. */
	tensor(name: string, shape: number[], data: Float32Array | (() => Float32Array)): string {
		if (this.given) {
			const t = this.given.get(name);
			if (!t) throw new Error(`the given weights have no "${name}"`);
			return this.g.weight(name, t, shape);
		}
		return this.g.weight(name, { shape, data: typeof data === 'function' ? data() : data }, shape);
	}

	/** A scalar float constant (Clip's bounds, GELU's ½). */
	scalar(name: string, value: number): string {
		return this.tensor(name, [], Float32Array.of(value));
	}

	/** `key` is the weight prefix (dots), `path` the node name (slashes). */
	conv(key: string, path: string, x: string, o: ConvOptions): string {
		const s = this.shape(x);
		const stride = o.stride ?? 1;
		const groups = o.groups ?? 1;
		const padding = o.padding ?? Math.floor(o.kernel / 2);
		if (s.c % groups !== 0 || o.cout % groups !== 0) throw new RangeError(`${path}: ${s.c} → ${o.cout} channels do not split into ${groups} groups`);
		const wShape = [o.cout, s.c / groups, o.kernel, o.kernel];
		const inputs = [x, this.tensor(`${key}.weight`, wShape, () => this.kaiming(wShape))];
		if (o.bias) inputs.push(this.tensor(`${key}.bias`, [o.cout], () => this.fill(o.cout, () => 0.05 * this.normal())));
		const attributes: OnnxAttribute[] = [
			{ name: 'group', type: 'int', value: groups },
			{ name: 'kernel_shape', type: 'ints', value: [o.kernel, o.kernel] },
			{ name: 'pads', type: 'ints', value: [padding, padding, padding, padding] },
			{ name: 'strides', type: 'ints', value: [stride, stride] }
		];
		const out = this.g.node('Conv', path, inputs, attributes);
		return this.set(out, { c: o.cout, h: convOutSide(s.h, o.kernel, stride, padding), w: convOutSide(s.w, o.kernel, stride, padding) });
	}

	/**
	 * Eval-mode BatchNorm with trained-looking statistics. `gain` scales γ: branches that are summed
	 * share out their gain, so activations stay of order one through deep stacks.
	 */
	bn(key: string, path: string, x: string, gain = 1): string {
		const c = this.shape(x).c;
		const inputs = [
			x,
			this.tensor(`${key}.weight`, [c], () => this.fill(c, () => gain * (0.75 + 0.1 * this.normal()))),
			this.tensor(`${key}.bias`, [c], () => this.fill(c, () => 0.1 * this.normal())),
			this.tensor(`${key}.running_mean`, [c], () => this.fill(c, () => 0.2 * this.normal())),
			this.tensor(`${key}.running_var`, [c], () => this.fill(c, () => Math.exp(0.3 * this.normal())))
		];
		return this.set(this.g.node('BatchNormalization', path, inputs, [{ name: 'epsilon', type: 'float', value: BN_EPS }]), this.shape(x));
	}

	/** Conv (no bias) → BatchNorm, weights under `key.conv.*` / `key.bn.*` unless names are given. */
	convBn(key: string, path: string, x: string, o: ConvOptions, names: { conv: string; bn: string } = { conv: 'conv', bn: 'bn' }, gain = 1): string {
		const dotted = (name: string) => (key ? `${key}.${name}` : name);
		const c = this.conv(dotted(names.conv), `${path}/${names.conv}`, x, { ...o, bias: false });
		return this.bn(dotted(names.bn), `${path}/${names.bn}`, c, gain);
	}

	/** An activation by id (see `activations.ts`); SE-ReLU is built by the caller from `se` + relu. */
	act(id: ActivationId, path: string, x: string): string {
		const out = activation(id).build(this, path, x);
		return this.set(out, this.shape(x));
	}

	/** A node whose output has the shape of its first input (element-wise ops). */
	elementwise(opType: string, path: string, inputs: string[], attributes: OnnxAttribute[] = []): string {
		return this.set(this.g.node(opType, path, inputs, attributes), this.shape(inputs[0]));
	}

	add(path: string, a: string, b: string): string {
		const sa = this.shape(a);
		const sb = this.shape(b);
		if (sa.c !== sb.c || sa.h !== sb.h || sa.w !== sb.w) throw new RangeError(`${path}: cannot add [${sa.c},${sa.h},${sa.w}] and [${sb.c},${sb.h},${sb.w}]`);
		return this.elementwise('Add', path, [a, b]);
	}

	maxPool(path: string, x: string, kernel: number, stride: number, padding: number): string {
		const s = this.shape(x);
		const out = this.g.node('MaxPool', path, [x], [
			{ name: 'kernel_shape', type: 'ints', value: [kernel, kernel] },
			{ name: 'pads', type: 'ints', value: [padding, padding, padding, padding] },
			{ name: 'strides', type: 'ints', value: [stride, stride] }
		]);
		return this.set(out, { c: s.c, h: convOutSide(s.h, kernel, stride, padding), w: convOutSide(s.w, kernel, stride, padding) });
	}

	globalPool(path: string, x: string): string {
		return this.set(this.g.node('GlobalAveragePool', path, [x]), { c: this.shape(x).c, h: 1, w: 1 });
	}

	/**
	 * Squeeze-excite: global pool, 1×1 reduce (with bias), activation, 1×1 expand, sigmoid gate,
	 * multiply. Weights under `key.reduce.*` / `key.expand.*` unless names are given.
	 */
	squeezeExcite(key: string, path: string, x: string, reduced: number, inner: ActivationId = 'relu', names: { reduce: string; expand: string } = { reduce: 'reduce', expand: 'expand' }): string {
		const c = this.shape(x).c;
		const pooled = this.globalPool(`${path}/pool`, x);
		const r = this.conv(`${key}.${names.reduce}`, `${path}/${names.reduce}`, pooled, { cout: reduced, kernel: 1, bias: true, padding: 0 });
		const a = this.act(inner, `${path}/act`, r);
		const e = this.conv(`${key}.${names.expand}`, `${path}/${names.expand}`, a, { cout: c, kernel: 1, bias: true, padding: 0 });
		const gate = this.elementwise('Sigmoid', `${path}/gate`, [e]);
		return this.set(this.g.node('Mul', `${path}/scale`, [x, gate]), this.shape(x));
	}

	/** Channels [from, to) of `x`, as one Slice node. */
	channels(path: string, x: string, from: number, to: number): string {
		const s = this.shape(x);
		if (!(0 <= from && from < to && to <= s.c)) throw new RangeError(`${path}: channels ${from}–${to} of ${s.c}`);
		const tag = `${path.replace(/\//g, '.')}`;
		const inputs = [x, this.g.int64s(`${tag}.starts`, [from]), this.g.int64s(`${tag}.ends`, [to]), this.g.int64s(`${tag}.axes`, [1])];
		return this.set(this.g.node('Slice', path, inputs), { ...s, c: to - from });
	}

	concat(path: string, xs: string[]): string {
		const s = this.shape(xs[0]);
		const c = xs.reduce((sum, x) => sum + this.shape(x).c, 0);
		return this.set(this.g.node('Concat', path, xs, [{ name: 'axis', type: 'int', value: 1 }]), { ...s, c });
	}

	/** ShuffleNet's channel shuffle: reshape to [N, g, C/g, H·W], swap the group axes, reshape back. */
	channelShuffle(path: string, x: string, groups: number): string {
		const s = this.shape(x);
		if (s.c % groups !== 0) throw new RangeError(`${path}: ${s.c} channels do not split into ${groups} groups`);
		const tag = path.replace(/\//g, '.');
		const split = this.g.node('Reshape', `${path}/split`, [x, this.g.int64s(`${tag}.grouped_shape`, [0, groups, s.c / groups, -1])]);
		const swapped = this.g.node('Transpose', `${path}/transpose`, [split], [{ name: 'perm', type: 'ints', value: [0, 2, 1, 3] }]);
		const out = this.g.node('Reshape', `${path}/merge`, [swapped, this.g.int64s(`${tag}.shape`, [0, s.c, s.h, s.w])]);
		return this.set(out, s);
	}

	/** Global pool → flatten → fully connected layer to `classes` logits, named `key.weight` / `key.bias`. */
	classifier(key: string, x: string, classes: number): string {
		const c = this.shape(x).c;
		const pooled = this.globalPool('gap', x);
		const flat = this.g.node('Flatten', 'flatten', [pooled], [{ name: 'axis', type: 'int', value: 1 }]);
		const w = this.tensor(`${key}.weight`, [classes, c], () => this.kaiming([classes, c], 0.5));
		const b = this.tensor(`${key}.bias`, [classes], () => this.fill(classes, () => 0.01 * this.normal()));
		return this.g.node('Gemm', key, [flat, w, b], [{ name: 'transB', type: 'int', value: 1 }], OUTPUT_NAME);
	}

	/** The finished graph, with its input fixed at the builder's size and `classes` logits out. */
	finish(name: string, docString: string, classes: number): OnnxGraph {
		return {
			name,
			docString,
			inputs: [{ name: INPUT_NAME, shape: [BATCH_DIM, this.inChannels, this.inputSize, this.inputSize] }],
			outputs: [{ name: OUTPUT_NAME, shape: [BATCH_DIM, classes] }],
			nodes: this.g.nodes,
			initializers: this.g.initializers
		};
	}
}
