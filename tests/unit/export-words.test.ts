/**
 * The exports and the progress lines in the page's language: the engine takes a words record
 * (English by default, for the CLI), the page builds one from messages/. English pages must get
 * exactly the engine's English (so the two copies cannot drift); Korean pages must leave no label
 * in English, checked leaf by leaf against the English record and as a whole with the same
 * English-run finder the Korean e2e uses.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { baseLocale, overwriteGetLocale } from '../../src/lib/paraglide/runtime';
import {
	buildResult,
	DEFAULT_PROTOCOL,
	ENVIRONMENT_WORDS_EN,
	environmentRows,
	FORM_IDS,
	formDef,
	LATENCY_WORDS_EN,
	REFERENCE_FORM,
	runProtocol,
	toCsv,
	toMarkdown,
	type FormId,
	type LatencyResult,
	type PrepareStep
} from '../../src/lib/bench';
import { ANALYSES_WORDS_EN, analysesCsv, analysesMarkdown } from '../../src/lib/analyses/export';
import { ANALYSIS_IDS, BRANCH_KS, branchNetworkId, CHAIN_IDS } from '../../src/lib/analyses/networks';
import { analysesRecord, type AnalysisResult, type TimedNetwork } from '../../src/lib/analyses/record';
import { sampleStats } from '../../src/lib/bench/stats';
import { environmentWords, latencyWords, progressText as latencyProgress } from '../../src/ui/latency/words';
import type { ProgressStep } from '../../src/ui/latency/messages';
import { analysesWords, networkName, progressText as analysesProgress } from '../../src/ui/analyses/words';
import type { AnalysisProgress } from '../../src/ui/analyses/messages';
import { englishRuns } from '../helpers/english';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) "Headless", like Gecko';
const HANGUL = /[\uAC00-\uD7A3]/;

async function latencyResult(cancelled = false): Promise<LatencyResult> {
	let t = 0;
	const costs: Record<FormId, number> = { 'unfused-raw': 50, 'unfused-ort': 40, fused: 12.5 };
	const outcome = await runProtocol<FormId>(FORM_IDS, { now: () => t, run: (f) => void (t += costs[f]) }, { warmupRounds: 1, warmupMs: 0, budgetMs: 0, minRounds: 6 });
	const r = buildResult({
		model: { id: 's0', label: 'MobileOne-S0', inputSize: 224, weights: 'synthetic (seed 7)' },
		environment: { runtime: 'onnxruntime-web', ortVersion: '1.30.0', backend: 'wasm', threads: 2, crossOriginIsolated: true, userAgent: UA, logicalCores: 2, timerResolutionMs: 0.005 },
		protocol: { ...DEFAULT_PROTOCOL, warmupRounds: 1, warmupMs: 0, budgetMs: 0, minRounds: 6 },
		outcome,
		maxAbsDiff: { 'unfused-ort': 1e-6, fused: 2.5e-6 },
		createdAt: new Date('2025-01-02T03:04:05Z')
	});
	return cancelled ? { ...r, protocol: { ...r.protocol, cancelled: true, repeat: 3 } } : r;
}

const timed = (id: string, label: string, samples: number[], macs = 1e9, params = 1e6): TimedNetwork => ({ id, label, highlight: false, macs, params, stats: sampleStats(samples), samples, repeat: 1 });
const analysisResult = (analysis: AnalysisResult['analysis'], networks: TimedNetwork[], cancelled = false): AnalysisResult => ({
	analysis,
	inputSize: 224,
	interleaved: true,
	budgetMs: 1000,
	elapsedMs: 1000,
	cancelled,
	networks
});

/** One record with every kind of line the analyses' Markdown can hold. */
function fullAnalysesRecord() {
	const env = { runtime: 'onnxruntime-web' as const, ortVersion: '1.30.0', backend: 'wasm', threads: 1, crossOriginIsolated: false, userAgent: UA, logicalCores: null, timerResolutionMs: 0.005 };
	const branches = [
		...BRANCH_KS.flatMap((k) => [timed(branchNetworkId(k, 'unfused'), `S0, k = ${k}, unfused`, [k + 2, k + 3, k + 4]), timed(branchNetworkId(k, 'fused'), `S0, k = ${k}, fused`, [2, 3, 4])]),
		timed(CHAIN_IDS.plain, '30-layer chain', [4, 5, 6]),
		timed(CHAIN_IDS.residual, '30-layer chain + residual adds', [5, 6, 7])
	];
	return analysesRecord(
		'This device',
		env,
		[
			analysisResult('zoo', [timed('resnet-18', 'ResNet-18', [5, 6, 7]), timed('mobilenet-v2-1', 'MobileNetV2 1.0', [2, 3, 4], 3e8, 3.5e6), timed('x', 'MobileOne-S0', [1, 1.5, 2], 5e7, 5e5)]),
			analysisResult('activations', [timed('relu', 'ReLU', [2, 2.1, 2.2]), timed('gelu', 'GELU', [3, 3.1, 3.2])], true),
			analysisResult('branches', branches)
		],
		'2026-01-01T00:00:00.000Z'
	);
}

