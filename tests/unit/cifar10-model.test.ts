/**
 * The shipped CIFAR-10 MobileOne, loaded by our engine, exported in both forms by our ONNX
 * builder and run by onnxruntime-node over all 10,000 test images: the accuracy must be the one
 * the model card states, and the two forms must agree.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, requireUnfused } from '../../src/lib/io/checkpoint';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { cifarAvailable, loadCifarTest } from '../helpers/cifar10';

const WEIGHTS = 'models/mobileone-cifar10.safetensors';
const METRICS = 'models/mobileone-cifar10.metrics.json';
const CARD = 'models/README.md';
const inCi = process.env.CI === 'true';

async function predict(onnx: Uint8Array, inputs: Float32Array, count: number, classes: number): Promise<Int32Array> {
	const session = await ort.InferenceSession.create(onnx);
	const pred = new Int32Array(count);
	const batch = 500;
	const per = 3 * 32 * 32;
	for (let s = 0; s < count; s += batch) {
		const n = Math.min(batch, count - s);
		const x = new ort.Tensor('float32', inputs.subarray(s * per, (s + n) * per), [n, 3, 32, 32]);
		const logits = (await session.run({ input: x })).logits.data as Float32Array;
		for (let i = 0; i < n; i++) {
			let best = 0;
			for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
			pred[s + i] = best;
		}
	}
	await session.release();
	return pred;
}

describe('shipped CIFAR-10 model', () => {
	it.skipIf(!inCi && (!cifarAvailable || !existsSync(WEIGHTS)))('reaches the model card’s accuracy in both forms, which agree', async () => {
		expect(cifarAvailable, `CIFAR-10 must be at ../shared/datasets/cifar10 in CI`).toBe(true);
		const ck = loadCheckpoint(new Uint8Array(readFileSync(WEIGHTS)));
		expect(ck.form).toBe('unfused');
		expect(ck.labels).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
		const data = await loadCifarTest(ck.labels!, { mean: ck.mean!, std: ck.std! });
		expect(data.count).toBe(10_000);

		const classes = ck.spec.numClasses;
		const unfused = await predict(buildOnnx(ck.model), data.inputs, data.count, classes);
		const fused = await predict(buildOnnx(fuseModel(requireUnfused(ck, 'this test'))), data.inputs, data.count, classes);
		let hitU = 0;
		let hitF = 0;
		let agree = 0;
		for (let i = 0; i < data.count; i++) {
			hitU += +(unfused[i] === data.labels[i]);
			hitF += +(fused[i] === data.labels[i]);
			agree += +(unfused[i] === fused[i]);
		}
		const metrics = JSON.parse(readFileSync(METRICS, 'utf8'));
		const top1U = (100 * hitU) / data.count;
		const top1F = (100 * hitF) / data.count;
		console.log(`ORT top-1: unfused ${top1U.toFixed(2)}%, fused ${top1F.toFixed(2)}%, agreement ${((100 * agree) / data.count).toFixed(2)}% (card: ${metrics.top1Unfused} / ${metrics.top1Fused})`);
		expect(Math.abs(top1U - metrics.top1Unfused)).toBeLessThanOrEqual(0.1);
		expect(Math.abs(top1F - metrics.top1Fused)).toBeLessThanOrEqual(0.1);
		expect(top1F).toBeGreaterThanOrEqual(85);
		expect(agree / data.count).toBeGreaterThanOrEqual(0.999);
		// the card states the very numbers the metrics file holds
		const card = readFileSync(CARD, 'utf8');
		expect(card).toContain(`${metrics.top1Fused.toFixed(2)} %`);
		expect(card).toContain(`${metrics.top1Unfused.toFixed(2)} %`);
	}, 300_000);
});
