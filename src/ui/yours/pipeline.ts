/**
 * The worker's "fuse this file and check it" steps, from the engine's pieces: recognise the file,
 * fuse it (block by block for a state dict, the graph pass for ONNX), and write what a visitor
 * downloads. DOM-free and runtime-free, so it runs in the worker and in unit tests alike; the proof
 * (both networks in onnxruntime-web) is the worker's. One module on purpose: when
 * `$lib/io/fuse-file` (`fuseNetworkFile`) lands, it replaces this file.
 */
import { WeightsError } from '$lib/core/errors';
import { seededNormal } from '$lib/core/random';
import { formatBytes, formatInt } from '$lib/format';
import { fuseParallelBranches, type GroupReport } from '$lib/graph/fuse-branches';
import { requireUnfused, saveCheckpoint } from '$lib/io/checkpoint';
import { readNetworkFile } from '$lib/io/network-file';
import { sniffWeightsFormat } from '$lib/io/sniff';
import { buildOnnx, INPUT_NAME, summarizeGraph } from '$lib/io/onnx/build';
import { encodeOnnx } from '$lib/io/onnx/encode';
import type { ModelGraph } from '$lib/io/onnx/model';
import { fuseModel } from '$lib/mobileone/reparam';
import type { MobileOneSpec } from '$lib/mobileone/spec';

/** Files above this are refused before a byte is read: the page would need several times it in memory. */
export const MAX_FILE_BYTES = 512e6;
/** The seed of the proof's random input, so a rerun compares the same numbers. */
export const PROOF_SEED = 20240601;
/** The side of the proof's input where the network leaves its height and width open. */
export const PROOF_SIDE = 64;

export type Stage = 'read' | 'parse' | 'fuse' | 'write' | 'runtime' | 'proof';

export const STAGE_LABELS: Readonly<Record<Stage, string>> = {
	read: 'Reading the file',
	parse: 'Recognising the network',
	fuse: 'Fusing the branches',
	write: 'Writing the fused files',
	runtime: 'Loading onnxruntime-web',
	proof: 'Running both networks on the same input'
};

export interface Counts {
	before: number;
	after: number;
}

export type Recognised =
	| {
			kind: 'checkpoint';
			format: 'safetensors' | 'pytorch';
			spec: MobileOneSpec;
			specSource: 'metadata' | 'inferred';
			/** Where a PyTorch file kept its state dict. */
			found: string | null;
	  }
	| { kind: 'onnx'; groups: GroupReport[]; message: string };

export interface FuseOutcome {
	recognised: Recognised;
	operators: Counts;
	parameters: Counts;
	/** The input network as ONNX: the file itself, or our builder's graph of the state dict. */
	original: Uint8Array;
	fused: Uint8Array;
	/** Fused weights under Apple's `reparam_conv` keys; state-dict inputs only. */
	fusedSafetensors: Uint8Array | null;
	input: { name: string; shape: number[] };
}

/** Refuses a file by its size alone, before reading it; null when it may be read. */
export function sizeProblem(bytes: number): string | null {
	return bytes > MAX_FILE_BYTES
		? `This file is ${formatBytes(bytes)}, above the ${formatBytes(MAX_FILE_BYTES)} this page reads; it was not opened.`
		: null;
}

/** One sentence for people from whatever the engine threw. */
export function sentence(e: unknown): string {
	const text = (e instanceof Error ? e.message : String(e)).trim() || 'the file could not be read';
	const first = text[0].toUpperCase() + text.slice(1);
	return /[.!?]$/.test(first) ? first : `${first}.`;
}

function onnxInput(g: ModelGraph): { name: string; shape: number[] } {
	const initialized = new Set(g.initializers.map((t) => t.name));
	const input = g.inputs.find((v) => !initialized.has(v.name));
	if (!input) throw new WeightsError('not-mobileone', 'the ONNX graph has no input to feed');
	const type = input.type;
	if (!type || type.kind !== 'tensor' || type.elemType !== 1)
		throw new WeightsError('not-mobileone', `the ONNX graph's input "${input.name}" is not a float32 tensor`);
	const dims = type.shape ?? [null, 3, null, null];
	const shape = dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : PROOF_SIDE));
	return { name: input.name, shape };
}

function nodeCount(byType: Record<string, number>): number {
	return Object.values(byType).reduce((a, b) => a + b, 0);
}

/** The engine's decoder speaks of fields and varints; a visitor needs to hear which kind of file failed first. */
function readOrExplain(bytes: Uint8Array) {
	try {
		return readNetworkFile(bytes);
	} catch (e) {
		if (e instanceof WeightsError && sniffWeightsFormat(bytes) === 'onnx' && !/\bONNX\b/.test(e.message))
			throw new WeightsError(e.code, `this ONNX file is corrupt or unsupported: ${e.message}`);
		throw e;
	}
}

/** Fuses a network file. `onStage` is called as each step starts. Throws with the engine's sentence. */
export function fuseOwnFile(bytes: Uint8Array, onStage: (s: Stage) => void = () => {}): FuseOutcome {
	onStage('parse');
	const file = readOrExplain(bytes);
	if (file.kind === 'checkpoint') {
		const unfused = requireUnfused(file.checkpoint, 'this page');
		onStage('fuse');
		const fused = fuseModel(unfused);
		onStage('write');
		const before = summarizeGraph(unfused);
		const after = summarizeGraph(fused);
		const spec = file.checkpoint.spec;
		return {
			recognised: { kind: 'checkpoint', format: file.format, spec, specSource: file.checkpoint.specSource, found: file.found },
			operators: { before: nodeCount(before.byType), after: nodeCount(after.byType) },
			parameters: { before: before.parameters, after: after.parameters },
			original: buildOnnx(unfused),
			fused: buildOnnx(fused),
			fusedSafetensors: saveCheckpoint(fused),
			input: { name: INPUT_NAME, shape: [1, spec.inChannels, spec.inputSize, spec.inputSize] }
		};
	}
	const input = onnxInput(file.model.graph);
	onStage('fuse');
	const { model, summary } = fuseParallelBranches(file.model);
	if (!summary.groups.some((g) => g.merged)) {
		const why = summary.groups.length
			? `none of its ${formatInt(summary.groups.length)} groups of parallel branches can merge (${summary.groups[0].reason})`
			: `already fused: ${formatInt(summary.convs.before)} convs, no parallel branches`;
		throw new WeightsError('not-mobileone', `nothing to fuse in this ONNX file — ${why}`);
	}
	onStage('write');
	return {
		recognised: { kind: 'onnx', groups: summary.groups, message: summary.message },
		operators: summary.nodes,
		parameters: summary.parameters,
		original: bytes,
		fused: encodeOnnx(model),
		fusedSafetensors: null,
		input
	};
}

/** The proof's input: seeded standard-normal values. */
export function proofInput(shape: readonly number[]): Float32Array {
	const n = shape.reduce((a, b) => a * b, 1);
	const next = seededNormal(PROOF_SEED);
	const data = new Float32Array(n);
	for (let i = 0; i < n; i++) data[i] = next();
	return data;
}
