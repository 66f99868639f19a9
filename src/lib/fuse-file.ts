/**
 * "Fuse this file", whatever network file it is: the one piece of logic `npm run fuse` and the
 * browser share. Pure (bytes in, a record and bytes out); the only thing it cannot do alone is run
 * an ONNX graph, so the caller injects a runtime (onnxruntime-node in the CLI, onnxruntime-web in
 * the browser).
 *
 * State dicts (safetensors, PyTorch) are fused block by block by the engine and checked by the
 * engine; ONNX graphs are fused by the graph pass and checked by running both graphs. Either way
 * nothing comes back unless the check agrees, and no file decides how long the check runs.
 */
import { seededNormal } from './core/random';
import { maxAbs, maxAbsDiff, type Tensor } from './core/tensor';
import { formatDelta, formatInt, formatValue } from './format';
import { foldConstants } from './graph/fold-constants';
import { fuseParallelBranches, type Counts, type GroupReport } from './graph/fuse-branches';
import { collapseByStage, collapseTotal } from './mobileone/collapse';
import { AGREEMENT_TOLERANCE } from './mobileone/explain';
import { fuseModel } from './mobileone/reparam';
import type { MobileOneSpec } from './mobileone/spec';
import { randomInput } from './mobileone/synthetic';
import { checkCost, checkFusion, DEFAULT_CHECK_SIZE, MAX_CHECK_MACS } from './mobileone/verify';
import { saveCheckpoint } from './io/checkpoint';
import { readNetworkFile } from './io/network-file';
import { buildOnnx, INPUT_NAME, OUTPUT_NAME } from './io/onnx/build';
import { encodeOnnx } from './io/onnx/encode';
import { DATA_TYPE, elementCount, intsAttribute, isStandardDomain, tensorValues, type ModelDim, type ModelNode, type ModelTensor, type OnnxModel } from './io/onnx/model';
import { checkpointFromTensors } from './io/checkpoint';
import { checkWeightValues } from './io/integrity';
import { readSafetensors, writeSafetensors, type SafetensorsFile } from './io/safetensors';
import { sniffWeightsFormat } from './io/sniff';
import { forwardRepVGG, fuseRepVGGNetwork, isWholeRepVGG, recogniseRepVGG, repvggCheckCost, repvggCheckInput } from './families/repvgg-network';
import { countByFamily, findFamilyBlocks, type FoundBlock } from './families/find-blocks';
import { BLOCK_CHECK_SIDE, blocksCheckCost, checkFoundBlocks, fuseFoundBlocks, type BlockCheck } from './families/fuse-blocks';
import type { FamilyId } from './families/block';
import { WeightsError } from './core/errors';
import { quoted } from './core/printable';
import { readTorchCheckpoint } from './io/pytorch';
import type { Tensor as WeightTensor } from './core/tensor';

/**
 * Runs an ONNX file on one float32 input and returns its first output's values. The CLI passes
 * onnxruntime-node, the browser onnxruntime-web; graph optimisation should be off, so that the
 * runtime's own folding cannot hide what the file holds.
 */
export type OnnxRunner = (bytes: Uint8Array, input: { name: string; data: Float32Array; shape: number[] }, output: string) => Promise<Float32Array>;

/** The steps of fusing a file, in order, as `onStage` reports them (a page draws a progress bar from them). */
export type FuseStage = 'parse' | 'fuse' | 'write' | 'check';

export interface FuseFileOptions {
	/** Seed of the random input the check runs on. */
	seed: number;
	/** Side of that input; 0 = the default (the spec's input size or the graph's fixed H/W, else DEFAULT_CHECK_SIZE). */
	size: number;
	out: 'onnx' | 'safetensors';
	/** Needed for ONNX inputs only. */
	runOnnx?: OnnxRunner;
	/** Metadata added to a safetensors output. */
	metadata?: Record<string, string>;
	/** Called as each step starts. */
	onStage?: (stage: FuseStage) => void;
	/**
	 * State dicts only: where the check runs. 'engine' (the default) uses the engine's reference ops;
	 * 'runtime' builds both networks as ONNX and runs them through `runOnnx` (the browser's proof,
	 * and the original comes back as `original`). ONNX inputs always run in the runtime.
	 */
	checkIn?: 'engine' | 'runtime';
	/** State dicts only: also write the fused safetensors (Apple's keys) beside an ONNX output. */
	alsoSafetensors?: boolean;
	/**
	 * A state dict holding family blocks but no whole network has no graph to build: with this set it is
	 * fused in place to safetensors even when `out` is 'onnx' (the page takes what each file can give);
	 * without it that is a usage error (the CLI's user named an .onnx output).
	 */
	blocksInPlace?: boolean;
}

