/**
 * npm run bench:latency [-- --models s0,cifar10] [--seconds N] [--threads N] [--runtimes node,web] [--json]
 *
 * The latency lab's protocol (src/lib/benchmark.ts) from the command line: per model and runtime,
 * the multi-branch graph with ONNX Runtime's optimizations off and on, and the graph fused by our
 * engine, interleaved after a warm-up; medians, IQRs and speed-ups with bootstrap intervals.
 * Runtimes: onnxruntime-node (native CPU) and onnxruntime-web's WebAssembly build under Node.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import {
	buildResult,
	DEFAULT_PROTOCOL,
	formatInterval,
	formatMs,
	formatRatio,
	formDef,
	FORM_IDS,
	FORMS,
	ortFoldedSize,
	runProtocol,
	TICKS_PER_SAMPLE,
	timerResolution,
	toJson,
	type FormId,
	type GraphSize,
	type LatencyResult,
	type ProtocolOptions
} from '../src/lib/bench';
import { loadCheckpoint } from '../src/lib/io/checkpoint';
import { buildOnnx, onnxGraph, summarizeGraph } from '../src/lib/io/onnx/build';
import { fuseModel } from '../src/lib/mobileone/reparam';
import { isVariantName, variantSpec, VARIANTS } from '../src/lib/mobileone/spec';
import { randomInput, syntheticModel } from '../src/lib/mobileone/synthetic';
import { maxAbsDiff } from '../src/lib/core/tensor';
import type { UnfusedModel } from '../src/lib/mobileone/model';
import { parseArgs, runCli, UsageError } from './cli';

const MODEL_FILE = 'models/mobileone-cifar10.safetensors';
/** The seed the site uses for S0–S4 (src/ui/models.ts, SYNTHETIC_SEED). */
const SYNTHETIC_SEED = 7;
const ALL_MODELS = [...VARIANTS, 'cifar10'] as const;
const RUNTIMES = ['node', 'web'] as const;
type Runtime = (typeof RUNTIMES)[number];

const USAGE = `usage: npm run bench:latency -- [--models ${ALL_MODELS.join(',')}] [--seconds N] [--threads N] [--runtimes node,web] [--json]
  Times three forms of each model, interleaved, after a warm-up of ${DEFAULT_PROTOCOL.warmupRounds}+ rounds and ${DEFAULT_PROTOCOL.warmupMs / 1000}+ s:
    (a) multi-branch ONNX, ONNX Runtime graph optimizations off
    (b) multi-branch ONNX, optimizations on (ORT folds each Conv+BatchNorm itself)
    (c) fused by MobileOne Lab's engine, optimizations on
  --models    comma-separated; default all (S0–S4 at 224×224 with synthetic weights, our CIFAR-10 model at 32×32)
  --seconds   measuring time per model and runtime, after warm-up; default 5
  --threads   intra-op threads for both runtimes; default 1
  --runtimes  node = onnxruntime-node (native), web = onnxruntime-web (WebAssembly) under Node; default both
  --json      print the full result records (samples included) as JSON instead of the table`;

interface Prepared {
	id: string;
	label: string;
	inputSize: number;
	weights: string;
	onnx: { unfused: Uint8Array; fused: Uint8Array };
	graphs: Record<FormId, GraphSize>;
	input: { data: Float32Array; shape: number[] };
}

function prepare(id: string): Prepared {
	let unfused: UnfusedModel;
	let label: string;
	let weights: string;
	if (id === 'cifar10') {
		const ck = loadCheckpoint(new Uint8Array(readFileSync(MODEL_FILE)));
		if (ck.form !== 'unfused') throw new Error(`${MODEL_FILE} holds fused weights; the benchmark needs the multi-branch ones`);
		unfused = ck.model;
		label = 'Our CIFAR-10 MobileOne';
		weights = 'trained';
	} else if (isVariantName(id)) {
		unfused = syntheticModel(variantSpec(id), SYNTHETIC_SEED);
		label = `MobileOne-${id.toUpperCase()}`;
		weights = `synthetic (seed ${SYNTHETIC_SEED})`;
	} else throw new UsageError(`unknown model "${id}"`);
	const fused = fuseModel(unfused);
	const a = summarizeGraph(unfused);
	const c = summarizeGraph(fused);
	const x = randomInput(unfused.spec, 1);
	return {
		id,
		label,
		inputSize: unfused.spec.inputSize,
		weights,
		onnx: { unfused: buildOnnx(unfused), fused: buildOnnx(fused) },
		graphs: { 'unfused-raw': a, 'unfused-ort': ortFoldedSize(onnxGraph(unfused)), fused: c },
		input: { data: x.data, shape: [...x.shape] }
	};
}

