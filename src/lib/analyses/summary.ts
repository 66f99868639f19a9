/**
 * What each analysis's numbers say, computed once here for the page, the exports and the CLI:
 * Spearman ρ of latency with MACs and with parameters (bootstrap 95 % intervals), each
 * activation's time relative to ReLU, and the branch costs (S0 per k, unfused ÷ fused, ms per
 * extra branch; the residual chain ÷ the plain one). Ratios of interleaved networks are paired
 * bootstrap intervals over rounds (`bench/stats.ts`).
 */
import { bootstrapRatio, type RatioInterval } from '../bench/stats';
import { spearmanInterval, type CorrelationInterval } from '../zoo/spearman';
import { BRANCH_KS, branchNetworkId, CHAIN_IDS } from './networks';
import type { AnalysisResult, TimedNetwork } from './record';

export interface ZooCorrelations {
	macs: CorrelationInterval;
	params: CorrelationInterval;
}

export function zooCorrelations(result: AnalysisResult): ZooCorrelations {
	const latency = result.networks.map((n) => n.stats.median);
	return {
		macs: spearmanInterval(result.networks.map((n) => n.macs), latency),
		params: spearmanInterval(result.networks.map((n) => n.params), latency)
	};
}

const byId = (result: AnalysisResult, id: string): TimedNetwork | undefined => result.networks.find((n) => n.id === id);

export interface RelativeCost {
	id: string;
	label: string;
	median: number;
	/** This network's median ÷ the baseline's, with its bootstrap interval. */
	ratio: RatioInterval;
}

function relative(n: TimedNetwork, base: TimedNetwork): RelativeCost {
	return { id: n.id, label: n.label, median: n.stats.median, ratio: bootstrapRatio(n.samples, base.samples) };
}

/** Each activation's time ÷ ReLU's; empty without a ReLU row. */
export function activationCosts(result: AnalysisResult): RelativeCost[] {
	const relu = byId(result, 'relu');
	return relu ? result.networks.map((n) => relative(n, relu)) : [];
}

export interface BranchRow {
	k: number;
	unfused: TimedNetwork | undefined;
	fused: TimedNetwork | undefined;
	/** Unfused ÷ fused at this k. */
	ratio: RatioInterval | null;
}

export interface BranchCosts {
	rows: BranchRow[];
	/** Least-squares slope of the unfused median over k, ms per extra branch; null with < 2 points. */
	msPerBranch: number | null;
	/** The same for the fused networks (should be ~0: fusion removes the branches). */
	fusedMsPerBranch: number | null;
	/** The residual chain ÷ the plain chain. */
	residual: RelativeCost | null;
}

function slope(points: [number, number][]): number | null {
	if (points.length < 2) return null;
	const mx = points.reduce((s, p) => s + p[0], 0) / points.length;
	const my = points.reduce((s, p) => s + p[1], 0) / points.length;
	const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
	const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
	return sxx > 0 ? sxy / sxx : null;
}

export function branchCosts(result: AnalysisResult): BranchCosts {
	const rows = BRANCH_KS.map((k) => {
		const unfused = byId(result, branchNetworkId(k, 'unfused'));
		const fused = byId(result, branchNetworkId(k, 'fused'));
		return { k, unfused, fused, ratio: unfused && fused ? bootstrapRatio(unfused.samples, fused.samples) : null };
	});
	const plain = byId(result, CHAIN_IDS.plain);
	const residual = byId(result, CHAIN_IDS.residual);
	return {
		rows,
		msPerBranch: slope(rows.filter((r) => r.unfused).map((r) => [r.k, r.unfused!.stats.median])),
		fusedMsPerBranch: slope(rows.filter((r) => r.fused).map((r) => [r.k, r.fused!.stats.median])),
		residual: plain && residual ? relative(residual, plain) : null
	};
}
