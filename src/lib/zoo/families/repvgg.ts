/**
 * RepVGG (Ding et al. 2021) in both forms, under the names of its reference code: a train-time
 * block sums `rbr_dense` (3×3 conv + BN), `rbr_1x1` (1×1 conv + BN) and, where in = out channels
 * and stride 1, `rbr_identity` (a bare BN), then ReLU; the deploy block is one 3×3 `rbr_reparam`
 * conv with bias, then ReLU. Weights are seeded independently per form unless a state dict under
 * these names is given (latency and counts do not depend on the values); the latency lab gives the
 * families' synthetic train-time network and its fusion (`bench/repvgg-graphs.ts`), so both forms
 * compute the same function and the lab's check can compare them.
 */
import type { Tensor } from '../../core/tensor';
import type { OnnxGraph } from '../../io/onnx/build';
import { ZooGraph } from '../layers';

export type RepVggVariant = 'a0' | 'a1' | 'b0';
export type RepForm = 'train' | 'deploy';

/** Blocks per stage and width multipliers (a for stages 1–3, b for stage 4), from the paper's Table 2. */
const VARIANTS: Record<RepVggVariant, { blocks: [number, number, number, number]; a: number; b: number }> = {
	a0: { blocks: [2, 4, 14, 1], a: 0.75, b: 2.5 },
	a1: { blocks: [2, 4, 14, 1], a: 1, b: 2.5 },
	b0: { blocks: [4, 6, 16, 1], a: 1, b: 2.5 }
};

function block(g: ZooGraph, key: string, x: string, cout: number, stride: number, form: RepForm): string {
	const path = key;
	let sum: string;
	if (form === 'deploy') {
		sum = g.conv(`${key}.rbr_reparam`, `${path}/rbr_reparam`, x, { cout, kernel: 3, stride, bias: true });
	} else {
		const identity = g.shape(x).c === cout && stride === 1;
		const gain = 1 / Math.sqrt(identity ? 3 : 2);
		const dense = g.convBn(`${key}.rbr_dense`, `${path}/rbr_dense`, x, { cout, kernel: 3, stride }, undefined, gain);
		const one = g.convBn(`${key}.rbr_1x1`, `${path}/rbr_1x1`, x, { cout, kernel: 1, stride, padding: 0 }, undefined, gain);
		sum = g.add(`${path}/add.1`, dense, one);
		if (identity) sum = g.add(`${path}/add.2`, sum, g.bn(`${key}.rbr_identity`, `${path}/rbr_identity`, x, gain));
	}
	return g.act('relu', `${path}/relu`, sum);
}

export function repVgg(variant: RepVggVariant, form: RepForm, size: number, seed: number, classes = 1000, weights: ReadonlyMap<string, Tensor> | null = null): OnnxGraph {
	const v = VARIANTS[variant];
	const g = new ZooGraph(size, seed, 3, weights);
	let x = block(g, 'stage0', g.input, Math.min(64, 64 * v.a), 2, form);
	const widths = [64 * v.a, 128 * v.a, 256 * v.a, 512 * v.b];
	v.blocks.forEach((n, s) => {
		for (let i = 0; i < n; i++) x = block(g, `stage${s + 1}.${i}`, x, widths[s], i === 0 ? 2 : 1, form);
	});
	g.classifier('linear', x, classes);
	const name = `RepVGG-${variant.toUpperCase()}`;
	return g.finish(`${name} (${form})`, `${name}, ${form === 'train' ? 'train-time form (three branches per block)' : 'deploy form (one 3×3 conv per block)'}, seeded synthetic weights.`, classes);
}
