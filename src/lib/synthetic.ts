/**
 * Seeded synthetic weights for any spec, with BatchNorm statistics that look like a trained
 * network's (non-trivial means, variances and affine terms), so the fusion math has real work to
 * do. Latency does not depend on weight values, so these also serve the benchmarks.
 */
import { seededNormal } from './random';
import type { BlockSpec, MobileOneSpec } from './spec';
import { BN_EPS, blocksOf, featureWidth, seChannels } from './spec';
import type { Tensor } from './tensor';
import { kernelShape, type BatchNormParams, type ConvBn, type SEWeights, type UnfusedBlock, type UnfusedModel } from './weights';

export function syntheticModel(spec: MobileOneSpec, seed = 0): UnfusedModel {
	const normal = seededNormal(seed);
	const fill = (n: number, f: () => number) => {
		const a = new Float32Array(n);
		for (let i = 0; i < n; i++) a[i] = f();
		return a;
	};
	const kaiming = (shape: number[]): Tensor => {
		const fanIn = shape.slice(1).reduce((p, d) => p * d, 1);
		const std = Math.sqrt(2 / fanIn);
		return { shape, data: fill(shape.reduce((p, d) => p * d, 1), () => normal() * std) };
	};
	// Each branch's output is summed with the others', so its gain is shared out between them to
	// keep activations of order one through a deep stack.
	const bn = (n: number, branches: number): BatchNormParams => ({
		gamma: fill(n, () => (0.75 + 0.25 * normal()) / Math.sqrt(branches)),
		beta: fill(n, () => 0.1 * normal()),
		mean: fill(n, () => 0.2 * normal()),
		variance: fill(n, () => Math.exp(0.5 * normal())),
		eps: BN_EPS
	});
	const se = (b: BlockSpec): SEWeights | null => {
		if (!b.se) return null;
		const r = seChannels(b.cout);
		return {
			reduceWeight: kaiming([r, b.cout, 1, 1]),
			reduceBias: fill(r, () => 0.1 * normal()),
			expandWeight: kaiming([b.cout, r, 1, 1]),
			expandBias: fill(b.cout, () => 0.1 * normal())
		};
	};
	const blocks = blocksOf(spec).map((b): UnfusedBlock => {
		const branches = b.k + (b.hasScale ? 1 : 0) + (b.hasSkip ? 1 : 0);
		const convBn = (kernel: number): ConvBn => ({ weight: kaiming(kernelShape(b, kernel)), bn: bn(b.cout, branches) });
		return {
			form: 'unfused',
			spec: b,
			convs: Array.from({ length: b.k }, () => convBn(b.kernel)),
			scale: b.hasScale ? convBn(1) : null,
			skip: b.hasSkip ? bn(b.cin, branches) : null,
			se: se(b)
		};
	});
	const f = featureWidth(spec);
	return {
		spec,
		blocks,
		classifier: { weight: kaiming([spec.numClasses, f]), bias: fill(spec.numClasses, () => 0.01 * normal()) }
	};
}

/** A seeded random input batch [n, C, size, size] with standard-normal values. */
export function randomInput(spec: MobileOneSpec, seed = 1, n = 1, size = spec.inputSize): Tensor {
	const normal = seededNormal(seed);
	const data = new Float32Array(n * spec.inChannels * size * size);
	for (let i = 0; i < data.length; i++) data[i] = normal();
	return { shape: [n, spec.inChannels, size, size], data };
}
