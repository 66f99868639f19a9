/**
 * The check every fuse ends with: run the train-time and the fused network on the same seeded input
 * and compare. Sized before it runs: the work is estimated from the spec and the input side, and a
 * check that would take minutes is refused before it starts, so no file can make it run for long.
 */
import { maxAbs, maxAbsDiff, type Tensor } from '../core/tensor';
import { formatDelta, formatValue } from '../format';
import { AGREEMENT_TOLERANCE } from './explain';
import { forwardModel } from './forward';
import type { FusedModel, UnfusedModel } from './model';
import { blocksOf, outputSize, type MobileOneSpec } from './spec';

/** The side of the check's input unless a user asks for another: small, since every block is convolutional. */
export const DEFAULT_CHECK_SIZE = 64;

/**
 * Multiply-accumulates one check may spend (both forms together). The plain-JavaScript reference ops
 * run at roughly 150 M/s on a modest laptop core, so this is about half a minute. For scale: S0 at
 * 224×224 is 1.3e9, S4 at 224×224 6.0e9, our CIFAR-10 model at 1024×1024 6.4e10.
 */
export const MAX_CHECK_MACS = 5e9;

/** Multiply-accumulates of one forward pass of the unfused and the fused network at `size`×`size`. */
export function checkCost(spec: MobileOneSpec, size: number): number {
	let macs = 0;
	let side = size;
	for (const b of blocksOf(spec)) {
		const out = outputSize(side, b);
		const pixels = out * out;
		const perTap = b.cout * (b.cin / b.groups);
		const branchTaps = b.k * b.kernel * b.kernel + (b.hasScale ? 1 : 0);
		macs += pixels * perTap * (branchTaps + b.kernel * b.kernel);
		side = out;
	}
	return macs;
}

export interface FusionCheck {
	size: number;
	maxDelta: number;
	maxOutput: number;
	/** maxDelta ≤ AGREEMENT_TOLERANCE · maxOutput and everything finite. */
	agrees: boolean;
	/** Why it does not agree, in one sentence; null when it does. */
	problem: string | null;
}

export function checkFusion(unfused: UnfusedModel, fused: FusedModel, input: Tensor): FusionCheck {
	const size = input.shape[input.shape.length - 1];
	const yu = forwardModel(unfused, input);
	const yf = forwardModel(fused, input);
	const maxDelta = maxAbsDiff(yu.data, yf.data);
	const maxOutput = maxAbs(yu.data);
	const finite = (a: Float32Array) => a.every((v) => v - v === 0);
	let problem: string | null = null;
	if (!finite(yu.data)) problem = 'the train-time network’s outputs are not finite';
	else if (!finite(yf.data)) problem = 'the fused network’s outputs are not finite';
	else if (!(maxDelta <= AGREEMENT_TOLERANCE * maxOutput))
		problem = `the fused network differs from the train-time one by ${formatDelta(maxDelta, 3)}, more than ${AGREEMENT_TOLERANCE} × the largest output (${formatValue(maxOutput)})`;
	return { size, maxDelta, maxOutput, agrees: problem === null, problem };
}
