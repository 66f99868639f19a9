/**
 * No file sizes the CLI's time or memory: devices, FIFOs and directories are refused at once, the
 * self-check runs at a modest size whatever the file's spec says, and a check the user asks for that
 * would take minutes is refused before it starts. Limits here are generous kill switches for a hang,
 * not timings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../src/lib/io/checkpoint';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { checkCost, MAX_CHECK_MACS } from '../../src/lib/mobileone/verify';
import { runTool } from '../helpers/tools';

const dir = mkdtempSync(join(tmpdir(), 'mobileone-bounds-'));

function expectOneError(r: { status: number | null; stderr: string; timedOut: boolean }, pattern: RegExp) {
	expect(r.timedOut, 'the tool hung and was killed').toBe(false);
	expect(r.status).toBe(1);
	const lines = r.stderr.trim().split('\n');
	expect(lines).toHaveLength(1);
	expect(lines[0]).toMatch(pattern);
}

describe('bounds: inputs that are not files', () => {
	it('/dev/zero, a FIFO with no writer and a directory each end in one line', async () => {
		const fifo = join(dir, 'fifo.safetensors');
		execFileSync('mkfifo', [fifo]);
		const [zero, pipe, folder] = await Promise.all([
			runTool('fuse', ['/dev/zero', join(dir, 'a.safetensors')], { limitMs: 60_000 }),
			runTool('fuse', [fifo, join(dir, 'b.safetensors')], { limitMs: 60_000 }),
			runTool('fuse', [dir, join(dir, 'c.safetensors')], { limitMs: 60_000 })
		]);
		expectOneError(zero, /^error: \/dev\/zero is not a regular file/);
		expectOneError(pipe, /is not a regular file/);
		expectOneError(folder, /is a directory/);
	}, 120_000);
});

describe('bounds: the self-check', () => {
	// Valid, small on disk (k = 16 branches of 64 channels), but it says its input is 1024×1024.
	const heavy = validateSpec({
		name: 'heavy',
		inputSize: 1024,
		numClasses: 10,
		stem: { width: 64, stride: 1, k: 16 },
		stages: [{ width: 64, blocks: 2, stride: 1, k: 16, seBlocks: 0 }]
	});
	const file = join(dir, 'heavy.safetensors');
	writeFileSync(file, saveCheckpoint(syntheticModel(heavy, 1)));

	it('runs at a modest size, not the size the file claims', async () => {
		expect(checkCost(heavy, heavy.inputSize)).toBeGreaterThan(20 * MAX_CHECK_MACS);
		const out = join(dir, 'heavy.onnx');
		const r = await runTool('fuse', [file, out], { limitMs: 120_000 });
		expect(r.timedOut).toBe(false);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/on a random 1×3×64×64 input/);
		expect(existsSync(out)).toBe(true);
	}, 150_000);

	it('a --size that would take minutes is refused before any work', async () => {
		const r = await runTool('fuse', [file, join(dir, 'never.onnx'), '--size', '1024'], { limitMs: 60_000 });
		expectOneError(r, /would take \d+ G multiply-adds, more than this tool spends .*pass a smaller --size/);
		expect(existsSync(join(dir, 'never.onnx'))).toBe(false);
	}, 90_000);
});
