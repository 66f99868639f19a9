/**
 * From the bytes of a safetensors file to a model the engine can fuse, run and export. The spec
 * comes from the file's `__metadata__` when present (the only way to say strides other than
 * Apple's), otherwise it is recognised from the keys and shapes alone.
 */
import { WeightsError } from '../core/errors';
import { parseUntrustedJson } from '../core/json';
import { printable, quoted } from '../core/printable';
import { checkWeightValues } from './integrity';
import { readSafetensors, writeSafetensors } from './safetensors';
import { SPEC_FORMAT, validateSpec, variantSpec, VARIANTS, type MobileOneSpec, type StageSpec } from '../mobileone/spec';
import type { Tensor } from '../core/tensor';
import { blockName, branchConvWeightKey, CLASSIFIER_WEIGHT, convBranch, fusedWeightKey, isMobileOneKey, parseBlockKey, STEM } from '../mobileone/keys';
import { detectForm, readFusedModel, readUnfusedModel, toStateDict, type StateDict } from './statedict';
import { type FusedModel, type Model, type UnfusedModel } from '../mobileone/model';

interface CheckpointFields {
	spec: MobileOneSpec;
	specSource: 'metadata' | 'inferred';
	/** Class names in output order, when the file says. */
	labels: string[] | null;
	/** Per-channel normalization of RGB in [0, 1], when the file says. */
	mean: number[] | null;
	std: number[] | null;
	source: string | null;
	metadata: Record<string, string>;
	/** Integer buffers such as `num_batches_tracked`, accepted and not used. */
	ignoredKeys: string[];
	/** Float tensors the spec has no place for. */
	unusedKeys: string[];
}

type HeldModel = { form: 'unfused'; model: UnfusedModel } | { form: 'fused'; model: FusedModel };

/** A loaded file; `form` says which model it holds, so checking it narrows `model` without a cast. */
export type Checkpoint = CheckpointFields & HeldModel;

/**
 * The multi-branch model, for callers that fuse or compare the two forms; a fused file cannot give
 * it back. `need` says what wanted it, for the message.
 */
export function requireUnfused(ck: Checkpoint, need: string): UnfusedModel {
	if (ck.form !== 'unfused') throw new Error(`the weights are already fused (reparam_conv); ${need} needs the multi-branch ones`);
	return ck.model;
}

/** Strip the `module.` prefix that nn.DataParallel checkpoints carry. */
function normalizeKeys(tensors: Map<string, Tensor>): StateDict {
	const keys = [...tensors.keys()];
	if (keys.length === 0 || !keys.every((k) => k.startsWith('module.'))) return tensors;
	return new Map(keys.map((k) => [k.slice('module.'.length), tensors.get(k)!]));
}

/**
 * Recognise an Apple-structured MobileOne from keys and shapes alone: widths, blocks per stage,
 * k, SE, classes. Strides cannot be read from weights; a stage whose first depthwise block has a
 * BN skip must have stride 1, otherwise Apple's 2 is assumed (and the stem's 2).
 */
export function inferSpec(sd: StateDict): MobileOneSpec {
	const form = detectForm(sd);
	const stemKey = form === 'fused' ? fusedWeightKey(STEM) : branchConvWeightKey(STEM, convBranch(0));
	const stem = sd.get(stemKey);
	if (!stem || stem.shape.length !== 4) throw new WeightsError('not-mobileone', `no MobileOne stem: expected "${stemKey}"`);
	const linear = sd.get(CLASSIFIER_WEIGHT);
	if (!linear || linear.shape.length !== 2) throw new WeightsError('not-mobileone', `no classifier: expected "${CLASSIFIER_WEIGHT}" of shape [classes, features]`);

	// stage → block index → what that block has
	const stages = new Map<number, Map<number, { k: number; se: boolean; skip: boolean; width: number }>>();
	let stemK = 0;
	for (const [key, t] of sd) {
		const parsed = parseBlockKey(key);
		if (!parsed) continue;
		const { stage, index, part } = parsed;
		const convIndex = part.kind === 'branch' && part.branch.kind === 'conv' ? part.branch.index : null;
		if (stage === 0) {
			if (index === null && convIndex !== null) stemK++;
			continue;
		}
		if (index === null) continue;
		if (stage > 16 || index > 1024) throw new WeightsError('bad-spec', `"${key}": stage or block index out of range`);
		const blocks = stages.get(stage) ?? new Map();
		stages.set(stage, blocks);
		const b = blocks.get(index) ?? { k: 0, se: false, skip: false, width: 0 };
		blocks.set(index, b);
		if (convIndex !== null) b.k++;
		if (part.kind === 'se') b.se = true;
		if (part.kind === 'skip') b.skip = true;
		if (convIndex === 0 || part.kind === 'fused') b.width = t.shape[0] ?? 0;
	}
	const stageSpecs: StageSpec[] = [];
	for (let s = 1; s <= stages.size; s++) {
		const blocks = stages.get(s);
		if (!blocks) throw new WeightsError('not-mobileone', `stages are not numbered 1…${stages.size}: "stage${s}" is missing`);
		const n = blocks.size;
		if (n % 2 !== 0 || [...blocks.keys()].some((i) => i >= n))
			throw new WeightsError('not-mobileone', `stage${s} does not alternate depthwise and pointwise blocks (${n} blocks)`);
		const first = blocks.get(0)!;
		const last = blocks.get(n - 1)!;
		const k = form === 'fused' ? 1 : first.k;
		let seBlocks = 0;
		for (let p = n / 2 - 1; p >= 0 && blocks.get(2 * p)!.se; p--) seBlocks++;
		for (const [i, b] of blocks) {
			if (form === 'unfused' && b.k !== k) throw new WeightsError('bad-spec', `${blockName(s, i)} has ${b.k} conv branches, ${blockName(s, 0)} has ${k}`);
			const pair = Math.floor(i / 2);
			if (b.se !== pair >= n / 2 - seBlocks) throw new WeightsError('bad-spec', `${blockName(s, i)}: squeeze-excite only on the last pairs of a stage is supported`);
		}
		stageSpecs.push({ width: last.width, blocks: n / 2, stride: form === 'unfused' && first.skip ? 1 : 2, k, seBlocks });
	}
	if (stageSpecs.length === 0) throw new WeightsError('not-mobileone', `no stages: expected keys like "${branchConvWeightKey(blockName(1, 0), convBranch(0))}"`);
	const spec = validateSpec({
		format: SPEC_FORMAT,
		name: 'mobileone (recognised from weights)',
		inChannels: stem.shape[1],
		inputSize: 224,
		numClasses: linear.shape[0],
		stem: { width: stem.shape[0], stride: 2, k: form === 'fused' ? 1 : stemK },
		stages: stageSpecs
	});
	const variant = VARIANTS.find((v) => sameArchitecture(spec, variantSpec(v, spec.numClasses)));
	return variant ? { ...spec, name: `mobileone-${variant}` } : spec;
}

