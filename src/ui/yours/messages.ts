/** What the page and the "your network" worker say to each other. Bytes travel as transferred ArrayBuffers, never copies. */
import type { FuseOutcome, Stage } from './pipeline';

export type ToWorker = { type: 'fuse'; id: number; name: string; bytes: ArrayBuffer };

export interface Proof {
	input: { name: string; shape: number[] };
	seed: number;
	maxDelta: number;
	maxOutput: number;
	/** maxDelta ≤ tolerance · maxOutput, everything finite. */
	agrees: boolean;
	tolerance: number;
}

/** The outcome without its byte arrays, which travel as buffers beside it. */
export type FuseReport = Omit<FuseOutcome, 'original' | 'fused' | 'fusedSafetensors'>;

export type FromWorker =
	| { type: 'progress'; id: number; stage: Stage; fraction: number | null }
	| {
			type: 'done';
			id: number;
			report: FuseReport;
			proof: Proof;
			/** The file handed in, given back so the page can keep it. */
			bytes: ArrayBuffer;
			fusedOnnx: ArrayBuffer;
			fusedSafetensors: ArrayBuffer | null;
	  }
	| { type: 'error'; id: number; message: string; bytes: ArrayBuffer | null };
