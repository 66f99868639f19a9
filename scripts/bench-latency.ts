/**
 * npm run bench:latency [-- --models s0,cifar10] [--seconds N] [--threads N] [--runtimes node,web] [--no-reference] [--json]
 *
 * The latency lab's benchmark (src/lib/bench, the same code the page's worker runs) from the
 * command line: per model and runtime, the multi-branch graph with ONNX Runtime's optimizations
 * off and on, the graph fused by our engine, and, when /usr/bin/python3 has torch, PyTorch's own
 * eval-mode torch.onnx.export of the same weights as a reference for the multi-branch baseline.
 * Runtimes: onnxruntime-node (native CPU) and onnxruntime-web's WebAssembly build under Node.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import {
	benchModelInfo,
	buildBenchGraphs,
	DEFAULT_PROTOCOL,
	familyBenchGraphs,
	formDef,
	measureBench,
	openBenchSessions,
	ratioOf,
	resultRows,
	toJson,
	type LatencyResult,
	type ReferenceGraph
} from '../src/lib/bench';
import { formatDiff, formatInterval, formatMs, formatRatio } from '../src/lib/format';
import { loadCheckpoint, requireUnfused, saveCheckpoint } from '../src/lib/io/checkpoint';
import type { UnfusedModel } from '../src/lib/mobileone/model';
import { FAMILY_MODEL_CHOICES, isFamilyModelId, isModelId, MODEL_CHOICES, modelChoice, SHIPPED_WEIGHTS_FILE, syntheticVariant, type FamilyModelId, type ModelId } from '../src/lib/models';
import { parseArgs, runCli, UsageError } from './cli';
import { RUNTIMES, runtimeFor, type Runtime } from './lib/bench-runtime';

const ALL_MODELS: (ModelId | FamilyModelId)[] = [...MODEL_CHOICES, ...FAMILY_MODEL_CHOICES].map((m) => m.id);
const PYTHON = '/usr/bin/python3';
const TORCH_EXPORT = 'models/export_torch_onnx.py';
const REFERENCE_OPSET = 17;

const USAGE = `usage: npm run bench:latency -- [--models ${ALL_MODELS.join(',')}] [--seconds N] [--threads N] [--runtimes node,web] [--no-reference] [--json]
  Times these forms of each model, interleaved, after a warm-up of ${DEFAULT_PROTOCOL.warmupRounds}+ rounds and ${DEFAULT_PROTOCOL.warmupMs / 1000}+ s:
    (a) multi-branch ONNX, ONNX Runtime graph optimizations off
    (b) multi-branch ONNX, optimizations on (ORT folds each Conv+BatchNorm itself)
    (c) fused by MobileOne Lab's engine, optimizations on
    (r) reference: PyTorch's torch.onnx.export (eval mode) of the same weights, optimizations on;
        needs ${PYTHON} with torch, else skipped with the reason; MobileOne only
  --models        comma-separated; default all (S0–S4 and RepVGG-A0 at 224×224 with synthetic weights, our CIFAR-10 model at 32×32)
  --seconds       measuring time per model and runtime, after warm-up; default 5
  --threads       intra-op threads for both runtimes; default 1
  --runtimes      node = onnxruntime-node (native), web = onnxruntime-web (WebAssembly) under Node; default both
  --no-reference  skip (r)
  --json          print the full result records (samples included) as JSON instead of the table`;

const log = (s: string) => process.stderr.write(s + '\n');

function loadUnfused(id: ModelId): UnfusedModel {
	if (id !== 'cifar10') return syntheticVariant(id);
	const ck = loadCheckpoint(new Uint8Array(readFileSync(SHIPPED_WEIGHTS_FILE)));
	return requireUnfused(ck, 'the benchmark');
}

/** The torch version, or why PyTorch cannot make the reference here. */
function torchVersion(): { version: string } | { skipped: string } {
	const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
	if (probe.error) return { skipped: `${PYTHON} cannot be run (${probe.error.message})` };
	if (probe.status !== 0) return { skipped: `${PYTHON} has no torch (${probe.stderr.trim().split('\n').pop()})` };
	return { version: probe.stdout.trim() };
}