/**
 * The seed of the random input the browser's proof runs on, so a rerun compares the same numbers
 * and the explorer shows a kept block's max |Δ| exactly as the Your network page did.
 */
export const PROOF_SEED = 20240601;

/** The metadata both the CLI and the page write into a fused safetensors file, so the two give identical bytes. */
export const FUSED_METADATA: Readonly<Record<string, string>> = { fused_by: 'mobileone-lab' };

/** What the bytes were recognised as. */
export type Recognised =
	| {
			kind: 'checkpoint';
			format: 'safetensors' | 'pytorch';
			spec: MobileOneSpec;
			specSource: 'metadata' | 'inferred';
			/** Where a PyTorch file kept its state dict ("top level", "state_dict", …); null for safetensors. */
			found: string | null;
			form: 'unfused' | 'fused';
			/** Float tensors the spec has no place for (left out). */
			unusedKeys: string[];
	  }
	| {
			/** A state dict of another reparameterization family, under its original key names. */
			kind: 'family';
			family: 'repvgg';
			format: 'safetensors';
			blocks: number;
			numClasses: number;
			specSource: 'metadata' | 'inferred';
			form: 'unfused' | 'fused';
			unusedKeys: string[];
	  }
	| {
			/** Blocks of the reparameterization families found inside any state dict (any prefix), fused in place. */
			kind: 'blocks';
			format: 'safetensors' | 'pytorch';
			found: string | null;
			/** Blocks per family, largest count first. */
			counts: { family: FamilyId; name: string; blocks: number }[];
			blocks: number;
			/** Tensors that belong to no block, written out as they are. */
			passedThrough: number;
	  }
	| {
			kind: 'onnx';
			format: 'onnx';
			input: string;
			output: string;
			/** Every group of parallel branches the pass found, merged or with the reason it was not. */
			groups: GroupReport[];
	  };

export interface FileCheck {
	/** Where the two networks ran: the engine's reference ops, or the injected ONNX runtime. */
	by: 'engine' | 'onnx-runtime';
	/** The name of the input the check fed, and that input's shape, [N, C, H, W]. */
	input: string;
	shape: number[];
	seed: number;
	maxDelta: number;
	maxOutput: number;
	/** Multiply-adds the check was allowed to spend (both networks), ≤ MAX_CHECK_MACS. */
	cost: number;
}

export type FuseFileResult =
	| {
			status: 'fused';
			recognised: Recognised;
			/** One line for people: what was merged, what shrank. */
			summary: string;
			/** Branches before, and the convs they became. */
			branches: Counts;
			operators: Counts;
			parameters: Counts;
			fuseMs: number;
			check: FileCheck;
			out: 'onnx' | 'safetensors';
			bytes: Uint8Array;
			/** The input network as ONNX, when the check ran it in the runtime (the file itself, or our builder's graph); else null. */
			original: Uint8Array | null;
			/** The fused state dict when `alsoSafetensors` asked for it beside an ONNX output; else null. */
			safetensors: Uint8Array | null;
			/** Blocks found in a state dict: each block's own check (`check` is then the worst of them). */
			blockChecks?: BlockCheck[];
	  }
	| { status: 'nothing-to-fuse'; recognised: Recognised; summary: string };

export type FuseErrorCode =
	/** The request cannot be done for this file (safetensors out of an ONNX graph, no runtime given). */
	| 'usage'
	/** The check would cost more than MAX_CHECK_MACS, or its input cannot be made. */
	| 'check-too-large'
	| 'check-unsupported'
	/** The fused network does not compute what the original does, or either is not finite. */
	| 'check-failed'
	/** The injected runtime refused or failed to run a graph. */
	| 'runtime';

