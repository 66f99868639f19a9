/**
 * The record one device's analyses leave: what was timed, where, and every sample. It is what the
 * page shows, what its JSON export writes, what `npm run bench:zoo -- --json` prints, and what a
 * visitor loads back to overlay another device (`parseAnalysesRecord`, which trusts nothing).
 */
import { parseUntrustedJson } from '../core/json';
import type { EnvironmentInfo } from '../bench/result';
import type { SampleStats } from '../bench/stats';
import { sampleStats } from '../bench/stats';
import { ANALYSIS_IDS, type AnalysisId } from './networks';

export const ANALYSES_FORMAT = 'mobileone-lab.analyses/1';

export interface TimedNetwork {
	id: string;
	label: string;
	highlight: boolean;
	/** Counted from the graph by `zoo/count.ts`. */
	macs: number;
	params: number;
	stats: SampleStats;
	/** One per measured round, ms (each the mean of `repeat` back-to-back runs). */
	samples: number[];
	repeat: number;
}

export interface AnalysisResult {
	analysis: AnalysisId;
	inputSize: number;
	/** All networks timed in the same rounds (paired samples), or one after another. */
	interleaved: boolean;
	budgetMs: number;
	elapsedMs: number;
	cancelled: boolean;
	networks: TimedNetwork[];
}

export interface AnalysesRecord {
	format: typeof ANALYSES_FORMAT;
	createdAt: string;
	/** A short name for the device, for legends: "this device", or the file's name when loaded. */
	device: string;
	environment: EnvironmentInfo;
	results: AnalysisResult[];
}

export function analysesRecord(device: string, environment: EnvironmentInfo, results: AnalysisResult[], createdAt = new Date().toISOString()): AnalysesRecord {
	return { format: ANALYSES_FORMAT, createdAt, device, environment, results };
}

export function resultOf(record: AnalysesRecord, analysis: AnalysisId): AnalysisResult | undefined {
	return record.results.find((r) => r.analysis === analysis);
}

/** Limits on a loaded file, so nothing a visitor opens sizes an allocation. */
export const MAX_RECORD_BYTES = 20_000_000;
const MAX_NETWORKS = 200;
const MAX_SAMPLES = 100_000;

export class RecordError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown, what: string): number => {
	if (typeof v !== 'number' || !Number.isFinite(v)) throw new RecordError(`${what} is not a number`);
	return v;
};
const text = (v: unknown, what: string, max = 500): string => {
	if (typeof v !== 'string') throw new RecordError(`${what} is not text`);
	return v.slice(0, max);
};

function parseNetwork(v: unknown, where: string): TimedNetwork {
	if (!isObject(v)) throw new RecordError(`${where} is not a network`);
	if (!Array.isArray(v.samples) || v.samples.length < 1 || v.samples.length > MAX_SAMPLES) throw new RecordError(`${where} has no usable samples`);
	const samples = v.samples.map((s, i) => {
		const x = finite(s, `${where} sample ${i + 1}`);
		if (!(x > 0)) throw new RecordError(`${where} has a time that is not positive`);
		return x;
	});
	return {
		id: text(v.id, `${where} id`, 100),
		label: text(v.label, `${where} label`, 100),
		highlight: v.highlight === true,
		macs: finite(v.macs, `${where} MACs`),
		params: finite(v.params, `${where} parameters`),
		// Recomputed from the samples: a file's own statistics are not trusted.
		stats: sampleStats(samples),
		samples,
		repeat: Math.max(1, Math.round(finite(v.repeat ?? 1, `${where} repeat`)))
	};
}

function parseEnvironment(v: unknown): EnvironmentInfo {
	if (!isObject(v)) throw new RecordError('the file has no device details');
	const runtime = v.runtime === 'onnxruntime-node' ? 'onnxruntime-node' : 'onnxruntime-web';
	return {
		runtime,
		ortVersion: text(v.ortVersion ?? '', 'ortVersion', 40),
		backend: text(v.backend ?? '', 'backend', 40),
		threads: Math.max(1, Math.round(finite(v.threads ?? 1, 'threads'))),
		crossOriginIsolated: typeof v.crossOriginIsolated === 'boolean' ? v.crossOriginIsolated : null,
		userAgent: text(v.userAgent ?? '', 'userAgent'),
		logicalCores: typeof v.logicalCores === 'number' && Number.isFinite(v.logicalCores) ? v.logicalCores : null,
		timerResolutionMs: typeof v.timerResolutionMs === 'number' && Number.isFinite(v.timerResolutionMs) ? v.timerResolutionMs : 0
	};
}

/** A record from a file's text (an export of this page or of `npm run bench:zoo -- --json`), or a RecordError saying what is wrong in one sentence. */
export function parseAnalysesRecord(textIn: string, device: string): AnalysesRecord {
	if (textIn.length > MAX_RECORD_BYTES) throw new RecordError('the file is larger than any export of this page');
	let raw: unknown;
	try {
		raw = parseUntrustedJson(textIn);
	} catch (e) {
		throw new RecordError(`the file is not JSON (${e instanceof Error ? e.message : String(e)})`);
	}
	if (!isObject(raw) || raw.format !== ANALYSES_FORMAT) throw new RecordError(`the file is not an analyses export (its format is not "${ANALYSES_FORMAT}")`);
	if (!Array.isArray(raw.results) || raw.results.length > ANALYSIS_IDS.length) throw new RecordError('the file has no results');
	const results: AnalysisResult[] = raw.results.map((r, i) => {
		if (!isObject(r) || !(ANALYSIS_IDS as readonly unknown[]).includes(r.analysis)) throw new RecordError(`result ${i + 1} is not one of the analyses`);
		if (!Array.isArray(r.networks) || r.networks.length > MAX_NETWORKS) throw new RecordError(`result ${i + 1} has no networks`);
		return {
			analysis: r.analysis as AnalysisId,
			inputSize: Math.round(finite(r.inputSize, 'inputSize')),
			interleaved: r.interleaved === true,
			budgetMs: finite(r.budgetMs ?? 0, 'budgetMs'),
			elapsedMs: finite(r.elapsedMs ?? 0, 'elapsedMs'),
			cancelled: r.cancelled === true,
			networks: r.networks.map((n, j) => parseNetwork(n, `network ${j + 1} of ${String(r.analysis)}`))
		};
	});
	return { format: ANALYSES_FORMAT, createdAt: text(raw.createdAt ?? '', 'createdAt', 40), device: device.slice(0, 60), environment: parseEnvironment(raw.environment), results };
}
