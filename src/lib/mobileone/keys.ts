/**
 * Apple's `ml-mobileone` names, spelled here and nowhere else: the branch modules of a block
 * (`rbr_conv.I`, `rbr_scale`, `rbr_skip`), the fused conv (`reparam_conv`), squeeze-excite and the
 * classifier, and the state-dict keys built from them. Reading, writing, recognising a checkpoint
 * and naming ONNX nodes all go through these functions, so a real checkpoint loads as is and the
 * names can never drift apart.
 */
import type { BatchNormParams } from './model';

/** One branch of a train-time block, typed: the i-th conv+BN branch, the 1×1 scale branch, or the BN skip. */
export type BranchId = { kind: 'conv'; index: number } | { kind: 'scale' } | { kind: 'skip' };

export const convBranch = (index: number): BranchId => ({ kind: 'conv', index });
export const SCALE_BRANCH: BranchId = { kind: 'scale' };
export const SKIP_BRANCH: BranchId = { kind: 'skip' };

export function sameBranch(a: BranchId, b: BranchId): boolean {
	return a.kind === b.kind && (a.kind !== 'conv' || (b.kind === 'conv' && a.index === b.index));
}

/** Apple's module name of a branch inside its block: `rbr_conv.0`, `rbr_scale`, `rbr_skip`. */
export function branchModule(b: BranchId): string {
	return b.kind === 'conv' ? `rbr_conv.${b.index}` : b.kind === 'scale' ? 'rbr_scale' : 'rbr_skip';
}

/** The inverse of `branchModule`, for names that come back from a form or a URL; null if not one. */
export function parseBranchModule(name: string): BranchId | null {
	if (name === 'rbr_scale') return SCALE_BRANCH;
	if (name === 'rbr_skip') return SKIP_BRANCH;
	const m = /^rbr_conv\.(\d{1,3})$/.exec(name);
	return m ? convBranch(Number(m[1])) : null;
}

/** The module path of a branch, e.g. `stage1.0.rbr_conv.2`. */
export function branchPath(block: string, b: BranchId): string {
	return `${block}.${branchModule(b)}`;
}

/** The conv weight of a conv or scale branch (`….rbr_conv.0.conv.weight`). */
export function branchConvWeightKey(block: string, b: BranchId): string {
	if (b.kind === 'skip') throw new RangeError('the skip branch has no conv');
	return `${branchPath(block, b)}.conv.weight`;
}

/** The prefix of a branch's BatchNorm: `….rbr_conv.0.bn`, `….rbr_scale.bn`, or the skip itself `….rbr_skip`. */
export function branchBnPrefix(block: string, b: BranchId): string {
	return b.kind === 'skip' ? branchPath(block, b) : `${branchPath(block, b)}.bn`;
}

/** PyTorch's names of a BatchNorm's four tensors. */
export const BN_TENSORS: Readonly<Record<keyof Omit<BatchNormParams, 'eps'>, string>> = {
	gamma: 'weight',
	beta: 'bias',
	mean: 'running_mean',
	variance: 'running_var'
};

export const REPARAM_MODULE = 'reparam_conv';

export function fusedWeightKey(block: string): string {
	return `${block}.${REPARAM_MODULE}.weight`;
}

export function fusedBiasKey(block: string): string {
	return `${block}.${REPARAM_MODULE}.bias`;
}

export type SeTensor = 'reduce.weight' | 'reduce.bias' | 'expand.weight' | 'expand.bias';

export function seModule(block: string): string {
	return `${block}.se`;
}

export function seKey(block: string, tensor: SeTensor): string {
	return `${seModule(block)}.${tensor}`;
}

export const CLASSIFIER_MODULE = 'linear';
export const CLASSIFIER_WEIGHT = `${CLASSIFIER_MODULE}.weight`;
export const CLASSIFIER_BIAS = `${CLASSIFIER_MODULE}.bias`;

/** The stem's module name; Apple's stem has no block index. */
export const STEM = 'stage0';

/** The name of block `index` of stage `stage` (1-based stages; the stem is `STEM`). */
export function blockName(stage: number, index: number): string {
	return `stage${stage}.${index}`;
}

/**
 * The weight keys that identify a block and what it has, for recognising a checkpoint from its keys:
 * stage, block index (absent for the stem), and which part this weight belongs to.
 */
export interface BlockKey {
	stage: number;
	index: number | null;
	part: { kind: 'branch'; branch: BranchId } | { kind: 'skip' } | { kind: 'fused' } | { kind: 'se' };
}

const BLOCK_KEY = /^stage(\d{1,3})(?:\.(\d{1,5}))?\.(rbr_conv\.(\d{1,3})\.conv|rbr_scale\.conv|rbr_skip|reparam_conv|se\.reduce)\.weight$/;

export function parseBlockKey(key: string): BlockKey | null {
	const m = BLOCK_KEY.exec(key);
	if (!m) return null;
	const index = m[2] === undefined ? null : Number(m[2]);
	const part: BlockKey['part'] =
		m[4] !== undefined
			? { kind: 'branch', branch: convBranch(Number(m[4])) }
			: m[3] === 'rbr_scale.conv'
				? { kind: 'branch', branch: SCALE_BRANCH }
				: m[3] === 'rbr_skip'
					? { kind: 'skip' }
					: m[3] === REPARAM_MODULE
						? { kind: 'fused' }
						: { kind: 'se' };
	return { stage: Number(m[1]), index, part };
}

/** True if a key names a fused (`reparam_conv`) or a train-time (`rbr_conv`) block part. */
export function isFusedKey(key: string): boolean {
	return key.includes(`.${REPARAM_MODULE}.`);
}

export function isUnfusedKey(key: string): boolean {
	return key.includes('.rbr_conv.');
}

const MOBILEONE_PART = /^stage\d{1,3}(?:\.\d{1,5})?\.(?:rbr_conv|rbr_scale|rbr_skip|reparam_conv|se)\.|^linear\./;

/** True for any key of a MobileOne block part or the classifier, whatever its index: what a spec must account for. */
export function isMobileOneKey(key: string): boolean {
	return MOBILEONE_PART.test(key);
}