/** Every failure that is not the file's fault as a WeightsError: the request, the check, the runtime. */
export class FuseError extends Error {
	readonly code: FuseErrorCode;
	readonly check: FileCheck | null;
	constructor(code: FuseErrorCode, message: string, check: FileCheck | null = null) {
		super(message);
		this.name = 'FuseError';
		this.code = code;
		this.check = check;
	}
}

/** The check in one sentence, as the CLI prints it and the browser shows it. */
export function describeCheck(c: FileCheck): string {
	return `max |Δ| between unfused and fused logits = ${formatDelta(c.maxDelta, 3)} (max |y| = ${formatValue(c.maxOutput)}) on a random ${c.shape.join('×')} input`;
}

function problemOf(original: Float32Array, fused: Float32Array, maxDelta: number, maxOutput: number): string | null {
	const finite = (a: Float32Array) => a.every((v) => v - v === 0);
	if (!finite(original)) return 'the train-time network’s outputs are not finite';
	if (!finite(fused)) return 'the fused network’s outputs are not finite';
	if (!(maxDelta <= AGREEMENT_TOLERANCE * maxOutput))
		return `the fused network differs from the train-time one by ${formatDelta(maxDelta, 3)}, more than ${AGREEMENT_TOLERANCE} × the largest output (${formatValue(maxOutput)})`;
	return null;
}

/**
 * Fuses a network file. Throws WeightsError for a file it cannot read, FuseError for a request or
 * check that fails; otherwise the result holds the fused file's bytes, or says there was nothing
 * to fuse.
 */
export async function fuseNetworkFile(bytes: Uint8Array, options: FuseFileOptions): Promise<FuseFileResult> {
	options.onStage?.('parse');
	const sniffed = sniffWeightsFormat(bytes);
	if (sniffed === 'safetensors' || sniffed === 'pytorch-zip' || sniffed === 'pytorch-legacy') {
		// read once: a whole RepVGG or MobileOne network as before; any other state dict is searched for family blocks
		const torch = sniffed === 'safetensors' ? null : readTorchCheckpoint(bytes);
		const st = torch ? { tensors: torch.tensors, ignored: torch.ignored, metadata: {} as Record<string, string> } : readSafetensors(bytes);
		const format = torch ? 'pytorch' : 'safetensors';
		const found = torch ? torch.found : null;
		// (a whole RepVGG saved by torch.save is fused block by block below, to the same rbr_reparam keys)
		if (format === 'safetensors' && isWholeRepVGG(st.tensors.keys())) return fuseRepVGGFile(st, options);
		let ck: CheckpointFile['checkpoint'];
		try {
			ck = checkpointFromTensors(st);
		} catch (e) {
			// not a MobileOne network: its keys may still hold blocks of the families, under any prefix
			if (!(e instanceof WeightsError) || e.code !== 'not-mobileone') throw e;
			const blocks = findFamilyBlocks(st.tensors);
			if (blocks.length === 0)
				throw new WeightsError('not-mobileone', `${e.message}; nor does it hold blocks of RepVGG, ACNet, DBB, RepViT, FastViT or PP-LCNetV3 under their original key names`);
			return fuseBlocksFile(st.tensors, blocks, format, found, options);
		}
		return fuseCheckpoint(format, ck, found, options);
	}
	const file = readNetworkFile(bytes);
	if (file.kind === 'checkpoint') return fuseCheckpoint(file.format, file.checkpoint, file.found, options);
	return fuseGraph(bytes, file.model, options);
}

type CheckpointFile = Extract<ReturnType<typeof readNetworkFile>, { kind: 'checkpoint' }>;

