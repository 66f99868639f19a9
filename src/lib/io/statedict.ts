/**
 * Apple's state-dict layout, read into the engine's typed per-block records and written back. Every
 * key comes from `mobileone/keys.ts`, so a checkpoint from Apple's code loads as is.
 */
import { WeightsError } from '../core/errors';
import { sameShape, type Tensor } from '../core/tensor';
import {
	BN_TENSORS,
	STEM,
	branchBnPrefix,
	branchConvWeightKey,
	CLASSIFIER_BIAS,
	CLASSIFIER_WEIGHT,
	convBranch,
	fusedBiasKey,
	fusedWeightKey,
	isFusedKey,
	isUnfusedKey,
	SCALE_BRANCH,
	seKey,
	SKIP_BRANCH,
	type BranchId
} from '../mobileone/keys';
import { kernelShape, type BatchNormParams, type Classifier, type ConvBn, type FusedBlock, type FusedModel, type Model, type SEWeights, type UnfusedBlock, type UnfusedModel } from '../mobileone/model';
import type { BlockSpec, Form, MobileOneSpec } from '../mobileone/spec';
import { BN_EPS, blocksOf, featureWidth, seChannels } from '../mobileone/spec';

/** Tensors by their state-dict key, in file order. */
export type StateDict = Map<string, Tensor>;

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
		gamma: takeVector(sd, `${prefix}.${BN_TENSORS.gamma}`, n),
		beta: takeVector(sd, `${prefix}.${BN_TENSORS.beta}`, n),
		mean: takeVector(sd, `${prefix}.${BN_TENSORS.mean}`, n),
		variance: takeVector(sd, `${prefix}.${BN_TENSORS.variance}`, n),
		eps: BN_EPS
	};
}

function takeSe(sd: StateDict, b: BlockSpec): SEWeights | null {
	if (!b.se) return null;
	const r = seChannels(b.cout);
	return {
		reduceWeight: take(sd, seKey(b.name, 'reduce.weight'), [r, b.cout, 1, 1]),
		reduceBias: takeVector(sd, seKey(b.name, 'reduce.bias'), r),
		expandWeight: take(sd, seKey(b.name, 'expand.weight'), [b.cout, r, 1, 1]),
		expandBias: takeVector(sd, seKey(b.name, 'expand.bias'), b.cout)
	};
}

export function readUnfusedBlock(sd: StateDict, b: BlockSpec): UnfusedBlock {
	const convs: ConvBn[] = [];
	for (let i = 0; i < b.k; i++) {
		const id = convBranch(i);
		convs.push({ weight: take(sd, branchConvWeightKey(b.name, id), kernelShape(b)), bn: takeBn(sd, branchBnPrefix(b.name, id), b.cout) });
	}
	const scale = b.hasScale
		? { weight: take(sd, branchConvWeightKey(b.name, SCALE_BRANCH), kernelShape(b, 1)), bn: takeBn(sd, branchBnPrefix(b.name, SCALE_BRANCH), b.cout) }
		: null;
	const skip = b.hasSkip ? takeBn(sd, branchBnPrefix(b.name, SKIP_BRANCH), b.cin) : null;
	return { form: 'unfused', spec: b, convs, scale, skip, se: takeSe(sd, b) };
}

export function readFusedBlock(sd: StateDict, b: BlockSpec): FusedBlock {
	return {
		form: 'fused',
		spec: b,
		weight: take(sd, fusedWeightKey(b.name), kernelShape(b)),
		bias: takeVector(sd, fusedBiasKey(b.name), b.cout),
		se: takeSe(sd, b)
	};
}

function readClassifier(sd: StateDict, spec: MobileOneSpec): Classifier {
	const f = featureWidth(spec);
	return { weight: take(sd, CLASSIFIER_WEIGHT, [spec.numClasses, f]), bias: takeVector(sd, CLASSIFIER_BIAS, spec.numClasses) };
}

/** Which form a state dict holds: fused checkpoints have `reparam_conv`, train-time ones `rbr_conv`. */
export function detectForm(sd: StateDict): Form {
	for (const key of sd.keys()) {
		if (isFusedKey(key)) return 'fused';
		if (isUnfusedKey(key)) return 'unfused';
	}
	throw new WeightsError(
		'not-mobileone',
		`no MobileOne block found: expected keys like "${branchConvWeightKey(STEM, convBranch(0))}" or "${fusedWeightKey(STEM)}"`
	);
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
		sd.set(`${p}.${BN_TENSORS.gamma}`, vec(bn.gamma));
		sd.set(`${p}.${BN_TENSORS.beta}`, vec(bn.beta));
		sd.set(`${p}.${BN_TENSORS.mean}`, vec(bn.mean));
		sd.set(`${p}.${BN_TENSORS.variance}`, vec(bn.variance));
	};
	const putBranch = (n: string, id: BranchId, c: ConvBn) => {
		sd.set(branchConvWeightKey(n, id), c.weight);
		putBn(branchBnPrefix(n, id), c.bn);
	};
	for (const b of model.blocks) {
		const n = b.spec.name;
		if (b.form === 'fused') {
			sd.set(fusedWeightKey(n), b.weight);
			sd.set(fusedBiasKey(n), vec(b.bias));
		} else {
			b.convs.forEach((c, i) => putBranch(n, convBranch(i), c));
			if (b.scale) putBranch(n, SCALE_BRANCH, b.scale);
			if (b.skip) putBn(branchBnPrefix(n, SKIP_BRANCH), b.skip);
		}
		if (b.se) {
			sd.set(seKey(n, 'reduce.weight'), b.se.reduceWeight);
			sd.set(seKey(n, 'reduce.bias'), vec(b.se.reduceBias));
			sd.set(seKey(n, 'expand.weight'), b.se.expandWeight);
			sd.set(seKey(n, 'expand.bias'), vec(b.se.expandBias));
		}
	}
	sd.set(CLASSIFIER_WEIGHT, model.classifier.weight);
	sd.set(CLASSIFIER_BIAS, vec(model.classifier.bias));
	return sd;
}
