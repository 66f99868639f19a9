/**
 * The MobileOne architecture as data. `blocksOf` expands a spec into the exact list of blocks
 * Apple's `ml-mobileone` code builds, with its module names, so weights, math, forward passes and
 * the ONNX builder all walk the same list.
 */
import { WeightsError } from '../core/errors';
import { describeValue } from '../core/printable';
import { blockName, STEM } from './keys';

export const SPEC_FORMAT = 'mobileone-lab.spec/1';
export const BN_EPS = 1e-5;
/** Apple's SEBlock squeezes to ⌊0.0625·C⌋ channels. */
export const SE_RATIO = 0.0625;

export interface StemSpec {
	width: number;
	stride: number;
	/** Over-parameterized branches in the stem; Apple's stem always has 1. */
	k: number;
}

export interface StageSpec {
	/** Output channels of every pointwise half in the stage. */
	width: number;
	/** Depthwise + pointwise pairs. */
	blocks: number;
	/** Stride of the stage's first depthwise block (the rest have stride 1). */
	stride: number;
	/** Over-parameterized conv+BN branches per block. */
	k: number;
	/** The last `seBlocks` pairs carry squeeze-excite (both halves). */
	seBlocks: number;
}

export interface MobileOneSpec {
	format: typeof SPEC_FORMAT;
	name: string;
	inChannels: number;
	inputSize: number;
	numClasses: number;
	stem: StemSpec;
	stages: StageSpec[];
}

export type BlockRole = 'stem' | 'depthwise' | 'pointwise';

export interface BlockSpec {
	/** Apple's module path: `stage0`, `stage1.0`, `stage3.7`, … */
	name: string;
	stage: number;
	/** Position inside the stage's nn.Sequential; -1 for the stem. */
	index: number;
	role: BlockRole;
	cin: number;
	cout: number;
	kernel: number;
	stride: number;
	padding: number;
	groups: number;
	k: number;
	/** The 1×1 scale branch exists only when the kernel is larger than 1×1. */
	hasScale: boolean;
	/** The BN-only skip exists only where in = out channels and stride = 1. */
	hasSkip: boolean;
	se: boolean;
}

export type VariantName = 's0' | 's1' | 's2' | 's3' | 's4';
export const VARIANTS: readonly VariantName[] = ['s0', 's1', 's2', 's3', 's4'];

const ALPHAS: Record<VariantName, [number, number, number, number]> = {
	s0: [0.75, 1.0, 1.0, 2.0],
	s1: [1.5, 1.5, 2.0, 2.5],
	s2: [1.5, 2.0, 2.5, 4.0],
	s3: [2.0, 2.5, 3.0, 4.0],
	s4: [3.0, 3.5, 3.5, 4.0]
};

/** S0–S4 exactly as Apple's `mobileone(variant=…)` builds them for ImageNet. */
export function variantSpec(name: VariantName, numClasses = 1000): MobileOneSpec {
	const a = ALPHAS[name];
	const k = name === 's0' ? 4 : 1;
	const useSe = name === 's4';
	const blocks = [2, 8, 10, 1];
	const widths = [64, 128, 256, 512].map((w, i) => Math.floor(w * a[i]));
	return {
		format: SPEC_FORMAT,
		name: `mobileone-${name}`,
		inChannels: 3,
		inputSize: 224,
		numClasses,
		stem: { width: Math.min(64, Math.floor(64 * a[0])), stride: 2, k: 1 },
		stages: blocks.map((n, i) => ({
			width: widths[i],
			blocks: n,
			stride: 2,
			k,
			// Apple: SE on the last half of stage 3 and all of stage 4, for S4 only.
			seBlocks: useSe ? (i === 2 ? Math.floor(n / 2) : i === 3 ? n : 0) : 0
		}))
	};
}

export function isVariantName(s: string): s is VariantName {
	return (VARIANTS as readonly string[]).includes(s);
}

export function blocksOf(spec: MobileOneSpec): BlockSpec[] {
	const out: BlockSpec[] = [];
	const stem = spec.stem;
	out.push(makeBlock(STEM, 0, -1, 'stem', spec.inChannels, stem.width, 3, stem.stride, 1, stem.k, false));
	let planes = stem.width;
	spec.stages.forEach((st, s) => {
		for (let b = 0; b < st.blocks; b++) {
			const stride = b === 0 ? st.stride : 1;
			const se = b >= st.blocks - st.seBlocks;
			const stage = s + 1;
			out.push(makeBlock(blockName(stage, 2 * b), stage, 2 * b, 'depthwise', planes, planes, 3, stride, planes, st.k, se));
			out.push(makeBlock(blockName(stage, 2 * b + 1), stage, 2 * b + 1, 'pointwise', planes, st.width, 1, 1, 1, st.k, se));
			planes = st.width;
		}
	});
	return out;
}

function makeBlock(
	name: string,
	stage: number,
	index: number,
	role: BlockRole,
	cin: number,
	cout: number,
	kernel: number,
	stride: number,
	groups: number,
	k: number,
	se: boolean
): BlockSpec {
	return {
		name,
		stage,
		index,
		role,
		cin,
		cout,
		kernel,
		stride,
		padding: Math.floor(kernel / 2),
		groups,
		k,
		hasScale: kernel > 1,
		hasSkip: cin === cout && stride === 1,
		se
	};
}