async function fuseCheckpoint(format: CheckpointFile['format'], ck: CheckpointFile['checkpoint'], found: string | null, options: FuseFileOptions): Promise<FuseFileResult> {
	const recognised: Recognised = { kind: 'checkpoint', format, spec: ck.spec, specSource: ck.specSource, found, form: ck.form, unusedKeys: ck.unusedKeys };
	if (ck.form !== 'unfused') return { status: 'nothing-to-fuse', recognised, summary: 'already fused: it has reparam_conv weights, no parallel branches' };

	// The check's size is the user's when they ask, else small: a file must not choose how long it runs.
	const size = options.size || Math.min(ck.spec.inputSize, DEFAULT_CHECK_SIZE);
	const cost = checkCost(ck.spec, size);
	if (cost > MAX_CHECK_MACS)
		throw new FuseError(
			'check-too-large',
			`checking this network at ${size}×${size} would take ${(cost / 1e9).toFixed(0)} G multiply-adds, more than this tool spends (${MAX_CHECK_MACS / 1e9} G); pass a smaller --size`
		);
	const inRuntime = options.checkIn === 'runtime';
	if (inRuntime && !options.runOnnx) throw new FuseError('usage', 'checking in an ONNX runtime needs one, and none was given');

	options.onStage?.('fuse');
	const t0 = performance.now();
	const fused = fuseModel(ck.model);
	const fuseMs = performance.now() - t0;
	options.onStage?.('write');
	const fusedOnnx = options.out === 'onnx' || inRuntime ? buildOnnx(fused) : null;
	const out = options.out === 'onnx' ? fusedOnnx! : saveCheckpoint(fused, { ...ck.metadata, ...options.metadata });
	const safetensors = options.alsoSafetensors && options.out === 'onnx' ? saveCheckpoint(fused, { ...ck.metadata, ...options.metadata }) : null;

	options.onStage?.('check');
	const input = randomInput(ck.spec, options.seed, 1, size);
	let check: FileCheck;
	let original: Uint8Array | null = null;
	if (inRuntime) {
		original = buildOnnx(ck.model);
		check = await runtimeCheck(options.runOnnx!, { original, fused: fusedOnnx!, input: INPUT_NAME, output: OUTPUT_NAME, x: input, seed: options.seed, cost });
	} else {
		const c = checkFusion(ck.model, fused, input);
		check = { by: 'engine', input: INPUT_NAME, shape: [...input.shape], seed: options.seed, maxDelta: c.maxDelta, maxOutput: c.maxOutput, cost };
		if (!c.agrees) throw new FuseError('check-failed', `nothing written: ${c.problem} (${describeCheck(check)})`, check);
	}

	const total = collapseTotal(collapseByStage(ck.spec));
	return {
		status: 'fused',
		recognised,
		summary: `merged ${formatInt(total.unfused.branches)} branches into ${formatInt(total.fused.branches)} convs`,
		branches: { before: total.unfused.branches, after: total.fused.branches },
		operators: { before: total.unfused.operators, after: total.fused.operators },
		parameters: { before: total.unfused.parameters, after: total.fused.parameters },
		fuseMs,
		check,
		out: options.out,
		bytes: out,
		original,
		safetensors
	};
}

/** A RepVGG state dict (repvgg.py's names): fused block by block by the family's algebra and checked by the engine. */
function fuseRepVGGFile(st: SafetensorsFile, options: FuseFileOptions): FuseFileResult {
	checkWeightValues(st.tensors);
	const net = recogniseRepVGG(st.tensors, st.metadata);
	const recognised: Recognised = {
		kind: 'family',
		family: 'repvgg',
		format: 'safetensors',
		blocks: net.blocks.length,
		numClasses: net.numClasses,
		specSource: net.specSource,
		form: net.form,
		unusedKeys: net.unusedKeys
	};
	if (net.form === 'fused') return { status: 'nothing-to-fuse', recognised, summary: 'already fused: it has rbr_reparam weights, no parallel branches' };
	if (options.out !== 'safetensors') throw new FuseError('usage', 'a RepVGG state dict is fused to safetensors (rbr_reparam keys); ONNX output is written for MobileOne only');
	const size = options.size || Math.min(net.inputSize ?? DEFAULT_CHECK_SIZE, DEFAULT_CHECK_SIZE);
	const cost = repvggCheckCost(net, size);
	if (cost > MAX_CHECK_MACS)
		throw new FuseError('check-too-large', `checking this network at ${size}×${size} would take ${(cost / 1e9).toFixed(0)} G multiply-adds, more than this tool spends (${MAX_CHECK_MACS / 1e9} G); pass a smaller --size`);

	const t0 = performance.now();
	const { fused } = fuseRepVGGNetwork(net, st.tensors);
	const fuseMs = performance.now() - t0;
	const x = repvggCheckInput(net, options.seed, size);
	const yOriginal = Float32Array.from(forwardRepVGG(net, st.tensors, x, 'unfused').data);
	const yFused = Float32Array.from(forwardRepVGG(net, fused, x, 'fused').data);
	const maxDelta = maxAbsDiff(yOriginal, yFused);
	const maxOutput = maxAbs(yOriginal);
	const check: FileCheck = { by: 'engine', input: INPUT_NAME, shape: [...x.shape], seed: options.seed, maxDelta, maxOutput, cost };
	const problem = problemOf(yOriginal, yFused, maxDelta, maxOutput);
	if (problem) throw new FuseError('check-failed', `nothing written: ${problem} (${describeCheck(check)})`, check);

	const trainable = (k: string) => !/running_(mean|var)$/.test(k);
	let before = 0;
	for (const [k, t] of st.tensors) if (trainable(k) && !net.unusedKeys.includes(k)) before += t.data.length;
	let after = 0;
	for (const t of fused.values()) after += t.data.length;
	const identities = net.blocks.filter((b) => b.cin === b.cout && b.stride === 1).length;
	const branches = 2 * net.blocks.length + identities;
	// per block: 2 Conv, one BatchNormalization per branch, branches − 1 Adds, Relu; head: GlobalAveragePool, Flatten, Gemm
	const operatorsBefore = net.blocks.length * 3 + branches + (branches - net.blocks.length) + 3;
	return {
		status: 'fused',
		recognised,
		summary: `merged ${formatInt(branches)} branches into ${formatInt(net.blocks.length)} convs`,
		branches: { before: branches, after: net.blocks.length },
		operators: { before: operatorsBefore, after: 2 * net.blocks.length + 3 },
		parameters: { before, after },
		fuseMs,
		check,
		out: 'safetensors',
		bytes: writeSafetensors(fused, { ...st.metadata, ...options.metadata }),
		original: null,
		safetensors: null
	};
}

