/**
 * Apple's state-dict layout, read into typed per-block records. Keys follow `ml-mobileone`
 * exactly (`stage1.0.rbr_conv.0.bn.running_var`, `rbr_scale`, `rbr_skip`, `reparam_conv`), so a
 * checkpoint from Apple's code loads as is.
 */
import { WeightsError } from './errors';
import type { BlockSpec, Form, MobileOneSpec } from './spec';
import { BN_EPS, blocksOf, featureWidth, seChannels } from './spec';
import { sameShape, type Tensor } from './tensor';

export type StateDict = Map<string, Tensor>;

export interface BatchNormParams {
	gamma: Float32Array;
	beta: Float32Array;
	mean: Float32Array;
	variance: Float32Array;
	eps: number;
}

export interface ConvBn {
	/** [cout, cin/groups, K, K], no bias: BN supplies it. */
	weight: Tensor;
	bn: BatchNormParams;
}

export interface SEWeights {
	reduceWeight: Tensor;
	reduceBias: Float32Array;
	expandWeight: Tensor;
	expandBias: Float32Array;
}

export interface UnfusedBlock {
	form: 'unfused';
	spec: BlockSpec;
	convs: ConvBn[];
	scale: ConvBn | null;
	skip: BatchNormParams | null;
	se: SEWeights | null;
}

export interface FusedBlock {
	form: 'fused';
	spec: BlockSpec;
	weight: Tensor;
	bias: Float32Array;
	se: SEWeights | null;
}

export type Block = UnfusedBlock | FusedBlock;

export interface Classifier {
	/** [numClasses, features] */
	weight: Tensor;
	bias: Float32Array;
}

export interface Model<B extends Block = Block> {
	spec: MobileOneSpec;
	blocks: B[];
	classifier: Classifier;
}

export type UnfusedModel = Model<UnfusedBlock>;
export type FusedModel = Model<FusedBlock>;

