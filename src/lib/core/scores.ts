/** From a classifier's logits to what a person reads: probabilities, the top classes, agreement. */
import { maxAbsDiff } from './tensor';

/** Softmax in float64, shifted by the maximum so large logits cannot overflow. */
export function softmax(logits: ArrayLike<number>): Float64Array {
	const n = logits.length;
	const out = new Float64Array(n);
	if (n === 0) return out;
	let max = -Infinity;
	for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
	let sum = 0;
	for (let i = 0; i < n; i++) sum += out[i] = Math.exp(logits[i] - max);
	for (let i = 0; i < n; i++) out[i] /= sum;
	return out;
}

export interface RankedClass {
	index: number;
	label: string;
	probability: number;
	logit: number;
}

/** The `k` most probable classes, most probable first; ties keep class order. */
export function topK(logits: ArrayLike<number>, labels: readonly string[], k: number): RankedClass[] {
	if (labels.length !== logits.length) throw new RangeError(`${logits.length} logits but ${labels.length} labels`);
	const p = softmax(logits);
	return Array.from(p, (probability, index) => ({ index, label: labels[index], probability, logit: logits[index] }))
		.sort((a, b) => b.probability - a.probability || a.index - b.index)
		.slice(0, Math.max(0, k));
}

export function argmax(values: ArrayLike<number>): number {
	let best = -1;
	for (let i = 0; i < values.length; i++) if (best < 0 || values[i] > values[best]) best = i;
	return best;
}

export interface FormComparison {
	/** Same top-1 class. */
	agree: boolean;
	top1A: number;
	top1B: number;
	/** max |a − b| over the logits. */
	maxAbsDiff: number;
}

export function compareLogits(a: ArrayLike<number>, b: ArrayLike<number>): FormComparison {
	const top1A = argmax(a);
	const top1B = argmax(b);
	return { agree: top1A === top1B, top1A, top1B, maxAbsDiff: maxAbsDiff(a, b) };
}
