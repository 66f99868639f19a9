/**
 * The networks of the activation-cost and branch-cost analyses: a plain stack of 3×3 conv → BN →
 * activation layers (the paper's "30-layer convolutional network", identical except for its
 * activation), and the same stack with a residual add around every layer.
 *
 * A stride-4 stem brings 224×224 down to 56×56, where 30 layers of 32 channels cost 0.87 G MACs.
 */
import type { OnnxGraph } from '../../io/onnx/build';
import { activation, type ActivationId } from '../activations';
import { ZooGraph } from '../layers';

export const PLAIN_DEPTH = 30;
export const PLAIN_WIDTH = 32;
export const PLAIN_CLASSES = 10;

/** The activation of every layer: one of `activations.ts`, or SE-ReLU (squeeze-excite, then ReLU). */
export type LayerActivation = ActivationId | 'se-relu';

export function activationLabel(a: LayerActivation): string {
	return a === 'se-relu' ? 'SE-ReLU' : activation(a).label;
}

export interface PlainOptions {
	activation: LayerActivation;
	/** Add each layer's input to its output, before the activation (as ResNet does). */
	residual: boolean;
	depth?: number;
}

export function plainNet(o: PlainOptions, size: number, seed: number): OnnxGraph {
	const depth = o.depth ?? PLAIN_DEPTH;
	const g = new ZooGraph(size, seed);
	let x = g.act('relu', 'stem/relu', g.convBn('stem', 'stem', g.input, { cout: PLAIN_WIDTH, kernel: 4, stride: 4, padding: 0 }));
	for (let i = 0; i < depth; i++) {
		const key = `layers.${i}`;
		let y = g.convBn(key, key, x, { cout: PLAIN_WIDTH, kernel: 3 }, undefined, o.residual ? 0.3 : 1);
		if (o.residual) y = g.add(`${key}/add`, x, y);
		if (o.activation === 'se-relu') y = g.act('relu', `${key}/relu`, g.squeezeExcite(`${key}.se`, `${key}/se`, y, PLAIN_WIDTH / 4));
		else y = g.act(o.activation, `${key}/act`, y);
		x = y;
	}
	g.classifier('fc', x, PLAIN_CLASSES);
	const what = `${depth}-layer plain conv net, ${activationLabel(o.activation)}${o.residual ? ', residual adds' : ''}`;
	return g.finish(what, `${what}, seeded synthetic weights.`, PLAIN_CLASSES);
}
