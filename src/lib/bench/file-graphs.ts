/**
 * The forms' graphs for a network file a visitor brings (the lab's `?model=yours`). A state dict
 * goes through `buildBenchGraphs` like our own models, at its spec's input size. An ONNX file is
 * timed as it is, forms (a) and (b), against the graph pass's fused graph, form (c), at its own
 * fixed input size or, where it leaves H and W symbolic, at the size the fuse check and the
 * /yours page's proof use (`graphCheckInput`); `sizeNote` says which.
 */
import { WeightsError } from '../core/errors';
import { seededNormal } from '../core/random';
import { graphCheckInput } from '../fuse-file';
import { fuseParallelBranches } from '../graph/fuse-branches';
import { requireUnfused } from '../io/checkpoint';
import { readNetworkFile } from '../io/network-file';
import { encodeOnnx } from '../io/onnx/encode';
import { ownNetworkLabel, OWN_NETWORK } from '../models';
import { fileGraphSize, ortFoldedFileSize } from './graphs';
import type { ModelInfo } from './result';
import { buildBenchGraphs, type BenchGraphs, type PrepareHooks } from './session';

/** Seed of the timing input for an ONNX file (state dicts use the builder's `randomInput`). */
const INPUT_SEED = 1;

export async function fileBenchGraphs(name: string, bytes: Uint8Array, hooks: PrepareHooks = {}): Promise<BenchGraphs & { sizeNote: string }> {
	const file = readNetworkFile(bytes);
	const label = ownNetworkLabel(name);
	if (file.kind === 'checkpoint') {
		const unfused = requireUnfused(file.checkpoint, 'the latency lab');
		const size = unfused.spec.inputSize;
		const model: ModelInfo = { id: OWN_NETWORK, label, inputSize: size, weights: 'your file' };
		const graphs = await buildBenchGraphs(model, unfused, null, hooks);
		return { ...graphs, sizeNote: `${size}×${size}, the input size of your network’s spec` };
	}
	hooks.onStep?.({ phase: 'build', step: 'file-fuse' }, 0);
	await hooks.pause?.();
	const { model: fused, summary } = fuseParallelBranches(file.model);
	if (!summary.groups.some((g) => g.merged)) throw new WeightsError('not-mobileone', `nothing to time against: ${summary.message}`);
	const output = file.model.graph.outputs[0]?.name;
	if (output === undefined) throw new Error('the graph has no output');
	const { name: input, shape, symbolic } = graphCheckInput(file.model);
	const next = seededNormal(INPUT_SEED);
	const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
	for (let i = 0; i < data.length; i++) data[i] = next();
	hooks.onStep?.({ phase: 'build', step: 'file-write' }, 0.5);
	await hooks.pause?.();
	const fusedBytes = encodeOnnx(fused);
	const side = `${shape[2]}×${shape[3]}`;
	return {
		model: { id: OWN_NETWORK, label, inputSize: shape[2], weights: 'your file' },
		onnx: { unfused: bytes, fused: fusedBytes, reference: null },
		graphs: { 'unfused-raw': fileGraphSize(file.model, bytes.length), 'unfused-ort': ortFoldedFileSize(file.model), fused: fileGraphSize(fused, fusedBytes.length) },
		input: { shape, data },
		io: { input, output },
		referenceSource: null,
		sizeNote: symbolic ? `${side}: your file leaves H and W open, so the size the /yours proof used` : `${side}, the input size your file fixes`
	};
}
