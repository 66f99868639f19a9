/**
 * The engine's labels for a latency result (form names, verdicts, device details), said in the
 * page's language. The engine keeps English for the CLI and the exports; the page asks here, by id,
 * so the numbers still come from the engine's records and only the words change.
 */
import { describeBackend, environmentRows, formDef, type FormId, type LatencyResult } from '$lib/bench';
import type { EnvironmentInfo } from '$lib/bench';
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

/** The device, runtime and protocol rows of a result; English is the engine's own list, word for word. */
export function deviceRows(result: LatencyResult): [string, string][] {
	if (getLocale() === 'en') return environmentRows(result);
	const e = result.environment;
	const p = result.protocol;
	const yesNo = (v: boolean | null) => (v === null ? m.latency_env_na() : v ? m.latency_env_yes() : m.latency_env_no());
	const protocol =
		m.latency_env_protocol_value({
			warmup: p.warmupRoundsRun,
			warmupSeconds: (p.warmupElapsedMs / 1000).toFixed(1),
			rounds: p.rounds,
			seconds: (p.elapsedMs / 1000).toFixed(1)
		}) +
		(p.repeat > 1 ? m.latency_env_protocol_repeat({ repeat: p.repeat }) : '') +
		(p.cancelled ? m.latency_env_protocol_stopped() : '');
	return [
		[m.latency_env_model(), m.latency_env_model_value({ model: result.model.label, size: result.model.inputSize, weights: result.model.weights })],
		[m.latency_env_runtime(), `${e.runtime} ${e.ortVersion}`],
		[m.latency_env_backend(), backendWords(e)],
		[m.latency_env_threads(), String(e.threads)],
		[m.latency_env_isolated(), yesNo(e.crossOriginIsolated)],
		[m.latency_env_cores(), e.logicalCores === null ? m.latency_env_unknown() : String(e.logicalCores)],
		[m.latency_env_timer(), `${(e.timerResolutionMs * 1000).toPrecision(2)} µs`],
		[m.latency_env_user_agent(), e.userAgent],
		[m.latency_env_protocol(), protocol],
		[m.latency_env_measured(), result.createdAt]
	];
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