/** "12 × Diverse Branch Block, 4 × ACNet": what a state dict of family blocks held. */
export function describeBlockCounts(counts: Extract<Recognised, { kind: 'blocks' }>['counts']): string {
	return counts.map((c) => `${formatInt(c.blocks)} × ${c.name}`).join(', ');
}

/** Strides are not in the weights; these linear merges do not depend on them. Said wherever a block check is shown. */
export const BLOCK_STRIDE_NOTE = 'strides are not stored in weights: each block was checked at stride 1 (2 where in = out but the identity branch is absent), and the fused tensors are the same for any stride';

/**
 * Family blocks inside any state dict, fused in place (all other keys untouched) and checked block by
 * block in the engine. Safetensors out only: without a whole network, there is no graph to build.
 */
function fuseBlocksFile(tensors: Map<string, WeightTensor>, blocks: FoundBlock[], format: 'safetensors' | 'pytorch', found: string | null, options: FuseFileOptions): FuseFileResult {
	const counts = countByFamily(blocks);
	const owned = new Set(blocks.flatMap((b) => b.keys));
	const recognised: Recognised = { kind: 'blocks', format, found, counts, blocks: blocks.length, passedThrough: [...tensors.keys()].filter((k) => !owned.has(k)).length };
	if (options.out !== 'safetensors' && !options.blocksInPlace)
		throw new FuseError(
			'usage',
			`this state dict holds ${describeBlockCounts(counts)} blocks but no whole network this tool can build as ONNX; fuse it to safetensors (npm run fuse -- IN OUT.safetensors), which replaces each block by its fused conv in place`
		);
	checkWeightValues(tensors);
	const side = options.size || BLOCK_CHECK_SIDE;
	const cost = blocksCheckCost(tensors, blocks, side);
	if (cost > MAX_CHECK_MACS)
		throw new FuseError('check-too-large', `checking these ${formatInt(blocks.length)} blocks at ${side}×${side} would take ${(cost / 1e9).toFixed(0)} G multiply-adds, more than this tool spends (${MAX_CHECK_MACS / 1e9} G); pass a smaller --size`);

	options.onStage?.('fuse');
	const t0 = performance.now();
	const fused = fuseFoundBlocks(tensors, blocks);
	const fuseMs = performance.now() - t0;
	options.onStage?.('check');
	const blockChecks = checkFoundBlocks(tensors, blocks, options.seed, side);
	const worst = blockChecks.reduce((a, b) => (b.maxDelta / (b.maxOutput || 1) > a.maxDelta / (a.maxOutput || 1) || !b.agrees ? b : a));
	const worstBlock = blocks[blockChecks.indexOf(worst)];
	const check: FileCheck = { by: 'engine', input: worst.block || 'input', shape: [1, worstBlock.geometry.cin, side, side], seed: options.seed, maxDelta: worst.maxDelta, maxOutput: worst.maxOutput, cost };
	const bad = blockChecks.find((c) => !c.agrees);
	if (bad)
		throw new FuseError(
			'check-failed',
			`nothing written: the fused ${bad.family} block ${quotedBlock(bad.block)} differs from its train-time form by ${formatDelta(bad.maxDelta, 3)} (max |y| = ${formatValue(bad.maxOutput)})`,
			check
		);
	options.onStage?.('write');
	const trainable = (k: string) => !/running_(mean|var)$/.test(k);
	const count = (m: Map<string, WeightTensor>) => [...m].reduce((n, [k, t]) => n + (trainable(k) ? t.data.length : 0), 0);
	const convs = blocks.reduce((n, b) => n + b.keys.filter((k) => tensors.get(k)?.shape.length === 4).length, 0);
	const modules = new Set(blocks.flatMap((b) => b.keys.map((k) => k.replace(/\.[^.]+$/, '')))).size;
	return {
		status: 'fused',
		recognised,
		summary: `fused ${describeBlockCounts(counts)} blocks in place: ${formatInt(convs)} convs into ${formatInt(blocks.length)}`,
		branches: { before: convs, after: blocks.length },
		operators: { before: modules, after: blocks.length },
		parameters: { before: count(tensors), after: count(fused) },
		fuseMs,
		check,
		out: 'safetensors',
		bytes: writeSafetensors(fused, options.metadata ?? {}),
		original: null,
		safetensors: null,
		blockChecks
	};
}

