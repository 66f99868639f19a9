/**
 * fuseNetworkFile under fuzzing: seeded mutations of a small MobileOne `.pth.tar` (whole-file, and
 * per entry then zipped again so the CRCs hold and the pickle and weights are what changed) and of
 * a small `.onnx` from our builder. Every outcome is a WeightsError, a FuseError, a file with
 * nothing to fuse, or a fused file whose check agrees; and no case ran a check bigger than
 * MAX_CHECK_MACS. In-process, not through `npm run fuse`: thousands of tsx processes would take
 * many minutes; the CLI adds only argument parsing and printing, which tests/unit/cli*.test.ts cover.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { seededRandom } from '../../src/lib/core/random';
import { FuseError, fuseNetworkFile, type FuseFileResult, type OnnxRunner } from '../../src/lib/fuse-file';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { toStateDict } from '../../src/lib/io/statedict';
import { readZip } from '../../src/lib/io/zip';
import { AGREEMENT_TOLERANCE } from '../../src/lib/mobileone/explain';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { MAX_CHECK_MACS } from '../../src/lib/mobileone/verify';
import { makeCheckpoint, makeZip, P, pickle, stateDictOps, type TensorSpec } from '../fixtures/pytorch/build';
import { mutate, randomInt, type Random } from '../helpers/mutate';

const PTH_CASES = 3000;
const ONNX_CASES = 3000;


const spec = validateSpec({
	name: 'fuzz',
	inputSize: 16,
	numClasses: 3,
	stem: { width: 4, stride: 2, k: 2 },
	stages: [{ width: 4, blocks: 1, stride: 1, k: 2, seBlocks: 0 }, { width: 8, blocks: 1, stride: 2, k: 1, seBlocks: 0 }]
});
const model = syntheticModel(spec, 11);

/** The model's state dict as torch.save writes it inside a training checkpoint. */
function smallPth(): Uint8Array {
	const sd = [...toStateDict(model)];
	const entries = sd.map(([name, t], i): [string, TensorSpec] => [name, { storage: String(i), type: 'FloatStorage', numel: t.data.length, shape: [...t.shape] }]);
	const storages = Object.fromEntries(sd.map(([, t], i) => [String(i), new Uint8Array(Float32Array.from(t.data).buffer)]));
	const ops = [P.emptyDict, P.mark, P.str('epoch'), P.binint1(3), P.str('state_dict'), ...stateDictOps(entries), P.setitems];
	return makeCheckpoint(pickle(P.proto(2), ...ops, P.stop), storages, { localExtra: 20 });
}

const runOnnx: OnnxRunner = async (bytes, input, output) => {
	const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 4 });
	try {
		const r = await session.run({ [input.name]: new ort.Tensor('float32', input.data, input.shape) });
		return r[output].data as Float32Array;
	} finally {
		await session.release();
	}
};

type Outcome = FuseFileResult | WeightsError | FuseError;

async function outcome(bytes: Uint8Array, out: 'onnx' | 'safetensors'): Promise<Outcome> {
	try {
		return await fuseNetworkFile(bytes, { seed: 1, size: 0, out, runOnnx });
	} catch (e) {
		if (e instanceof WeightsError || e instanceof FuseError) return e;
		throw new Error(`neither a WeightsError nor a FuseError: ${e instanceof Error ? e.stack : String(e)}`);
	}
}

/** A correct result: the check agreed within tolerance and was bounded; a failed check was bounded too. */
function expectSound(o: Outcome, tally: Map<string, number>) {
	const key = o instanceof WeightsError || o instanceof FuseError ? o.code : o.status;
	tally.set(key, (tally.get(key) ?? 0) + 1);
	if (o instanceof WeightsError) return;
	if (o instanceof FuseError) {
		if (o.check) expect(o.check.cost).toBeLessThanOrEqual(MAX_CHECK_MACS);
		return;
	}
	if (o.status === 'nothing-to-fuse') return;
	expect(o.check.cost).toBeLessThanOrEqual(MAX_CHECK_MACS);
	expect(o.check.maxDelta).toBeLessThanOrEqual(AGREEMENT_TOLERANCE * o.check.maxOutput);
	expect(Number.isFinite(o.check.maxOutput)).toBe(true);
	expect(o.bytes.length).toBeGreaterThan(0);
	if (o.out === 'onnx') expect(decodeOnnx(o.bytes).graph.nodes.length).toBe(o.operators.after);
}

describe('fuseNetworkFile under fuzzing', () => {
	it('fuses the seeds', async () => {
		const pth = await outcome(smallPth(), 'safetensors');
		expect(pth).toMatchObject({ status: 'fused', recognised: { kind: 'checkpoint', format: 'pytorch', found: 'state_dict' } });
		const onnx = await outcome(buildOnnx(model), 'onnx');
		expect(onnx).toMatchObject({ status: 'fused', recognised: { kind: 'onnx' } });
	});

	it(`${PTH_CASES} mutated .pth.tar files: an error of ours or a correct fused file`, async () => {
		const random = seededRandom(7);
		const seed = smallPth();
		const zip = readZip(seed);
		const entries = zip.entries.map((e) => [e.name, zip.read(e).slice()] as [string, Uint8Array]);
		const tally = new Map<string, number>();
		for (let i = 0; i < PTH_CASES; i++) {
			let bytes: Uint8Array;
			if (random() < 0.3) bytes = mutate(random, seed);
			else {
				const target = randomInt(random, entries.length);
				bytes = makeZip(entries.map(([n, d], j) => [n, j === target ? mutate(random, d) : d]), { localExtra: 20 });
			}
			expectSound(await outcome(bytes, random() < 0.5 ? 'onnx' : 'safetensors'), tally);
		}
		// The mutations reach the reader's checks and still leave files that fuse.
		expect(tally.get('fused') ?? 0, JSON.stringify([...tally])).toBeGreaterThan(PTH_CASES / 20);
		expect(tally.size, JSON.stringify([...tally])).toBeGreaterThan(4);
	}, 600_000);

	it(`${ONNX_CASES} mutated .onnx files: an error of ours or a correct fused file`, async () => {
		const random = seededRandom(8);
		const seed = buildOnnx(model);
		const tally = new Map<string, number>();
		for (let i = 0; i < ONNX_CASES; i++) expectSound(await outcome(mutate(random, seed), random() < 0.9 ? 'onnx' : 'safetensors'), tally);
		expect(tally.get('fused') ?? 0, JSON.stringify([...tally])).toBeGreaterThan(ONNX_CASES / 100);
		expect(tally.size, JSON.stringify([...tally])).toBeGreaterThan(3);
	}, 600_000);
});
