/**
 * The analyses engine without a browser: timing a few small networks in onnxruntime-node, the
 * summaries (activation ratios, branch slope), the exports, and the strict loader of other
 * devices' files; the page's URL settings.
 */
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { analysesCsv, analysesJson, analysesMarkdown } from '../../src/lib/analyses/export';
import { analysisNetworks, branchNetworkId, CHAIN_IDS, NETWORKS } from '../../src/lib/analyses/networks';
import { analysesRecord, parseAnalysesRecord, RecordError, type AnalysisResult, type TimedNetwork } from '../../src/lib/analyses/record';
import { runAnalysis } from '../../src/lib/analyses/run';
import { activationCosts, branchCosts, zooCorrelations } from '../../src/lib/analyses/summary';
import { ablationRun, groupByK, shippedRun } from '../../src/lib/analyses/ablation';
import { sampleStats } from '../../src/lib/bench/stats';
import type { BenchRuntime } from '../../src/lib/bench/session';
import { parse, serialize, DEFAULT_SETTINGS } from '../../src/ui/analyses/url';
import { readFileSync } from 'node:fs';
import { countGraph } from '../../src/lib/zoo/count';
import { zooEntry } from '../../src/lib/zoo/catalogue';

const runtime: BenchRuntime = {
	ort: ortNode,
	now: () => performance.now(),
	sessionOptions: { executionMode: 'sequential', intraOpNumThreads: 1, logSeverityLevel: 3 },
	environment: { runtime: 'onnxruntime-node', ortVersion: 'test', backend: 'cpu', threads: 1, crossOriginIsolated: null, userAgent: 'vitest', logicalCores: 2 }
};
const ENV = { ...runtime.environment, timerResolutionMs: 0.001 };

function timed(id: string, samples: number[], macs = 1e9, params = 1e6): TimedNetwork {
	return { id, label: id, highlight: false, macs, params, stats: sampleStats(samples), samples, repeat: 1 };
}
function result(analysis: AnalysisResult['analysis'], networks: TimedNetwork[]): AnalysisResult {
	return { analysis, inputSize: 224, interleaved: true, budgetMs: 1000, elapsedMs: 1000, cancelled: false, networks };
}

describe('running an analysis', () => {
	it('times the zoo one network at a time and the activations interleaved, with counts from the graphs', async () => {
		const zoo = await runAnalysis(runtime, 'zoo', analysisNetworks('zoo', ['mobilenet-v1-0.25', 'mobilenet-v2-0.35', 'shufflenet-v2-1.0']), { budgetMs: 150, inputSize: 32, interleave: false, warmupMs: 0, warmupRounds: 1 });
		expect(zoo.networks.map((n) => n.id)).toEqual(['mobilenet-v1-0.25', 'mobilenet-v2-0.35', 'shufflenet-v2-1.0']);
		for (const n of zoo.networks) {
			expect(n.samples.length).toBeGreaterThanOrEqual(3);
			expect(n.stats.median).toBeGreaterThan(0);
		}
		// Parameters are counted from the graph, and do not depend on the input side.
		expect(zoo.networks[0].params).toBe(countGraph(zooEntry('mobilenet-v1-0.25')!.build(224)).params);
		const acts = await runAnalysis(runtime, 'activations', analysisNetworks('activations', ['relu', 'gelu', 'se-relu']), { budgetMs: 100, inputSize: 32, interleave: true, warmupMs: 0, warmupRounds: 1 });
		const lengths = new Set(acts.networks.map((n) => n.samples.length));
		expect(lengths.size).toBe(1); // interleaved: one sample per round each
		expect(activationCosts(acts)[0].ratio.ratio).toBe(1);
	}, 120_000);

	it('stops when asked and says so', async () => {
		let calls = 0;
		const r = await runAnalysis(runtime, 'zoo', analysisNetworks('zoo', ['mobilenet-v1-0.25', 'mobilenet-v2-0.35', 'shufflenet-v2-1.0']), { budgetMs: 10_000, inputSize: 32, interleave: false }, { shouldStop: () => ++calls > 30 });
		expect(r.cancelled).toBe(true);
		expect(r.networks.length).toBeLessThan(3);
	}, 60_000);
});