/** Channels entering the classifier. */
export function featureWidth(spec: MobileOneSpec): number {
	const last = spec.stages[spec.stages.length - 1];
	return last ? last.width : spec.stem.width;
}

export function seChannels(channels: number): number {
	return Math.floor(channels * SE_RATIO);
}

export type Form = 'unfused' | 'fused';

/** Trainable parameters (BN running statistics excluded), as PyTorch counts them. */
export function blockParamCount(b: BlockSpec, form: Form): number {
	const kernel = b.cout * (b.cin / b.groups) * b.kernel * b.kernel;
	let n: number;
	if (form === 'fused') {
		n = kernel + b.cout;
	} else {
		n = b.k * (kernel + 2 * b.cout);
		if (b.hasScale) n += b.cout * (b.cin / b.groups) + 2 * b.cout;
		if (b.hasSkip) n += 2 * b.cin;
	}
	if (b.se) {
		const r = seChannels(b.cout);
		n += r * b.cout + r + b.cout * r + b.cout;
	}
	return n;
}

export function paramCount(spec: MobileOneSpec, form: Form): number {
	let n = 0;
	for (const b of blocksOf(spec)) n += blockParamCount(b, form);
	const f = featureWidth(spec);
	return n + f * spec.numClasses + spec.numClasses;
}

/** Spatial size after each block, for an input of `size`×`size`. */
export function outputSize(size: number, b: BlockSpec): number {
	return Math.floor((size + 2 * b.padding - b.kernel) / b.stride) + 1;
}

const MAX_CHANNELS = 1 << 16;
const MAX_BLOCKS = 256;

/**
 * Check a spec from an untrusted source (a file's metadata) before anything is sized by it.
 * Returns the spec with defaults filled; throws `WeightsError('bad-spec')` naming the field.
 */
export function validateSpec(raw: unknown): MobileOneSpec {
	const bad = (msg: string): never => {
		throw new WeightsError('bad-spec', `spec: ${msg}`);
	};
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('not a JSON object');
	const o = raw as Record<string, unknown>;
	const int = (v: unknown, field: string, min: number, max: number): number => {
		if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
			bad(`${field} must be an integer in [${min}, ${max}], got ${describeValue(v)}`);
		return v as number;
	};
	if (o.format !== undefined && o.format !== SPEC_FORMAT) bad(`unknown format ${describeValue(o.format)} (expected "${SPEC_FORMAT}")`);
	const stemRaw = o.stem as Record<string, unknown> | undefined;
	if (typeof stemRaw !== 'object' || stemRaw === null) bad('missing "stem"');
	const stem: StemSpec = {
		width: int(stemRaw!.width, 'stem.width', 1, MAX_CHANNELS),
		stride: int(stemRaw!.stride ?? 2, 'stem.stride', 1, 4),
		k: int(stemRaw!.k ?? 1, 'stem.k', 1, 16)
	};
	if (!Array.isArray(o.stages) || o.stages.length === 0 || o.stages.length > 16) bad('"stages" must be a list of 1 to 16 stages');
	let total = 0;
	const stages = (o.stages as unknown[]).map((s, i): StageSpec => {
		if (typeof s !== 'object' || s === null) bad(`stages[${i}] is not an object`);
		const r = s as Record<string, unknown>;
		const blocks = int(r.blocks, `stages[${i}].blocks`, 1, MAX_BLOCKS);
		total += blocks;
		return {
			width: int(r.width, `stages[${i}].width`, 1, MAX_CHANNELS),
			blocks,
			stride: int(r.stride ?? 2, `stages[${i}].stride`, 1, 4),
			k: int(r.k ?? 1, `stages[${i}].k`, 1, 16),
			seBlocks: int(r.seBlocks ?? 0, `stages[${i}].seBlocks`, 0, blocks)
		};
	});
	if (total > MAX_BLOCKS) bad(`${total} blocks is more than the ${MAX_BLOCKS} this tool accepts`);
	// SE squeezes to ⌊C/16⌋ channels and sits on both halves of a pair: below 16 channels it would
	// squeeze to nothing, which Apple's code builds but no runtime can run meaningfully.
	let planes = stem.width;
	stages.forEach((st, i) => {
		if (st.seBlocks > 0 && seChannels(Math.min(planes, st.width)) === 0)
			bad(`stages[${i}] has squeeze-excite on fewer than ${1 / SE_RATIO} channels`);
		planes = st.width;
	});
	return {
		format: SPEC_FORMAT,
		name: typeof o.name === 'string' ? o.name.slice(0, 100) : 'mobileone',
		inChannels: int(o.inChannels ?? 3, 'inChannels', 1, 64),
		inputSize: int(o.inputSize ?? 224, 'inputSize', 8, 4096),
		numClasses: int(o.numClasses, 'numClasses', 1, 100_000),
		stem,
		stages
	};
}