function quotedBlock(name: string): string {
	return name ? quoted(name) : '(the whole file)';
}

/** Runs the original and the fused ONNX on one input through the injected runtime; throws FuseError unless they agree. */
async function runtimeCheck(
	runOnnx: OnnxRunner,
	c: { original: Uint8Array; fused: Uint8Array; input: string; output: string; x: Tensor; seed: number; cost: number }
): Promise<FileCheck> {
	const shape = [...c.x.shape];
	const run = async (which: string, file: Uint8Array): Promise<Float32Array> => {
		try {
			return await runOnnx(file, { name: c.input, data: c.x.data, shape }, c.output);
		} catch (e) {
			throw new FuseError('runtime', `the ONNX runtime could not run the ${which} graph: ${(e as Error)?.message ?? String(e)}`);
		}
	};
	const yOriginal = await run('original', c.original);
	const yFused = await run('fused', c.fused);
	if (yOriginal.length !== yFused.length)
		throw new FuseError('check-failed', `nothing written: the fused graph's output has ${formatInt(yFused.length)} values, the original's ${formatInt(yOriginal.length)}`);
	const maxDelta = maxAbsDiff(yOriginal, yFused);
	const maxOutput = maxAbs(yOriginal);
	const check: FileCheck = { by: 'onnx-runtime', input: c.input, shape, seed: c.seed, maxDelta, maxOutput, cost: c.cost };
	const problem = problemOf(yOriginal, yFused, maxDelta, maxOutput);
	if (problem) throw new FuseError('check-failed', `nothing written: ${problem} (${describeCheck(check)})`, check);
	return check;
}

/** The graph's one runtime input: its name and [N, C, H, W] as the file states them. */
function graphInput(model: OnnxModel): { name: string; dims: ModelDim[] } {
	const g = model.graph;
	const inits = new Set(g.initializers.map((t) => t.name));
	const inputs = g.inputs.filter((v) => !inits.has(v.name));
	if (inputs.length !== 1)
		throw new FuseError('check-unsupported', `the graph has ${formatInt(inputs.length)} runtime inputs; the check feeds exactly one image tensor`);
	const t = inputs[0].type;
	if (!t || t.kind !== 'tensor' || !t.shape || t.shape.length !== 4)
		throw new FuseError('check-unsupported', `the graph's input "${inputs[0].name}" is not a 4-D tensor [N, C, H, W]; the check feeds an image`);
	if (t.elemType !== 1) throw new FuseError('check-unsupported', `the graph's input "${inputs[0].name}" is not float32; the check feeds float32`);
	return { name: inputs[0].name, dims: t.shape };
}

