/** Messages between the analyses page and its worker. */
import type { AnalysisId } from '$lib/analyses/networks';
import type { AnalysesRecord } from '$lib/analyses/record';

export interface RunRequest {
	type: 'run';
	id: number;
	analyses: AnalysisId[];
	budgetS: number;
	size: number;
	networks: string[] | null;
}
export type ToWorker = RunRequest | { type: 'cancel'; id: number };

export type FromWorker =
	| { type: 'progress'; id: number; analysis: AnalysisId | null; label: string; fraction: number }
	| { type: 'result'; id: number; record: AnalysesRecord }
	| { type: 'error'; id: number; message: string };
