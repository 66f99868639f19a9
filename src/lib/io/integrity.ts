/**
 * What a weights file must satisfy before the engine fuses it: every value finite, every BatchNorm
 * running variance non-negative. A NaN or an Inf fuses into a network whose outputs are NaN, and a
 * negative variance has no square root; either would otherwise be written out as a "fused" model.
 * The error names the tensor and the first bad index, so a user can find where training diverged.
 */
import { WeightsError } from '../core/errors';
import { quoted } from '../core/printable';
import type { Tensor } from '../core/tensor';
import { BN_TENSORS } from '../mobileone/keys';

/** `[i, j, k, l]` of flat index `flat` in a row-major tensor of `shape`. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
	const out = new Array<number>(shape.length);
	let rest = flat;
	for (let d = shape.length - 1; d >= 0; d--) {
		const n = shape[d];
		out[d] = n > 0 ? rest % n : 0;
		rest = n > 0 ? Math.floor(rest / n) : 0;
	}
	return out;
}

function describeBad(v: number): string {
	return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '−Inf';
}

function at(key: string, t: Tensor, i: number): string {
	return `${quoted(key)} at [${unravelIndex(i, t.shape).join(', ')}]`;
}

/** Throws a WeightsError for the first non-finite value or negative running variance, in file order. */
export function checkWeightValues(tensors: ReadonlyMap<string, Tensor>): void {
	const varianceSuffix = `.${BN_TENSORS.variance}`;
	for (const [key, t] of tensors) {
		const d = t.data;
		for (let i = 0; i < d.length; i++) {
			const v = d[i];
			// One comparison for the common case: v - v is 0 exactly when v is finite.
			if (v - v !== 0)
				throw new WeightsError('non-finite', `${at(key, t, i)} is ${describeBad(v)}: the weights are not finite (often a diverged training run)`);
		}
		if (key.endsWith(varianceSuffix)) {
			for (let i = 0; i < d.length; i++)
				if (d[i] < 0) throw new WeightsError('negative-variance', `${at(key, t, i)} is ${d[i]}: a BatchNorm running variance cannot be negative`);
		}
	}
}
