/** npm run fuse's engine on a RepVGG state dict (repvgg.py's keys), built in the test as safetensors. */
import { describe, expect, it } from 'vitest';
import { FuseError, fuseNetworkFile } from '../../src/lib/fuse-file';
import { repvgg } from '../../src/lib/families/repvgg';
import { forwardRepVGG, recogniseRepVGG, repvggCheckInput, REPVGG_SPEC_FORMAT } from '../../src/lib/families/repvgg-network';
import { readSafetensors, writeSafetensors } from '../../src/lib/io/safetensors';
import type { Tensor } from '../../src/lib/core/tensor';
import { WeightsError } from '../../src/lib/core/errors';

const LAYOUT = [
	{ name: 'stage0', cin: 3, cout: 4, stride: 2 },
	{ name: 'stage1.0', cin: 4, cout: 4, stride: 2 },
	{ name: 'stage1.1', cin: 4, cout: 4, stride: 1 },
	{ name: 'stage2.0', cin: 4, cout: 6, stride: 2 },
	{ name: 'stage2.1', cin: 6, cout: 6, stride: 1 }
];

function stateDict(seed = 1): Map<string, Tensor> {
	const sd = new Map<string, Tensor>();
	LAYOUT.forEach((b, i) => {
		for (const [k, t] of repvgg.synthetic({ ...b, kernel: 3, groups: 1 }, seed + i)) sd.set(`${b.name}.${k}`, t);
	});
	sd.set('linear.weight', { shape: [3, 6], data: Float32Array.from({ length: 18 }, (_, i) => Math.sin(i + seed)) });
	sd.set('linear.bias', { shape: [3], data: Float32Array.of(0.1, -0.2, 0.3) });
	return sd;
}

const options = { seed: 0, size: 16, out: 'safetensors' as const };

describe('fuse a RepVGG state dict', () => {
	it('recognises blocks, strides (from rbr_identity and channel counts) and classes from the keys', () => {
		const net = recogniseRepVGG(stateDict());
		expect(net.form).toBe('unfused');
		expect(net.blocks.map((b) => [b.name, b.cin, b.cout, b.stride])).toEqual(LAYOUT.map((b) => [b.name, b.cin, b.cout, b.stride]));
		expect(net.numClasses).toBe(3);
		expect(net.specSource).toBe('inferred');
	});

	it('fuses, checks and writes rbr_reparam keys; the fused file is then already fused', async () => {
		const r = await fuseNetworkFile(writeSafetensors(stateDict()), options);
		if (r.status !== 'fused') throw new Error('not fused');
		expect(r.recognised).toMatchObject({ kind: 'family', family: 'repvgg', blocks: 5, form: 'unfused' });
		expect(r.branches).toEqual({ before: 12, after: 5 });
		expect(r.check.maxDelta).toBeLessThanOrEqual(1e-5 * r.check.maxOutput);
		expect(r.check.maxOutput).toBeGreaterThan(0);
		const out = readSafetensors(r.bytes);
		expect([...out.tensors.keys()].sort()).toEqual([...LAYOUT.flatMap((b) => [`${b.name}.rbr_reparam.bias`, `${b.name}.rbr_reparam.weight`]), 'linear.bias', 'linear.weight'].sort());
		// the written network computes what the train-time one does, run here on another input
		const net = recogniseRepVGG(stateDict());
		const x = repvggCheckInput(net, 9, 20);
		const a = forwardRepVGG(net, stateDict(), x, 'unfused');
		const b = forwardRepVGG(recogniseRepVGG(out.tensors), out.tensors, x, 'fused');
		const maxY = Math.max(...a.data.map(Math.abs));
		for (let i = 0; i < a.data.length; i++) expect(Math.abs(a.data[i] - b.data[i])).toBeLessThan(1e-5 * maxY);
		const again = await fuseNetworkFile(r.bytes, options);
		expect(again.status).toBe('nothing-to-fuse');
	});

	it('a block with part of its rbr_identity, or a non-finite weight, is refused by name', async () => {
		const sd = stateDict();
		sd.delete('stage1.1.rbr_identity.weight');
		await expect(fuseNetworkFile(writeSafetensors(sd), options)).rejects.toThrow(/stage1\.1\.rbr_identity\.weight/);
		const bad = stateDict();
		bad.get('stage0.rbr_dense.conv.weight')!.data[3] = NaN;
		await expect(fuseNetworkFile(writeSafetensors(bad), options)).rejects.toThrow(WeightsError);
	});

	it('strides from __metadata__.spec, and refusals in one sentence', async () => {
		const strides = LAYOUT.map((b) => b.stride);
		const net = recogniseRepVGG(stateDict(), { spec: JSON.stringify({ format: REPVGG_SPEC_FORMAT, strides }) });
		expect(net.specSource).toBe('metadata');
		expect(() => recogniseRepVGG(stateDict(), { spec: JSON.stringify({ format: REPVGG_SPEC_FORMAT, strides: [2, 2, 2, 2, 1] }) })).toThrow(/rbr_identity, so its stride is 1/);
		expect(() => recogniseRepVGG(stateDict(), { spec: JSON.stringify({ format: 'other' }) })).toThrow(/format/);
		expect(() => recogniseRepVGG(stateDict(), { spec: '{"format": "mobileone-lab.repvgg-spec/1", "strides": [3]}' })).toThrow(/1s and 2s/);
		const missing = stateDict();
		missing.delete('stage2.0.rbr_1x1.bn.running_mean');
		expect(() => recogniseRepVGG(missing)).toThrow(/stage2\.0\.rbr_1x1\.bn\.running_mean/);
		await expect(fuseNetworkFile(writeSafetensors(stateDict()), { ...options, out: 'onnx' })).rejects.toThrow(FuseError);
	});
});
