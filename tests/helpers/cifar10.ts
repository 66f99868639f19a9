/** The CIFAR-10 test split from ../shared/datasets (never copied into the project). */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { parseTar } from 'nanotar';
import { pixelsToInput, type Normalization } from '../../src/lib/preprocess';

export const CIFAR_DIR = resolve(process.cwd(), '..', 'shared', 'datasets', 'cifar10');
export const cifarAvailable = existsSync(resolve(CIFAR_DIR, 'test.tar'));

export interface CifarSplit {
	/** N×3×32×32, normalized */
	inputs: Float32Array;
	labels: Int32Array;
	count: number;
}

/** Decodes every JPEG with jpeg-js and normalizes it; `labels` orders the class folders. */
export function loadCifarTest(labels: readonly string[], norm: Normalization): CifarSplit {
	const files = parseTar(readFileSync(resolve(CIFAR_DIR, 'test.tar'))).filter((f) => f.name.endsWith('.jpg') && f.data);
	const inputs = new Float32Array(files.length * 3 * 32 * 32);
	const out = new Int32Array(files.length);
	files.forEach((f, n) => {
		const cls = f.name.split('/').at(-2)!;
		out[n] = labels.indexOf(cls);
		if (out[n] < 0) throw new Error(`unknown class folder "${cls}" in ${f.name}`);
		const img = jpeg.decode(f.data!, { useTArray: true, formatAsRGBA: false });
		if (img.width !== 32 || img.height !== 32) throw new Error(`${f.name} is ${img.width}×${img.height}, expected 32×32`);
		pixelsToInput(img.data, 32, 32, 3, norm, inputs, n);
	});
	return { inputs, labels: out, count: files.length };
}
