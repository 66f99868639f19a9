/**
 * A plain VGG-style network: VGG-11's conv layout (Simonyan & Zisserman 2015, configuration A) at
 * half width, 3×3 conv with bias → ReLU, 2×2 max-pools, then a global pool and one linear layer
 * instead of VGG's three 4096-wide ones (which alone hold 120 M parameters, too big for a browser).
 */
import type { OnnxGraph } from '../../io/onnx/build';
import { ZooGraph } from '../layers';

const LAYOUT: readonly (number | 'M')[] = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];

export function vggStyle(width: number, size: number, seed: number, classes = 1000): OnnxGraph {
	const g = new ZooGraph(size, seed);
	let x = g.input;
	LAYOUT.forEach((l, i) => {
		x = l === 'M' ? g.maxPool(`features.${i}`, x, 2, 2, 0) : g.act('relu', `features.${i}/relu`, g.conv(`features.${i}`, `features.${i}`, x, { cout: Math.round(l * width), kernel: 3, bias: true }));
	});
	g.classifier('classifier', x, classes);
	return g.finish(`VGG-11-style ×${width}`, `Plain VGG-11 layout at width ${width}, global pool head, seeded synthetic weights.`, classes);
}
