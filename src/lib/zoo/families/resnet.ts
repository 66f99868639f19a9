/** ResNet-18 and -34 (He et al. 2016) as torchvision builds them: basic blocks, 1×1 downsampling shortcuts. */
import type { OnnxGraph } from '../../io/onnx/build';
import { ZooGraph } from '../layers';

export const RESNET_DEPTHS = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3] } as const;
export type ResNetDepth = keyof typeof RESNET_DEPTHS;

export function resNet(depth: ResNetDepth, size: number, seed: number, classes = 1000): OnnxGraph {
	const g = new ZooGraph(size, seed);
	let x = g.act('relu', 'relu', g.convBn('', 'stem', g.input, { cout: 64, kernel: 7, stride: 2, padding: 3 }, { conv: 'conv1', bn: 'bn1' }));
	x = g.maxPool('maxpool', x, 3, 2, 1);
	RESNET_DEPTHS[depth].forEach((blocks, stage) => {
		const width = 64 << stage;
		for (let i = 0; i < blocks; i++) {
			const key = `layer${stage + 1}.${i}`;
			const stride = i === 0 && stage > 0 ? 2 : 1;
			let y = g.act('relu', `${key}/relu1`, g.convBn(key, key, x, { cout: width, kernel: 3, stride }, { conv: 'conv1', bn: 'bn1' }));
			// Residual branches start small (as a trained net's last BN does), so 16 blocks stay of order one.
			y = g.convBn(key, key, y, { cout: width, kernel: 3 }, { conv: 'conv2', bn: 'bn2' }, 0.3);
			const shortcut = stride !== 1 || g.shape(x).c !== width ? g.convBn(`${key}.downsample`, `${key}/downsample`, x, { cout: width, kernel: 1, stride, padding: 0 }, { conv: '0', bn: '1' }) : x;
			x = g.act('relu', `${key}/relu2`, g.add(`${key}/add`, y, shortcut));
		}
	});
	g.classifier('fc', x, classes);
	return g.finish(`ResNet-${depth}`, `ResNet-${depth}, seeded synthetic weights.`, classes);
}