async function measure(p: Prepared, runtime: Runtime, protocol: ProtocolOptions, threads: number, log: (s: string) => void): Promise<LatencyResult> {
	const ort = runtime === 'node' ? ortNode : ortWeb;
	const sessions = new Map<FormId, ortNode.InferenceSession>();
	try {
		for (const f of FORMS) {
			const options: ortNode.InferenceSession.SessionOptions = {
				graphOptimizationLevel: f.optimization,
				executionMode: 'sequential',
				intraOpNumThreads: threads,
				interOpNumThreads: 1,
				logSeverityLevel: 3
			};
			sessions.set(f.id, (await ort.InferenceSession.create(p.onnx[f.graph], options)) as ortNode.InferenceSession);
		}
		// One input tensor, made once, fed to every run of every form.
		const feeds = { input: new ort.Tensor('float32', p.input.data, p.input.shape) } as Record<string, ortNode.Tensor>;
		const outputs = new Map<FormId, Float32Array>();
		for (const [id, s] of sessions) outputs.set(id, (await s.run(feeds)).logits.data as Float32Array);
		const reference = outputs.get('unfused-raw')!;
		const diffs: Partial<Record<FormId, number>> = {};
		for (const [id, out] of outputs) if (id !== 'unfused-raw') diffs[id] = maxAbsDiff(reference, out);

		const now = () => performance.now();
		const resolution = timerResolution(now);
		let lastLog = 0;
		const outcome = await runProtocol(FORM_IDS, {
			run: (f) => sessions.get(f)!.run(feeds),
			now,
			onProgress: (pr) => {
				const t = now();
				if (t - lastLog < 1000 && pr.fraction < 1) return;
				lastLog = t;
				log(`  ${p.id} ${runtime}: ${pr.phase === 'warmup' ? `warm-up round ${pr.round}` : `${pr.round} rounds, ${Math.round(pr.fraction * 100)}%`}`);
			}
		}, { ...protocol, minSampleMs: TICKS_PER_SAMPLE * resolution });
		return buildResult({
			model: { id: p.id, label: p.label, inputSize: p.inputSize, weights: p.weights },
			environment: {
				runtime: runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web',
				ortVersion: runtime === 'node' ? ortNode.env.versions.node ?? ortNode.env.versions.common : ortWeb.env.versions.web ?? ortWeb.env.versions.common,
				backend: runtime === 'node' ? 'cpu' : 'wasm',
				threads,
				crossOriginIsolated: null,
				userAgent: `Node.js ${process.version} (${process.platform} ${process.arch})`,
				logicalCores: availableParallelism(),
				timerResolutionMs: resolution
			},
			protocol: { ...protocol, minSampleMs: TICKS_PER_SAMPLE * resolution },
			outcome,
			graphs: p.graphs,
			maxAbsDiff: diffs
		});
	} finally {
		for (const s of sessions.values()) await s.release();
	}
}

function table(results: LatencyResult[]): string {
	const rows: string[][] = [['model', 'runtime', 'form', 'nodes', 'median ms', 'IQR ms', 'runs', 'vs fused (95% CI)', 'max|Δ| vs (a)']];
	const rule = rows.length;
	for (const r of results) {
		const runtime = r.environment.runtime === 'onnxruntime-node' ? `ort-node cpu ${r.environment.threads}t` : `ort-web wasm ${r.environment.threads}t`;
		for (const f of r.forms) {
			const ratio = r.ratios.find((x) => x.numerator === f.id && x.denominator === 'fused');
			rows.push([
				`${r.model.id} ${r.model.inputSize}px`,
				runtime,
				`(${f.letter}) ${formDef(f.id).short}`,
				String(f.graph?.nodes ?? ''),
				formatMs(f.stats.median),
				formatMs(f.stats.iqr),
				String(f.stats.n * r.protocol.repeat),
				f.id === 'fused' ? '1×' : ratio ? `${formatRatio(ratio.ratio)} (${formatInterval(ratio)})` : '',
				f.maxAbsDiff === null ? 'ref' : f.maxAbsDiff.toExponential(1)
			]);
		}
	}
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
	const numeric = [false, false, false, true, true, true, true, true, true];
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
	const { flags, positional } = parseArgs(
		argv.filter((a) => a !== '--json'),
		['models', 'seconds', 'threads', 'runtimes']
	);
	if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
	const models = (flags.models ?? ALL_MODELS.join(',')).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
	for (const m of models) if (!(ALL_MODELS as readonly string[]).includes(m)) throw new UsageError(`unknown model "${m}" (choose from ${ALL_MODELS.join(', ')})`);
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
	const protocol: ProtocolOptions = { ...DEFAULT_PROTOCOL, budgetMs: seconds * 1000 };
	const log = (s: string) => process.stderr.write(s + '\n');
	const results: LatencyResult[] = [];
	for (const id of models) {
		const t = performance.now();
		const p = prepare(id);
		log(`${id}: built both graphs in ${((performance.now() - t) / 1000).toFixed(1)} s`);
		for (const rt of runtimes as Runtime[]) results.push(await measure(p, rt, protocol, threads, log));
	}
	if (json) {
		process.stdout.write(toJson(results));
		return;
	}
	console.log(table(results));
	const cores = availableParallelism();
	console.log(
		`\nMedians over interleaved runs after a warm-up (≥ ${protocol.warmupRounds} rounds and ${protocol.warmupMs / 1000} s), ${seconds} s per model and runtime; IQR = interquartile range;` +
			`\nspeed-up = median ÷ median of (c), 95% bootstrap interval over rounds. S0–S4 use synthetic weights (latency does not depend on them).` +
			`\nNode ${process.version}, ${process.platform} ${process.arch}, ${cores} logical cores, onnxruntime-node ${ortNode.env.versions.node}, onnxruntime-web ${ortWeb.env.versions.web}.`
	);
});
