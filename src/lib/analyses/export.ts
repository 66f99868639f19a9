/** A device's analyses as text to paste or load back: Markdown, CSV and JSON (the full record, every sample). */
import { formatGiga, formatInterval, formatMillions, formatMs, formatRatio, formatRho } from '../format';
import { describeBackend } from '../bench/export';
import { ANALYSIS_TITLES } from './networks';
import type { AnalysesRecord, AnalysisResult } from './record';
import { activationCosts, branchCosts, zooCorrelations } from './summary';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function deviceLine(r: AnalysesRecord): string {
	const e = r.environment;
	return `${e.runtime} ${e.ortVersion}, ${describeBackend(e)}; ${e.logicalCores ?? '?'} logical cores; cross-origin isolated: ${e.crossOriginIsolated === null ? 'n/a' : e.crossOriginIsolated ? 'yes' : 'no'}; ${e.userAgent}`;
}

function resultMarkdown(res: AnalysisResult): string[] {
	const out = [`## ${ANALYSIS_TITLES[res.analysis]} (${res.inputSize}×${res.inputSize} input${res.cancelled ? ', stopped early' : ''})`, ''];
	out.push('| network | MACs | parameters | median (ms) | IQR (ms) | samples |', '| --- | ---: | ---: | ---: | ---: | ---: |');
	for (const n of res.networks) out.push(`| ${cell(n.label)} | ${formatGiga(n.macs)} | ${formatMillions(n.params)} | ${formatMs(n.stats.median)} | ${formatMs(n.stats.q1)}–${formatMs(n.stats.q3)} | ${n.stats.n} |`);
	out.push('');
	if (res.analysis === 'zoo' && res.networks.length >= 3) {
		const c = zooCorrelations(res);
		out.push(`Spearman ρ of latency with MACs: ${formatRho(c.macs.rho)} (95 % CI ${formatRho(c.macs.low)} to ${formatRho(c.macs.high)}); with parameters: ${formatRho(c.params.rho)} (${formatRho(c.params.low)} to ${formatRho(c.params.high)}); n = ${c.macs.n}.`, '');
	}
	if (res.analysis === 'activations') {
		for (const a of activationCosts(res)) out.push(`- ${a.label}: ${formatRatio(a.ratio.ratio)} ReLU's time (${formatInterval(a.ratio)})`);
		out.push('');
	}
	if (res.analysis === 'branches') {
		const b = branchCosts(res);
		for (const r of b.rows) if (r.ratio) out.push(`- k = ${r.k}: unfused ${formatMs(r.unfused!.stats.median)} ms, fused ${formatMs(r.fused!.stats.median)} ms, ${formatRatio(r.ratio.ratio)} (${formatInterval(r.ratio)})`);
		if (b.msPerBranch !== null) out.push(`- each extra branch: +${formatMs(b.msPerBranch)} ms unfused, ${formatMs(b.fusedMsPerBranch ?? 0)} ms fused`);
		if (b.residual) out.push(`- residual adds: ${formatRatio(b.residual.ratio.ratio)} the plain chain's time (${formatInterval(b.residual.ratio)})`);
		out.push('');
	}
	return out;
}

export function analysesMarkdown(r: AnalysesRecord): string {
	const lines = [`# MobileOne Lab analyses: ${cell(r.device)}`, '', `- device: ${cell(deviceLine(r))}`, `- measured: ${r.createdAt}`, ''];
	for (const res of r.results) lines.push(...resultMarkdown(res));
	lines.push('_Measured with MobileOne Lab’s analyses page: medians of interleaved runs after a warm-up; MACs and parameters counted from each ONNX graph._');
	return lines.join('\n') + '\n';
}

const csvCell = (v: string | number | boolean | null): string => {
	if (v === null) return '';
	const s = String(v);
	return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const ANALYSES_CSV_COLUMNS = ['analysis', 'network', 'label', 'input_size', 'macs', 'params', 'median_ms', 'q1_ms', 'q3_ms', 'samples', 'runs_per_sample', 'runtime', 'ort_version', 'backend', 'threads', 'cross_origin_isolated', 'logical_cores', 'user_agent', 'measured_at'] as const;

/** One row per timed network; every row carries the device details, so files from several devices can be pooled. */
export function analysesCsv(r: AnalysesRecord): string {
	const e = r.environment;
	const rows = [ANALYSES_CSV_COLUMNS.join(',')];
	for (const res of r.results)
		for (const n of res.networks)
			rows.push(
				[res.analysis, n.id, n.label, res.inputSize, n.macs, n.params, n.stats.median, n.stats.q1, n.stats.q3, n.stats.n, n.repeat, e.runtime, e.ortVersion, e.backend, e.threads, e.crossOriginIsolated, e.logicalCores, e.userAgent, r.createdAt]
					.map(csvCell)
					.join(',')
			);
	return rows.join('\n') + '\n';
}

/** The full record; numbers keep 6 significant digits. */
export function analysesJson(r: AnalysesRecord): string {
	return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v), 2) + '\n';
}
