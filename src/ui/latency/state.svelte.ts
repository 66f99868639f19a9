/**
 * The latency lab's state: the visitor's settings, the run's status and the results so far.
 * Statistics and result records come from `$lib/bench` (through the worker); their reading from
 * `./summary`; this file only wires choices to the worker client and derives what the page shows.
 */
import { m } from '$lib/paraglide/messages';
import type { FormId, GraphSize, LatencyResult } from '$lib/bench';
import { formatRatio } from '$lib/format';
import { labModelChoice, OWN_NETWORK, type LabModelId as ModelId } from '$lib/models';
import { ownNetworkName } from './words';
import { pickBackend, type BackendOption } from './backends';
import { LatencyClient } from './client';
import type { BackendId, Phase, ProgressEvent } from './messages';
import { headlines, historyRow, ratioOf } from '$lib/bench';
import { DEFAULT_SETTINGS, type LatencySettings } from './url';

/** Measuring time the buttons offer, seconds. */
export const BUDGETS: readonly number[] = [5, 10, 20, 40];

export const PHASES: readonly { id: Phase; label: string }[] = [
	{ id: 'runtime', get label() { return m.latency_phase_runtime(); } },
	{ id: 'weights', get label() { return m.latency_phase_weights(); } },
	{ id: 'build', get label() { return m.latency_phase_build(); } },
	{ id: 'session', get label() { return m.latency_phase_session(); } },
	{ id: 'check', get label() { return m.latency_phase_check(); } },
	{ id: 'warmup', get label() { return m.latency_phase_warmup(); } },
	{ id: 'measure', get label() { return m.latency_phase_measure(); } }
];

/** Phases in which the forms are being timed; before them the worker is still preparing. */
const TIMING_PHASES: readonly Phase[] = ['warmup', 'measure'];

/** Runs the lab keeps for its history table. */
const HISTORY_LIMIT = 20;

export type RunStatus =
	| { kind: 'idle' }
	/** progress: null until the worker's first report. stopping: Cancel was pressed. */
	| { kind: 'preparing'; progress: ProgressEvent | null; stopping: boolean }
	| { kind: 'measuring'; progress: ProgressEvent; stopping: boolean }
	/** hidden: the tab was hidden at some point of the run, so its times may be slow. */
	| { kind: 'done'; result: LatencyResult; hidden: boolean }
	| { kind: 'cancelled' }
	| { kind: 'failed'; message: string };

/** What the lab needs of its worker client (a fake one in tests). */
export type Runner = Pick<LatencyClient, 'run' | 'cancel' | 'dispose'>;

export class LatencyState {
	/** What this browser can run; null while it is being found out. */
	backends = $state.raw<BackendOption[] | null>(null);
	model = $state<ModelId>(DEFAULT_SETTINGS.model);
	/** The file name of the network the /yours page keeps in this browser, or null: offered as a choice. */
	ownName = $state<string | null>(null);
	/** The input size the visitor's own network was timed at, and why (from the worker). */
	sizeNote = $state<string | null>(null);
	backend = $state<BackendId | null>(DEFAULT_SETTINGS.backend);
	budget = $state(DEFAULT_SETTINGS.budget);
	logAxis = $state(DEFAULT_SETTINGS.log);
	/** A budget a link asked for that the buttons do not offer: it joins them. */
	linkedBudget = $state<number | null>(null);
	status = $state.raw<RunStatus>({ kind: 'idle' });
	/** Finished runs of this visit, newest first. */
	history = $state.raw<LatencyResult[]>([]);
	/** The graphs of the run in progress, as soon as the worker has built them. */
	liveGraphs = $state.raw<{ model: ModelId; graphs: Record<FormId, GraphSize> } | null>(null);

	settings = $derived<LatencySettings>({ model: this.model, backend: this.backend, budget: this.budget, log: this.logAxis });
	budgets = $derived(this.linkedBudget === null || BUDGETS.includes(this.linkedBudget) ? BUDGETS : [...BUDGETS, this.linkedBudget].sort((a, b) => a - b));
	chosenBackend = $derived(this.backends?.find((b) => b.id === this.backend) ?? null);

	running = $derived(this.status.kind === 'preparing' || this.status.kind === 'measuring');
	stopping = $derived((this.status.kind === 'preparing' || this.status.kind === 'measuring') && this.status.stopping);
	canStart = $derived(!this.running && this.chosenBackend?.available === true);
	progress = $derived.by((): ProgressEvent | null => {
		const s = this.status;
		return s.kind === 'preparing' || s.kind === 'measuring' ? s.progress : null;
	});
	/** Index into PHASES, -1 before the first report. */
	phaseIndex = $derived(this.progress ? PHASES.findIndex((p) => p.id === this.progress!.phase) : -1);

