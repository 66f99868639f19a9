/**
 * The fuse-side building blocks every family composes: a conv+BN branch folded and padded to K×K,
 * a BN-only branch written as an identity kernel and folded, and the final sum. Each appends its
 * labelled step records to `steps`.
 */
import { addBranches } from '../reparam/add-branches';
import { foldBatchNorm } from '../reparam/bn-fold';
import type { BatchNorm } from '../reparam/batch-norm';
import type { ConvKernel } from '../reparam/conv-kernel';
import { identityKernel } from '../reparam/identity-kernel';
import { padKernel } from '../reparam/pad-kernel';
import type { LabelledStep } from './block';

export class StepLog {
	readonly steps: LabelledStep[] = [];

	/** Fold `bn` into `conv`, then pad to K×K if smaller. */
	convBn(label: string, conv: ConvKernel, bn: BatchNorm, size: number): ConvKernel {
		const folded = foldBatchNorm(conv, bn);
		this.steps.push({ label, record: folded });
		return this.pad(label, folded.output, size);
	}

	pad(label: string, k: ConvKernel, size: number): ConvKernel {
		if (k.shape[2] === size && k.shape[3] === size) return k;
		const padded = padKernel(k, size, size);
		this.steps.push({ label, record: padded });
		return padded.output;
	}

	/** The identity as a K×K kernel, optionally followed by its BN (a BN-only skip). */
	identity(label: string, channels: number, groups: number, size: number, bn: BatchNorm | null = null): ConvKernel {
		const id = identityKernel(channels, groups, size);
		this.steps.push({ label, record: id });
		if (!bn) return id.output;
		const folded = foldBatchNorm(id.output, bn);
		this.steps.push({ label, record: folded });
		return folded.output;
	}

	add(label: string, terms: ConvKernel[], labels: string[]): ConvKernel {
		const sum = addBranches(terms, labels);
		this.steps.push({ label, record: sum });
		return sum.output;
	}

	push(label: string, record: LabelledStep['record']): void {
		this.steps.push({ label, record });
	}
}