/** Every string a words record gives, leaf by leaf, with sample numbers for its sentences. */
function leaves(w: Record<string, unknown>, path = ''): [string, string][] {
	const sample = { model: 'S0', backend: 'B', ratio: '4.00×', interval: '3.90–4.10', letter: 'b', source: 'torch', size: 224, weights: 'W', warmup: 3, warmupSeconds: '1.0', rounds: 9, seconds: '5.0', repeat: 2, device: 'D', stopped: true, rho: '0.50', low: '0.10', high: '0.90', rhoParams: '0.20', lowParams: '−0.10', highParams: '0.60', n: '3', label: 'GELU', k: 2, unfused: '3.0', fused: '2.0' };
	const out: [string, string][] = [];
	for (const [k, v] of Object.entries(w)) {
		const at = path + k;
		if (k === 'locale') continue;
		if (typeof v === 'string') out.push([at, v]);
		else if (k === 'formLabel') for (const id of FORM_IDS) out.push([`${at}(${id})`, (v as (f: unknown) => string)(formDef(id))]);
		else if (k === 'analysisTitle') for (const id of ANALYSIS_IDS) out.push([`${at}(${id})`, (v as (a: string) => string)(id)]);
		else if (k === 'networkLabel') for (const [id, label] of [[CHAIN_IDS.plain, '30-layer chain'], [branchNetworkId(3, 'fused'), 'S0, k = 3, fused']]) out.push([`${at}(${id})`, (v as (n: unknown) => string)({ id, label })]);
		else if (k === 'weights') for (const x of ['trained', 'synthetic (seed 7)', 'your file']) out.push([`${at}(${x})`, (v as (s: string) => string)(x)]);
		else if (k === 'backendValue') out.push([at, (v as (e: unknown) => string)({ backend: 'wasm', threads: 2 })]);
		else if (typeof v === 'function') out.push([at, (v as (p: unknown) => string)(sample)]);
		else if (typeof v === 'object' && v !== null) out.push(...leaves(v as Record<string, unknown>, `${at}.`));
	}
	return out;
}

/** Data, not labels: the user agent, and the proper names every language writes the same. */
const withoutData = (text: string) => text.split(UA).join('');

afterEach(() => overwriteGetLocale(() => baseLocale));

describe('the English page exports exactly what the engine writes', () => {
	test('latency Markdown, CSV and device rows', async () => {
		overwriteGetLocale(() => 'en');
		for (const r of [await latencyResult(), await latencyResult(true)]) {
			expect(toMarkdown(r, latencyWords())).toBe(toMarkdown(r));
			expect(toCsv(r, latencyWords())).toBe(toCsv(r));
			expect(environmentRows(r, environmentWords())).toEqual(environmentRows(r));
		}
		expect(leaves({ ...latencyWords() })).toEqual(leaves({ ...LATENCY_WORDS_EN }));
	});

	test('analyses Markdown', () => {
		overwriteGetLocale(() => 'en');
		const r = fullAnalysesRecord();
		expect(analysesMarkdown(r, analysesWords())).toBe(analysesMarkdown(r));
		expect(leaves({ ...analysesWords() })).toEqual(leaves({ ...ANALYSES_WORDS_EN }));
	});
});