function take(sd: StateDict, key: string, shape: readonly number[]): Tensor {
	const t = sd.get(key);
	if (!t) throw new WeightsError('missing-key', `missing weight "${key}"`);
	if (!sameShape(t.shape, shape))
		throw new WeightsError('unexpected-shape', `"${key}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
	return t;
}

function takeVector(sd: StateDict, key: string, n: number): Float32Array {
	return take(sd, key, [n]).data;
}

function takeBn(sd: StateDict, prefix: string, n: number): BatchNormParams {
	return {
		gamma: takeVector(sd, `${prefix}.weight`, n),
		beta: takeVector(sd, `${prefix}.bias`, n),
		mean: takeVector(sd, `${prefix}.running_mean`, n),
		variance: takeVector(sd, `${prefix}.running_var`, n),
		eps: BN_EPS
	};
}

export function kernelShape(b: BlockSpec, kernel = b.kernel): number[] {
	return [b.cout, b.cin / b.groups, kernel, kernel];
}

function takeSe(sd: StateDict, b: BlockSpec): SEWeights | null {
	if (!b.se) return null;
	const r = seChannels(b.cout);
	return {
		reduceWeight: take(sd, `${b.name}.se.reduce.weight`, [r, b.cout, 1, 1]),
		reduceBias: takeVector(sd, `${b.name}.se.reduce.bias`, r),
		expandWeight: take(sd, `${b.name}.se.expand.weight`, [b.cout, r, 1, 1]),
		expandBias: takeVector(sd, `${b.name}.se.expand.bias`, b.cout)
	};
}

export function readUnfusedBlock(sd: StateDict, b: BlockSpec): UnfusedBlock {
	const convs: ConvBn[] = [];
	for (let i = 0; i < b.k; i++) {
		const p = `${b.name}.rbr_conv.${i}`;
		convs.push({ weight: take(sd, `${p}.conv.weight`, kernelShape(b)), bn: takeBn(sd, `${p}.bn`, b.cout) });
	}
	const scale = b.hasScale
		? { weight: take(sd, `${b.name}.rbr_scale.conv.weight`, kernelShape(b, 1)), bn: takeBn(sd, `${b.name}.rbr_scale.bn`, b.cout) }
		: null;
	const skip = b.hasSkip ? takeBn(sd, `${b.name}.rbr_skip`, b.cin) : null;
	return { form: 'unfused', spec: b, convs, scale, skip, se: takeSe(sd, b) };
}

export function readFusedBlock(sd: StateDict, b: BlockSpec): FusedBlock {
	return {
		form: 'fused',
		spec: b,
		weight: take(sd, `${b.name}.reparam_conv.weight`, kernelShape(b)),
		bias: takeVector(sd, `${b.name}.reparam_conv.bias`, b.cout),
		se: takeSe(sd, b)
	};
}

function readClassifier(sd: StateDict, spec: MobileOneSpec): Classifier {
	const f = featureWidth(spec);
	return { weight: take(sd, 'linear.weight', [spec.numClasses, f]), bias: takeVector(sd, 'linear.bias', spec.numClasses) };
}

/** Which form a state dict holds: fused checkpoints have `reparam_conv`, train-time ones `rbr_conv`. */
export function detectForm(sd: StateDict): Form {
	for (const key of sd.keys()) {
		if (key.includes('.reparam_conv.')) return 'fused';
		if (key.includes('.rbr_conv.')) return 'unfused';
	}
	throw new WeightsError('not-mobileone', 'no MobileOne block found: expected keys like "stage0.rbr_conv.0.conv.weight" or "stage0.reparam_conv.weight"');
}

export function readUnfusedModel(sd: StateDict, spec: MobileOneSpec): UnfusedModel {
	return { spec, blocks: blocksOf(spec).map((b) => readUnfusedBlock(sd, b)), classifier: readClassifier(sd, spec) };
}

export function readFusedModel(sd: StateDict, spec: MobileOneSpec): FusedModel {
	return { spec, blocks: blocksOf(spec).map((b) => readFusedBlock(sd, b)), classifier: readClassifier(sd, spec) };
}

export function readModel(sd: StateDict, spec: MobileOneSpec): UnfusedModel | FusedModel {
	return detectForm(sd) === 'fused' ? readFusedModel(sd, spec) : readUnfusedModel(sd, spec);
}

/** The state dict back, under Apple's key names (what `npm run fuse` writes). */
export function toStateDict(model: Model): StateDict {
	const sd: StateDict = new Map();
	const vec = (d: Float32Array): Tensor => ({ shape: [d.length], data: d });
	const putBn = (p: string, bn: BatchNormParams) => {
		sd.set(`${p}.weight`, vec(bn.gamma));
		sd.set(`${p}.bias`, vec(bn.beta));
		sd.set(`${p}.running_mean`, vec(bn.mean));
		sd.set(`${p}.running_var`, vec(bn.variance));
	};
	for (const b of model.blocks) {
		const n = b.spec.name;
		if (b.form === 'fused') {
			sd.set(`${n}.reparam_conv.weight`, b.weight);
			sd.set(`${n}.reparam_conv.bias`, vec(b.bias));
		} else {
			b.convs.forEach((c, i) => {
				sd.set(`${n}.rbr_conv.${i}.conv.weight`, c.weight);
				putBn(`${n}.rbr_conv.${i}.bn`, c.bn);
			});
			if (b.scale) {
				sd.set(`${n}.rbr_scale.conv.weight`, b.scale.weight);
				putBn(`${n}.rbr_scale.bn`, b.scale.bn);
			}
			if (b.skip) putBn(`${n}.rbr_skip`, b.skip);
		}
		if (b.se) {
			sd.set(`${n}.se.reduce.weight`, b.se.reduceWeight);
			sd.set(`${n}.se.reduce.bias`, vec(b.se.reduceBias));
			sd.set(`${n}.se.expand.weight`, b.se.expandWeight);
			sd.set(`${n}.se.expand.bias`, vec(b.se.expandBias));
		}
	}
	sd.set('linear.weight', model.classifier.weight);
	sd.set('linear.bias', vec(model.classifier.bias));
	return sd;
}
