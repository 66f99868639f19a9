/**
 * A result as text a person pastes or a script reads: Markdown, CSV and JSON.
 *
 * The words of the Markdown and of the device rows come in a record (`LatencyWords`), so the
 * page can pass its own language's without this DOM-free engine importing the site's messages;
 * `LATENCY_WORDS_EN` is the English every caller gets by default (the CLI, the English page).
 * CSV's header row and JSON's keys are machine-read and stay these English keys in every
 * language, so files from either language's page pool and load alike; CSV's numbers are plain
 * dot decimals for the same reason.
 */
import { formatDiff, formatInt, formatInterval, formatMs, formatRatio } from '../format';
import { formDef, type BenchFormId, type FormDef } from './forms';
import { headlineRatio, ratioOf, type EnvironmentInfo, type FormResult, type LatencyResult, type ReferenceResult } from './result';

/** The labels of the device and protocol rows, shown on the page and closing the Markdown. */
export interface EnvironmentWords {
	model: string;
	runtime: string;
	backend: string;
	threads: string;
	isolated: string;
	cores: string;
	timer: string;
	userAgent: string;
	protocol: string;
	measured: string;
	yes: string;
	no: string;
	na: string;
	unknown: string;
	/** "S0, 224×224 input, trained weights". */
	modelValue(p: { model: string; size: number; weights: string }): string;
	/** The record's `weights` ("trained", "synthetic (seed 7)", "your file") in words. */
	weights(weights: string): string;
	/** "WebAssembly, 4 threads". */
	backendValue(env: EnvironmentInfo): string;
	protocolValue(p: { warmup: number; warmupSeconds: string; rounds: number; seconds: string }): string;
	protocolRepeat(p: { repeat: number }): string;
	protocolStopped: string;
}

/** Every word of a latency result's Markdown; numbers come in already formatted. */
export interface LatencyWords {
	/** The locale the Markdown's counts are grouped for (`$lib/format`). */
	locale: string;
	title(p: { model: string; backend: string }): string;
	/** Column headers, in the table's order. */
	columns: { form: string; median: string; iqr: string; runs: string; vsFused: string; maxDiff: string };
	/** A form's full name (without its letter). */
	formLabel(f: FormDef<BenchFormId>): string;
	headline(p: { ratio: string; interval: string; letter: string }): string;
	/** Who made the reference graph. */
	reference(p: { source: string }): string;
	credit: string;
	env: EnvironmentWords;
}

export function formatThreads(env: EnvironmentInfo): string {
	return `${env.threads} thread${env.threads === 1 ? '' : 's'}`;
}

export function describeBackend(env: EnvironmentInfo): string {
	const name = env.backend === 'wasm' ? 'WebAssembly' : env.backend === 'webgpu' ? 'WebGPU' : env.backend === 'cpu' ? 'native CPU' : env.backend;
	return env.backend === 'webgpu' ? name : `${name}, ${formatThreads(env)}`;
}

export const ENVIRONMENT_WORDS_EN: EnvironmentWords = {
	model: 'model',
	runtime: 'runtime',
	backend: 'backend',
	threads: 'threads',
	isolated: 'cross-origin isolated',
	cores: 'logical cores',
	timer: 'timer resolution',
	userAgent: 'user agent',
	protocol: 'protocol',
	measured: 'measured',
	yes: 'yes',
	no: 'no',
	na: 'n/a',
	unknown: 'unknown',
	modelValue: ({ model, size, weights }) => `${model}, ${size}×${size} input, ${weights} weights`,
	weights: (w) => w,
	backendValue: describeBackend,
	protocolValue: ({ warmup, warmupSeconds, rounds, seconds }) =>
		`${warmup} warm-up rounds (${warmupSeconds} s) excluded; ${rounds} measured rounds in ${seconds} s, forms interleaved (Williams design)`,
	protocolRepeat: ({ repeat }) => `; each sample is the mean of ${repeat} back-to-back runs`,
	protocolStopped: '; stopped early'
};

export const LATENCY_WORDS_EN: LatencyWords = {
	locale: 'en',
	title: ({ model, backend }) => `Latency of fusion: ${model} on ${backend}`,
	columns: { form: 'form', median: 'median (ms)', iqr: 'IQR (ms)', runs: 'runs', vsFused: 'vs fused (95% CI)', maxDiff: 'max abs diff vs (a)' },
	formLabel: (f) => f.label,
	headline: ({ ratio, interval, letter }) => `Speed-up of fusion: ${ratio} (${interval}), against the faster multi-branch form here, (${letter}).`,
	reference: ({ source }) => `(r) is ${source}.`,
	credit: '_Measured with MobileOne Lab’s latency lab._',
	env: ENVIRONMENT_WORDS_EN
};

/** Our forms, then the reference when it was timed: the rows of every table. */
export function resultRows(result: LatencyResult): (FormResult | ReferenceResult)[] {
	return result.reference ? [...result.forms, result.reference] : result.forms;
}

/** "4.00× (3.90–4.10)" for a form against the fused one; "1×" for the fused form itself. */
function vsFused(result: LatencyResult, id: BenchFormId): string {
	if (id === 'fused') return '1×';
	const r = ratioOf(result, id, 'fused');
	return r ? `${formatRatio(r.ratio)} (${formatInterval(r)})` : '—';
}

