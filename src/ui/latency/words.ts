/**
 * The engine's labels for a latency result (form names, verdicts, device details, the exports'
 * words, the worker's progress), said in the page's language. The engine keeps English for the
 * CLI; the page asks here, by id or record, so the numbers still come from the engine and only
 * the words change.
 */
import { describeBackend, formDef, type EnvironmentWords, type FormId, type LatencyWords } from '$lib/bench';
import type { EnvironmentInfo } from '$lib/bench';
import { formatBytes, formatInt, formatSeconds } from '$lib/format';
import type { ProgressStep, WorkerErrorReason } from './messages';
import { modelFacts, type FamilyModelId, type ModelId } from '$lib/models';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';

const SHORT: Record<FormId, () => string> = {
	'unfused-raw': m.latency_form_unfused_raw,
	'unfused-ort': m.latency_form_unfused_ort,
	fused: m.latency_form_fused
};

/** A form's short name; an id the page has no words for (the CLI's reference export) keeps the engine's. */
export function formShort(id: string): string {
	return id in SHORT ? SHORT[id as FormId]() : formDef(id as FormId).short;
}

export function verdictWord(word: 'faster' | 'slower'): string {
	return word === 'faster' ? m.latency_word_faster() : m.latency_word_slower();
}

const DETAILS: Record<string, () => string> = {
	'unfused-ort/fused': m.latency_detail_ort_fused,
	'unfused-raw/fused': m.latency_detail_raw_fused,
	'unfused-raw/unfused-ort': m.latency_detail_raw_ort
};

/** Why a headline's pair matters; the engine's sentence when the page has none for the pair. */
export function headlineDetail(h: { num: FormId; den: FormId; detail: string }): string {
	return DETAILS[`${h.num}/${h.den}`]?.() ?? h.detail;
}

/** "WebAssembly, 4 threads" in the page's language. */
export function backendWords(env: EnvironmentInfo): string {
	if (getLocale() === 'en' || env.backend !== 'wasm') return describeBackend(env);
	return env.threads === 1 ? m.latency_backend_wasm_1() : m.latency_backend_wasm_n({ threads: env.threads });
}

/** The device and protocol rows' words in the page's language, for `environmentRows` and the exports. */
export function environmentWords(): EnvironmentWords {
	return {
		model: m.latency_env_model(),
		runtime: m.latency_env_runtime(),
		backend: m.latency_env_backend(),
		threads: m.latency_env_threads(),
		isolated: m.latency_env_isolated(),
		cores: m.latency_env_cores(),
		timer: m.latency_env_timer(),
		userAgent: m.latency_env_user_agent(),
		protocol: m.latency_env_protocol(),
		measured: m.latency_env_measured(),
		yes: m.latency_env_yes(),
		no: m.latency_env_no(),
		na: m.latency_env_na(),
		unknown: m.latency_env_unknown(),
		modelValue: ({ model, size, weights }) => m.latency_env_model_value({ model, size, weights }),
		weights: weightsWords,
		backendValue: backendWords,
		protocolValue: (p) => m.latency_env_protocol_value(p),
		protocolRepeat: (p) => m.latency_env_protocol_repeat(p),
		protocolStopped: m.latency_env_protocol_stopped()
	};
}

/** A result's `weights` ("trained", "synthetic (seed 7)", "your file", as `benchModelInfo` and the file reader write them). */
export function weightsWords(weights: string): string {
	if (weights === 'trained') return m.latency_weights_trained();
	if (weights === 'your file') return m.latency_weights_yours();
	const seed = /^synthetic \(seed (\d+)\)$/.exec(weights)?.[1];
	return seed === undefined ? weights : m.latency_weights_synthetic({ seed });
}

const EXPORT_FORMS: Record<FormId, () => string> = {
	'unfused-raw': m.latency_export_form_unfused_raw,
	'unfused-ort': m.latency_export_form_unfused_ort,
	fused: m.latency_export_form_fused
};