describe('the Korean page exports Korean', () => {
	test('no label of the latency words is left as its English', () => {
		overwriteGetLocale(() => 'ko');
		const en = new Map(leaves({ ...LATENCY_WORDS_EN }));
		const ko = leaves({ ...latencyWords() });
		expect(ko.map(([k]) => k)).toEqual([...en.keys()]);
		for (const [k, v] of ko) expect(v, k).not.toBe(en.get(k));
		expect(leaves({ ...environmentWords() }).length).toBe(leaves({ ...ENVIRONMENT_WORDS_EN }).length);
	});

	test('no label of the analyses words is left as its English', () => {
		overwriteGetLocale(() => 'ko');
		const en = new Map(leaves({ ...ANALYSES_WORDS_EN }));
		const ko = leaves({ ...analysesWords() });
		expect(ko.map(([k]) => k)).toEqual([...en.keys()]);
		for (const [k, v] of ko) expect(v, k).not.toBe(en.get(k));
	});

	test('latency Markdown: Korean headers and rows, no English sentence, the same numbers', async () => {
		overwriteGetLocale(() => 'ko');
		const r = await latencyResult(true);
		const md = toMarkdown(r, latencyWords());
		expect(md).toContain('| 형태 | 중앙값 (ms) |');
		expect(md).toContain('| (a) 다중 브랜치, ORT 최적화 끔 | 50.0 | 50.0–50.0 | 18 | 4.00× (4.00–4.00) | — |');
		expect(md).toContain('가중치: 합성(시드 7)');
		expect(md).toContain('WebAssembly, 스레드 2개');
		expect(md).toContain('일찍 멈춤');
		expect(englishRuns(withoutData(md))).toEqual([]);
		// The check itself fails on the English export.
		expect(englishRuns(withoutData(toMarkdown(r))).length).toBeGreaterThan(5);
	});

	test('latency CSV keeps its machine-read header, ids and dot decimals; only the form label is Korean', async () => {
		overwriteGetLocale(() => 'ko');
		const r = await latencyResult();
		const ko = toCsv(r, latencyWords()).trimEnd().split('\n');
		const en = toCsv(r).trimEnd().split('\n');
		expect(ko[0]).toBe(en[0]);
		expect(ko[3]).toContain(',fused,"(c) MobileOne Lab이 융합, ORT 최적화 켬",all,12.5,12.5,12.5,0,12.5,12.5,6,1,1,,,0.0000025,');
		for (let i = 1; i < ko.length; i++) expect(ko[i].replace(/"\([abc]\)[^"]*"/, '')).toBe(en[i].replace(/"\([abc]\)[^"]*"/, ''));
	});

	test('analyses Markdown: every line in Korean; CSV unchanged', () => {
		overwriteGetLocale(() => 'ko');
		const r = fullAnalysesRecord();
		const md = analysesMarkdown(r, analysesWords());
		expect(md).toContain('# MobileOne Lab 분석: This device');
		expect(md).toContain('| 네트워크 | MAC 수 | 파라미터 수 | 중앙값 (ms) |');
		expect(md).toContain('| 30층 사슬 + 잔차 덧셈 |');
		expect(md).toContain('| S0, k = 3, 융합 전 |');
		expect(md).toContain('입력 224×224, 일찍 멈춤');
		expect(md).toContain('스피어먼');
		expect(md).toContain('논리 코어: 알 수 없음');
		expect(englishRuns(withoutData(md).replace('This device', ''))).toEqual([]);
		expect(englishRuns(withoutData(analysesMarkdown(r))).length).toBeGreaterThan(5);
		expect(analysesCsv(r)).toContain(',30-layer chain + residual adds,');
	});
});

