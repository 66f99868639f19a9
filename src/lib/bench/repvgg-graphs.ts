/**
 * The forms of RepVGG-A0 for the latency lab (issue 11): the families' seeded synthetic train-time
 * network under repvgg.py's names (`syntheticRepVGG`), fused block by block by the families'
 * algebra (`fuseRepVGGNetwork`), and both state dicts written as ONNX by the zoo's one RepVGG
 * builder (`zoo/families/repvgg.ts`). So (a) and (b) run three branches per block, (c) one 3×3
 * conv, all from the same weights, and the lab's check compares their outputs like MobileOne's.
 */
import { seededNormal } from '../core/random';
import { balanceBranchGains, fuseRepVGGNetwork, recogniseRepVGG, syntheticRepVGG } from '../families/repvgg-network';
import { REPVGG_LAYOUTS } from '../families/repvgg-layouts';
import { encodeGraph, INPUT_NAME, OUTPUT_NAME } from '../io/onnx/build';
import { SYNTHETIC_SEED, labModelChoice, type FamilyModelId } from '../models';
import { repVgg, type RepVggVariant } from '../zoo/families/repvgg';
import { builtGraphSize, ortFoldedSize } from './graphs';
import { benchModelInfo, type BenchGraphs, type PrepareHooks, type PrepareStep } from './session';

/** Seed of the timing input, as for a visitor's ONNX file. */
const INPUT_SEED = 1;

/** Each family network's layout (`repvgg-layouts.ts`) and variant of the zoo's builder. */
const NETWORKS: Record<FamilyModelId, { layout: string; variant: RepVggVariant }> = {
	'repvgg-a0': { layout: 'RepVGG-A0', variant: 'a0' }
};

export async function familyBenchGraphs(id: FamilyModelId, hooks: PrepareHooks = {}): Promise<BenchGraphs> {
	const step = async (s: PrepareStep, fraction: number) => {
		hooks.onStep?.(s, fraction);
		await hooks.pause?.();
	};
	const model = benchModelInfo(labModelChoice(id));
	const { variant, layout: name } = NETWORKS[id];
	const layout = REPVGG_LAYOUTS.find((l) => l.name === name)!;
	const size = model.inputSize;
	await step({ phase: 'build', step: 'repvgg-weights', network: layout.name }, 0);
	const trainTime = balanceBranchGains(syntheticRepVGG(layout, SYNTHETIC_SEED));
	await step({ phase: 'build', step: 'repvgg-fuse' }, 1 / 4);
	const { fused } = fuseRepVGGNetwork(recogniseRepVGG(trainTime), trainTime);
	await step({ phase: 'build', step: 'onnx-unfused' }, 2 / 4);
	const unfusedGraph = repVgg(variant, 'train', size, SYNTHETIC_SEED, 1000, trainTime);
	const unfusedBytes = encodeGraph(unfusedGraph);
	await step({ phase: 'build', step: 'onnx-fused' }, 3 / 4);
	const fusedGraph = repVgg(variant, 'deploy', size, SYNTHETIC_SEED, 1000, fused);
	const fusedBytes = encodeGraph(fusedGraph);
	const next = seededNormal(INPUT_SEED);
	const shape = [1, 3, size, size];
	return {
		model,
		onnx: { unfused: unfusedBytes, fused: fusedBytes, reference: null },
		graphs: { 'unfused-raw': builtGraphSize(unfusedGraph, unfusedBytes.length), 'unfused-ort': ortFoldedSize(unfusedGraph), fused: builtGraphSize(fusedGraph, fusedBytes.length) },
		input: { shape, data: Float32Array.from({ length: 3 * size * size }, () => next()) },
		io: { input: INPUT_NAME, output: OUTPUT_NAME },
		referenceSource: null
	};
}
