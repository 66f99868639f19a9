/**
 * The analyses page's settings in its URL: `?run=zoo,activations&budget=60&size=224&nets=resnet-18,…`.
 * Anything unreadable falls back to the default, never throws.
 */
import { ANALYSIS_IDS, NETWORKS, type AnalysisId } from '$lib/analyses/networks';
import { ZOO_INPUT_SIZE } from '$lib/zoo/catalogue';

export interface AnalysesSettings {
	analyses: AnalysisId[];
	/** Measuring time per analysis, seconds. */
	budget: number;
	/** Input side; 224 is the real analysis, smaller sides are for quick looks and tests. */
	size: number;
	/** Zoo networks to time; null = all. */
	networks: string[] | null;
}

export const BUDGETS: readonly number[] = [10, 30, 60, 120];
export const SIZES: readonly number[] = [64, 128, 224];
export const MAX_BUDGET_S = 600;

export const DEFAULT_SETTINGS: AnalysesSettings = { analyses: [...ANALYSIS_IDS], budget: 30, size: ZOO_INPUT_SIZE, networks: null };

export function parse(params: URLSearchParams): AnalysesSettings {
	const s: AnalysesSettings = { ...DEFAULT_SETTINGS, analyses: [...DEFAULT_SETTINGS.analyses] };
	const run = params.get('run');
	if (run !== null) {
		const ids = ANALYSIS_IDS.filter((a) => run.split(',').includes(a));
		if (ids.length) s.analyses = ids;
	}
	const budget = params.get('budget');
	if (budget !== null && /^\d+(\.\d+)?$/.test(budget) && +budget > 0 && +budget <= MAX_BUDGET_S) s.budget = +budget;
	const size = params.get('size');
	if (size !== null && /^\d+$/.test(size) && +size >= 32 && +size <= ZOO_INPUT_SIZE) s.size = +size;
	const nets = params.get('nets');
	if (nets !== null) {
		const known = nets.split(',').filter((id, i, all) => NETWORKS.zoo.some((n) => n.id === id) && all.indexOf(id) === i);
		if (known.length >= 3) s.networks = known;
	}
	return s;
}

export function serialize(s: AnalysesSettings): string {
	const p = new URLSearchParams();
	if (s.analyses.length !== ANALYSIS_IDS.length) p.set('run', s.analyses.join(','));
	if (s.budget !== DEFAULT_SETTINGS.budget) p.set('budget', String(s.budget));
	if (s.size !== DEFAULT_SETTINGS.size) p.set('size', String(s.size));
	if (s.networks) p.set('nets', s.networks.join(','));
	const q = p.toString().replace(/%2C/g, ',');
	return q ? `?${q}` : '';
}