const fixed = (d: ModelDim): number | null => (typeof d === 'number' && d > 0 ? d : null);

/** Operators that can make a tensor's H×W larger than their inputs': the check's cost cannot be bounded through them. */
const GROWS = new Set(['Resize', 'Upsample', 'ConvTranspose', 'Tile', 'Expand', 'Pad', 'DepthToSpace', 'ConstantOfShape', 'Loop', 'Scan', 'If']);

/** The widest constant Pad the check bounds: a conv's padding in all but name (DBB pads by K // 2). */
const MAX_CONSTANT_PAD = 16;

/** What a Pad with constant pads of a few pixels adds to H and W (its last two axes), or null (computed, or wider). */
function constantPads(node: ModelNode, inits: ReadonlyMap<string, ModelTensor>): [number, number] | null {
	const t = node.inputs[1] ? inits.get(node.inputs[1]) : undefined;
	const pads = t && (t.dataType === DATA_TYPE.INT64 || t.dataType === DATA_TYPE.INT32) ? tensorValues(t) : null;
	if (!pads || pads.length < 4 || pads.length % 2 || node.inputs[3] || !pads.every((p) => Number.isSafeInteger(p) && p <= MAX_CONSTANT_PAD)) return null;
	const r = pads.length / 2;
	return [Math.max(0, pads[r - 2]) + Math.max(0, pads[2 * r - 2]), Math.max(0, pads[r - 1]) + Math.max(0, pads[2 * r - 1])];
}

/**
 * Multiply-adds of running `model` once on an input of `batch` × H × W, bounded from above: H×W is
 * carried through the graph (Conv and pooling by their strides, pads and kernels, global pooling to
 * 1×1, anything else as the largest of its inputs), and every weight of a Conv, Gemm or MatMul
 * counts once per output pixel. Throws FuseError for an operator that can grow H×W, whose cost no
 * such bound covers.
 */
export function graphCost(model: OnnxModel, input: string, batch: number, h: number, w: number): number {
	const g = model.graph;
	const inits = new Map(g.initializers.map((t) => [t.name, t]));
	const side = new Map<string, [number, number]>([[input, [h, w]]]);
	let macs = 0;
	for (const node of g.nodes) {
		if (!isStandardDomain(node.domain)) throw new FuseError('check-unsupported', `the graph has a "${node.opType}" node of domain "${node.domain}"; the check only runs standard operators`);
		const padded = node.opType === 'Pad' ? constantPads(node, inits) : null;
		if (GROWS.has(node.opType) && !padded) throw new FuseError('check-unsupported', `the graph has a ${node.opType} node; the check cannot bound the work of running it`);
		// An input not produced yet (a graph out of order) counts as the full input's size: an upper bound still.
		const sides = node.inputs.filter((n) => n !== '' && !inits.has(n)).map((n) => side.get(n) ?? ([h, w] as [number, number]));
		const largest: [number, number] = sides.length ? [Math.max(...sides.map((s) => s[0])), Math.max(...sides.map((s) => s[1]))] : [1, 1];
		let out = largest;
		if (padded) out = [largest[0] + padded[0], largest[1] + padded[1]];
		else if (node.opType === 'GlobalAveragePool' || node.opType === 'GlobalMaxPool') out = [1, 1];
		else if (['Conv', 'MaxPool', 'AveragePool', 'LpPool'].includes(node.opType)) {
			const weight = node.opType === 'Conv' ? inits.get(node.inputs[1]) : undefined;
			const kernel = node.opType === 'Conv' ? (weight?.dims.slice(2) ?? [1, 1]) : (intsAttribute(node, 'kernel_shape', [1, 1]) ?? [1, 1]);
			const strides = intsAttribute(node, 'strides', [1, 1]) ?? [1, 1];
			const pads = intsAttribute(node, 'pads', [0, 0, 0, 0]) ?? [0, 0, 0, 0];
			const dil = intsAttribute(node, 'dilations', [1, 1]) ?? [1, 1];
			out = [0, 1].map((i) => {
				const stride = Math.max(1, strides[i] ?? 1);
				const padded = largest[i] + Math.max(0, pads[i] ?? 0) + Math.max(0, pads[i + 2] ?? 0);
				return Math.max(1, Math.floor((padded - (dil[i] ?? 1) * ((kernel[i] ?? 1) - 1) - 1) / stride) + 1, Math.ceil(largest[i] / stride));
			}) as [number, number];
		}
		if (['Conv', 'Gemm', 'MatMul'].includes(node.opType)) {
			let weights = 0;
			for (const name of node.inputs) {
				const t = inits.get(name);
				if (t) weights += elementCount(t.dims, `tensor "${t.name}"`);
			}
			macs += weights * out[0] * out[1] * batch;
		}
		for (const o of node.outputs) side.set(o, out);
	}
	return macs;
}

