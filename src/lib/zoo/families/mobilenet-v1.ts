/** MobileNet-V1 (Howard et al. 2017): a 3×3 stem, then 13 depthwise 3×3 + pointwise 1×1 pairs, each conv → BN → ReLU. */
import type { OnnxGraph } from '../../io/onnx/build';
import { ZooGraph } from '../layers';

/** (output channels, stride of the depthwise half) for the 13 pairs, at width 1.0. */
const PAIRS: readonly [number, number][] = [
	[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
	[512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1]
];

/** Channels at width multiplier α, as the paper's TensorFlow code rounds them (⌊c·α⌋, at least 8). */
export function v1Channels(c: number, alpha: number): number {
	return Math.max(8, Math.floor(c * alpha));
}

export function mobileNetV1(alpha: number, size: number, seed: number, classes = 1000): OnnxGraph {
	const g = new ZooGraph(size, seed);
	let x = g.convBn('stem', 'stem', g.input, { cout: v1Channels(32, alpha), kernel: 3, stride: 2 });
	x = g.act('relu', 'stem/relu', x);
	PAIRS.forEach(([c, stride], i) => {
		const cin = g.shape(x).c;
		x = g.convBn(`features.${i}.dw`, `features.${i}/dw`, x, { cout: cin, kernel: 3, stride, groups: cin });
		x = g.act('relu', `features.${i}/dw/relu`, x);
		x = g.convBn(`features.${i}.pw`, `features.${i}/pw`, x, { cout: v1Channels(c, alpha), kernel: 1, padding: 0 });
		x = g.act('relu', `features.${i}/pw/relu`, x);
	});
	g.classifier('fc', x, classes);
	return g.finish(`MobileNet-V1 ${alpha}`, `MobileNet-V1, width ${alpha}, seeded synthetic weights.`, classes);
}