function sameArchitecture(a: MobileOneSpec, b: MobileOneSpec): boolean {
	return JSON.stringify({ ...a, name: '' }) === JSON.stringify({ ...b, name: '' });
}

function parseJsonField(metadata: Record<string, string>, field: string): unknown {
	const raw = metadata[field];
	if (raw === undefined) return undefined;
	try {
		return parseUntrustedJson(raw);
	} catch (e) {
		throw new WeightsError('bad-metadata', `metadata "${field}" is not valid JSON: ${printable((e as Error).message, 120)}`);
	}
}

function numberList(metadata: Record<string, string>, field: string, n: number, positive = false): number[] | null {
	const v = parseJsonField(metadata, field);
	if (v === undefined) return null;
	if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0)))
		throw new WeightsError('bad-metadata', `metadata "${field}" must be a list of ${n} ${positive ? 'positive ' : ''}numbers`);
	return v as number[];
}

/** A safetensors file's bytes to a checkpoint. */
export function loadCheckpoint(bytes: Uint8Array): Checkpoint {
	return checkpointFromTensors(readSafetensors(bytes));
}

/**
 * Tensors from any weights file (safetensors, a PyTorch state dict) to a checkpoint: the same rules
 * for every format — values checked, spec from metadata or recognised, contradictions refused.
 */
export function checkpointFromTensors(file: { tensors: Map<string, Tensor>; metadata: Record<string, string>; ignored: string[] }): Checkpoint {
	const sd = normalizeKeys(file.tensors);
	const form = detectForm(sd);
	const rawSpec = parseJsonField(file.metadata, 'spec');
	const spec = rawSpec === undefined ? inferSpec(sd) : validateSpec(rawSpec);
	checkWeightValues(sd);
	const held: HeldModel =
		form === 'fused' ? { form, model: readFusedModel(sd, spec) } : { form, model: readUnfusedModel(sd, spec) };
	const used = new Set(toStateDict(held.model).keys());
	const unusedKeys = [...sd.keys()].filter((k) => !used.has(k));
	// A MobileOne tensor the spec has no place for means the spec describes another network (fewer
	// branches or blocks, another stride): building it would silently drop part of the file.
	const contradicted = unusedKeys.find(isMobileOneKey);
	if (contradicted !== undefined)
		throw new WeightsError(
			'spec-mismatch',
			`the spec${rawSpec === undefined ? ' recognised from the keys' : ' in the metadata'} has no place for ${quoted(contradicted)}${unusedKeys.length > 1 ? ` (and ${unusedKeys.length - 1} more unused tensors)` : ''}: it does not describe this file`
		);
	const labelsRaw = parseJsonField(file.metadata, 'labels');
	let labels: string[] | null = null;
	if (labelsRaw !== undefined) {
		if (!Array.isArray(labelsRaw) || labelsRaw.length !== spec.numClasses || !labelsRaw.every((l) => typeof l === 'string'))
			throw new WeightsError('bad-metadata', `metadata "labels" must be a list of ${spec.numClasses} strings`);
		labels = labelsRaw as string[];
	}
	return {
		spec,
		specSource: rawSpec === undefined ? 'inferred' : 'metadata',
		...held,
		labels,
		mean: numberList(file.metadata, 'mean', spec.inChannels),
		// Preprocessing divides by std.
		std: numberList(file.metadata, 'std', spec.inChannels, true),
		source: file.metadata.source ?? null,
		metadata: file.metadata,
		ignoredKeys: file.ignored,
		unusedKeys
	};
}

/** A model as safetensors bytes under Apple's keys, with the spec (and any extra fields) in metadata. */
export function saveCheckpoint(model: Model, extra: Record<string, string> = {}): Uint8Array {
	return writeSafetensors(toStateDict(model), { ...extra, spec: JSON.stringify(model.spec) });
}
