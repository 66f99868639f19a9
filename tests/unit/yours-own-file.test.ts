/** The "your network" page's use of fuseNetworkFile, without a browser (onnxruntime-node stands in for -web): what it recognises, fuses, proves and refuses. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { fuseOwnFile, MAX_FILE_BYTES, sentence, sizeProblem, type Stage } from '../../src/ui/yours/own-file';
import { PROOF_SEED } from '../../src/lib/fuse-file';
import { nodeOnnxRunner } from '../../scripts/cli';
import { fusedBaseName, verdictSentence } from '../../src/ui/yours/state.svelte';
import { loadCheckpoint } from '../../src/lib/io/checkpoint';
import { fusedWeightKey } from '../../src/lib/mobileone/keys';
import { badFiles, SMALL_SPEC, unfusedOnnx } from '../fixtures/yours';

const ORT = nodeOnnxRunner;

async function run(model: Uint8Array, input: { name: string; shape: number[] }): Promise<Float32Array> {
	const s = await ort.InferenceSession.create(model);
	const data = Float32Array.from({ length: input.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.37));
	const out = await s.run({ [input.name]: new ort.Tensor('float32', data, input.shape) });
	const y = out[s.outputNames[0]].data as Float32Array;
	await s.release();
	return y;
}

function agreement(a: Float32Array, b: Float32Array) {
	let d = 0;
	let m = 0;
	for (let i = 0; i < a.length; i++) {
		d = Math.max(d, Math.abs(a[i] - b[i]));
		m = Math.max(m, Math.abs(a[i]));
	}
	return { d, m };
}

describe('fuseOwnFile: the page through fuseNetworkFile', () => {
	it('fuses our trained safetensors, proves it in the runtime, and gives both ONNX graphs and the fused safetensors', async () => {
		const stages: Stage[] = [];
		const bytes = new Uint8Array(readFileSync('models/mobileone-cifar10.safetensors'));
		const out = await fuseOwnFile(bytes, ORT, (s) => stages.push(s));
		expect(stages).toEqual(['parse', 'fuse', 'write', 'check']);
		expect(out.recognised.kind).toBe('checkpoint');
		if (out.recognised.kind !== 'checkpoint') return;
		expect(out.recognised.spec.stages[0].k).toBe(4);
		expect(out.operators.after).toBeLessThan(out.operators.before);
		expect(out.check.by).toBe('onnx-runtime');
		expect(out.check.shape).toEqual([1, 3, 32, 32]);
		expect(out.check.seed).toBe(PROOF_SEED);
		expect(out.check.maxDelta).toBeLessThanOrEqual(1e-4 * out.check.maxOutput);
		const input = { name: out.check.input, shape: out.check.shape };
		const { d, m } = agreement(await run(out.original!, input), await run(out.bytes, input));
		expect(m).toBeGreaterThan(0);
		expect(d).toBeLessThanOrEqual(1e-4 * m);
		// The fused safetensors reads back as a fused checkpoint under Apple's keys.
		const back = loadCheckpoint(out.safetensors!);
		expect(back.form).toBe('fused');
		expect(back.spec).toEqual(out.recognised.spec);
		expect(Buffer.from(bytes).includes(Buffer.from(fusedWeightKey('stage0')))).toBe(false);
		expect(Buffer.from(out.safetensors!).includes(Buffer.from(fusedWeightKey('stage0')))).toBe(true);
	});

	it('merges every group of an unfused ONNX graph, keeping what it computes', async () => {
		const bytes = unfusedOnnx();
		const out = await fuseOwnFile(bytes, ORT);
		expect(out.recognised.kind).toBe('onnx');
		if (out.recognised.kind !== 'onnx') return;
		expect(out.recognised.groups.length).toBeGreaterThan(0);
		expect(out.recognised.groups.every((g) => g.merged)).toBe(true);
		expect(out.safetensors).toBeNull();
		expect(out.original).toBe(bytes);
		expect(out.check.input).toBe('input');
		expect(out.check.shape).toEqual([1, 3, 64, 64]);
		const { d, m } = agreement(await run(bytes, { name: 'input', shape: [1, 3, 40, 40] }), await run(out.bytes, { name: 'input', shape: [1, 3, 40, 40] }));
		expect(d).toBeLessThanOrEqual(1e-4 * m);
	});

	it.each(badFiles().map((f) => [f.label, f] as const))('refuses %s with one sentence', async (_, f) => {
		let message = '';
		try {
			await fuseOwnFile(f.bytes, ORT);
		} catch (e) {
			message = sentence(e);
		}
		expect(message).toMatch(f.says);
		expect(message).toMatch(/^[A-Z].*[.!?]$/s);
	});

	it('refuses a file above the limit by its size alone', () => {
		expect(sizeProblem(MAX_FILE_BYTES)).toBeNull();
		expect(sizeProblem(MAX_FILE_BYTES + 1)).toMatch(/above the 512 MB this page reads/);
	});
});

describe('names and sentences', () => {
	it('names the downloads after the file', () => {
		expect(fusedBaseName('my.net.pth.tar')).toBe('my.net-fused');
		expect(fusedBaseName('a.onnx')).toBe('a-fused');
		expect(fusedBaseName('.safetensors')).toBe('network-fused');
	});
	it('says whether the two networks agree', () => {
		const proof = { input: { name: 'x', shape: [1] }, seed: 1, maxDelta: 2e-6, maxOutput: 3, agrees: true, perBlock: false, tolerance: 1e-4 };
		expect(verdictSentence(proof)).toMatch(/^The fused network computes the same function/);
		expect(verdictSentence({ ...proof, maxDelta: 1, agrees: false })).toMatch(/does NOT agree/);
		expect(verdictSentence({ ...proof, perBlock: true })).toMatch(/^Every block's fused conv computes the same function .* worst max \|Δ\| = 2\.0 × 10⁻⁶ against max \|y\| = 3\.0 × 10⁰/);
		expect(verdictSentence({ ...proof, perBlock: true, maxDelta: 1, agrees: false })).toMatch(/does NOT agree/);
	});
	it('uses the spec the test writes', () => expect(SMALL_SPEC.stem.k).toBe(2));
});