/**
 * The input a graph is checked (and timed) on: its own fixed dims, and `size` (default
 * DEFAULT_CHECK_SIZE) where it leaves H or W symbolic, batch 1 where that is symbolic. `symbolic`
 * says whether H or W was chosen here rather than read from the file.
 */
export function graphCheckInput(model: OnnxModel, size = 0): { name: string; shape: number[]; symbolic: boolean } {
	const { name, dims } = graphInput(model);
	const channels = fixed(dims[1]);
	if (channels === null) throw new FuseError('check-unsupported', `the graph's input "${name}" does not fix its channel count; the check cannot make an input for it`);
	const [h, w] = [fixed(dims[2]), fixed(dims[3])];
	const side = size || DEFAULT_CHECK_SIZE;
	return { name, shape: [fixed(dims[0]) ?? 1, channels, h ?? side, w ?? side], symbolic: h === null || w === null };
}

async function fuseGraph(bytes: Uint8Array, model: OnnxModel, options: FuseFileOptions): Promise<FuseFileResult> {
	if (options.out !== 'onnx') throw new FuseError('usage', 'an ONNX file can only be fused to ONNX; safetensors output needs a safetensors or PyTorch state dict');
	options.onStage?.('fuse');
	const t0 = performance.now();
	const { model: fusedModel, summary } = fuseParallelBranches(model);
	const fuseMs = performance.now() - t0;
	const output = model.graph.outputs[0]?.name;
	if (output === undefined) throw new FuseError('check-unsupported', 'the graph has no output');
	const { name } = graphInput(model);
	const recognised: Recognised = { kind: 'onnx', format: 'onnx', input: name, output, groups: summary.groups };
	const merged = summary.groups.filter((g) => g.merged);
	if (merged.length === 0) return { status: 'nothing-to-fuse', recognised, summary: summary.message };

	const { shape, symbolic } = graphCheckInput(model, options.size);
	// The original's shape arithmetic, once folded, is constants: what is left bounds its work.
	const folded = { ...model, graph: foldConstants(model.graph).graph };
	const cost = graphCost(folded, name, shape[0], shape[2], shape[3]) + graphCost(fusedModel, name, shape[0], shape[2], shape[3]);
	if (cost > MAX_CHECK_MACS)
		throw new FuseError(
			'check-too-large',
			`checking this graph on a ${shape.join('×')} input could take up to ${(cost / 1e9).toFixed(0)} G multiply-adds, more than this tool spends (${MAX_CHECK_MACS / 1e9} G)${symbolic ? '; pass a smaller --size' : ''}`
		);
	if (!options.runOnnx) throw new FuseError('usage', 'checking a fused ONNX graph needs an ONNX runtime, and none was given');

	options.onStage?.('write');
	const out = encodeOnnx(fusedModel);
	options.onStage?.('check');
	const normal = seededNormal(options.seed);
	const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
	for (let i = 0; i < data.length; i++) data[i] = normal();
	const check = await runtimeCheck(options.runOnnx, { original: bytes, fused: out, input: name, output, x: { shape, data }, seed: options.seed, cost });

	return {
		status: 'fused',
		recognised,
		summary: summary.message,
		branches: { before: merged.reduce((n, g) => n + g.branches.length, 0), after: merged.length },
		operators: summary.nodes,
		parameters: summary.parameters,
		fuseMs,
		check,
		out: 'onnx',
		bytes: out,
		original: bytes,
		safetensors: null
	};
}
