/**
 * The analyses page's state: settings, the run's status, this device's record and the records of
 * other devices loaded from files. Numbers come from `$lib/analyses` (summaries) and the worker;
 * nothing here computes statistics.
 */
import { m } from '$lib/paraglide/messages';
import { ANALYSIS_IDS, type AnalysisId } from '$lib/analyses/networks';
import { parseAnalysesRecord, RecordError, resultOf, MAX_RECORD_BYTES, type AnalysesRecord } from '$lib/analyses/record';
import { activationCosts, branchCosts, zooCorrelations } from '$lib/analyses/summary';
import { AnalysesClient } from './client';
import type { AnalysisProgress } from './messages';
import { DEFAULT_SETTINGS, type AnalysesSettings } from './url';

export type RunStatus =
	| { kind: 'idle' }
	/** step: null until the worker's first report. */
	| { kind: 'running'; step: AnalysisProgress | null; fraction: number; analysis: AnalysisId | null; stopping: boolean }
	| { kind: 'done'; cancelled: boolean }
	| { kind: 'failed'; message: string };

/** Most device records shown at once (this device plus loaded files). */
export const MAX_OVERLAYS = 6;

export type Runner = Pick<AnalysesClient, 'run' | 'cancel' | 'dispose'>;

export class AnalysesState {
	analyses = $state<AnalysisId[]>([...DEFAULT_SETTINGS.analyses]);
	budget = $state(DEFAULT_SETTINGS.budget);
	size = $state(DEFAULT_SETTINGS.size);
	networks = $state.raw<string[] | null>(DEFAULT_SETTINGS.networks);
	status = $state.raw<RunStatus>({ kind: 'idle' });
	/** This device's latest run. */
	record = $state.raw<AnalysesRecord | null>(null);
	/** Other devices' records, loaded from export files. */
	loaded = $state.raw<AnalysesRecord[]>([]);
	loadMessage = $state<{ ok: boolean; text: string } | null>(null);

	settings = $derived<AnalysesSettings>({ analyses: this.analyses, budget: this.budget, size: this.size, networks: this.networks });
	running = $derived(this.status.kind === 'running');
	/** Every record to draw, this device's first. */
	records = $derived<AnalysesRecord[]>(this.record ? [this.record, ...this.loaded] : this.loaded);
	zoo = $derived(
		this.records.flatMap((r) => {
			const res = resultOf(r, 'zoo');
			return res && res.networks.length >= 3 ? [{ record: r, result: res, correlations: zooCorrelations(res) }] : [];
		})
	);
	activations = $derived(
		this.records.flatMap((r) => {
			const res = resultOf(r, 'activations');
			const costs = res ? activationCosts(res) : [];
			return costs.length ? [{ record: r, costs }] : [];
		})
	);
	branches = $derived(
		this.records.flatMap((r) => {
			const res = resultOf(r, 'branches');
			return res ? [{ record: r, costs: branchCosts(res) }] : [];
		})
	);

	constructor(private readonly runner: Runner = new AnalysesClient()) {}

	apply(s: AnalysesSettings): void {
		this.analyses = [...s.analyses];
		this.budget = s.budget;
		this.size = s.size;
		this.networks = s.networks;
	}

	toggle(a: AnalysisId, on: boolean): void {
		const next = ANALYSIS_IDS.filter((x) => (x === a ? on : this.analyses.includes(x)));
		if (next.length) this.analyses = next;
	}

	async start(): Promise<void> {
		if (this.running) return;
		this.status = { kind: 'running', step: null, fraction: 0, analysis: null, stopping: false };
		const outcome = await this.runner.run({ analyses: [...this.analyses], budgetS: this.budget, size: this.size, networks: this.networks }, (m) => {
			const s = this.status;
			this.status = { kind: 'running', step: m.step, fraction: m.fraction, analysis: m.analysis, stopping: s.kind === 'running' && s.stopping };
		});
		if (outcome.kind === 'error') {
			this.status = { kind: 'failed', message: outcome.message };
			return;
		}
		const stopped = this.status.kind === 'running' && this.status.stopping;
		// The worker has no language: this device's name is the page's.
		this.record = outcome.record.results.length ? { ...outcome.record, device: m.analyses_device_this() } : this.record;
		this.status = { kind: 'done', cancelled: stopped };
	}

	cancel(): void {
		const s = this.status;
		if (s.kind !== 'running') return;
		this.status = { ...s, stopping: true };
		this.runner.cancel();
	}

	/** Adds another device's export; one sentence on failure. */
	load(text: string | null, fileName: string): void {
		try {
			if (text === null) throw new RecordError(m.analyses_err_too_large());
			if (this.records.length >= MAX_OVERLAYS) throw new RecordError(m.analyses_err_too_many({ max: MAX_OVERLAYS }));
			const name = fileName.replace(/\.json$/i, '').slice(0, 40) || m.analyses_loaded_file();
			const r = parseAnalysesRecord(text, name);
			if (!r.results.length) throw new RecordError(m.analyses_err_empty());
			this.loaded = [...this.loaded, r];
			this.loadMessage = { ok: true, text: m.analyses_added({ name, detail: r.environment.userAgent.slice(0, 80) || r.environment.runtime }) };
		} catch (e) {
			this.loadMessage = { ok: false, text: m.analyses_not_added({ file: fileName.slice(0, 60), reason: e instanceof Error ? e.message : String(e) }) };
		}
	}

	unload(index: number): void {
		this.loaded = this.loaded.filter((_, i) => i !== index);
	}

	dispose(): void {
		this.runner.dispose();
	}
}

export { MAX_RECORD_BYTES };
