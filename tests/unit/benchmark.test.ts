import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
	bootstrapRatio,
	buildResult,
	chooseRepeat,
	CSV_COLUMNS,
	DEFAULT_PROTOCOL,
	benchModelInfo,
	buildBenchGraphs,
	formatMs,
	FORM_IDS,
	headlineRatio,
	measureBench,
	median,
	openBenchSessions,
	quantile,
	ratioOf,
	ortFoldedSize,
	RESULT_FORMAT,
	roundOrder,
	runProtocol,
	sampleStats,
	timerResolution,
	toCsv,
	toJson,
	toMarkdown,
	williamsDesign,
	type BenchFormId,
	type BenchRuntime,
	type FormId,
	type PrepareStep,
	type ProtocolProgress
} from '../../src/lib/bench';
import { median as d3median, quantile as d3quantile } from 'd3-array';
import { modelChoice } from '../../src/lib/models';
import { buildOnnx, onnxGraph, summarizeGraph } from '../../src/lib/io/onnx/build';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { blocksOf, validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';

describe('sample statistics', () => {
	it('gives the median, quartiles and IQR of known samples (d3 quantile, R-7)', () => {
		expect(sampleStats([5, 1, 4, 2, 3])).toEqual({ n: 5, median: 3, q1: 2, q3: 4, iqr: 2, min: 1, max: 5 });
		// Even count: interpolated between order statistics.
		expect(sampleStats([4, 3, 2, 1])).toEqual({ n: 4, median: 2.5, q1: 1.75, q3: 3.25, iqr: 1.5, min: 1, max: 4 });
		expect(sampleStats([7])).toEqual({ n: 1, median: 7, q1: 7, q3: 7, iqr: 0, min: 7, max: 7 });
		// A single slow outlier moves neither the median nor the quartiles much.
		const s = sampleStats([10, 11, 12, 13, 14, 15, 16, 17, 18, 1000]);
		expect(s.median).toBe(14.5);
		expect(s.q1).toBe(12.25);
		expect(s.q3).toBe(16.75);
		expect(s.max).toBe(1000);
	});

	it('refuses empty or non-finite samples', () => {
		expect(() => sampleStats([])).toThrow(/no samples/);
		expect(() => sampleStats([1, NaN])).toThrow(/finite/);
		expect(() => sampleStats([1, Infinity])).toThrow(/finite/);
	});
});

describe('median and quantiles', () => {
	it('are the usual ones: the middle value, or the mean of the middle two; R-7 in between', () => {
		expect(median([3, 1, 2])).toBe(2);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(median(new Float64Array([7]))).toBe(7);
		expect(median([])).toBeNaN();
		expect(quantile([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 12);
		expect(quantile([10, 0], 0.75)).toBe(7.5);
		expect(() => quantile([1], 1.5)).toThrow(RangeError);
	});

	it('agree with d3-array, R-7, on random lists', () => {
		let seed = 1;
		const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
		for (let trial = 0; trial < 50; trial++) {
			const xs = Array.from({ length: 1 + Math.floor(random() * 40) }, () => random() * 100 - 20);
			expect(median(xs)).toBe(d3median(xs));
			for (const p of [0, 0.025, 0.25, 0.75, 0.975, 1]) expect(quantile(xs, p)).toBeCloseTo(d3quantile(xs, p)!, 12);
			expect(sampleStats(xs).median).toBe(median(xs));
		}
	});
});

describe('bootstrap interval of a ratio of medians', () => {
	it('is exact for samples that are exact multiples, however noisy', () => {
		const den = [3, 9, 4, 14, 5, 2.5, 8, 6];
		const num = den.map((x) => 2 * x);
		expect(bootstrapRatio(num, den)).toMatchObject({ ratio: 2, low: 2, high: 2, resampling: 'paired' });
		expect(bootstrapRatio([10, 10, 10], [4, 4, 4])).toMatchObject({ ratio: 2.5, low: 2.5, high: 2.5 });
	});

	it('gives the known interval of two rounds', () => {
		// Resampling two rounds gives round 0 twice (ratio 10/5 = 2), round 1 twice (30/10 = 3), or
		// one of each (median 20 / median 7.5); each extreme has probability 1/4, above the 2.5 % tails.
		const r = bootstrapRatio([10, 30], [5, 10], { iterations: 4000, seed: 3 });
		expect(r.ratio).toBeCloseTo(20 / 7.5, 12);
		expect(r.low).toBe(2);
		expect(r.high).toBe(3);
		expect(r.confidence).toBe(0.95);
		expect(r.iterations).toBe(4000);
	});

	it('resamples whole rounds, so a drift shared by both forms does not widen the interval', () => {
		// The machine slows down steadily; within each round, (a) takes exactly 3× as long as (c).
		const c = Array.from({ length: 40 }, (_, i) => 10 + i);
		const a = c.map((x) => 3 * x);
		const paired = bootstrapRatio(a, c);
		expect([paired.low, paired.high]).toEqual([3, 3]);
		// Resampled independently the same data would look far less certain.
		const independent = bootstrapRatio(a, c.slice(0, 39));
		expect(independent.resampling).toBe('independent');
		expect(independent.high - independent.low).toBeGreaterThan(0.3);
	});

	it('is reproducible for a seed and contains the point estimate', () => {
		const noisy = (seed: number, scale: number) => Array.from({ length: 30 }, (_, i) => scale * (1 + 0.2 * Math.sin(seed * 7.1 + i * 1.7)));
		const a = noisy(1, 50);
		const c = noisy(2, 15);
		const r1 = bootstrapRatio(a, c, { seed: 42 });
		const r2 = bootstrapRatio(a, c, { seed: 42 });
		expect(r1).toEqual(r2);
		expect(r1.low).toBeLessThanOrEqual(r1.ratio);
		expect(r1.high).toBeGreaterThanOrEqual(r1.ratio);
		expect(r1.low).toBeGreaterThan(2);
		expect(r1.high).toBeLessThan(5);
		const narrow = bootstrapRatio(a, c, { confidence: 0.5, seed: 42 });
		expect(narrow.high - narrow.low).toBeLessThan(r1.high - r1.low);
	});

	it('refuses bad arguments', () => {
		expect(() => bootstrapRatio([], [1])).toThrow(/no samples/);
		expect(() => bootstrapRatio([1], [1], { confidence: 1 })).toThrow(/confidence/);
		expect(() => bootstrapRatio([1], [1], { iterations: 0 })).toThrow(/iterations/);
	});
});

describe('interleaving', () => {
	function counts(design: number[][], n: number) {
		const position = Array.from({ length: n }, () => new Array(n).fill(0));
		const after = Array.from({ length: n }, () => new Array(n).fill(0));
		for (const row of design) {
			row.forEach((t, p) => position[t][p]++);
			for (let p = 1; p < n; p++) after[row[p - 1]][row[p]]++;
		}
		return { position, after };
	}

	it('builds Williams designs: each round a permutation, balanced for position and for what ran just before', () => {
		for (let n = 1; n <= 7; n++) {
			const design = williamsDesign(n);
			expect(design.length).toBe(n === 1 ? 1 : n % 2 === 0 ? n : 2 * n);
			for (const row of design) expect([...row].sort((x, y) => x - y)).toEqual([...Array(n).keys()]);
			const { position, after } = counts(design, n);
			const perPosition = design.length / n;
			for (const row of position) expect(row).toEqual(new Array(n).fill(perPosition));
			// Each ordered pair of different forms runs back to back equally often (once, or twice for odd n).
			after.forEach((row, x) => row.forEach((k, y) => expect(k).toBe(x === y ? 0 : design.length / n)));
		}
		expect(williamsDesign(3)).toEqual([
			[0, 1, 2],
			[1, 2, 0],
			[2, 0, 1],
			[2, 1, 0],
			[0, 2, 1],
			[1, 0, 2]
		]);
		expect(williamsDesign(4)[0]).toEqual([0, 1, 3, 2]);
		expect(() => williamsDesign(0)).toThrow();
	});

	it('cycles through the design round by round', () => {
		const forms = ['a', 'b', 'c'];
		expect(roundOrder(forms, 0)).toEqual(['a', 'b', 'c']);
		expect(roundOrder(forms, 3)).toEqual(['c', 'b', 'a']);
		expect(roundOrder(forms, 6)).toEqual(roundOrder(forms, 0));
		const firsts = Array.from({ length: 6 }, (_, r) => roundOrder(forms, r)[0]);
		expect(firsts.filter((f) => f === 'a').length).toBe(2);
	});
});

/** A fake clock: each run advances time by its form's cost; the first run of a form is slow. */
function fakeRuntime(costs: Record<string, number>, firstRunExtra = 100) {
	let t = 0;
	const calls: string[] = [];
	const seen = new Set<string>();
	return {
		calls,
		now: () => t,
		run: async (f: string) => {
			calls.push(f);
			t += costs[f] + (seen.has(f) ? 0 : firstRunExtra);
			seen.add(f);
		}
	};
}

describe('the protocol', () => {
	const costs = { 'unfused-raw': 5, 'unfused-ort': 4, fused: 1 } satisfies Record<FormId, number>;

	it('warms up, then interleaves rounds in Williams order until the budget is spent', async () => {
		const rt = fakeRuntime(costs);
		const progress: ProtocolProgress<FormId>[] = [];
		const out = await runProtocol(FORM_IDS, { ...rt, onProgress: (p) => progress.push({ ...p }) }, { warmupRounds: 2, warmupMs: 0, budgetMs: 100, minRounds: 3 });
		// Each round costs 10 ms, so 10 rounds spend the 100 ms budget.
		expect(out.rounds).toBe(10);
		expect(out.cancelled).toBe(false);
		expect(out.repeat).toBe(1);
		expect(out.elapsedMs).toBe(100);
		// The slow first runs stayed in the warm-up.
		expect(out.warmup['fused']).toEqual([101, 1]);
		for (const f of FORM_IDS) {
			expect(out.samples[f]).toEqual(new Array(10).fill(costs[f]));
		}
		// Calls follow the design, warm-up rounds included.
		const expected = Array.from({ length: 12 }, (_, r) => roundOrder(FORM_IDS, r)).flat();
		expect(rt.calls).toEqual(expected);
		// Progress: warm-up then measuring, fractions rising to 1.
		expect(progress.slice(0, 2).map((p) => p.phase)).toEqual(['warmup', 'warmup']);
		const fractions = progress.filter((p) => p.phase === 'measure').map((p) => p.fraction);
		expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
		expect(fractions.at(-1)).toBe(1);
	});

	it('warms up for a minimum time as well as a minimum number of rounds', async () => {
		// Rounds cost 10 ms, plus 300 ms for the first runs: 1 s of warm-up takes 70 rounds.
		const out = await runProtocol(FORM_IDS, fakeRuntime(costs), { warmupRounds: 3, warmupMs: 1000, budgetMs: 50, minRounds: 2 });
		expect(out.warmupRounds).toBe(70);
		expect(out.warmupMs).toBe(1000);
		expect(out.warmup["fused"].length).toBe(70);
		expect(out.rounds).toBe(5);
		const quick = await runProtocol(FORM_IDS, fakeRuntime(costs, 0), { warmupRounds: 4, warmupMs: 1, budgetMs: 0, minRounds: 2 });
		expect(quick.warmupRounds).toBe(4);
	});

	it('runs at least minRounds and at most maxRounds', async () => {
		const few = await runProtocol(FORM_IDS, fakeRuntime(costs), { warmupRounds: 1, warmupMs: 0, budgetMs: 1, minRounds: 4 });
		expect(few.rounds).toBe(4);
		const capped = await runProtocol(FORM_IDS, fakeRuntime(costs), { warmupRounds: 1, warmupMs: 0, budgetMs: 1e9, minRounds: 2, maxRounds: 7 });
		expect(capped.rounds).toBe(7);
	});

	it('stops between rounds when asked, keeping whole rounds only', async () => {
		const rt = fakeRuntime(costs);
		let pauses = 0;
		const out = await runProtocol(FORM_IDS, { ...rt, pause: async () => void pauses++, shouldStop: () => rt.calls.length >= 3 * (1 + 4) + 1 }, { warmupRounds: 1, warmupMs: 0, budgetMs: 1e9 });
		expect(out.cancelled).toBe(true);
		// The stop request came during round 5 (4 measured + 1 warm-up before it), which still finished.
		expect(out.rounds).toBe(5);
		for (const f of FORM_IDS) expect(out.samples[f].length).toBe(5);
		expect(pauses).toBe(1 + 5);
	});

	it('averages back-to-back runs when one run is too short for the clock', async () => {
		expect(chooseRepeat(1, 4, 50)).toBe(4);
		expect(chooseRepeat(3, 4, 50)).toBe(2);
		expect(chooseRepeat(10, 4, 50)).toBe(1);
		expect(chooseRepeat(0.001, 4, 50)).toBe(50);
		expect(chooseRepeat(1, 0, 50)).toBe(1);
		const rt = fakeRuntime(costs);
		const out = await runProtocol(FORM_IDS, rt, { warmupRounds: 2, warmupMs: 0, budgetMs: 0, minRounds: 3, minSampleMs: 4 });
		expect(out.repeat).toBe(4);
		expect(out.samples['fused']).toEqual([1, 1, 1]);
		expect(out.samples['unfused-raw']).toEqual([5, 5, 5]);
		expect(rt.calls.length).toBe(3 * 2 + 3 * 3 * 4);
	});

	it('refuses an empty or repeated list of forms', async () => {
		await expect(runProtocol([], fakeRuntime(costs))).rejects.toThrow(/nothing/);
		await expect(runProtocol(['fused', 'fused'], fakeRuntime(costs))).rejects.toThrow(/once/);
	});

	it('measures the step of a clock', () => {
		let t = 0;
		expect(timerResolution(() => (t += 0.025, Math.floor(t / 0.1) * 0.1))).toBeCloseTo(0.1, 9);
		expect(timerResolution(() => 5, 20, 1000)).toBe(0);
	});
});

describe('graph sizes', () => {
	const spec = validateSpec({
		name: 'tiny',
		inputSize: 16,
		numClasses: 10,
		stem: { width: 16, stride: 1 },
		stages: [
			{ width: 16, blocks: 2, stride: 1, k: 3 },
			{ width: 32, blocks: 1, stride: 2, k: 2, seBlocks: 1 }
		]
	});
	const model = syntheticModel(spec, 5);

	it('folds each Conv+BatchNorm pair and keeps the skips, the branches and their Adds', () => {
		const raw = summarizeGraph(model);
		const folded = ortFoldedSize(onnxGraph(model));
		const skips = blocksOf(spec).filter((b) => b.hasSkip).length;
		expect(skips).toBeGreaterThan(0);
		expect(folded.byType.Conv).toBe(raw.byType.Conv);
		expect(folded.byType.Add).toBe(raw.byType.Add);
		expect(folded.byType.BatchNormalization).toBe(skips);
		expect(folded.nodes).toBe(raw.nodes - (raw.byType.BatchNormalization - folded.byType.BatchNormalization));
		expect(folded.bytes).toBeNull();
		expect(folded.parameters).toBeLessThan(raw.parameters);
		expect(folded.parameters).toBeGreaterThan(summarizeGraph(fuseModel(model)).parameters);
	});

	it('matches the graph onnxruntime-node makes of the multi-branch model at its basic level', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'mobileone-bench-'));
		try {
			const path = join(dir, 'optimized.onnx');
			const session = await ortNode.InferenceSession.create(buildOnnx(model), { graphOptimizationLevel: 'basic', optimizedModelFilePath: path });
			await session.release();
			expect(opTypes(new Uint8Array(readFileSync(path)))).toEqual(ortFoldedSize(onnxGraph(model)).byType);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

/** Node op types of an ONNX file, counted: ModelProto.graph (7) → GraphProto.node (1) → NodeProto.op_type (4). */
function opTypes(bytes: Uint8Array): Record<string, number> {
	const fields = (b: Uint8Array) => {
		const out: { field: number; value: Uint8Array | null }[] = [];
		let at = 0;
		const varint = () => {
			let v = 0;
			let scale = 1;
			for (;;) {
				const byte = b[at++];
				v += (byte & 0x7f) * scale;
				scale *= 128;
				if (byte < 128) return v;
			}
		};
		while (at < b.length) {
			const key = varint();
			const wire = key % 8;
			const field = Math.floor(key / 8);
			if (wire === 0) {
				varint();
				out.push({ field, value: null });
			} else if (wire === 2) {
				const n = varint();
				out.push({ field, value: b.subarray(at, at + n) });
				at += n;
			} else if (wire === 5) at += 4;
			else if (wire === 1) at += 8;
			else throw new Error(`wire type ${wire}`);
		}
		return out;
	};
	const graph = fields(bytes).find((f) => f.field === 7)!.value!;
	const counts: Record<string, number> = {};
	for (const node of fields(graph).filter((f) => f.field === 1)) {
		const op = new TextDecoder().decode(fields(node.value!).find((f) => f.field === 4)!.value!);
		counts[op] = (counts[op] ?? 0) + 1;
	}
	return counts;
}

describe('result records and exports', () => {
	const resultBase = {
		model: { id: 's0', label: 'MobileOne-S0', inputSize: 224, weights: 'synthetic (seed 7)' },
		environment: { runtime: 'onnxruntime-node', ortVersion: '1', backend: 'cpu', threads: 1, crossOriginIsolated: null, userAgent: 'node', logicalCores: 1, timerResolutionMs: 0 },
		protocol: DEFAULT_PROTOCOL
	} as const;

	async function sampleResult() {
		const rt = fakeRuntime({ 'unfused-raw': 50, 'unfused-ort': 40, fused: 12.5 });
		const outcome = await runProtocol<FormId>(FORM_IDS, rt, { warmupRounds: 1, warmupMs: 0, budgetMs: 0, minRounds: 6 });
		return buildResult({
			model: { id: 's0', label: 'MobileOne-S0', inputSize: 224, weights: 'synthetic (seed 7)' },
			environment: {
				runtime: 'onnxruntime-web',
				ortVersion: '1.30.0',
				backend: 'wasm',
				threads: 2,
				crossOriginIsolated: true,
				userAgent: 'Mozilla/5.0 (X11; Linux x86_64) "Headless", like Gecko',
				logicalCores: 2,
				timerResolutionMs: 0.005
			},
			protocol: { ...DEFAULT_PROTOCOL, warmupRounds: 1, warmupMs: 0, budgetMs: 0, minRounds: 6 },
			outcome,
			maxAbsDiff: { 'unfused-ort': 1e-6, fused: 2.5e-6 },
			createdAt: new Date('2025-01-02T03:04:05Z')
		});
	}

	it('collects statistics, ratios and details', async () => {
		const r = await sampleResult();
		expect(r.format).toBe(RESULT_FORMAT);
		expect(r.protocol.rounds).toBe(6);
		expect(r.forms.map((f) => [f.letter, f.stats.median, f.stats.n])).toEqual([
			['a', 50, 6],
			['b', 40, 6],
			['c', 12.5, 6]
		]);
		expect(r.ratios.map((x) => [x.numerator, x.denominator, x.ratio, x.low, x.high])).toEqual([
			['unfused-ort', 'fused', 3.2, 3.2, 3.2],
			['unfused-raw', 'fused', 4, 4, 4],
			['unfused-raw', 'unfused-ort', 1.25, 1.25, 1.25]
		]);
		expect(r.forms[0].maxAbsDiff).toBeNull();
		expect(r.forms[2].maxAbsDiff).toBe(2.5e-6);
	});

	it('names the faster multi-branch form as the baseline of the headline speed-up', async () => {
		const r = await sampleResult();
		expect(r.strongestUnfused).toBe('unfused-ort');
		expect(headlineRatio(r)).toMatchObject({ numerator: 'unfused-ort', denominator: 'fused', ratio: 3.2 });
		expect(r.reference).toBeNull();
		// Where ORT's optimizations make the graph slower, (a) is the stronger baseline.
		const outcome = await runProtocol<FormId>(FORM_IDS, fakeRuntime({ 'unfused-raw': 30, 'unfused-ort': 40, fused: 10 }), { warmupRounds: 1, warmupMs: 0, budgetMs: 0, minRounds: 4 });
		const slower = buildResult({ ...resultBase, outcome });
		expect(slower.strongestUnfused).toBe('unfused-raw');
		expect(headlineRatio(slower)!.ratio).toBe(3);
		expect(toMarkdown(slower)).toContain('Speed-up of fusion: 3.00× (3.00–3.00), against the faster multi-branch form here, (a).');
	});

	it('carries a timed reference apart from our forms, with its ratios', async () => {
		const forms: BenchFormId[] = [...FORM_IDS, 'torch-export'];
		const outcome = await runProtocol<BenchFormId>(forms, fakeRuntime({ 'unfused-raw': 50, 'unfused-ort': 40, fused: 10, 'torch-export': 50 }), { warmupRounds: 1, warmupMs: 0, budgetMs: 0, minRounds: 4 });
		expect(() => buildResult({ ...resultBase, outcome })).toThrow(/source/);
		const r = buildResult({ ...resultBase, outcome, referenceSource: 'torch 2.4.1, torch.onnx.export, eval mode, opset 17', maxAbsDiff: { 'torch-export': 1e-6 } });
		expect(r.forms.map((f) => f.id)).toEqual(FORM_IDS);
		expect(r.reference).toMatchObject({ id: 'torch-export', letter: 'r', maxAbsDiff: 1e-6, stats: { median: 50, n: 4 } });
		expect(r.reference!.ratios.map((x) => [x.numerator, x.denominator, x.ratio])).toEqual([
			['unfused-ort', 'torch-export', 0.8],
			['unfused-raw', 'torch-export', 1],
			['fused', 'torch-export', 0.2],
			['torch-export', 'fused', 5]
		]);
		expect(ratioOf(r, 'unfused-ort', 'fused')!.ratio).toBe(4);
		expect(ratioOf(r, 'torch-export', 'fused')!.ratio).toBe(5);
		// Our own forms stay the candidates for the headline's baseline.
		expect(r.strongestUnfused).toBe('unfused-ort');
		const md = toMarkdown(r);
		expect(md).toContain('| (r) torch.onnx.export (eval), ORT optimizations on | 50.0 | 50.0–50.0 | 4 | 5.00× (5.00–5.00) | 1.0e-6 |');
		expect(md).toContain('(r) is torch 2.4.1, torch.onnx.export, eval mode, opset 17.');
		const csv = toCsv(r).trimEnd().split('\n');
		expect(csv.length).toBe(1 + 4);
		expect(csv[4]).toContain(',torch-export,"(r) torch.onnx.export (eval), ORT optimizations on",all,50,');
		expect(JSON.parse(toJson(r)).reference.samples).toEqual([50, 50, 50, 50]);
	});

	it('needs at least two measured rounds', async () => {
		const outcome = await runProtocol<FormId>(FORM_IDS, fakeRuntime({ 'unfused-raw': 1, 'unfused-ort': 1, fused: 1 }), { warmupRounds: 0, warmupMs: 0, minRounds: 1, budgetMs: 0 });
		expect(() =>
			buildResult({
				model: { id: 'x', label: 'x', inputSize: 1, weights: 'trained' },
				environment: { runtime: 'onnxruntime-node', ortVersion: '1', backend: 'cpu', threads: 1, crossOriginIsolated: null, userAgent: 'node', logicalCores: 1, timerResolutionMs: 0 },
				protocol: DEFAULT_PROTOCOL,
				outcome
			})
		).toThrow(/at least 2/);
	});

	it('formats Markdown with the table and the device details', async () => {
		const md = toMarkdown(await sampleResult());
		expect(md).toContain('| (a) Multi-branch, ORT optimizations off | 50.0 | 50.0–50.0 | 6 | 4.00× (4.00–4.00) | — |');
		expect(md).toContain('| (c) Fused by MobileOne Lab, ORT optimizations on | 12.5 | 12.5–12.5 | 6 | 1× | 2.5e-6 |');
		for (const s of ['WebAssembly, 2 threads', 'onnxruntime-web 1.30.0', 'cross-origin isolated: yes', 'logical cores: 2', 'user agent: Mozilla/5.0', '5.0 µs']) {
			expect(md).toContain(s);
		}
	});

	it('formats CSV with one row per form, quoting where needed', async () => {
		const csv = toCsv([await sampleResult(), await sampleResult()]);
		const lines = csv.trimEnd().split('\n');
		expect(lines[0]).toBe(CSV_COLUMNS.join(','));
		expect(lines.length).toBe(1 + 6);
		expect(lines[1].startsWith('s0,224,synthetic (seed 7),unfused-raw,')).toBe(true);
		expect(lines[1]).toContain(',"Mozilla/5.0 (X11; Linux x86_64) ""Headless"", like Gecko",');
		expect(lines[3]).toContain(',fused,"(c) Fused by MobileOne Lab, ORT optimizations on",all,');
		expect(lines[3]).toContain(',12.5,12.5,12.5,0,12.5,12.5,6,1,1,,,0.0000025,');
	});

	it('writes JSON that reads back', async () => {
		const r = await sampleResult();
		const back = JSON.parse(toJson(r));
		expect(back.format).toBe(RESULT_FORMAT);
		expect(back.environment.threads).toBe(2);
		expect(back.forms[2].samples).toEqual([12.5, 12.5, 12.5, 12.5, 12.5, 12.5]);
	});

	it('writes milliseconds with three significant digits', () => {
		expect([0.12345, 1.2345, 12.345, 123.45, 1234.5].map(formatMs)).toEqual(['0.123', '1.23', '12.3', '123', '1235']);
	});
});

describe('a benchmark run in a real runtime (session.ts)', () => {
	const spec = validateSpec({
		name: 'tiny',
		inputSize: 12,
		numClasses: 6,
		stem: { width: 16, stride: 2 },
		stages: [{ width: 16, blocks: 1, stride: 1, k: 2, seBlocks: 1 }]
	});
	const model = { id: 'tiny', label: 'tiny', inputSize: 12, weights: 'synthetic (seed 3)' };
	const quick = { warmupRounds: 1, warmupMs: 0, budgetMs: 0, minRounds: 3 };

	function nodeRuntime(): BenchRuntime {
		return {
			ort: ortNode,
			now: () => performance.now(),
			sessionOptions: { intraOpNumThreads: 1, logSeverityLevel: 3 },
			environment: { runtime: 'onnxruntime-node', ortVersion: ortNode.env.versions.common, backend: 'cpu', threads: 1, crossOriginIsolated: null, userAgent: 'node', logicalCores: 1 }
		};
	}

	it('builds the forms, checks they agree, times them and assembles the result', async () => {
		const unfused = syntheticModel(spec, 3);
		const steps: string[] = [];
		const onStep = (s: PrepareStep) => void steps.push(s.step + ('index' in s ? ` ${s.index + 1}/${s.count} ${s.form}` : '') + (s.step === 'check' ? ` ${s.count}` : ''));
		const graphs = await buildBenchGraphs(model, unfused, null, { onStep });
		const s = await openBenchSessions(nodeRuntime(), graphs, { onStep });
		try {
			expect(steps).toEqual(['fuse', 'onnx-unfused', 'onnx-fused', 'session 1/3 unfused-raw', 'session 2/3 unfused-ort', 'session 3/3 fused', 'check 3']);
			expect(s.forms).toEqual(FORM_IDS);
			expect(s.maxAbsDiff['fused']).toBeGreaterThanOrEqual(0);
			expect(s.maxAbsDiff['fused']).toBeLessThan(1e-4);
			const result = (await measureBench(nodeRuntime(), s, quick))!;
			expect(result.model).toEqual(model);
			expect(result.forms.map((f) => [f.id, f.stats.n])).toEqual(FORM_IDS.map((id) => [id, 3]));
			expect(result.forms[2].graph).toEqual(graphs.graphs.fused);
			expect(result.environment.timerResolutionMs).toBeGreaterThan(0);
			expect(['unfused-raw', 'unfused-ort']).toContain(result.strongestUnfused);
			expect(result.reference).toBeNull();
			// Stopped before two measured rounds: no result.
			expect(await measureBench(nodeRuntime(), s, quick, { shouldStop: () => true })).toBeNull();
		} finally {
			await s.release();
		}
	});

	it('times a reference graph that computes the same network, and refuses one that does not', async () => {
		const unfused = syntheticModel(spec, 3);
		// Our own multi-branch file stands in for torch's export: the same network, written by someone else.
		const same = { bytes: buildOnnx(unfused), source: 'the same graph' };
		const s = await openBenchSessions(nodeRuntime(), await buildBenchGraphs(model, unfused, same));
		try {
			expect(s.forms).toEqual([...FORM_IDS, 'torch-export']);
			// The same file under the same optimizations as (b) gives (b)'s outputs exactly.
			expect(s.maxAbsDiff['torch-export']).toBe(s.maxAbsDiff['unfused-ort']);
			const result = (await measureBench(nodeRuntime(), s, quick))!;
			expect(result.reference).toMatchObject({ id: 'torch-export', source: 'the same graph', maxAbsDiff: s.maxAbsDiff['unfused-ort'] });
			expect(result.reference!.stats.n).toBe(3);
		} finally {
			await s.release();
		}
		const other = { bytes: buildOnnx(syntheticModel(spec, 4)), source: 'other weights' };
		await expect(openBenchSessions(nodeRuntime(), await buildBenchGraphs(model, unfused, other))).rejects.toThrow(/disagrees/);
	});

	it('describes a catalogue model for the result', () => {
		expect(benchModelInfo(modelChoice('s0'))).toEqual({ id: 's0', label: 'MobileOne-S0', inputSize: 224, weights: 'synthetic (seed 7)' });
		expect(benchModelInfo(modelChoice('cifar10'))).toEqual({ id: 'cifar10', label: 'Our CIFAR-10 MobileOne', inputSize: 32, weights: 'trained' });
	});
});
