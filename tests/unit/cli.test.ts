/** The command-line tools as a user runs them: exit codes, one clear error line, real output. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../src/lib/io/checkpoint';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';

const dir = mkdtempSync(join(tmpdir(), 'mobileone-cli-'));
const run = (script: string, args: string[]) => spawnSync('npx', ['tsx', `scripts/${script}.ts`, ...args], { encoding: 'utf8' });

const spec = validateSpec({ name: 'cli', inputSize: 16, numClasses: 4, stem: { width: 8, stride: 2, k: 1 }, stages: [{ width: 16, blocks: 2, stride: 2, k: 3, seBlocks: 0 }] });
const checkpoint = join(dir, 'small.safetensors');
writeFileSync(checkpoint, saveCheckpoint(syntheticModel(spec, 1)));

describe('command-line tools', () => {
	it('fuse writes a fused state dict under Apple’s keys and reports the check', () => {
		const out = join(dir, 'fused.safetensors');
		const r = run('fuse', [checkpoint, out]);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/merged\s+\d+ branches into 5 convs/);
		const delta = Number(/max \|Δ\| between unfused and fused logits = ([\d.e+-]+)/.exec(r.stdout)?.[1]);
		expect(delta).toBeLessThan(1e-4);
		const fused = loadCheckpoint(new Uint8Array(readFileSync(out)));
		expect(fused.form).toBe('fused');
		expect(fused.spec).toEqual(spec);
	}, 60_000);

	it('export writes an ONNX file for a synthetic variant', () => {
		const out = join(dir, 's1.onnx');
		const r = run('export', ['--variant', 's1', '--seed', '3', '--form', 'fused', out]);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/fused: \d+ nodes/);
		expect(readFileSync(out).length).toBeGreaterThan(4 * 4.7e6);
	}, 60_000);

	it('bad input ends with one "error:" line and a non-zero exit code', () => {
		const truncated = join(dir, 'truncated.safetensors');
		writeFileSync(truncated, readFileSync(checkpoint).subarray(0, 500));
		const notMobileOne = join(dir, 'other.safetensors');
		writeFileSync(notMobileOne, Buffer.from(new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{}      ')])));
		for (const args of [[truncated, join(dir, 'x.onnx')], [notMobileOne, join(dir, 'x.onnx')], [join(dir, 'missing.safetensors'), join(dir, 'x.onnx')]]) {
			const r = run('fuse', args);
			expect(r.status).toBe(1);
			const lines = r.stderr.trim().split('\n');
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatch(/^error: /);
		}
		const usage = run('export', ['--variant', 's9', '--form', 'fused', join(dir, 'x.onnx')]);
		expect(usage.status).toBe(2);
		expect(usage.stderr).toMatch(/^error: unknown variant/);
	}, 120_000);
});
