/**
 * A device's analyses as text to paste or load back: Markdown, CSV and JSON (the full record, every sample).
 *
 * The Markdown's words come in a record (`AnalysesWords`, English by default), so the page can pass
 * its own language's; CSV's header, ids and dot-decimal numbers and JSON's keys stay as they are in
 * every language: they are read by scripts, and only JSON is loaded back (`parseAnalysesRecord`).
 */
import { formatGiga, formatInt, formatInterval, formatMillions, formatMs, formatRatio, formatRho } from '../format';
import { ENVIRONMENT_WORDS_EN, type EnvironmentWords } from '../bench/export';
import { ANALYSIS_TITLES, type AnalysisId } from './networks';
import type { AnalysesRecord, AnalysisResult } from './record';
import { activationCosts, branchCosts, zooCorrelations } from './summary';

/** Every word of the analyses' Markdown; numbers come in already formatted. */
export interface AnalysesWords {
	/** The locale the Markdown's counts are grouped for (`$lib/format`). */
	locale: string;
	title(p: { device: string }): string;
	device: string;
	measured: string;
	analysisTitle(id: AnalysisId): string;
	/** What follows an analysis's title in brackets: "224×224 input", and whether it was stopped early. */
	setting(p: { size: number; stopped: boolean }): string;
	columns: { network: string; macs: string; params: string; median: string; iqr: string; samples: string };
	/** A timed network's name: the zoo's are proper names, the branch and chain networks' are words. */
	networkLabel(n: { id: string; label: string }): string;
	spearman(p: { rho: string; low: string; high: string; rhoParams: string; lowParams: string; highParams: string; n: string }): string;
	activation(p: { label: string; ratio: string; interval: string }): string;
	branch(p: { k: number; unfused: string; fused: string; ratio: string; interval: string }): string;
	perBranch(p: { unfused: string; fused: string }): string;
	residual(p: { ratio: string; interval: string }): string;
	credit: string;
	/** The device rows' words (backend, cores, isolation), shared with the latency lab. */
	env: EnvironmentWords;
}

export const ANALYSES_WORDS_EN: AnalysesWords = {
	locale: 'en',
	title: ({ device }) => `MobileOne Lab analyses: ${device}`,
	device: 'device',
	measured: 'measured',
	analysisTitle: (id) => ANALYSIS_TITLES[id],
	setting: ({ size, stopped }) => `${size}×${size} input${stopped ? ', stopped early' : ''}`,
	columns: { network: 'network', macs: 'MACs', params: 'parameters', median: 'median (ms)', iqr: 'IQR (ms)', samples: 'samples' },
	networkLabel: (n) => n.label,
	spearman: ({ rho, low, high, rhoParams, lowParams, highParams, n }) =>
		`Spearman ρ of latency with MACs: ${rho} (95 % CI ${low} to ${high}); with parameters: ${rhoParams} (${lowParams} to ${highParams}); n = ${n}.`,
	activation: ({ label, ratio, interval }) => `${label}: ${ratio} ReLU's time (${interval})`,
	branch: ({ k, unfused, fused, ratio, interval }) => `k = ${k}: unfused ${unfused} ms, fused ${fused} ms, ${ratio} (${interval})`,
	perBranch: ({ unfused, fused }) => `each extra branch: +${unfused} ms unfused, ${fused} ms fused`,
	residual: ({ ratio, interval }) => `residual adds: ${ratio} the plain chain's time (${interval})`,
	credit: '_Measured with MobileOne Lab’s analyses page: medians of interleaved runs after a warm-up; MACs and parameters counted from each ONNX graph._',
	env: ENVIRONMENT_WORDS_EN
};

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Runtime, backend, cores, isolation and user agent on one line. */
export function deviceLine(r: AnalysesRecord, env: EnvironmentWords = ENVIRONMENT_WORDS_EN): string {
	const e = r.environment;
	const isolated = e.crossOriginIsolated === null ? env.na : e.crossOriginIsolated ? env.yes : env.no;
	return `${e.runtime} ${e.ortVersion}, ${env.backendValue(e)}; ${env.cores}: ${e.logicalCores ?? env.unknown}; ${env.isolated}: ${isolated}; ${e.userAgent}`;
}

function resultMarkdown(res: AnalysisResult, w: AnalysesWords): string[] {
	const c = w.columns;
	const out = [`## ${w.analysisTitle(res.analysis)} (${w.setting({ size: res.inputSize, stopped: res.cancelled })})`, ''];
	out.push(`| ${[c.network, c.macs, c.params, c.median, c.iqr, c.samples].map(cell).join(' | ')} |`, '| --- | ---: | ---: | ---: | ---: | ---: |');
	for (const n of res.networks)
		out.push(`| ${cell(w.networkLabel(n))} | ${formatGiga(n.macs)} | ${formatMillions(n.params)} | ${formatMs(n.stats.median)} | ${formatMs(n.stats.q1)}–${formatMs(n.stats.q3)} | ${formatInt(n.stats.n, w.locale)} |`);
	out.push('');
	if (res.analysis === 'zoo' && res.networks.length >= 3) {
		const z = zooCorrelations(res);
		out.push(
			w.spearman({
				rho: formatRho(z.macs.rho),
				low: formatRho(z.macs.low),
				high: formatRho(z.macs.high),
				rhoParams: formatRho(z.params.rho),
				lowParams: formatRho(z.params.low),
				highParams: formatRho(z.params.high),
				n: formatInt(z.macs.n, w.locale)
			}),
			''
		);
	}
	if (res.analysis === 'activations') {
		for (const a of activationCosts(res)) out.push(`- ${w.activation({ label: w.networkLabel(a), ratio: formatRatio(a.ratio.ratio), interval: formatInterval(a.ratio) })}`);
		out.push('');
	}
	if (res.analysis === 'branches') {
		const b = branchCosts(res);
		for (const r of b.rows)
			if (r.ratio)
				out.push(`- ${w.branch({ k: r.k, unfused: formatMs(r.unfused!.stats.median), fused: formatMs(r.fused!.stats.median), ratio: formatRatio(r.ratio.ratio), interval: formatInterval(r.ratio) })}`);
		if (b.msPerBranch !== null) out.push(`- ${w.perBranch({ unfused: formatMs(b.msPerBranch), fused: formatMs(b.fusedMsPerBranch ?? 0) })}`);
		if (b.residual) out.push(`- ${w.residual({ ratio: formatRatio(b.residual.ratio.ratio), interval: formatInterval(b.residual.ratio) })}`);
		out.push('');
	}
	return out;
}

export function analysesMarkdown(r: AnalysesRecord, words: AnalysesWords = ANALYSES_WORDS_EN): string {
	const w = words;
	const lines = [`# ${w.title({ device: cell(r.device) })}`, '', `- ${w.device}: ${cell(deviceLine(r, w.env))}`, `- ${w.measured}: ${r.createdAt}`, ''];
	for (const res of r.results) lines.push(...resultMarkdown(res, w));
	lines.push(w.credit);
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
