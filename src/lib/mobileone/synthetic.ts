/**
 * Seeded synthetic weights for any spec, with BatchNorm statistics that look like a trained
 * network's (non-trivial means, variances and affine terms), so the fusion math has real work to
 * do. Latency does not depend on weight values, so these also serve the benchmarks.
 */
import { seededNormal } from '../core/random';
import type { BlockSpec, MobileOneSpec } from './spec';
import { BN_EPS, blocksOf, featureWidth, seChannels } from './spec';
import type { Tensor } from '../core/tensor';
import { kernelShape, type BatchNormParams, type ConvBn, type SEWeights, type UnfusedBlock, type UnfusedModel } from './model';

type Sampler = () => number;

function fill(n: number, f: Sampler): Float32Array {
	const a = new Float32Array(n);
	for (let i = 0; i < n; i++) a[i] = f();
	return a;
}

function kaiming(shape: number[], normal: Sampler): Tensor {
	const fanIn = shape.slice(1).reduce((p, d) => p * d, 1);
	const std = Math.sqrt(2 / fanIn);
	return { shape, data: fill(shape.reduce((p, d) => p * d, 1), () => normal() * std) };
}

/**
 * Each branch's output is summed with the others', so its gain is shared out between them to keep
 * activations of order one through a deep stack.
 */
function syntheticBn(n: number, branches: number, normal: Sampler): BatchNormParams {
	return {
		gamma: fill(n, () => (0.75 + 0.25 * normal()) / Math.sqrt(branches)),
		beta: fill(n, () => 0.1 * normal()),
		mean: fill(n, () => 0.2 * normal()),
		variance: fill(n, () => Math.exp(0.5 * normal())),
		eps: BN_EPS
	};
}

function syntheticSe(b: BlockSpec, normal: Sampler): SEWeights | null {
	if (!b.se) return null;
	const r = seChannels(b.cout);
	return {
		reduceWeight: kaiming([r, b.cout, 1, 1], normal),
		reduceBias: fill(r, () => 0.1 * normal()),
		expandWeight: kaiming([b.cout, r, 1, 1], normal),
		expandBias: fill(b.cout, () => 0.1 * normal())
	};
}

/** One block with seeded weights: what the explorer rebuilds when the visitor changes k. */
export function syntheticBlock(b: BlockSpec, seed: number | Sampler): UnfusedBlock {
	const normal = typeof seed === 'number' ? seededNormal(seed) : seed;
	const branches = b.k + (b.hasScale ? 1 : 0) + (b.hasSkip ? 1 : 0);
	const convBn = (kernel: number): ConvBn => ({ weight: kaiming(kernelShape(b, kernel), normal), bn: syntheticBn(b.cout, branches, normal) });
	return {
		form: 'unfused',
		spec: b,
		convs: Array.from({ length: b.k }, () => convBn(b.kernel)),
		scale: b.hasScale ? convBn(1) : null,
		skip: b.hasSkip ? syntheticBn(b.cin, branches, normal) : null,
		se: syntheticSe(b, normal)
	};
}

export function syntheticModel(spec: MobileOneSpec, seed = 0): UnfusedModel {
	const normal = seededNormal(seed);
	const blocks = blocksOf(spec).map((b) => syntheticBlock(b, normal));
	const f = featureWidth(spec);
	return {
		spec,
		blocks,
		classifier: { weight: kaiming([spec.numClasses, f], normal), bias: fill(spec.numClasses, () => 0.01 * normal()) }
	};
}

/** A seeded random input batch [n, C, size, size] with standard-normal values. */
export function randomInput(spec: MobileOneSpec, seed = 1, n = 1, size = spec.inputSize): Tensor {
	const normal = seededNormal(seed);
	const data = new Float32Array(n * spec.inChannels * size * size);
	for (let i = 0; i < data.length; i++) data[i] = normal();
	return { shape: [n, spec.inChannels, size, size], data };
}