describe('summaries', () => {
	it('branch cost: unfused ÷ fused per k and the slope per extra branch', () => {
		const nets = [1, 2, 3, 4, 5].flatMap((k) => [timed(branchNetworkId(k, 'unfused'), [10 + 2 * k, 10 + 2 * k, 11 + 2 * k]), timed(branchNetworkId(k, 'fused'), [10, 10, 11])]);
		nets.push(timed(CHAIN_IDS.plain, [4, 4, 4]), timed(CHAIN_IDS.residual, [5, 5, 5]));
		const b = branchCosts(result('branches', nets));
		expect(b.msPerBranch).toBeCloseTo(2, 10);
		expect(b.fusedMsPerBranch).toBeCloseTo(0, 10);
		expect(b.rows[0].ratio!.ratio).toBeCloseTo(12 / 10, 10);
		expect(b.residual!.ratio.ratio).toBe(1.25);
	});

	it('zoo correlations: ρ = 1 when latency follows MACs exactly, with the interval', () => {
		const nets = [1, 2, 3, 4, 5, 6].map((i) => timed(`n${i}`, [i, i, i], i * 1e8, (7 - i) * 1e6));
		const c = zooCorrelations(result('zoo', nets));
		expect(c.macs.rho).toBe(1);
		expect(c.params.rho).toBe(-1);
		expect(c.macs.n).toBe(6);
	});

	it('activation costs are empty without a ReLU baseline', () => {
		expect(activationCosts(result('activations', [timed('gelu', [1, 2])]))).toEqual([]);
	});
});

describe('exports and loading them back', () => {
	const record = analysesRecord('This device', ENV, [result('zoo', [timed('resnet-18', [5, 6, 7]), timed('mobilenet-v2-1', [2, 3, 4], 3e8, 3.5e6), timed('x', [1, 1.5, 2], 5e7, 5e5)])], '2026-01-01T00:00:00.000Z');

	it('JSON round-trips, statistics recomputed from the samples', () => {
		const back = parseAnalysesRecord(analysesJson(record), 'phone');
		expect(back.device).toBe('phone');
		expect(back.results[0].networks.map((n) => n.stats.median)).toEqual([6, 3, 1.5]);
		expect(back.environment).toEqual(ENV);
	});

	it('Markdown and CSV carry every network and the device', () => {
		const md = analysesMarkdown(record);
		expect(md).toContain('Spearman ρ of latency with MACs');
		expect(md).toContain('| resnet-18 | 1.00 G | 1.00 M | 6.00 |');
		const csv = analysesCsv(record).trim().split('\n');
		expect(csv).toHaveLength(4);
		expect(csv[1]).toMatch(/^zoo,resnet-18,resnet-18,224,1000000000,1000000,6,5\.5,6\.5,3,1,onnxruntime-node,test,cpu,1,,2,vitest,2026-01-01/);
	});

	it('refuses what is not an export, one sentence each', () => {
		const bad = (text: string) => {
			try {
				parseAnalysesRecord(text, 'f');
			} catch (e) {
				expect(e).toBeInstanceOf(RecordError);
				return (e as Error).message;
			}
			throw new Error('accepted');
		};
		expect(bad('not json')).toMatch(/^the file is not JSON/);
		expect(bad('{"format":"mobileone-lab.latency/1"}')).toMatch(/not an analyses export/);
		expect(bad('{"format":"mobileone-lab.analyses/1","format":"x"}')).toMatch(/not JSON.*twice/);
		const j = JSON.parse(analysesJson(record));
		j.results[0].networks[0].samples = [1, 'two'];
		expect(bad(JSON.stringify(j))).toMatch(/sample 2 is not a number/);
		j.results[0].networks[0].samples = new Array(100_001).fill(1);
		expect(bad(JSON.stringify(j))).toMatch(/no usable samples/);
		j.results[0].networks[0].samples = [1, -1];
		expect(bad(JSON.stringify(j))).toMatch(/not positive/);
	});
});

describe('training runs', () => {
	it('reads the shipped model as k = 4 and ablation files as they are, and never invents a run', () => {
		const shipped = shippedRun(JSON.parse(readFileSync('models/mobileone-cifar10.metrics.json', 'utf8')))!;
		expect(shipped.k).toBe(4);
		expect(shipped.top1Fused).toBeGreaterThan(50);
		expect(ablationRun({ format: 'mobileone-lab.ablation/1', k: 1 })).toBeNull();
		const k1 = ablationRun({ format: 'mobileone-lab.ablation/1', run: 'k1-seed1', k: 1, seed: 1, top1Fused: 80, top1Unfused: 80, paramsFused: shipped.paramsFused, paramsTrainTime: 500_000, history: [{ testAcc: 0.5 }, { testAcc: 0.8 }] })!;
		expect(k1.curve).toEqual([50, 80]);
		const groups = groupByK([shipped, k1]);
		expect(groups.map((g) => g.k)).toEqual([1, 4]);
	});
});

describe('analyses URL', () => {
	it('round-trips and ignores what it cannot read', () => {
		const s = { analyses: ['zoo', 'activations'] as const, budget: 5, size: 64, networks: NETWORKS.zoo.slice(0, 4).map((n) => n.id) };
		const q = serialize({ ...s, analyses: [...s.analyses] });
		expect(parse(new URLSearchParams(q))).toEqual({ ...s, analyses: [...s.analyses] });
		expect(serialize(DEFAULT_SETTINGS)).toBe('');
		expect(parse(new URLSearchParams('run=nope&budget=-3&size=9999&nets=a,b'))).toEqual(DEFAULT_SETTINGS);
	});
});
