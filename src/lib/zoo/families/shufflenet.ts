/**
 * ShuffleNet-V2 1.0× (Ma et al. 2018) as torchvision builds it: each unit splits its channels in
 * two (stride 1) or feeds both branches the whole input (stride 2), runs 1×1 → depthwise 3×3 → 1×1
 * on one half, concatenates, and shuffles the channels between the two groups.
 */
import type { OnnxGraph } from '../../io/onnx/build';
import { ZooGraph } from '../layers';

const REPEATS = [4, 8, 4];
const WIDTHS = [24, 116, 232, 464, 1024];

function unit(g: ZooGraph, key: string, x: string, cout: number, stride: number): string {
	const half = cout / 2;
	const cin = g.shape(x).c;
	const mainIn = stride === 1 ? g.channels(`${key}/split.2`, x, cin / 2, cin) : x;
	let b2 = g.act('relu', `${key}/branch2/relu1`, g.convBn(`${key}.branch2`, `${key}/branch2`, mainIn, { cout: half, kernel: 1, padding: 0 }, { conv: '0', bn: '1' }));
	b2 = g.convBn(`${key}.branch2`, `${key}/branch2`, b2, { cout: half, kernel: 3, stride, groups: half }, { conv: '3', bn: '4' });
	b2 = g.act('relu', `${key}/branch2/relu2`, g.convBn(`${key}.branch2`, `${key}/branch2`, b2, { cout: half, kernel: 1, padding: 0 }, { conv: '5', bn: '6' }));
	let b1: string;
	if (stride === 1) b1 = g.channels(`${key}/split.1`, x, 0, cin / 2);
	else {
		b1 = g.convBn(`${key}.branch1`, `${key}/branch1`, x, { cout: cin, kernel: 3, stride, groups: cin }, { conv: '0', bn: '1' });
		b1 = g.act('relu', `${key}/branch1/relu`, g.convBn(`${key}.branch1`, `${key}/branch1`, b1, { cout: half, kernel: 1, padding: 0 }, { conv: '2', bn: '3' }));
	}
	return g.channelShuffle(`${key}/shuffle`, g.concat(`${key}/concat`, [b1, b2]), 2);
}

export function shuffleNetV2(size: number, seed: number, classes = 1000): OnnxGraph {
	const g = new ZooGraph(size, seed);
	let x = g.act('relu', 'conv1/relu', g.convBn('conv1', 'conv1', g.input, { cout: WIDTHS[0], kernel: 3, stride: 2 }, { conv: '0', bn: '1' }));
	x = g.maxPool('maxpool', x, 3, 2, 1);
	REPEATS.forEach((n, s) => {
		for (let i = 0; i < n; i++) x = unit(g, `stage${s + 2}.${i}`, x, WIDTHS[s + 1], i === 0 ? 2 : 1);
	});
	x = g.act('relu', 'conv5/relu', g.convBn('conv5', 'conv5', x, { cout: WIDTHS[4], kernel: 1, padding: 0 }, { conv: '0', bn: '1' }));
	g.classifier('fc', x, classes);
	return g.finish('ShuffleNet-V2 1.0', 'ShuffleNet-V2 1.0×: channel split, concat and shuffle, seeded synthetic weights.', classes);
}
