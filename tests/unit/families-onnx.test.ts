/**
 * Every family's block as PyTorch really exports it: our PyTorch modules (models/families.py, the
 * families' original key names) load a seeded engine block, torch.onnx.export writes it (eval mode,
 * opset 17, with and without BatchNormalization nodes kept), and the graph pass fuses the file.
 * Fused = unfused to ≤ 1e-4·max|y| in onnxruntime-node, and one Conv per block where the pass can
 * prove the whole block linear. DBB's 1×1 → K×K and 1×1 → pool branches pad their gap with the BN
 * bias (ours as pad(y − v) + v; DBB's own code by slice assignments, ScatterND in ONNX); PyTorch 1.13
 * computes that Pad's pads from shapes at run time, so the pass leaves those branches outside the
 * merged Conv and says so.
 * Needs Debian's PyTorch at /usr/bin/python3; CI installs it, so there a missing torch fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededNormal } from '../../src/lib/core/random';
import { maxAbs, maxAbsDiff, type Tensor } from '../../src/lib/core/tensor';
import { FAMILIES } from '../../src/lib/families';
import type { BlockGeometry, FamilyId } from '../../src/lib/families/block';
import { fuseParallelBranches } from '../../src/lib/graph/fuse-branches';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import { writeSafetensors } from '../../src/lib/io/safetensors';
import { opCounts, run } from '../helpers/onnx-hand';

const PYTHON = '/usr/bin/python3';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

const SIZE = 9;

/** Stride 1 and 2, dense, grouped and depthwise, wherever the family allows them. */
const GEOMETRIES: Record<FamilyId, BlockGeometry[]> = {
	mobileone: [{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 4, branches: 2 }],
	repvgg: [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 1 },
		{ cin: 4, cout: 6, kernel: 3, stride: 2, groups: 2 }
	],
	acnet: [
		{ cin: 3, cout: 4, kernel: 3, stride: 1, groups: 1 },
		{ cin: 4, cout: 4, kernel: 5, stride: 2, groups: 2 }
	],
	dbb: [
		{ cin: 4, cout: 6, kernel: 3, stride: 1, groups: 1 },
		{ cin: 3, cout: 3, kernel: 5, stride: 2, groups: 3 }
	],
	repvggdw: [{ cin: 5, cout: 5, kernel: 3, stride: 1, groups: 5 }],
	repmixer: [{ cin: 3, cout: 3, kernel: 5, stride: 1, groups: 3, branches: 2 }],
	repcpe: [{ cin: 4, cout: 4, kernel: 7, stride: 1, groups: 4 }],
	'learnable-rep': [{ cin: 4, cout: 8, kernel: 5, stride: 2, groups: 4, branches: 3 }]
};

interface Export {
	label: string;
	family: FamilyId;
	geometry: BlockGeometry;
	keepBatchNorm: boolean;
	path: string;
}

const dir = mkdtempSync(join(tmpdir(), 'families-onnx-'));
const exports: Export[] = [];
for (const f of FAMILIES)
	(GEOMETRIES[f.id] ?? []).forEach((geometry, i) => {
		for (const keepBatchNorm of [false, true])
			exports.push({ label: `${f.id} ${JSON.stringify(geometry)}${keepBatchNorm ? ' with BN nodes kept' : ''}`, family: f.id, geometry, keepBatchNorm, path: join(dir, `${f.id}-${i}-${keepBatchNorm ? 'bn' : 'folded'}.onnx`) });
	});

/** All exports in one Python process: importing torch is most of the time. */
function exportAll(): void {
	const jobs = exports.map((e, i) => {
		const weights = join(dir, `w${i}.safetensors`);
		const geometry = join(dir, `g${i}.json`);
		writeFileSync(weights, writeSafetensors(FAMILIES.find((f) => f.id === e.family)!.synthetic(e.geometry, 40 + i)));
		writeFileSync(geometry, JSON.stringify(e.geometry));
		return { family: e.family, geometry, weights, out: e.path, keep: e.keepBatchNorm };
	});
	writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
	const script = [
		'import json, sys, warnings',
		'warnings.filterwarnings("ignore")',
		'sys.path.insert(0, "models")',
		'import families as F',
		'import torch',
		'torch.set_num_threads(1)',
		`for j in json.load(open(sys.argv[1])):`,
		`    g = json.load(open(j["geometry"]))`,
		`    F.export_onnx(F.load_block(j["family"], g, F.Path(j["weights"])), F.Path(j["out"]), g["cin"], ${SIZE}, j["keep"])`
	].join('\n');
	execFileSync(PYTHON, ['-c', script, join(dir, 'jobs.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function input(seed: number, cin: number): Tensor {
	const normal = seededNormal(seed);
	const shape = [2, cin, SIZE, SIZE];
	return { shape, data: Float32Array.from({ length: 2 * cin * SIZE * SIZE }, () => normal()) };
}

describe.skipIf(!torchAvailable)('every family exported by torch.onnx.export, fused by the graph pass', () => {
	beforeAll(exportAll, 600_000);

	it.each(exports)('$label', async (e) => {
		const bytes = new Uint8Array(readFileSync(e.path));
		const original = decodeOnnx(bytes);
		const { model, summary } = fuseParallelBranches(original);
		const merged = summary.groups.filter((g) => g.merged);
		expect(merged.length, summary.groups.map((g) => g.reason).join('; ')).toBe(1);
		const group = merged[0];
		const after = opCounts(model);
		if (e.family === 'dbb') {
			// The gap-padded branches (1×1 → BN-and-pad → K×K, 1×1 → BN-and-pad → pool) stay: PyTorch 1.13
			// computes their Pad's pads from shapes at run time. The rest is one Conv, the stays added to it.
			expect(group.partial).toMatch(/Pad .* whose pads the graph computes from shapes at run time, so the pass cannot prove what its border holds/);
			expect(summary.nodes.after).toBeLessThan(summary.nodes.before);
		} else {
			expect(group.partial).toBeUndefined();
			expect(after.Conv).toBe(1);
			expect(Object.keys(after).filter((op) => op !== 'Conv' && op !== 'Identity' && op !== 'Constant')).toEqual([]);
		}
		if (e.keepBatchNorm && e.family !== 'repcpe') expect(group.transforms).toContain(e.family === 'repvggdw' ? 'post-BN' : 'fold');
		if (e.family === 'acnet') expect(group.transforms).toContain('pad');
		if (e.family === 'repmixer' || e.family === 'learnable-rep') expect(group.transforms).toContain('scale');
		const x = input(7, e.geometry.cin);
		const want = await run(ortNode, bytes, x, 'input', 'output');
		const got = await run(ortNode, encodeOnnx(model), x, 'input', 'output');
		expect(got.length).toBe(want.length);
		expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-4 * maxAbs(want));
	});
});