/** The words of the Markdown and CSV exports in the page's language (`LATENCY_WORDS_EN` is the engine's English). */
export function latencyWords(): LatencyWords {
	return {
		locale: getLocale(),
		title: (p) => m.latency_export_title(p),
		columns: {
			form: m.latency_export_col_form(),
			median: m.latency_export_col_median(),
			iqr: m.latency_export_col_iqr(),
			runs: m.latency_export_col_runs(),
			vsFused: m.latency_export_col_vs_fused(),
			maxDiff: m.latency_export_col_max_diff()
		},
		// The CLI's torch.onnx.export reference keeps the engine's name: it is never timed in a page.
		formLabel: (f) => (f.id in EXPORT_FORMS ? EXPORT_FORMS[f.id as FormId]() : f.label),
		headline: (p) => m.latency_export_headline(p),
		reference: (p) => m.latency_export_reference(p),
		credit: m.latency_export_credit(),
		env: environmentWords()
	};
}

/** The worker's progress record as one line in the page's language. */
export function progressText(s: ProgressStep): string {
	const locale = getLocale();
	switch (s.step) {
		case 'runtime':
			return m.latency_step_runtime();
		case 'runtime-bytes':
			return s.total ? m.latency_step_runtime_bytes_of({ loaded: formatBytes(s.loaded), total: formatBytes(s.total) }) : m.latency_step_runtime_bytes({ loaded: formatBytes(s.loaded) });
		case 'weights-own':
			return m.latency_step_weights_own();
		case 'weights-download':
			return m.latency_step_weights_download();
		case 'weights-bytes':
			return s.total ? m.latency_step_weights_download_of({ loaded: formatBytes(s.loaded), total: formatBytes(s.total) }) : m.latency_step_weights_download_bytes({ loaded: formatBytes(s.loaded) });
		case 'weights-synthetic':
			return m.latency_step_weights_synthetic();
		case 'fuse':
			return m.latency_step_fuse();
		case 'onnx-unfused':
			return m.latency_step_onnx_unfused();
		case 'onnx-fused':
			return m.latency_step_onnx_fused();
		case 'repvgg-weights':
			return m.latency_step_repvgg_weights({ network: s.network });
		case 'repvgg-fuse':
			return m.latency_step_repvgg_fuse();
		case 'file-fuse':
			return m.latency_step_file_fuse();
		case 'file-write':
			return m.latency_step_file_write();
		case 'session':
			return m.latency_step_session({ index: formatInt(s.index + 1, locale), count: formatInt(s.count, locale), letter: formDef(s.form).letter, form: formShort(s.form) });
		case 'check':
			return m.latency_step_check({ count: formatInt(s.count, locale) });
		case 'warmup':
			return m.latency_step_warmup({ round: formatInt(s.round, locale) });
		case 'measure': {
			const times = { elapsed: formatSeconds(s.elapsedMs), budget: formatSeconds(s.budgetMs) };
			return s.rounds === 1 ? m.latency_step_measure_one(times) : m.latency_step_measure({ ...times, rounds: formatInt(s.rounds, locale) });
		}
	}
}

/** One line under a network's name in the picker: "224×224 · synthetic weights · k = 1 · squeeze-excite". */
export function modelDetails(id: ModelId | FamilyModelId): string {
	const f = modelFacts(id);
	if (!f) return '';
	const parts = [`${f.inputSize}×${f.inputSize}`, f.trained ? m.latency_model_trained() : m.latency_model_synthetic()];
	if (f.family === 'repvgg') parts.push(m.latency_model_repvgg_branches());
	else parts.push(`k = ${f.k}`);
	if (f.squeezeExcite) parts.push(m.latency_model_se());
	return parts.join(' · ');
}

const WORKER_ERRORS: Record<WorkerErrorReason, () => string> = {
	'no-own-network': m.latency_error_no_own_network,
	busy: m.latency_error_busy
};

/** A failure the worker named, in the page's language. */
export function workerErrorText(reason: WorkerErrorReason): string {
	return WORKER_ERRORS[reason]();
}

/** How the lab's headings name the visitor's network. */
export function ownNetworkName(file: string | null): string {
	return m.shell_own_network_label({ file: file ?? m.shell_own_not_kept() });
}
