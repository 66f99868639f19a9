/**
 * A whole RepVGG state dict under repvgg.py's names (`stage0.rbr_dense.conv.weight`,
 * `stage1.0.rbr_1x1.bn.running_var`, …, `linear.weight`): recognised from its keys, fused block by
 * block with the family's algebra, checked (train-time network against the fused one on a seeded
 * input, float64 reference ops) and written under `rbr_reparam` keys.
 *
 * What the keys cannot say is the stride. A block with `rbr_identity` has stride 1; one without it
 * whose in and out channels are equal has stride 2 (repvgg.py adds the identity whenever it can);
 * otherwise the first block of each stage has stride 2, as repvgg.py builds every layout. A file can
 * state its strides instead in `__metadata__.spec`: {"format": "mobileone-lab.repvgg-spec/1",
 * "strides": [2, 2, 1, …]} (one per block, in order), and its input size as "inputSize".
 */
import { WeightsError } from '../core/errors';
import { parseUntrustedJson } from '../core/json';
import { quoted } from '../core/printable';
import { seededNormal } from '../core/random';
import type { Tensor, Tensor64 } from '../core/tensor';
import { fromTensor, roundOnce } from '../reparam/conv-kernel';
import { directConv } from '../reparam/direct-conv';
import type { BlockFusion, BlockGeometry, StateDict } from './block';
import { BN_EPS } from './ops';
import { repvgg } from './repvgg';
import { repvggBlocks, type RepVGGLayout } from './repvgg-layouts';

export const REPVGG_SPEC_FORMAT = 'mobileone-lab.repvgg-spec/1';
const BLOCK_KEY = /^(stage\d+(?:\.\d+)?)\.(rbr_dense\.conv\.weight|rbr_reparam\.weight)$/;
const MAX_BLOCKS = 256;
const MAX_CHANNELS = 1 << 16;

export interface RepVGGNetworkBlock extends BlockGeometry {
	name: string;
}

export interface RepVGGNetwork {
	blocks: RepVGGNetworkBlock[];
	form: 'unfused' | 'fused';
	inChannels: number;
	numClasses: number;
	inputSize: number | null;
	specSource: 'metadata' | 'inferred';
	/** Float tensors no block or the classifier reads. */
	unusedKeys: string[];
}

/**
 * True when the keys are a whole RepVGG network's (train-time or fused): a `stage0` block and the
 * classifier. RepVGG blocks inside other networks are found by `find-blocks.ts` instead.
 */
export function isWholeRepVGG(keys: Iterable<string>): boolean {
	let stem = false;
	let linear = false;
	for (const k of keys) {
		if (k === 'stage0.rbr_dense.conv.weight' || k === 'stage0.rbr_reparam.weight') stem = true;
		if (k === 'linear.weight') linear = true;
	}
	return stem && linear;
}

function order(name: string): [number, number] {
	const m = /^stage(\d+)(?:\.(\d+))?$/.exec(name)!;
	return [Number(m[1]), m[2] === undefined ? -1 : Number(m[2])];
}

function readSpec(metadata: Record<string, string>): { strides: number[] | null; inputSize: number | null } {
	if (metadata.spec === undefined) return { strides: null, inputSize: null };
	let raw: unknown;
	try {
		raw = parseUntrustedJson(metadata.spec);
	} catch {
		throw new WeightsError('bad-spec', 'spec: the metadata "spec" is not valid JSON');
	}
	const spec = raw as { format?: unknown; strides?: unknown; inputSize?: unknown };
	if (typeof raw !== 'object' || raw === null || spec.format !== REPVGG_SPEC_FORMAT) throw new WeightsError('bad-spec', `spec: a RepVGG file's spec needs "format": "${REPVGG_SPEC_FORMAT}"`);
	const strides = spec.strides === undefined ? null : spec.strides;
	if (strides !== null && (!Array.isArray(strides) || strides.length > MAX_BLOCKS || !strides.every((s) => s === 1 || s === 2)))
		throw new WeightsError('bad-spec', 'spec: "strides" must be a list of 1s and 2s, one per block');
	const inputSize = spec.inputSize === undefined ? null : spec.inputSize;
	if (inputSize !== null && !(Number.isInteger(inputSize) && (inputSize as number) >= 8 && (inputSize as number) <= 4096)) throw new WeightsError('bad-spec', 'spec: "inputSize" must be a whole number from 8 to 4096');
	return { strides: strides as number[] | null, inputSize: inputSize as number | null };
}

