/**
 * Every family's block as PyTorch really exports it, shared by the tests that fuse those files
 * (onnxruntime-node and onnxruntime-web): our PyTorch modules (models/families.py, the families'
 * original key names) load a seeded engine block, and torch.onnx.export writes it (eval mode,
 * opset 17, with and without BatchNormalization nodes kept).
 *
 * Importing torch is most of the time, so all exports run in one Python process, and the files are
 * kept in the system's temp folder under a hash of everything they depend on (families.py, the
 * weights, the jobs): a second test file, or a second run, reuses them; any change makes new ones.
 * Needs Debian's PyTorch at /usr/bin/python3; CI installs it, so there a missing torch fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededNormal } from '../../src/lib/core/random';
import type { Tensor } from '../../src/lib/core/tensor';
import { FAMILIES } from '../../src/lib/families';
import type { BlockGeometry, FamilyId } from '../../src/lib/families/block';
import { writeSafetensors } from '../../src/lib/io/safetensors';

const PYTHON = '/usr/bin/python3';
export const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

/** The exported input's side: small, the graphs are the same at any side. */
export const SIZE = 9;

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
		{ cin: 3, cout: 3, kernel: 5, stride: 2, groups: 3 },
		{ cin: 4, cout: 4, kernel: 3, stride: 2, groups: 2 }
	],
	repvggdw: [{ cin: 5, cout: 5, kernel: 3, stride: 1, groups: 5 }],
	repmixer: [{ cin: 3, cout: 3, kernel: 5, stride: 1, groups: 3, branches: 2 }],
	repcpe: [{ cin: 4, cout: 4, kernel: 7, stride: 1, groups: 4 }],
	'learnable-rep': [{ cin: 4, cout: 8, kernel: 5, stride: 2, groups: 4, branches: 3 }]
};

export interface FamilyExport {
	label: string;
	family: FamilyId;
	geometry: BlockGeometry;
	keepBatchNorm: boolean;
	/** The .onnx file, once `exportFamilies` has run. */
	path: string;
}

function plan(): { exports: FamilyExport[]; weights: Uint8Array[] } {
	const exports: FamilyExport[] = [];
	const weights: Uint8Array[] = [];
	for (const f of FAMILIES)
		(GEOMETRIES[f.id] ?? []).forEach((geometry, i) => {
			for (const keepBatchNorm of [false, true]) {
				weights.push(writeSafetensors(f.synthetic(geometry, 40 + exports.length)));
				exports.push({ label: `${f.id} ${JSON.stringify(geometry)}${keepBatchNorm ? ' with BN nodes kept' : ''}`, family: f.id, geometry, keepBatchNorm, path: `${f.id}-${i}-${keepBatchNorm ? 'bn' : 'folded'}.onnx` });
			}
		});
	return { exports, weights };
}

/** The exports' list, paths included; the files exist once `exportFamilies` has run. */
const planned = plan();
const key = createHash('sha256');
key.update(readFileSync('models/families.py'));
key.update(readFileSync('models/safetensors_io.py'));
key.update(JSON.stringify({ SIZE, e: planned.exports }));
for (const w of planned.weights) key.update(w);
const dir = join(tmpdir(), `mobileone-lab-family-exports-${key.digest('hex').slice(0, 16)}`);
export const FAMILY_EXPORTS: FamilyExport[] = planned.exports.map((e) => ({ ...e, path: join(dir, e.path) }));

/** Writes every export (one Python process) unless an identical set is already on disk. */
export function exportFamilies(): void {
	if (existsSync(join(dir, 'done'))) return;
	const work = mkdtempSync(join(tmpdir(), 'family-exports-'));
	try {
		const jobs = planned.exports.map((e, i) => {
			const weights = join(work, `w${i}.safetensors`);
			const geometry = join(work, `g${i}.json`);
			writeFileSync(weights, planned.weights[i]);
			writeFileSync(geometry, JSON.stringify(e.geometry));
			return { family: e.family, geometry, weights, out: join(work, e.path), keep: e.keepBatchNorm };
		});
		writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs));
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
		execFileSync(PYTHON, ['-c', script, join(work, 'jobs.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
		writeFileSync(join(work, 'done'), '');
		// Another test file may have finished the same set meanwhile: either copy is the same.
		mkdirSync(join(dir, '..'), { recursive: true });
		try {
			renameSync(work, dir);
		} catch {
			if (!existsSync(join(dir, 'done'))) throw new Error(`could not keep the exports in ${dir}`);
		}
	} finally {
		if (existsSync(work)) rmSync(work, { recursive: true, force: true });
	}
}

/** A seeded [2, cin, SIZE, SIZE] input. */
export function familyInput(seed: number, cin: number): Tensor {
	const normal = seededNormal(seed);
	const shape = [2, cin, SIZE, SIZE];
	return { shape, data: Float32Array.from({ length: 2 * cin * SIZE * SIZE }, () => normal()) };
}
