/**
 * The zoo: every network of the "latency vs FLOPs vs parameters" analysis, by id, with how to build
 * it at any input side (224 for the real analysis; the tests use smaller sides to stay fast).
 * One seed for all synthetic weights: latency does not depend on their values.
 */
import type { OnnxGraph } from '../io/onnx/build';
import { efficientNetB0 } from './families/efficientnet';
import { mobileNetV1 } from './families/mobilenet-v1';
import { mobileNetV2 } from './families/mobilenet-v2';
import { mobileOne } from './families/mobileone';
import { repVgg, type RepVggVariant } from './families/repvgg';
import { resNet } from './families/resnet';
import { shuffleNetV2 } from './families/shufflenet';
import { vggStyle } from './families/vgg';
import type { VariantName } from '../mobileone/spec';

export const ZOO_SEED = 7;
export const ZOO_INPUT_SIZE = 224;

export type ZooFamily = 'MobileNet-V1' | 'MobileNet-V2' | 'ResNet' | 'RepVGG' | 'MobileOne' | 'EfficientNet' | 'ShuffleNet-V2' | 'VGG';

export interface ZooEntry {
	id: string;
	label: string;
	family: ZooFamily;
	/** 'train' for a multi-branch train-time form, 'deploy' for its reparameterized twin, null otherwise. */
	form: 'train' | 'deploy' | null;
	build(size: number, seed?: number): OnnxGraph;
}

const v1 = (alpha: number): ZooEntry => ({
	id: `mobilenet-v1-${alpha}`,
	label: `MobileNet-V1 ${alpha.toFixed(2)}`,
	family: 'MobileNet-V1',
	form: null,
	build: (size, seed = ZOO_SEED) => mobileNetV1(alpha, size, seed)
});
const v2 = (alpha: number): ZooEntry => ({
	id: `mobilenet-v2-${alpha}`,
	label: `MobileNet-V2 ${alpha.toFixed(2)}`,
	family: 'MobileNet-V2',
	form: null,
	build: (size, seed = ZOO_SEED) => mobileNetV2(alpha, size, seed)
});
const repvgg = (v: RepVggVariant, form: 'train' | 'deploy'): ZooEntry => ({
	id: `repvgg-${v}-${form}`,
	label: `RepVGG-${v.toUpperCase()} ${form}`,
	family: 'RepVGG',
	form,
	build: (size, seed = ZOO_SEED) => repVgg(v, form, size, seed)
});
const mobileone = (v: VariantName, form: 'train' | 'deploy'): ZooEntry => ({
	id: `mobileone-${v}-${form}`,
	label: `MobileOne-${v.toUpperCase()} ${form === 'train' ? 'unfused' : 'fused'}`,
	family: 'MobileOne',
	form,
	build: (size, seed = ZOO_SEED) => mobileOne(v, form === 'train' ? 'unfused' : 'fused', size, seed)
});

export const ZOO: readonly ZooEntry[] = [
	...[0.25, 0.5, 0.75, 1].map(v1),
	...[0.35, 0.5, 1, 1.4].map(v2),
	{ id: 'resnet-18', label: 'ResNet-18', family: 'ResNet', form: null, build: (size, seed = ZOO_SEED) => resNet(18, size, seed) },
	{ id: 'resnet-34', label: 'ResNet-34', family: 'ResNet', form: null, build: (size, seed = ZOO_SEED) => resNet(34, size, seed) },
	...(['a0', 'a1', 'b0'] as const).flatMap((v) => [repvgg(v, 'train'), repvgg(v, 'deploy')]),
	...(['s0', 's1', 's2', 's3', 's4'] as const).flatMap((v) => [mobileone(v, 'train'), mobileone(v, 'deploy')]),
	{ id: 'efficientnet-b0', label: 'EfficientNet-B0', family: 'EfficientNet', form: null, build: (size, seed = ZOO_SEED) => efficientNetB0(size, seed) },
	{ id: 'shufflenet-v2-1.0', label: 'ShuffleNet-V2 1.0', family: 'ShuffleNet-V2', form: null, build: (size, seed = ZOO_SEED) => shuffleNetV2(size, seed) },
	{ id: 'vgg-11-half', label: 'VGG-11-style ½', family: 'VGG', form: null, build: (size, seed = ZOO_SEED) => vggStyle(0.5, size, seed) }
];

export function zooEntry(id: string): ZooEntry | undefined {
	return ZOO.find((e) => e.id === id);
}
