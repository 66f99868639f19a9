/**
 * An EfficientNet-B0-style network (Tan & Le 2019) as torchvision builds B0: MBConv blocks
 * (1×1 expand → depthwise k×k → squeeze-excite → 1×1 project, SiLU throughout, residual adds
 * where shapes allow). SE squeezes to ¼ of the block's input channels, with SiLU inside. No
 * stochastic depth or dropout: they do nothing at inference.
 */
import type { OnnxGraph } from '../../io/onnx/build';
import { ZooGraph } from '../layers';

/** (expansion, kernel, first stride, output channels, repeats) per stage, from the paper's Table 1. */
const STAGES: readonly [number, number, number, number, number][] = [
	[1, 3, 1, 16, 1], [6, 3, 2, 24, 2], [6, 5, 2, 40, 2], [6, 3, 2, 80, 3], [6, 5, 1, 112, 3], [6, 5, 2, 192, 4], [6, 3, 1, 320, 1]
];

export function efficientNetB0(size: number, seed: number, classes = 1000): OnnxGraph {
	const g = new ZooGraph(size, seed);
	let x = g.act('silu', 'features.0/silu', g.convBn('features.0', 'features.0', g.input, { cout: 32, kernel: 3, stride: 2 }, { conv: '0', bn: '1' }));
	STAGES.forEach(([t, kernel, stride, cout, n], s) => {
		for (let i = 0; i < n; i++) {
			const key = `features.${s + 1}.${i}.block`;
			const cin = g.shape(x).c;
			const hidden = cin * t;
			let y = x;
			let part = 0;
			if (t !== 1) y = g.act('silu', `${key}/expand/silu`, g.convBn(`${key}.${part++}`, `${key}/expand`, y, { cout: hidden, kernel: 1, padding: 0 }, { conv: '0', bn: '1' }));
			y = g.act('silu', `${key}/dw/silu`, g.convBn(`${key}.${part++}`, `${key}/dw`, y, { cout: hidden, kernel, stride: i === 0 ? stride : 1, groups: hidden }, { conv: '0', bn: '1' }));
			y = g.squeezeExcite(`${key}.${part++}`, `${key}/se`, y, Math.max(1, Math.floor(cin / 4)), 'silu', { reduce: 'fc1', expand: 'fc2' });
			const residual = i > 0 && cin === cout;
			y = g.convBn(`${key}.${part}`, `${key}/project`, y, { cout, kernel: 1, padding: 0 }, { conv: '0', bn: '1' }, residual ? 0.3 : 1);
			x = residual ? g.add(`${key}/add`, x, y) : y;
		}
	});
	x = g.act('silu', 'features.8/silu', g.convBn('features.8', 'features.8', x, { cout: 1280, kernel: 1, padding: 0 }, { conv: '0', bn: '1' }));
	g.classifier('classifier.1', x, classes);
	return g.finish('EfficientNet-B0', 'EfficientNet-B0-style: MBConv with SiLU and squeeze-excite, seeded synthetic weights.', classes);
}
