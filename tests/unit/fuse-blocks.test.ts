/**
 * npm run fuse on state dicts that are no whole network this tool knows but hold blocks of the
 * families under their original keys, at any prefix: each block fused in place, all else untouched.
 * Built here from the engine's synthetic blocks, and (where PyTorch is installed, always in CI) a
 * .pth saved by torch from models/families.py, whose fused tensors PyTorch's own fuse also wrote.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { maxAbs, maxAbsDiff, type Tensor } from '../../src/lib/core/tensor';
import { familyById } from '../../src/lib/families';
import { findFamilyBlocks } from '../../src/lib/families/find-blocks';
import { FuseError, fuseNetworkFile } from '../../src/lib/fuse-file';
import { readSafetensors, writeSafetensors } from '../../src/lib/io/safetensors';
import { roundOnce } from '../../src/lib/reparam/conv-kernel';
import { runTool } from '../helpers/tools';
import { fuseOwnFile } from '../../src/ui/yours/own-file';
import { BLOCKS, OTHER, stateDict } from '../fixtures/family-blocks';

const PYTHON = '/usr/bin/python3';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

const options = { seed: 0, size: 8, out: 'safetensors' as const };

describe('family blocks inside any state dict, fused in place', () => {
	it('finds every block, its family and its geometry from keys and shapes', () => {
		const found = findFamilyBlocks(stateDict());
		expect(found.map((b) => [b.prefix, b.family.id])).toEqual(BLOCKS.map((b) => [b.prefix, b.family]));
		// groups read where a branch shows them: DBB's two-step branch, an identity, a depthwise family
		expect(found[1].geometry.groups).toBe(2);
		expect(found[3].geometry.groups).toBe(2);
		expect(found[4].geometry).toMatchObject({ groups: 4, branches: 2 });
		expect(found[7].geometry).toMatchObject({ groups: 4, branches: 3 });
	});

	it('replaces each block by its fused keys, passes the rest through, and checks every block', async () => {
		const sd = stateDict();
		const r = await fuseNetworkFile(writeSafetensors(sd), options);
		if (r.status !== 'fused') throw new Error('not fused');
		expect(r.recognised).toMatchObject({ kind: 'blocks', blocks: BLOCKS.length, passedThrough: OTHER.length });
		if (r.recognised.kind !== 'blocks') throw new Error('not blocks');
		expect(r.recognised.counts[0]).toMatchObject({ family: 'dbb', blocks: 2 });
		expect(r.blockChecks).toHaveLength(BLOCKS.length);
		for (const c of r.blockChecks!) {
			expect(c.agrees, c.block).toBe(true);
			expect(c.maxDelta).toBeLessThanOrEqual(1e-5 * c.maxOutput);
		}
		const out = readSafetensors(r.bytes).tensors;
		const expected = ['stem.weight', ...BLOCKS.flatMap(({ prefix, family, g }) => Object.values(familyById(family)!.fuse(g, familyById(family)!.synthetic(g, 0)).keys).map((k) => prefix + k)), 'stages.0.norm.weight', 'fc.weight'];
		expect([...out.keys()].sort()).toEqual(expected.sort());
		for (const [k, t] of OTHER) expect(out.get(k)).toEqual(t);
		BLOCKS.forEach(({ prefix, family, g }, i) => {
			const f = familyById(family)!;
			const fusion = f.fuse(g, f.synthetic(g, 40 + i));
			const rounded = roundOnce(fusion.fused);
			expect(out.get(prefix + fusion.keys.weight)!.data, prefix).toEqual(rounded.weight.data);
			expect(out.get(prefix + fusion.keys.bias)!.data, prefix).toEqual(rounded.bias);
		});
		// the written file holds no block any more
		await expect(fuseNetworkFile(r.bytes, options)).rejects.toThrow(/nor does it hold blocks/);
	});

	it('a block whose tensors do not fit together is refused in one sentence naming the key; ONNX out is a usage error', async () => {
		const bad = stateDict();
		bad.set('layer1.0.conv1.dbb_1x1.bn.running_var', { shape: [5], data: new Float32Array(5).fill(1) });
		const e = await fuseNetworkFile(writeSafetensors(bad), options).catch((x: unknown) => x);
		expect(e).toBeInstanceOf(WeightsError);
		expect((e as Error).message).toMatch(/^"layer1\.0\.conv1\.dbb_1x1\.bn\.running_var" has shape \[5\], but the Diverse Branch Block block at "layer1\.0\.conv1" needs \[6\]$/);
		const huge = stateDict();
		huge.set('stages.0.cpe.pe.weight', { shape: [4, 1, 33, 33], data: new Float32Array(4 * 33 * 33) });
		await expect(fuseNetworkFile(writeSafetensors(huge), options)).rejects.toThrow(/no FastViT RepCPE block this tool reads has \(kernels up to 31/);
		await expect(fuseNetworkFile(writeSafetensors(stateDict()), { ...options, out: 'onnx' })).rejects.toThrow(FuseError);
		await expect(fuseNetworkFile(writeSafetensors(stateDict()), { ...options, out: 'onnx' })).rejects.toThrow(/2 × Diverse Branch Block/);
	});

	it('npm run fuse says what it found, checks each block and writes the state dict', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'fuse-blocks-'));
		writeFileSync(join(dir, 'in.safetensors'), writeSafetensors(stateDict()));
		const run = await runTool('fuse', [join(dir, 'in.safetensors'), join(dir, 'out.safetensors')], { limitMs: 240_000 });
		expect(run.status, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/found +2 × Diverse Branch Block, .*1 × ACNet/);
		expect(run.stdout).toMatch(/layer1\.0\.conv1 \(Diverse Branch Block\): max \|Δ\|/);
		expect(run.stdout).toMatch(/checked at stride 1/);
		const cliBytes = new Uint8Array(readFileSync(join(dir, 'out.safetensors')));
		const out = readSafetensors(cliBytes).tensors;
		expect(out.has('layer1.0.conv1.dbb_reparam.weight')).toBe(true);
		expect(out.has('blocks.3.token_mixer.weight')).toBe(true);
		// the "your network" page, through the same fuseNetworkFile: the same bytes, and no ONNX runtime asked for
		const page = await fuseOwnFile(new Uint8Array(readFileSync(join(dir, 'in.safetensors'))), () => Promise.reject(new Error('no graph to run')));
		expect(page.out).toBe('safetensors');
		expect(page.safetensors).toBeNull();
		expect(page.bytes.length).toBe(cliBytes.length);
		expect(Buffer.from(page.bytes).equals(Buffer.from(cliBytes))).toBe(true);
		expect(readSafetensors(page.bytes).metadata).toEqual({ fused_by: 'mobileone-lab' });
		// one row per block for the page's table, in the file's key order (safetensors sorts keys by name): family, branches merged, its own check
		expect(page.blockChecks!.map((c) => [c.block, c.familyId, c.branches])).toEqual([
			['backbone.stage1.0', 'repvgg', 3],
			['blocks.3.token_mixer', 'repvggdw', 3],
			['features.4', 'mobileone', 5],
			['head.rep', 'learnable-rep', 4],
			['layer1.0.conv1', 'dbb', 4],
			['layer1.0.conv2', 'dbb', 4],
			['layer1.1.conv1', 'acnet', 3],
			['stages.0.cpe', 'repcpe', 2],
			['stages.0.token_mixer', 'repmixer', 4]
		]);
		for (const c of page.blockChecks!) expect(c.maxDelta, c.block).toBeLessThanOrEqual(1e-5 * c.maxOutput);
	}, 300_000);

	it.skipIf(!torchAvailable)('a .pth saved by torch from models/families.py: fused tensors = PyTorch’s own fuse', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'fuse-blocks-pth-'));
		execFileSync(PYTHON, ['models/families.py', 'network', dir, '--seed', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
		const r = await fuseNetworkFile(new Uint8Array(readFileSync(join(dir, 'network.pth'))), options);
		if (r.status !== 'fused' || r.recognised.kind !== 'blocks') throw new Error('not fused as blocks');
		expect(r.recognised.format).toBe('pytorch');
		expect(r.recognised.counts.map((c) => c.family).sort()).toEqual(['acnet', 'dbb', 'learnable-rep', 'mobileone', 'repcpe', 'repmixer', 'repvgg', 'repvggdw']);
		const ours = readSafetensors(r.bytes).tensors;
		const theirs = readSafetensors(new Uint8Array(readFileSync(join(dir, 'fused.safetensors')))).tensors;
		// PaddleOCR's rep() keeps lab after reparam_conv; the engine folds it in
		const s = theirs.get('head.rep.lab.scale')!.data[0];
		const c = theirs.get('head.rep.lab.bias')!.data[0];
		const lab = (k: string, t: Tensor): ArrayLike<number> => (k.startsWith('head.rep.reparam_conv.') ? t.data.map((v) => s * v + (k.endsWith('bias') ? c : 0)) : t.data);
		const keys = [...theirs.keys()].filter((k) => !k.startsWith('head.rep.lab.'));
		expect([...ours.keys()].sort()).toEqual(keys.sort());
		for (const k of keys) expect(maxAbsDiff(ours.get(k)!.data, lab(k, theirs.get(k)!)), k).toBeLessThanOrEqual(1e-6 * Math.max(1, maxAbs(ours.get(k)!.data)));
	}, 300_000);
});