describe('progress lines are the page’s words for the engine’s records', () => {
	const prepare: PrepareStep[] = [
		{ phase: 'build', step: 'fuse' },
		{ phase: 'build', step: 'onnx-unfused' },
		{ phase: 'build', step: 'onnx-fused' },
		{ phase: 'build', step: 'repvgg-fuse' },
		{ phase: 'build', step: 'file-fuse' },
		{ phase: 'build', step: 'file-write' },
		{ phase: 'build', step: 'repvgg-weights', network: 'RepVGG-A0' },
		{ phase: 'session', step: 'session', index: 1, count: 3, form: 'unfused-ort' },
		{ phase: 'check', step: 'check', count: 3 }
	];
	const latency: ProgressStep[] = [
		{ step: 'runtime' },
		{ step: 'runtime-bytes', loaded: 2e6, total: 14e6 },
		{ step: 'runtime-bytes', loaded: 2e6, total: 0 },
		{ step: 'weights-own' },
		{ step: 'weights-download' },
		{ step: 'weights-bytes', loaded: 1e6, total: 7e6 },
		{ step: 'weights-bytes', loaded: 1e6, total: 0 },
		{ step: 'weights-synthetic' },
		...prepare,
		{ step: 'warmup', round: 2 },
		{ step: 'measure', rounds: 1, elapsedMs: 700, budgetMs: 5000 },
		{ step: 'measure', rounds: 12, elapsedMs: 2500, budgetMs: 5000 }
	];
	const analyses: (AnalysisProgress | null)[] = [
		null,
		{ stage: 'runtime' },
		{ stage: 'build', network: { id: CHAIN_IDS.plain, label: '30-layer chain' } },
		{ stage: 'time', network: { id: 'resnet-18', label: 'ResNet-18' } },
		{ stage: 'warmup' },
		{ stage: 'round', round: 4 },
		{ stage: 'done' }
	];

	test('latency: English says the numbers; Korean says every step without English', () => {
		overwriteGetLocale(() => 'en');
		const en = latency.map(latencyProgress);
		expect(en).toContain('Measuring: 12 rounds, 2.5 s of 5.0 s');
		expect(en).toContain('Creating session 2 of 3: (b) multi-branch, ORT opt. on');
		expect(en).toContain('Loading onnxruntime-web’s WebAssembly: 2.0 MB of 14.0 MB');
		expect(new Set(en).size).toBe(en.length);
		overwriteGetLocale(() => 'ko');
		const ko = latency.map(latencyProgress);
		expect(ko).toContain('측정 중: 12라운드, 5.0 s 중 2.5 s');
		ko.forEach((line, i) => {
			expect(line, en[i]).toMatch(HANGUL);
			expect(englishRuns(line), line).toEqual([]);
		});
	});

	test('analyses: every stage, with the networks’ names in the page’s words', () => {
		overwriteGetLocale(() => 'en');
		const en = analyses.map(analysesProgress);
		expect(en).toEqual(['Starting', 'Loading onnxruntime-web', 'Building 30-layer chain', 'Timing ResNet-18', 'Warming up', 'Round 4', 'Done']);
		overwriteGetLocale(() => 'ko');
		const ko = analyses.map(analysesProgress);
		expect(ko[2]).toBe('30층 사슬 만드는 중');
		expect(ko[3]).toBe('ResNet-18 시간 재는 중');
		ko.forEach((line, i) => {
			expect(line, en[i]).toMatch(HANGUL);
			expect(englishRuns(line), line).toEqual([]);
		});
		// Zoo networks are proper names and stay; branch networks are words.
		expect(networkName({ id: 'resnet-18', label: 'ResNet-18' })).toBe('ResNet-18');
		expect(networkName({ id: branchNetworkId(5, 'unfused'), label: 'S0, k = 5, unfused' })).toBe('S0, k = 5, 융합 전');
	});

	test('the reference form keeps the engine’s name (only the CLI times it)', () => {
		overwriteGetLocale(() => 'ko');
		expect(latencyWords().formLabel(REFERENCE_FORM)).toBe(REFERENCE_FORM.label);
	});
});
