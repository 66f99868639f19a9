/**
 * The analyses engine's records said in the page's language: the analyses' titles, the names of
 * the branch and chain networks, the worker's progress line and the Markdown export's words. The
 * engine keeps English for the CLI (`ANALYSES_WORDS_EN`); numbers still come from its records.
 */
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';
import { formatInt } from '$lib/format';
import type { AnalysesWords } from '$lib/analyses/export';
import { BRANCH_KS, branchNetworkId, CHAIN_IDS, type AnalysisId } from '$lib/analyses/networks';
import type { AnalysisProgress } from './messages';
import { environmentWords } from '$ui/latency/words';

const TITLES: Record<AnalysisId, () => string> = {
	zoo: m.analyses_title_zoo,
	activations: m.analyses_title_activations,
	branches: m.analyses_title_branches
};

export function analysisTitle(id: AnalysisId): string {
	return TITLES[id]();
}

/** Names that are words, by network id; the zoo's and the activations' are proper names and stay. */
const NAMED: Record<string, () => string> = {
	[CHAIN_IDS.plain]: m.analyses_net_chain_plain,
	[CHAIN_IDS.residual]: m.analyses_net_chain_residual,
	...Object.fromEntries(
		BRANCH_KS.flatMap((k) => [
			[branchNetworkId(k, 'unfused'), () => m.analyses_net_branch_unfused({ k })],
			[branchNetworkId(k, 'fused'), () => m.analyses_net_branch_fused({ k })]
		])
	)
};

export function networkName(n: { id: string; label: string }): string {
	return NAMED[n.id]?.() ?? n.label;
}

/** The worker's progress record as one line; null (nothing heard yet) reads "Starting". */
export function progressText(s: AnalysisProgress | null): string {
	if (s === null) return m.analyses_step_starting();
	switch (s.stage) {
		case 'runtime':
			return m.analyses_step_runtime();
		case 'build':
			return m.analyses_step_build({ network: networkName(s.network) });
		case 'time':
			return m.analyses_step_time({ network: networkName(s.network) });
		case 'warmup':
			return m.analyses_step_warmup();
		case 'round':
			return m.analyses_step_round({ round: formatInt(s.round, getLocale()) });
		case 'done':
			return m.analyses_step_done();
	}
}

/** The Markdown export's words in the page's language. */
export function analysesWords(): AnalysesWords {
	return {
		locale: getLocale(),
		title: (p) => m.analyses_export_title(p),
		device: m.analyses_export_device(),
		measured: m.analyses_export_measured(),
		analysisTitle,
		setting: ({ size, stopped }) => (stopped ? m.analyses_export_setting_stopped({ size }) : m.analyses_export_setting({ size })),
		columns: {
			network: m.analyses_export_col_network(),
			macs: m.analyses_export_col_macs(),
			params: m.analyses_export_col_params(),
			median: m.analyses_export_col_median(),
			iqr: m.analyses_export_col_iqr(),
			samples: m.analyses_export_col_samples()
		},
		networkLabel: networkName,
		spearman: (p) => m.analyses_export_spearman(p),
		activation: (p) => m.analyses_export_activation(p),
		branch: (p) => m.analyses_export_branch(p),
		perBranch: (p) => m.analyses_export_per_branch(p),
		residual: (p) => m.analyses_export_residual(p),
		credit: m.analyses_export_credit(),
		env: environmentWords()
	};
}
