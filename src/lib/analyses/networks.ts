/**
 * What each analysis times:
 *   zoo          the network zoo (`zoo/catalogue.ts`): latency vs MACs vs parameters;
 *   activations  the 30-layer plain net, identical except its activation;
 *   branches     MobileOne-S0 with k = 1…5 conv branches, unfused and fused, and the 30-layer
 *                ReLU chain with and without a residual add around every layer.
 */
import type { OnnxGraph } from '../io/onnx/build';
import { ACTIVATION_IDS } from '../zoo/activations';
import { ZOO, ZOO_SEED } from '../zoo/catalogue';
import { mobileOne } from '../zoo/families/mobileone';
import { activationLabel, plainNet, type LayerActivation } from '../zoo/families/plain';

export const ANALYSIS_IDS = ['zoo', 'activations', 'branches'] as const;
export type AnalysisId = (typeof ANALYSIS_IDS)[number];

export const ANALYSIS_TITLES: Record<AnalysisId, string> = {
	zoo: 'Latency vs MACs vs parameters',
	activations: 'Activation cost',
	branches: 'Branch cost'
};

export interface AnalysisNetwork {
	id: string;
	label: string;
	/** Highlighted in plots (MobileOne). */
	highlight: boolean;
	build(size: number): OnnxGraph;
}

export const LAYER_ACTIVATIONS: readonly LayerActivation[] = [...ACTIVATION_IDS, 'se-relu'];
export const BRANCH_KS = [1, 2, 3, 4, 5] as const;

export function branchNetworkId(k: number, form: 'unfused' | 'fused'): string {
	return `s0-k${k}-${form}`;
}
export const CHAIN_IDS = { plain: 'chain-plain', residual: 'chain-residual' } as const;

export const NETWORKS: Record<AnalysisId, readonly AnalysisNetwork[]> = {
	zoo: ZOO.map((e) => ({ id: e.id, label: e.label, highlight: e.family === 'MobileOne', build: (size: number) => e.build(size) })),
	activations: LAYER_ACTIVATIONS.map((a) => ({
		id: a,
		label: activationLabel(a),
		highlight: a === 'relu',
		build: (size: number) => plainNet({ activation: a, residual: false }, size, ZOO_SEED)
	})),
	branches: [
		...BRANCH_KS.flatMap((k) =>
			(['unfused', 'fused'] as const).map((form) => ({
				id: branchNetworkId(k, form),
				label: `S0, k = ${k}, ${form}`,
				highlight: form === 'fused',
				build: (size: number) => mobileOne('s0', form, size, ZOO_SEED, k)
			}))
		),
		{ id: CHAIN_IDS.plain, label: '30-layer chain', highlight: false, build: (size: number) => plainNet({ activation: 'relu', residual: false }, size, ZOO_SEED) },
		{ id: CHAIN_IDS.residual, label: '30-layer chain + residual adds', highlight: false, build: (size: number) => plainNet({ activation: 'relu', residual: true }, size, ZOO_SEED) }
	]
};

/** Every network of analyses 2 and 3 (the zoo is listed in `zoo/catalogue.ts`). */
export const ANALYSIS_NETWORKS: readonly AnalysisNetwork[] = [...NETWORKS.activations, ...NETWORKS.branches];

export function analysisNetworks(analysis: AnalysisId, ids?: readonly string[]): AnalysisNetwork[] {
	const all = NETWORKS[analysis];
	if (!ids) return [...all];
	return ids.map((id) => {
		const n = all.find((x) => x.id === id);
		if (!n) throw new RangeError(`no network "${id}" in the ${ANALYSIS_TITLES[analysis].toLowerCase()} analysis`);
		return n;
	});
}
