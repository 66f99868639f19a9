/**
 * What a file can make the CLI print: names and values from the file reach the terminal escaped
 * and cut short (no control sequences, no forged lines, no floods), odd values get honest messages,
 * and option mistakes are one usage line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../src/lib/io/checkpoint';
import { writeSafetensors } from '../../src/lib/io/safetensors';
import { toStateDict } from '../../src/lib/io/statedict';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { RAW_CONTROL, runTool } from '../helpers/tools';

const dir = mkdtempSync(join(tmpdir(), 'mobileone-terminal-'));
const spec = validateSpec({ name: 'terminal', inputSize: 16, numClasses: 4, stem: { width: 8, stride: 2, k: 1 }, stages: [{ width: 16, blocks: 1, stride: 2, k: 2, seBlocks: 0 }] });
const model = syntheticModel(spec, 5);

function file(name: string, bytes: Uint8Array): string {
	const p = join(dir, name);
	writeFileSync(p, bytes);
	return p;
}

/** A safetensors file whose header is exactly `header` (no tensors need to be valid). */
function rawHeader(header: string): Uint8Array {
	const h = new TextEncoder().encode(header);
	const out = new Uint8Array(8 + h.length);
	new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
	out.set(h, 8);
	return out;
}

const ESC = '\u001b';

describe('terminal: untrusted strings are escaped', () => {
	it('a spec name and a tensor name full of control sequences print as visible escapes', async () => {
		const evil = `${ESC}[2J${ESC}]0;pwned\u0007\r  wrote      /etc/passwd\n`;
		const sd = toStateDict(model);
		sd.set(`extra${ESC}[31m.tensor\rerror: forged`, { shape: [1], data: new Float32Array([1]) });
		const input = file('evil.safetensors', writeSafetensors(sd, { spec: JSON.stringify({ ...spec, name: evil }) }));
		const r = await runTool('fuse', [input, join(dir, 'evil.onnx')]);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).not.toMatch(RAW_CONTROL);
		expect(r.stdout).toContain('\\u001b[2J');
		// every line is one of the report's own
		for (const line of r.stdout.trimEnd().split('\n')) expect(line).toMatch(/^ {2}(input|format|group|spec|merged|operators|parameters|check|wrote|note) /);
	}, 90_000);

	it('huge names, values and shapes are cut short in the one error line', async () => {
		const bigKey = 'k'.repeat(10_000_000);
		const cases = [
			rawHeader(JSON.stringify({ [bigKey]: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } })),
			rawHeader(JSON.stringify({ x: { dtype: 'X'.repeat(30_000_000), shape: [1], data_offsets: [0, 4] } })),
			rawHeader(`{"x":{"dtype":"F32","shape":[${new Array(4_000_000).fill(1).join(',')}],"data_offsets":[0,8]}}`)
		];
		const runs = await Promise.all(cases.map((bytes, i) => runTool('fuse', [file(`huge${i}.safetensors`, bytes), join(dir, 'x.onnx')])));
		for (const r of runs) {
			expect(r.status).toBe(1);
			const lines = r.stderr.trim().split('\n');
			expect(lines).toHaveLength(1);
			expect(lines[0].length).toBeLessThan(1000);
			expect(lines[0]).not.toMatch(RAW_CONTROL);
		}
	}, 120_000);
});

describe('terminal: honest messages', () => {
	it('a 200,000-deep array, 1e400 and a large inputSize', async () => {
		const deep = rawHeader(`{"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
		const hugeInt = writeSafetensors(toStateDict(model), { spec: JSON.stringify(spec).replace('"inputSize":16', '"inputSize":1e400') });
		const wide = saveCheckpoint({ ...model, spec: { ...spec, inputSize: 4096 } });
		const [d, n, w] = await Promise.all([
			runTool('fuse', [file('deep.safetensors', deep), join(dir, 'x.onnx')]),
			runTool('fuse', [file('1e400.safetensors', hugeInt), join(dir, 'x.onnx')]),
			runTool('fuse', [file('wide.safetensors', wide), join(dir, 'wide.onnx')])
		]);
		expect(d.stderr.trim()).toMatch(/^error: header is not valid UTF-8 JSON: nested more than 64 levels deep/);
		expect(n.stderr.trim()).toMatch(/inputSize must be an integer .* got a number too large to represent/);
		expect(w.status, w.stderr).toBe(0);
		expect(w.stdout).toMatch(/on a random 1×3×64×64 input/);
	}, 120_000);

	it('option mistakes are one usage line with exit 2', async () => {
		const input = file('ok.safetensors', saveCheckpoint(model));
		const runs = await Promise.all([
			runTool('fuse', [input, join(dir, 'o.onnx'), '--seed', 'abc']),
			runTool('fuse', [input, join(dir, 'o.onnx'), '--size']),
			runTool('fuse', [input, join(dir, 'o.onnx'), '--colour', 'red']),
			runTool('export', ['--variant', 's0', '--seed', '1.5', '--form', 'fused', join(dir, 'o.onnx')])
		]);
		const patterns = [/--seed must be a whole number .* got "abc"/, /--size/, /--colour/, /--seed must be a whole number/];
		runs.forEach((r, i) => {
			expect(r.status).toBe(2);
			const lines = r.stderr.trim().split('\n');
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatch(/^error: /);
			expect(lines[0]).toMatch(patterns[i]);
		});
	}, 120_000);

	it('piping the report into head ends quietly, with no EPIPE trace', async () => {
		const input = file('pipe.safetensors', saveCheckpoint(model));
		const err = join(dir, 'pipe.err');
		const r = await runTool('', [], { shell: `set -o pipefail; npx tsx scripts/fuse.ts ${input} ${join(dir, 'pipe.onnx')} 2>${err} | head -c 1 >/dev/null; echo "status=$?"` });
		expect(r.stdout.trim()).toBe('status=0');
		expect(readFileSync(err, 'utf8')).toBe('');
	}, 90_000);
});
