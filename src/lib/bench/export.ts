/** A result as text a person pastes or a script reads: Markdown, CSV and JSON. */
import { formatDiff, formatInterval, formatMs, formatRatio } from '../format';
import { formDef, type BenchFormId } from './forms';
import { headlineRatio, ratioOf, type EnvironmentInfo, type FormResult, type LatencyResult, type ReferenceResult } from './result';

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

export function formatThreads(env: EnvironmentInfo): string {
	return `${env.threads} thread${env.threads === 1 ? '' : 's'}`;
}

export function describeBackend(env: EnvironmentInfo): string {
	const name = env.backend === 'wasm' ? 'WebAssembly' : env.backend === 'webgpu' ? 'WebGPU' : env.backend === 'cpu' ? 'native CPU' : env.backend;
	return env.backend === 'webgpu' ? name : `${name}, ${formatThreads(env)}`;
}

/** The details a reader needs to judge a number, as label/value pairs. */
export function environmentRows(result: LatencyResult): [string, string][] {
	const e = result.environment;
	const p = result.protocol;
	return [
		['model', `${result.model.label}, ${result.model.inputSize}×${result.model.inputSize} input, ${result.model.weights} weights`],
		['runtime', `${e.runtime} ${e.ortVersion}`],
		['backend', describeBackend(e)],
		['threads', String(e.threads)],
		['cross-origin isolated', e.crossOriginIsolated === null ? 'n/a' : e.crossOriginIsolated ? 'yes' : 'no'],
		['logical cores', e.logicalCores === null ? 'unknown' : String(e.logicalCores)],
		['timer resolution', `${(e.timerResolutionMs * 1000).toPrecision(2)} µs`],
		['user agent', e.userAgent],
		[
			'protocol',
			`${p.warmupRoundsRun} warm-up rounds (${(p.warmupElapsedMs / 1000).toFixed(1)} s) excluded; ${p.rounds} measured rounds in ${(p.elapsedMs / 1000).toFixed(1)} s, forms interleaved (Williams design)` +
				(p.repeat > 1 ? `; each sample is the mean of ${p.repeat} back-to-back runs` : '') +
				(p.cancelled ? '; stopped early' : '')
		],
		['measured', result.createdAt]
	];
}

function markdownCell(s: string): string {
	return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(result: LatencyResult): string {
	const lines: string[] = [];
	lines.push(`### Latency of fusion: ${result.model.label} on ${describeBackend(result.environment)}`, '');
	lines.push('| form | median (ms) | IQR (ms) | runs | vs fused (95% CI) | max abs diff vs (a) |');
	lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
	for (const f of resultRows(result)) {
		const runs = f.stats.n * result.protocol.repeat;
		lines.push(
			`| (${f.letter}) ${markdownCell(f.label)} | ${formatMs(f.stats.median)} | ${formatMs(f.stats.q1)}–${formatMs(f.stats.q3)} | ${runs} | ${vsFused(result, f.id)} | ${formatDiff(f.maxAbsDiff)} |`
		);
	}
	lines.push('');
	const headline = headlineRatio(result);
	if (headline)
		lines.push(
			`Speed-up of fusion: ${formatRatio(headline.ratio)} (${formatInterval(headline)}), against the faster multi-branch form here, (${formDef(result.strongestUnfused).letter}).`,
			''
		);
	if (result.reference) lines.push(`(r) is ${markdownCell(result.reference.source)}.`, '');
	for (const [k, v] of environmentRows(result)) lines.push(`- ${k}: ${markdownCell(v)}`);
	lines.push('', '_Measured with MobileOne Lab’s latency lab._');
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

/** One row per form (the reference too, when timed) and result; every row carries the device details, so rows can be pooled. */
export function toCsv(results: LatencyResult | readonly LatencyResult[]): string {
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
				`(${f.letter}) ${f.label}`,
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
