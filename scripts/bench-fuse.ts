/**
 * npm run bench:fuse — how long reparameterizing a whole MobileOne takes in Node, against the
 * floor of merely copying the same train-time weight bytes once. Target: ratio ≤ 3.
 * Then S0 from a file, as `npm run fuse` takes it: read and fuse (readNetworkFile, then the engine
 * or the graph pass), and the whole fuseNetworkFile with its check and the output bytes, from
 * safetensors, a torch.save `.pth` and an `.onnx` (torch.onnx.export when /usr/bin/python3 has
 * torch, else our builder's unfused graph).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../src/lib/bench';
import { fuseParallelBranches } from '../src/lib/graph/fuse-branches';
import { saveCheckpoint } from '../src/lib/io/checkpoint';
import { fuseNetworkFile } from '../src/lib/fuse-file';
import { readNetworkFile } from '../src/lib/io/network-file';
import { buildOnnx } from '../src/lib/io/onnx/build';
import { nodeOnnxRunner } from './cli';
import { fuseModel } from '../src/lib/mobileone/reparam';
import { variantSpec, VARIANTS } from '../src/lib/mobileone/spec';
import { syntheticModel } from '../src/lib/mobileone/synthetic';
import { toStateDict } from '../src/lib/io/statedict';
import { type UnfusedModel } from '../src/lib/mobileone/model';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);

function copyAll(model: UnfusedModel): number {
	let n = 0;
	for (const t of toStateDict(model).values()) n += t.data.slice().length;
	return n;
}

function printTable(rows: string[][]): void {
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
	for (const [i, r] of rows.entries()) {
		console.log(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
		if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
	}
}

const rows: string[][] = [['variant', 'weights (MB)', 'fuse median (ms)', 'copy median (ms)', 'ratio', 'target ≤ 3']];
for (const v of VARIANTS) {
	const model = syntheticModel(variantSpec(v), 0);
	const bytes = [...toStateDict(model).values()].reduce((s, t) => s + t.data.byteLength, 0);
	const fuseTimes: number[] = [];
	const copyTimes: number[] = [];
	for (let i = 0; i < RUNS + 3; i++) {
		// interleaved so both see the same machine state; the first 3 rounds warm the JIT
		let t = performance.now();
		fuseModel(model);
		const f = performance.now() - t;
		t = performance.now();
		copyAll(model);
		const c = performance.now() - t;
		if (i >= 3) {
			fuseTimes.push(f);
			copyTimes.push(c);
		}
	}
	const fm = median(fuseTimes);
	const cm = median(copyTimes);
	rows.push([v.toUpperCase(), (bytes / 1e6).toFixed(1), fm.toFixed(1), cm.toFixed(1), (fm / cm).toFixed(2), fm / cm <= 3 ? 'met' : 'missed']);
}
printTable(rows);
console.log(`\n${RUNS} interleaved runs each after 3 warm-up rounds; Node ${process.version}; synthetic weights (timing does not depend on values).`);

// S0 from a file. Fewer runs: each reads ~20 MB, and the whole command runs the check too.
const FILE_RUNS = Math.max(1, Math.min(RUNS, 7));
const CHECK_RUNS = Math.max(1, Math.min(RUNS, 3));
const PYTHON = '/usr/bin/python3';
const torch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'bench-fuse-'));
const s0 = syntheticModel(variantSpec('s0'), 0);
const s0Safetensors = join(dir, 's0.safetensors');
writeFileSync(s0Safetensors, saveCheckpoint(s0));

function python(args: string[]): string | null {
	const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
	return r.status === 0 ? null : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
}

type Source = { label: string; path: string | null; out: 'onnx' | 'safetensors'; note: string };
const sources: Source[] = [{ label: 'S0 .safetensors', path: s0Safetensors, out: 'safetensors', note: 'synthetic, engine' }];
if (!torch) sources.push({ label: 'S0 .pth', path: null, out: 'safetensors', note: 'skipped: /usr/bin/python3 has no torch' });
else {
	const failed = python(['models/make_pytorch_fixtures.py', dir, 's0']);
	sources.push({ label: 'S0 .pth', path: failed ? null : join(dir, 's0.pth'), out: 'safetensors', note: failed ? `skipped: ${failed}` : 'torch.save, engine' });
}
const exported = join(dir, 's0.onnx');
const exportFailed = torch ? python(['models/export_torch_onnx.py', s0Safetensors, exported]) : 'no torch';
if (exportFailed) writeFileSync(exported, buildOnnx(s0));
sources.push({ label: 'S0 .onnx', path: exported, out: 'onnx', note: exportFailed ? `our builder (torch.onnx.export: ${exportFailed})` : 'torch.onnx.export, graph pass + onnxruntime-node' });

function readAndFuse(bytes: Uint8Array): void {
	const file = readNetworkFile(bytes);
	if (file.kind === 'onnx') fuseParallelBranches(file.model);
	else if (file.checkpoint.form === 'unfused') fuseModel(file.checkpoint.model);
}

const fileRows: string[][] = [['input', 'file (MB)', 'read + fuse median (ms)', 'fuseNetworkFile median (ms)', 'check input', 'source']];
for (const s of sources) {
	if (!s.path) {
		fileRows.push([s.label, '—', '—', '—', '—', s.note]);
		continue;
	}
	const bytes = new Uint8Array(readFileSync(s.path));
	const fuseTimes: number[] = [];
	for (let i = 0; i < FILE_RUNS + 1; i++) {
		const t = performance.now();
		readAndFuse(bytes);
		if (i >= 1) fuseTimes.push(performance.now() - t);
	}
	const wholeTimes: number[] = [];
	let shape = '';
	for (let i = 0; i < CHECK_RUNS; i++) {
		const t = performance.now();
		const r = await fuseNetworkFile(bytes, { seed: 0, size: 0, out: s.out, runOnnx: nodeOnnxRunner });
		wholeTimes.push(performance.now() - t);
		if (r.status !== 'fused') throw new Error(`${s.label}: ${r.summary}`);
		shape = r.check.shape.join('×');
	}
	fileRows.push([s.label, (bytes.length / 1e6).toFixed(1), median(fuseTimes).toFixed(0), median(wholeTimes).toFixed(0), shape, s.note]);
}
console.log('');
printTable(fileRows);
console.log(`\nread + fuse: ${FILE_RUNS} runs after 1 warm-up; fuseNetworkFile (read, fuse, the check, the output bytes): ${CHECK_RUNS} runs. The check runs at 64×64 for state dicts, at the graph's own H×W for ONNX.`);
