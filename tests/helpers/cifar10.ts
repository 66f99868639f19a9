/** The CIFAR-10 test split from ../shared/datasets (never copied into the project). */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import decodeJpeg, { init as initJpeg } from '@jsquash/jpeg/decode.js';
import { parseTar } from 'nanotar';
import { pixelsToInput, type Normalization } from '../../src/lib/image/preprocess';

export const CIFAR_DIR = resolve(process.cwd(), '..', 'shared', 'datasets', 'cifar10');
export const cifarAvailable = existsSync(resolve(CIFAR_DIR, 'test.tar'));

export interface CifarSplit {
	/** N×3×32×32, normalized */
	inputs: Float32Array;
	labels: Int32Array;
	count: number;
}

/**
 * Decodes every JPEG with mozjpeg (a libjpeg-turbo fork, compiled to wasm by the Squoosh
 * project), which gives the same pixels as the Pillow/libjpeg-turbo decode the model card's
 * numbers were measured with; jpeg-js, a from-scratch decoder, differs by a few levels and flips
 * about 2 % of borderline predictions. `labels` orders the class folders.
 */
export async function loadCifarTest(labels: readonly string[], norm: Normalization): Promise<CifarSplit> {
	await initJpeg(await WebAssembly.compile(readFileSync(resolve('node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'))));
	const files = parseTar(readFileSync(resolve(CIFAR_DIR, 'test.tar'))).filter((f) => f.name.endsWith('.jpg') && f.data);
	const inputs = new Float32Array(files.length * 3 * 32 * 32);
	const out = new Int32Array(files.length);
	for (const [n, f] of files.entries()) {
		const cls = f.name.split('/').at(-2)!;
		out[n] = labels.indexOf(cls);
		if (out[n] < 0) throw new Error(`unknown class folder "${cls}" in ${f.name}`);
		const bytes = f.data!;
		const img = await decodeJpeg(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
		if (img.width !== 32 || img.height !== 32) throw new Error(`${f.name} is ${img.width}×${img.height}, expected 32×32`);
		pixelsToInput(img.data, 32, 32, 4, norm, inputs, n);
	}
	return { inputs, labels: out, count: files.length };
}