/** PyTorch's eval-mode export of exactly the weights we time, through a temporary safetensors file. */
function torchReference(unfused: UnfusedModel, torch: string): ReferenceGraph {
	const dir = mkdtempSync(join(tmpdir(), 'mobileone-torch-export-'));
	try {
		const weights = join(dir, 'weights.safetensors');
		const out = join(dir, 'torch.onnx');
		writeFileSync(weights, saveCheckpoint(unfused));
		const run = spawnSync(PYTHON, [TORCH_EXPORT, weights, out, '--opset', String(REFERENCE_OPSET)], { encoding: 'utf8' });
		if (run.status !== 0) throw new Error(`${TORCH_EXPORT} failed: ${(run.stderr || run.error?.message || '').trim().split('\n').slice(-3).join(' / ')}`);
		return { bytes: new Uint8Array(readFileSync(out)), source: `torch ${torch}, torch.onnx.export, eval mode, opset ${REFERENCE_OPSET}` };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}


function table(results: LatencyResult[]): string {
	const rows: string[][] = [['model', 'runtime', 'form', 'nodes', 'median ms', 'IQR ms', 'runs', 'vs fused (95% CI)', 'vs (r) (95% CI)', 'max|Δ| vs (a)']];
	const rule = rows.length;
	const ratio = (r: LatencyResult, id: Parameters<typeof ratioOf>[1], den: Parameters<typeof ratioOf>[2]) => {
		const x = ratioOf(r, id, den);
		return x ? `${formatRatio(x.ratio)} (${formatInterval(x)})` : '';
	};
	for (const r of results) {
		const runtime = r.environment.runtime === 'onnxruntime-node' ? `ort-node cpu ${r.environment.threads}t` : `ort-web wasm ${r.environment.threads}t`;
		for (const f of resultRows(r)) {
			const strongest = f.id === r.strongestUnfused ? ' *' : '';
			rows.push([
				`${r.model.id} ${r.model.inputSize}px`,
				runtime,
				`(${f.letter}) ${formDef(f.id).short}${strongest}`,
				String(f.graph?.nodes ?? ''),
				formatMs(f.stats.median),
				formatMs(f.stats.iqr),
				String(f.stats.n * r.protocol.repeat),
				f.id === 'fused' ? '1×' : ratio(r, f.id, 'fused'),
				f.id === 'torch-export' ? '1×' : ratio(r, f.id, 'torch-export'),
				f.maxAbsDiff === null ? 'ref' : formatDiff(f.maxAbsDiff)
			]);
		}
	}
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
	const numeric = [false, false, false, true, true, true, true, true, true, true];
	const line = (r: string[]) => r.map((c, j) => (numeric[j] ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd();
	const out: string[] = [];
	rows.forEach((r, i) => {
		if (i === rule) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
		else if (i > rule && rows[i][0] !== rows[i - 1][0]) out.push('');
		out.push(line(r));
	});
	return out.join('\n');
}

await runCli(USAGE, async (argv) => {
	const json = argv.includes('--json');
	const wantReference = !argv.includes('--no-reference');
	const { flags, positional } = parseArgs(
		argv.filter((a) => a !== '--json' && a !== '--no-reference'),
		['models', 'seconds', 'threads', 'runtimes']
	);
	if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
	const models = (flags.models ?? ALL_MODELS.join(',')).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
	for (const m of models) if (!isModelId(m) && !isFamilyModelId(m)) throw new UsageError(`unknown model "${m}" (choose from ${ALL_MODELS.join(', ')})`);
	const seconds = Number(flags.seconds ?? 5);
	if (!(seconds > 0 && seconds <= 3600)) throw new UsageError('--seconds must be a number of seconds in (0, 3600]');
	const threads = Number(flags.threads ?? 1);
	if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new UsageError('--threads must be an integer from 1 to 64');
	const runtimes = (flags.runtimes ?? RUNTIMES.join(',')).split(',').map((s) => s.trim());
	for (const r of runtimes) if (!(RUNTIMES as readonly string[]).includes(r)) throw new UsageError(`unknown runtime "${r}" (node or web)`);

	// onnxruntime-web fixes its thread count when the first session is created.
	ortWeb.env.wasm.numThreads = threads;
	ortWeb.env.logLevel = 'error';
	ortNode.env.logLevel = 'error';
	const torch = wantReference ? torchVersion() : { skipped: '--no-reference' };
	const referenceNote = 'skipped' in torch ? `(r) torch.onnx.export reference skipped: ${torch.skipped}.` : null;
	if (referenceNote) log(referenceNote);
	const results: LatencyResult[] = [];
	for (const id of models as (ModelId | FamilyModelId)[]) {
		const t = performance.now();
		let graphs: Awaited<ReturnType<typeof buildBenchGraphs>>;
		let reference: ReferenceGraph | null = null;
		if (isFamilyModelId(id)) {
			// models/export_torch_onnx.py builds MobileOne only: RepVGG runs without (r).
			if ('version' in torch) log(`${id}: no torch.onnx.export reference (the PyTorch exporter here builds MobileOne only).`);
			graphs = await familyBenchGraphs(id);
		} else {
			const unfused = loadUnfused(id);
			reference = 'version' in torch ? torchReference(unfused, torch.version) : null;
			graphs = await buildBenchGraphs(benchModelInfo(modelChoice(id)), unfused, reference);
		}
		log(`${id}: built the graphs${reference ? ' and the torch export' : ''} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
		for (const rt of runtimes as Runtime[]) {
			const runtime = runtimeFor(rt, threads);
			const sessions = await openBenchSessions(runtime, graphs);
			try {
				let lastLog = 0;
				const result = await measureBench(runtime, sessions, { budgetMs: seconds * 1000 }, {
					onProgress: (pr) => {
						const now = performance.now();
						if (now - lastLog < 1000 && pr.fraction < 1) return;
						lastLog = now;
						log(`  ${id} ${rt}: ${pr.phase === 'warmup' ? `warm-up round ${pr.round}` : `${pr.round} rounds, ${Math.round(pr.fraction * 100)}%`}`);
					}
				});
				if (!result) throw new Error('fewer than two measured rounds');
				results.push(result);
			} finally {
				await sessions.release();
			}
		}
	}
	if (json) {
		process.stdout.write(toJson(results));
		return;
	}
	console.log(table(results));
	const cores = availableParallelism();
	console.log(
		`\nMedians over interleaved runs after a warm-up (≥ ${DEFAULT_PROTOCOL.warmupRounds} rounds and ${DEFAULT_PROTOCOL.warmupMs / 1000} s), ${seconds} s per model and runtime; IQR = interquartile range;` +
			`\nratios = median ÷ median, 95% bootstrap interval over rounds; * = the faster multi-branch form of (a) and (b), the baseline of the headline speed-up.` +
			`\nS0–S4 and RepVGG-A0 use synthetic weights (latency does not depend on them).` +
			(results[0]?.reference ? `\n(r) is ${results[0].reference.source}; its outputs agree with (a) to ≤ 1e-4 × max |logit|.` : referenceNote ? `\n${referenceNote}` : '') +
			`\nNode ${process.version}, ${process.platform} ${process.arch}, ${cores} logical cores, onnxruntime-node ${ortNode.env.versions.node}, onnxruntime-web ${ortWeb.env.versions.web}.`
	);
});
