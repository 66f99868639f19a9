/**
 * Every family's block, two independent implementations: the engine (src/lib/families/) and our
 * PyTorch modules (models/families.py, the family's original module names). A seeded block from the
 * engine is written as safetensors and loaded strictly by PyTorch (every key, no other), so the key
 * names are checked too; then PyTorch's train-time forward and its own fuse must match the engine's
 * forward and fuse to ≤ 1e-4·max|y|, and PyTorch's fused tensors the engine's fused ones.
 * Needs Debian's PyTorch at /usr/bin/python3; CI installs it, so there a missing torch fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededNormal } from '../../src/lib/core/random';
import { maxAbs, maxAbsDiff, type Tensor } from '../../src/lib/core/tensor';
import { FAMILIES, familyById } from '../../src/lib/families';
import type { BlockGeometry, FamilyId, StateDict } from '../../src/lib/families/block';
import { proveFamilyBlock } from '../../src/lib/families/prove';
import { roundOnce } from '../../src/lib/reparam/conv-kernel';
import { readSafetensors, writeSafetensors } from '../../src/lib/io/safetensors';

const PYTHON = '/usr/bin/python3';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

const TOLERANCE = 1e-4;

/** Stride 1 and 2, groups 1 / depthwise / other, kernels 1 to 7, wherever the family allows them. */
const GEOMETRIES: Record<FamilyId, BlockGeometry[]> = {
	mobileone: [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 4, branches: 2 },
		{ cin: 4, cout: 6, kernel: 1, stride: 1, groups: 1, branches: 2 },
		{ cin: 4, cout: 4, kernel: 5, stride: 2, groups: 2, branches: 1 }
	],
	repvgg: [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 1 },
		{ cin: 4, cout: 6, kernel: 3, stride: 2, groups: 2 },
		{ cin: 6, cout: 6, kernel: 3, stride: 1, groups: 3 }
	],
	acnet: [
		{ cin: 3, cout: 4, kernel: 3, stride: 1, groups: 1 },
		{ cin: 4, cout: 4, kernel: 5, stride: 2, groups: 2 },
		{ cin: 3, cout: 3, kernel: 7, stride: 1, groups: 3 }
	],
	dbb: [
		{ cin: 4, cout: 6, kernel: 3, stride: 1, groups: 1 },
		{ cin: 4, cout: 4, kernel: 3, stride: 2, groups: 2 },
		{ cin: 4, cout: 4, kernel: 5, stride: 1, groups: 1, internal: 6 },
		{ cin: 3, cout: 3, kernel: 5, stride: 2, groups: 3 }
	],
	repvggdw: [{ cin: 5, cout: 5, kernel: 3, stride: 1, groups: 5 }],
	repmixer: [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 4 },
		{ cin: 3, cout: 3, kernel: 5, stride: 1, groups: 3, branches: 2 }
	],
	repcpe: [
		{ cin: 4, cout: 4, kernel: 7, stride: 1, groups: 4 },
		{ cin: 3, cout: 3, kernel: 3, stride: 1, groups: 3 }
	],
	'learnable-rep': [
		{ cin: 4, cout: 4, kernel: 3, stride: 1, groups: 1, branches: 2 },
		{ cin: 4, cout: 8, kernel: 5, stride: 2, groups: 4, branches: 3 },
		{ cin: 3, cout: 3, kernel: 1, stride: 1, groups: 1 }
	]
};

interface Job {
	family: FamilyId;
	geometry: BlockGeometry;
	sd: StateDict;
	x: Tensor;
	out: string;
}

function input(seed: number, cin: number): Tensor {
	const normal = seededNormal(seed);
	const shape = [2, cin, 9, 8];
	return { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal()) };
}