/** The details a reader needs to judge a number, as label/value pairs, in `words`' language. */
export function environmentRows(result: LatencyResult, words: EnvironmentWords = ENVIRONMENT_WORDS_EN): [string, string][] {
	const e = result.environment;
	const p = result.protocol;
	const w = words;
	const yesNo = (v: boolean | null) => (v === null ? w.na : v ? w.yes : w.no);
	const protocol =
		w.protocolValue({ warmup: p.warmupRoundsRun, warmupSeconds: (p.warmupElapsedMs / 1000).toFixed(1), rounds: p.rounds, seconds: (p.elapsedMs / 1000).toFixed(1) }) +
		(p.repeat > 1 ? w.protocolRepeat({ repeat: p.repeat }) : '') +
		(p.cancelled ? w.protocolStopped : '');
	return [
		[w.model, w.modelValue({ model: result.model.label, size: result.model.inputSize, weights: w.weights(result.model.weights) })],
		[w.runtime, `${e.runtime} ${e.ortVersion}`],
		[w.backend, w.backendValue(e)],
		[w.threads, String(e.threads)],
		[w.isolated, yesNo(e.crossOriginIsolated)],
		[w.cores, e.logicalCores === null ? w.unknown : String(e.logicalCores)],
		[w.timer, `${(e.timerResolutionMs * 1000).toPrecision(2)} µs`],
		[w.userAgent, e.userAgent],
		[w.protocol, protocol],
		[w.measured, result.createdAt]
	];
}

function markdownCell(s: string): string {
	return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(result: LatencyResult, words: LatencyWords = LATENCY_WORDS_EN): string {
	const w = words;
	const c = w.columns;
	const lines: string[] = [];
	lines.push(`### ${w.title({ model: result.model.label, backend: w.env.backendValue(result.environment) })}`, '');
	lines.push(`| ${[c.form, c.median, c.iqr, c.runs, c.vsFused, c.maxDiff].map(markdownCell).join(' | ')} |`);
	lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
	for (const f of resultRows(result)) {
		const runs = f.stats.n * result.protocol.repeat;
		lines.push(
			`| (${f.letter}) ${markdownCell(w.formLabel(formDef(f.id)))} | ${formatMs(f.stats.median)} | ${formatMs(f.stats.q1)}–${formatMs(f.stats.q3)} | ${formatInt(runs, w.locale)} | ${vsFused(result, f.id)} | ${formatDiff(f.maxAbsDiff)} |`
		);
	}
	lines.push('');
	const headline = headlineRatio(result);
	if (headline) lines.push(w.headline({ ratio: formatRatio(headline.ratio), interval: formatInterval(headline), letter: formDef(result.strongestUnfused).letter }), '');
	if (result.reference) lines.push(w.reference({ source: markdownCell(result.reference.source) }), '');
	for (const [k, v] of environmentRows(result, w.env)) lines.push(`- ${k}: ${markdownCell(v)}`);
	lines.push('', w.credit);
	return lines.join('\n') + '\n';
}

function csvCell(v: string | number | boolean | null): string {
	if (v === null) return '';
	const s = String(v);
	return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = [
	'model',
	'input_size',
	'weights',
	'form',
	'form_label',
	'ort_optimization',
	'median_ms',
	'q1_ms',
	'q3_ms',
	'iqr_ms',
	'min_ms',
	'max_ms',
	'samples',
	'runs_per_sample',
	'speedup_vs_fused',
	'ci_low',
	'ci_high',
	'max_abs_diff_vs_a',
	'graph_nodes',
	'runtime',
	'ort_version',
	'backend',
	'threads',
	'cross_origin_isolated',
	'logical_cores',
	'timer_resolution_ms',
	'user_agent',
	'measured_at'
] as const;

/**
 * One row per form (the reference too, when timed) and result; every row carries the device
 * details, so rows can be pooled. Only `form_label` is in `words`' language: the header and the
 * ids stay the keys above, so a script reads a Korean page's file as it reads an English one's.
 */
export function toCsv(results: LatencyResult | readonly LatencyResult[], words: Pick<LatencyWords, 'formLabel'> = LATENCY_WORDS_EN): string {
	const list = Array.isArray(results) ? results : [results as LatencyResult];
	const rows: string[] = [CSV_COLUMNS.join(',')];
	for (const result of list) {
		const e = result.environment;
		for (const f of resultRows(result)) {
			const r = f.id === 'fused' ? undefined : ratioOf(result, f.id, 'fused');
			const s = f.stats;
			const cells: (string | number | boolean | null)[] = [
				result.model.id,
				result.model.inputSize,
				result.model.weights,
				f.id,
				`(${f.letter}) ${words.formLabel(formDef(f.id))}`,
				f.optimization,
				s.median,
				s.q1,
				s.q3,
				s.iqr,
				s.min,
				s.max,
				s.n,
				result.protocol.repeat,
				f.id === 'fused' ? 1 : (r?.ratio ?? null),
				f.id === 'fused' ? null : (r?.low ?? null),
				f.id === 'fused' ? null : (r?.high ?? null),
				f.maxAbsDiff,
				f.graph?.nodes ?? null,
				e.runtime,
				e.ortVersion,
				e.backend,
				e.threads,
				e.crossOriginIsolated,
				e.logicalCores,
				e.timerResolutionMs,
				e.userAgent,
				result.createdAt
			];
			rows.push(cells.map(csvCell).join(','));
		}
	}
	return rows.join('\n') + '\n';
}

/** The result as JSON text; numbers keep 6 significant digits, to keep files small. */
export function toJson(results: LatencyResult | readonly LatencyResult[]): string {
	return JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v), 2) + '\n';
}
