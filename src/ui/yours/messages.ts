/** What the page and the "your network" worker say to each other. Bytes travel as transferred ArrayBuffers, never copies. */
import type { WeightsErrorCode } from '$lib/core/errors';
import type { Counts } from '$lib/graph/fuse-branches';
import type { Recognised } from '$lib/fuse-file';
import type { BlockCheck } from '$lib/families/fuse-blocks';
import type { Stage } from './own-file';

export type ToWorker = { type: 'fuse'; id: number; name: string; bytes: ArrayBuffer };

export interface Proof {
	input: { name: string; shape: number[] };
	seed: number;
	maxDelta: number;
	maxOutput: number;
	/** maxDelta ≤ tolerance · maxOutput, everything finite. */
	agrees: boolean;
	/** Family blocks proved one by one in the engine; the numbers are the worst block's. */
	perBlock: boolean;
	tolerance: number;
}

/** What `fuseNetworkFile` found and did, without its byte arrays, which travel as buffers beside it. */
export interface FuseReport {
	recognised: Recognised;
	/** The engine's one line: what was merged, what shrank. */
	summary: string;
	operators: Counts;
	parameters: Counts;
	/** A state dict of family blocks: each block's own proof, in the order found; null otherwise. */
	blockChecks: BlockCheck[] | null;
}

export type FromWorker =
	| { type: 'progress'; id: number; stage: Stage; fraction: number | null }
	| {
			type: 'done';
			id: number;
			report: FuseReport;
			proof: Proof;
			/** The file handed in, given back so the page can keep it. */
			bytes: ArrayBuffer;
			/** null for a state dict of family blocks: no whole network, so no graph. */
			fusedOnnx: ArrayBuffer | null;
			fusedSafetensors: ArrayBuffer | null;
	  }
	/** `message` is the engine's English sentence; `code` lets the page say it in its own language. */
	| { type: 'error'; id: number; message: string; code: WeightsErrorCode | null; bytes: ArrayBuffer | null };