/** Runs every job in one PyTorch process; returns each job's outputs ("unfused", "fused", "fused.KEY"). */
function runTorch(jobs: Job[]): Map<string, Tensor>[] {
	const dir = mkdtempSync(join(tmpdir(), 'families-torch-'));
	const manifest = jobs.map((j, i) => {
		const weights = join(dir, `w${i}.safetensors`);
		const batch = join(dir, `x${i}.safetensors`);
		writeFileSync(weights, writeSafetensors(j.sd));
		writeFileSync(batch, writeSafetensors(new Map([['input', j.x]])));
		return { family: j.family, geometry: j.geometry, weights, batch, out: join(dir, `y${i}.safetensors`) };
	});
	writeFileSync(join(dir, 'jobs.json'), JSON.stringify(manifest));
	execFileSync(PYTHON, ['models/families.py', 'run-many', join(dir, 'jobs.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
	return manifest.map((m) => readSafetensors(new Uint8Array(readFileSync(m.out))).tensors);
}

const rel = (a: ArrayLike<number>, b: ArrayLike<number>) => maxAbsDiff(a, b) / maxAbs(b);

describe.skipIf(!torchAvailable)('PyTorch (models/families.py) and the engine agree on every family', () => {
	const jobs: Job[] = [];
	for (const f of FAMILIES)
		GEOMETRIES[f.id].forEach((g, i) => {
			const seed = 100 + 7 * i + f.id.length;
			jobs.push({ family: f.id, geometry: g, sd: f.synthetic(g, seed), x: input(seed + 1, g.cin), out: '' });
		});
	// one wrong key mapping, on purpose: RepVGG's two BatchNorms swapped (same shapes, so PyTorch loads it)
	const repvggJob = jobs.find((j) => j.family === 'repvgg')!;
	const wrong: Job = { ...repvggJob, sd: new Map(repvggJob.sd) };
	for (const t of ['weight', 'bias', 'running_mean', 'running_var']) {
		wrong.sd.set(`rbr_dense.bn.${t}`, repvggJob.sd.get(`rbr_1x1.bn.${t}`)!);
		wrong.sd.set(`rbr_1x1.bn.${t}`, repvggJob.sd.get(`rbr_dense.bn.${t}`)!);
	}
	let outs: Map<string, Tensor>[] = [];
	beforeAll(() => {
		outs = runTorch([...jobs, wrong]);
	}, 120_000);

	it('every family has geometries here', () => {
		for (const f of FAMILIES) expect(GEOMETRIES[f.id]?.length, f.id).toBeGreaterThan(0);
	});

	for (const f of FAMILIES)
		it(`${f.name}: train-time forward, fused forward and fused tensors`, () => {
			jobs.forEach((j, i) => {
				if (j.family !== f.id) return;
				const label = JSON.stringify(j.geometry);
				const theirs = outs[i];
				const proof = proveFamilyBlock(f, j.geometry, j.sd, j.x);
				expect(theirs.get('unfused')!.shape, label).toEqual(proof.unfused.shape);
				expect(rel(theirs.get('unfused')!.data, proof.unfused.data), `unfused ${label}`).toBeLessThanOrEqual(TOLERANCE);
				expect(rel(theirs.get('fused')!.data, proof.fused.data), `fused ${label}`).toBeLessThanOrEqual(TOLERANCE);
				expect(rel(theirs.get('fused')!.data, proof.unfused.data), `PyTorch's fuse vs engine's train-time ${label}`).toBeLessThanOrEqual(TOLERANCE);
				// the fused tensors themselves, under the family's deploy names
				const ours = roundOnce(proof.fusion.fused);
				let w = theirs.get(`fused.${proof.fusion.keys.weight}`)!;
				let b = theirs.get(`fused.${proof.fusion.keys.bias}`)!;
				expect(w, `fused.${proof.fusion.keys.weight} ${label}`).toBeDefined();
				if (f.id === 'learnable-rep') {
					// PaddleOCR's rep() keeps lab after reparam_conv; the engine folds it in: compare s·W, s·b + c
					const s = theirs.get('fused.lab.scale')!.data[0];
					const c = theirs.get('fused.lab.bias')!.data[0];
					w = { shape: w.shape, data: w.data.map((v) => s * v) };
					b = { shape: b.shape, data: b.data.map((v) => s * v + c) };
				}
				expect(w.shape).toEqual(ours.weight.shape);
				expect(rel(w.data, ours.weight.data), `fused weight ${label}`).toBeLessThanOrEqual(1e-6);
				expect(maxAbsDiff(b.data, ours.bias)).toBeLessThanOrEqual(1e-6 * Math.max(1, maxAbs(ours.bias)));
			});
		});

	it('a wrong key mapping is caught: RepVGG with rbr_dense.bn and rbr_1x1.bn swapped', () => {
		const theirs = outs[jobs.length];
		const proof = proveFamilyBlock(familyById('repvgg')!, repvggJob.geometry, repvggJob.sd, repvggJob.x);
		expect(rel(theirs.get('unfused')!.data, proof.unfused.data)).toBeGreaterThan(100 * TOLERANCE);
	});
});