export function recogniseRepVGG(tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string> = {}): RepVGGNetwork {
	const names = new Set<string>();
	let form: 'unfused' | 'fused' | null = null;
	for (const k of tensors.keys()) {
		const m = BLOCK_KEY.exec(k);
		if (!m) continue;
		names.add(m[1]);
		const f = m[2] === 'rbr_reparam.weight' ? 'fused' : 'unfused';
		if (form && form !== f) throw new WeightsError('not-mobileone', 'the file mixes fused (rbr_reparam) and train-time (rbr_dense) RepVGG blocks');
		form = f;
	}
	if (!form || !names.has('stage0')) throw new WeightsError('not-mobileone', 'not a RepVGG state dict: no "stage0.rbr_dense.conv.weight"');
	if (names.size > MAX_BLOCKS) throw new WeightsError('too-large', `${names.size} RepVGG blocks is more than this tool reads (${MAX_BLOCKS})`);
	const sorted = [...names].sort((a, b) => {
		const [sa, ia] = order(a);
		const [sb, ib] = order(b);
		return sa - sb || ia - ib;
	});
	const { strides, inputSize } = readSpec(metadata);
	if (strides && strides.length !== sorted.length) throw new WeightsError('spec-mismatch', `spec: ${strides.length} strides for ${sorted.length} blocks`);
	const weightKey = form === 'fused' ? 'rbr_reparam.weight' : 'rbr_dense.conv.weight';
	const blocks: RepVGGNetworkBlock[] = [];
	let cin = 0;
	sorted.forEach((name, i) => {
		const w = tensors.get(`${name}.${weightKey}`)!;
		const [cout, cpg, kh, kw] = w.shape;
		if (w.shape.length !== 4 || kh !== 3 || kw !== 3) throw new WeightsError('unexpected-shape', `${quoted(`${name}.${weightKey}`)} is not a 3×3 conv weight`);
		if (i === 0) cin = cpg;
		if (cout > MAX_CHANNELS || cin % cpg !== 0 || cout % (cin / cpg) !== 0)
			throw new WeightsError('unexpected-shape', `${quoted(`${name}.${weightKey}`)} of shape [${w.shape.join(', ')}] does not follow a block with ${cin} output channels`);
		const groups = cin / cpg;
		const identity = [...tensors.keys()].some((k) => k.startsWith(`${name}.rbr_identity.`));
		const firstOfStage = order(name)[1] <= 0;
		const stride = strides ? strides[i] : identity ? 1 : cin === cout && form === 'unfused' ? 2 : firstOfStage ? 2 : 1;
		if (identity && stride !== 1) throw new WeightsError('spec-mismatch', `block "${name}" has rbr_identity, so its stride is 1, not ${stride}`);
		blocks.push({ name, cin, cout, kernel: 3, stride, groups });
		cin = cout;
	});
	const linear = tensors.get('linear.weight');
	if (!linear || !tensors.has('linear.bias')) throw new WeightsError('missing-key', 'the RepVGG state dict has no "linear.weight" and "linear.bias"');
	if (linear.shape.length !== 2 || linear.shape[1] !== cin) throw new WeightsError('unexpected-shape', `"linear.weight" of shape [${linear.shape.join(', ')}] does not read the last block's ${cin} channels`);
	const used = new Set(['linear.weight', 'linear.bias']);
	for (const b of blocks) {
		const expected = form === 'fused' ? [{ key: 'rbr_reparam.weight', shape: [b.cout, b.cin / b.groups, 3, 3] }, { key: 'rbr_reparam.bias', shape: [b.cout] }] : repvgg.keys(b);
		for (const { key, shape } of expected) {
			const full = `${b.name}.${key}`;
			const t = tensors.get(full);
			if (!t) throw new WeightsError('missing-key', `the RepVGG block "${b.name}" has no ${quoted(full)}`);
			if (t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j])) throw new WeightsError('unexpected-shape', `${quoted(full)} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
			used.add(full);
		}
	}
	const unusedKeys = [...tensors.keys()].filter((k) => !used.has(k));
	return { blocks, form, inChannels: blocks[0].cin, numClasses: linear.shape[0], inputSize, specSource: strides ? 'metadata' : 'inferred', unusedKeys };
}

/** The block's tensors under block-local names (`rbr_dense.conv.weight`). */
export function blockStateDict(tensors: ReadonlyMap<string, Tensor>, name: string): StateDict {
	const prefix = `${name}.`;
	const sd: StateDict = new Map();
	for (const [k, t] of tensors) if (k.startsWith(prefix)) sd.set(k.slice(prefix.length), t);
	return sd;
}

export function fuseRepVGGNetwork(net: RepVGGNetwork, tensors: ReadonlyMap<string, Tensor>): { fusions: BlockFusion[]; fused: Map<string, Tensor> } {
	const fused = new Map<string, Tensor>();
	const fusions = net.blocks.map((b) => {
		const fusion = repvgg.fuse(b, blockStateDict(tensors, b.name));
		const r = roundOnce(fusion.fused);
		fused.set(`${b.name}.${fusion.keys.weight}`, r.weight);
		fused.set(`${b.name}.${fusion.keys.bias}`, { shape: [b.cout], data: r.bias });
		return fusion;
	});
	fused.set('linear.weight', tensors.get('linear.weight')!);
	fused.set('linear.bias', tensors.get('linear.bias')!);
	return { fusions, fused };
}

function relu(x: Tensor64): Tensor64 {
	const data = new Float64Array(x.data.length);
	for (let i = 0; i < data.length; i++) data[i] = x.data[i] > 0 ? x.data[i] : x.data[i] === x.data[i] ? 0 : NaN;
	return { shape: x.shape, data };
}

/** Logits [N, classes] of the network in either form: blocks (each then ReLU), global average pooling, linear. */
export function forwardRepVGG(net: RepVGGNetwork, tensors: ReadonlyMap<string, Tensor>, x: Tensor64, form: 'unfused' | 'fused'): Tensor64 {
	let h = x;
	for (const b of net.blocks) {
		const out =
			form === 'unfused'
				? repvgg.forward(b, blockStateDict(tensors, b.name), h)
				: directConv(h, fromTensor(tensors.get(`${b.name}.rbr_reparam.weight`)!, b.groups, tensors.get(`${b.name}.rbr_reparam.bias`)!.data), { stride: b.stride });
		h = relu(out);
	}
	const [n, c, hh, ww] = h.shape;
	const w = tensors.get('linear.weight')!;
	const bias = tensors.get('linear.bias')!.data;
	const classes = w.shape[0];
	const logits = new Float64Array(n * classes);
	for (let b = 0; b < n; b++)
		for (let o = 0; o < classes; o++) {
			let s = bias[o];
			for (let ch = 0; ch < c; ch++) {
				let mean = 0;
				for (let i = 0; i < hh * ww; i++) mean += h.data[(b * c + ch) * hh * ww + i];
				s += (w.data[o * c + ch] * mean) / (hh * ww);
			}
			logits[b * classes + o] = s;
		}
	return { shape: [n, classes], data: logits };
}

/** Multiply-accumulates of checking at size×size: the train-time (3×3 + 1×1) and fused (3×3) convs. */
export function repvggCheckCost(net: RepVGGNetwork, size: number): number {
	let side = size;
	let macs = 0;
	for (const b of net.blocks) {
		side = Math.floor((side - 1) / b.stride) + 1;
		macs += side * side * b.cout * (b.cin / b.groups) * (9 + 1 + 9);
	}
	return macs;
}

/** A seeded standard-normal input [1, C, size, size]. */
export function repvggCheckInput(net: RepVGGNetwork, seed: number, size: number): Tensor64 {
	const normal = seededNormal(seed);
	const data = new Float64Array(net.inChannels * size * size);
	for (let i = 0; i < data.length; i++) data[i] = Math.fround(normal());
	return { shape: [1, net.inChannels, size, size], data };
}

/** A whole train-time RepVGG of a published layout with seeded synthetic weights, under repvgg.py's keys. */
export function syntheticRepVGG(layout: RepVGGLayout, seed: number, numClasses = 1000): Map<string, Tensor> {
	const sd = new Map<string, Tensor>();
	const blocks = repvggBlocks(layout);
	blocks.forEach((b, i) => {
		for (const [k, t] of repvgg.synthetic(b, seed + i)) sd.set(`${b.name}.${k}`, t);
	});
	const features = blocks[blocks.length - 1].cout;
	const normal = seededNormal(seed ^ 0x2545f491);
	const std = 1 / Math.sqrt(features);
	sd.set('linear.weight', { shape: [numClasses, features], data: Float32Array.from({ length: numClasses * features }, () => normal() * std) });
	sd.set('linear.bias', { shape: [numClasses], data: new Float32Array(numClasses) });
	return sd;
}

/**
 * The same network with every branch's BN γ and β scaled so that, per block, the branches' gains
 * γ/σ have a mean square of 1/(number of branches): summed, a block then keeps its input's scale,
 * as a trained network does. Raw synthetic statistics let activations grow about threefold per
 * block, to ~10⁷ at RepVGG-A0's logits, where a correct fusion's float32 rounding reads as a max
 * |Δ| of ~10 and looks like an error. Scaling γ and β together scales the branch's output exactly.
 */
export function balanceBranchGains(sd: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
	const out = new Map(sd);
	const net = recogniseRepVGG(sd);
	if (net.form !== 'unfused') return out;
	for (const b of net.blocks) {
		const branches = ['rbr_dense.bn', 'rbr_1x1.bn', 'rbr_identity'].map((p) => `${b.name}.${p}`).filter((p) => sd.has(`${p}.weight`));
		for (const p of branches) {
			const gamma = sd.get(`${p}.weight`)!.data;
			const variance = sd.get(`${p}.running_var`)!.data;
			let meanSquare = 0;
			for (let c = 0; c < gamma.length; c++) meanSquare += (gamma[c] * gamma[c]) / (variance[c] + BN_EPS) / gamma.length;
			const f = 1 / Math.sqrt(branches.length * meanSquare);
			for (const key of ['weight', 'bias']) {
				const t = sd.get(`${p}.${key}`)!;
				out.set(`${p}.${key}`, { shape: t.shape, data: t.data.map((v) => v * f) });
			}
		}
	}
	return out;
}