	/** The latest finished run: it stays on the page while the next one runs. */
	result = $derived<LatencyResult | null>(this.history[0] ?? null);
	hiddenDuringRun = $derived(this.status.kind === 'done' && this.status.hidden);
	/** The unfused form the headline judges the fused one against. */
	rival = $derived<FormId>(this.result ? this.result.strongestUnfused : 'unfused-ort');
	headlines = $derived(this.result ? headlines(this.result, this.rival) : []);
	historyRows = $derived(this.history.map((r) => historyRow(r, this.rival)));

	/** The run in progress's graphs while it runs, else the last result's. */
	shownGraphs = $derived.by((): { model: ModelId; graphs: Record<FormId, GraphSize> } | null => {
		if (this.running && this.liveGraphs?.model === this.model) return this.liveGraphs;
		const r = this.result;
		if (r && r.forms.every((f) => f.graph)) {
			return { model: r.model.id as ModelId, graphs: Object.fromEntries(r.forms.map((f) => [f.id, f.graph!])) as Record<FormId, GraphSize> };
		}
		return null;
	});

	/** What a screen reader hears when a run starts or ends. */
	announcement = $derived.by((): string => {
		const s = this.status;
		switch (s.kind) {
			case 'idle':
				return '';
			case 'preparing':
			case 'measuring':
				return m.latency_announce_started({ model: this.modelName(this.model), backend: this.chosenBackend?.label ?? this.backend ?? '' });
			case 'done': {
				const main = ratioOf(s.result, s.result.strongestUnfused, 'fused');
				return main ? m.latency_announce_finished_ratio({ ratio: formatRatio(main.ratio) }) : m.latency_announce_finished();
			}
			case 'cancelled':
				return m.latency_announce_cancelled();
			case 'failed':
				return m.latency_failed({ message: s.message });
		}
	});

	#makeRunner: () => Runner;
	#runner: Runner | null = null;
	#hiddenSeen = false;

	constructor(makeRunner: () => Runner = () => new LatencyClient()) {
		this.#makeRunner = makeRunner;
	}

	/** How headings name a model: the catalogue's name, or the visitor's file. */
	modelName(id: ModelId): string {
		return id === OWN_NETWORK ? ownNetworkName(this.ownName) : labModelChoice(id).name;
	}

	/** Settings read from a link. The backend is only a wish until `setBackends` knows what runs here. */
	applySettings(s: LatencySettings) {
		this.model = s.model;
		this.backend = s.backend;
		this.budget = s.budget;
		this.logAxis = s.log;
		this.linkedBudget = BUDGETS.includes(s.budget) ? null : s.budget;
	}

	setBackends(found: BackendOption[]) {
		this.backends = found;
		this.backend = pickBackend(found, this.backend).id;
	}

	/** The tab went into the background. */
	noteHidden() {
		if (this.running) this.#hiddenSeen = true;
	}

	/** Run the benchmark with the current settings; `hidden`: the tab is in the background now. */
	async start(hidden = false): Promise<void> {
		const opt = this.chosenBackend;
		if (!opt?.available || this.running) return;
		this.#runner ??= this.#makeRunner();
		this.#hiddenSeen = hidden;
		this.status = { kind: 'preparing', progress: null, stopping: false };
		const runModel = this.model;
		const { done } = this.#runner.run(
			{ model: runModel, backend: opt.id, threads: opt.threads, budgetMs: this.budget * 1000 },
			{
				onProgress: (e) => this.#progress(e),
				onPrepared: (e) => {
					this.liveGraphs = { model: runModel, graphs: e.graphs };
					this.sizeNote = e.sizeNote;
				}
			}
		);
		const out = await done;
		if (out.kind === 'result') {
			this.history = [out.result, ...this.history].slice(0, HISTORY_LIMIT);
			this.status = { kind: 'done', result: out.result, hidden: this.#hiddenSeen };
		} else if (out.kind === 'cancelled') {
			this.status = { kind: 'cancelled' };
		} else {
			this.status = { kind: 'failed', message: out.message };
		}
	}

	cancel() {
		const s = this.status;
		if (s.kind !== 'preparing' && s.kind !== 'measuring') return;
		this.status = { ...s, stopping: true };
		this.#runner?.cancel();
	}

	/** End the worker (the page is going away). */
	dispose() {
		this.#runner?.dispose();
		this.#runner = null;
	}

	#progress(e: ProgressEvent) {
		const s = this.status;
		if (s.kind !== 'preparing' && s.kind !== 'measuring') return;
		this.status = TIMING_PHASES.includes(e.phase)
			? { kind: 'measuring', progress: e, stopping: s.stopping }
			: { kind: 'preparing', progress: e, stopping: s.stopping };
	}
}
