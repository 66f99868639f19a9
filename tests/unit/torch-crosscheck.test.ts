/**
 * Keeps the two implementations honest: PyTorch (models/mobileone.py, Apple's module structure)
 * and the TypeScript engine must compute the same logits, unfused and fused, on a fixed batch.
 * Needs Debian's PyTorch at /usr/bin/python3; CI installs it, so there a missing torch fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, requireUnfused, saveCheckpoint } from '../../src/lib/io/checkpoint';
import { forwardModel } from '../../src/lib/mobileone/forward';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { readSafetensors, writeSafetensors } from '../../src/lib/io/safetensors';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { randomInput, syntheticModel } from '../../src/lib/mobileone/synthetic';
import { maxAbs, maxAbsDiff } from '../../src/lib/core/tensor';

const PYTHON = '/usr/bin/python3';
const SHIPPED = 'models/mobileone-cifar10.safetensors';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

function crossCheck(weights: Uint8Array, seed: number) {
	const ck = loadCheckpoint(weights);
	const x = randomInput(ck.spec, seed, 4);
	const dir = mkdtempSync(join(tmpdir(), 'crosscheck-'));
	writeFileSync(join(dir, 'w.safetensors'), weights);
	writeFileSync(join(dir, 'x.safetensors'), writeSafetensors(new Map([['input', x]])));
	execFileSync(PYTHON, ['models/crosscheck.py', join(dir, 'w.safetensors'), join(dir, 'x.safetensors'), join(dir, 'y.safetensors')]);
	const torchOut = readSafetensors(new Uint8Array(readFileSync(join(dir, 'y.safetensors')))).tensors;
	const model = requireUnfused(ck, 'the cross-check');
	const ours = { unfused: forwardModel(model, x), fused: forwardModel(fuseModel(model), x) };
	for (const form of ['unfused', 'fused'] as const) {
		const theirs = torchOut.get(form)!;
		expect(theirs.shape).toEqual(ours[form].shape);
		const rel = maxAbsDiff(theirs.data, ours[form].data) / maxAbs(ours[form].data);
		expect(rel, form).toBeLessThanOrEqual(1e-4);
	}
}

describe.skipIf(!torchAvailable)('PyTorch and the TypeScript engine agree', () => {
	it('on a synthetic model with SE, a stride-1 stage, k = 3 and a k = 2 stem', () => {
		const spec = validateSpec({
			name: 'crosscheck',
			inputSize: 16,
			numClasses: 6,
			stem: { width: 16, stride: 1, k: 2 },
			stages: [
				{ width: 16, blocks: 2, stride: 1, k: 3, seBlocks: 0 },
				{ width: 32, blocks: 2, stride: 2, k: 3, seBlocks: 1 }
			]
		});
		crossCheck(saveCheckpoint(syntheticModel(spec, 5)), 9);
	});

	it.skipIf(!existsSync(SHIPPED) && process.env.CI !== 'true')('on the shipped CIFAR-10 model', () => {
		crossCheck(new Uint8Array(readFileSync(SHIPPED)), 3);
	});
});
