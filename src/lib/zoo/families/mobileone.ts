/**
 * MobileOne S0–S4 for the zoo: the site's own builder (`io/onnx/build.ts`) on the site's seeded
 * synthetic weights, in either form; the fused form is the engine's fusion of the same weights.
 * `k` overrides the stages' branch count (the branch-cost analysis builds S0 with k = 1…5).
 */
import { onnxGraph, type OnnxGraph } from '../../io/onnx/build';
import { fuseModel } from '../../mobileone/reparam';
import { variantSpec, type MobileOneSpec, type VariantName } from '../../mobileone/spec';
import { syntheticModel } from '../../mobileone/synthetic';

export function mobileOneSpec(variant: VariantName, size: number, k?: number): MobileOneSpec {
	const spec = variantSpec(variant);
	return { ...spec, inputSize: size, stages: spec.stages.map((s) => ({ ...s, k: k ?? s.k })) };
}

export function mobileOne(variant: VariantName, form: 'unfused' | 'fused', size: number, seed: number, k?: number): OnnxGraph {
	const unfused = syntheticModel(mobileOneSpec(variant, size, k), seed);
	return onnxGraph(form === 'fused' ? fuseModel(unfused) : unfused, size);
}
