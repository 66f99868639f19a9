/**
 * MobileNet-V2 (Sandler et al. 2018) as torchvision builds it: inverted residual blocks (1×1
 * expand → depthwise 3×3 → 1×1 project, ReLU6 after the first two, a residual add where shapes
 * allow), channels rounded to multiples of 8. ReLU6 is `Clip(0, 6)`, as torch exports it.
 */
import type { OnnxGraph } from '../../io/onnx/build';
import { ZooGraph } from '../layers';

/** (expansion t, channels c, repeats n, first stride s) at width 1.0, from the paper's Table 2. */
const SETTINGS: readonly [number, number, number, number][] = [
	[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]
];

/** torchvision's `_make_divisible`: nearest multiple of 8, never more than 10 % below `v`. */
export function makeDivisible(v: number, divisor = 8): number {
	const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
	return rounded < 0.9 * v ? rounded + divisor : rounded;
}

function relu6(g: ZooGraph, path: string, x: string): string {
	const key = path.replace(/\//g, '.');
	return g.elementwise('Clip', path, [x, g.scalar(`${key}.min`, 0), g.scalar(`${key}.max`, 6)]);
}

export function mobileNetV2(alpha: number, size: number, seed: number, classes = 1000): OnnxGraph {
	const g = new ZooGraph(size, seed);
	let x = relu6(g, 'features.0/relu6', g.convBn('features.0', 'features.0', g.input, { cout: makeDivisible(32 * alpha), kernel: 3, stride: 2 }, { conv: '0', bn: '1' }));
	let index = 1;
	for (const [t, c, n, s] of SETTINGS) {
		const cout = makeDivisible(c * alpha);
		for (let i = 0; i < n; i++) {
			const key = `features.${index++}`;
			const cin = g.shape(x).c;
			const hidden = Math.round(cin * t);
			let y = x;
			if (t !== 1) y = relu6(g, `${key}/expand/relu6`, g.convBn(`${key}.conv.0`, `${key}/expand`, y, { cout: hidden, kernel: 1, padding: 0 }, { conv: '0', bn: '1' }));
			y = relu6(g, `${key}/dw/relu6`, g.convBn(`${key}.conv.${t !== 1 ? 1 : 0}`, `${key}/dw`, y, { cout: hidden, kernel: 3, stride: i === 0 ? s : 1, groups: hidden }, { conv: '0', bn: '1' }));
			const residual = i > 0 || (s === 1 && cin === cout);
			y = g.convBn(`${key}.conv`, `${key}/project`, y, { cout, kernel: 1, padding: 0 }, { conv: t !== 1 ? '2' : '1', bn: t !== 1 ? '3' : '2' }, residual ? 0.3 : 1);
			x = residual ? g.add(`${key}/add`, x, y) : y;
		}
	}
	const last = makeDivisible(1280 * Math.max(1, alpha));
	x = relu6(g, `features.${index}/relu6`, g.convBn(`features.${index}`, `features.${index}`, x, { cout: last, kernel: 1, padding: 0 }, { conv: '0', bn: '1' }));
	g.classifier('classifier.1', x, classes);
	return g.finish(`MobileNet-V2 ${alpha}`, `MobileNet-V2, width ${alpha}, seeded synthetic weights.`, classes);
}
