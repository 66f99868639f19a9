/** fuseNetworkFile's ONNX path without a real runtime: what it refuses before running anything, and its cost bound. */
import { describe, expect, it } from 'vitest';
import { FuseError, fuseNetworkFile, graphCost, type OnnxRunner } from '../../src/lib/fuse-file';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import type { OnnxModel } from '../../src/lib/io/onnx/model';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { validateSpec, variantSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { checkCost, MAX_CHECK_MACS } from '../../src/lib/mobileone/verify';
import { Hand } from '../helpers/onnx-hand';

const spec = validateSpec({ name: 't', inputSize: 16, numClasses: 3, stem: { width: 4, stride: 2, k: 2 }, stages: [{ width: 8, blocks: 1, stride: 2, k: 2, seBlocks: 0 }] });
const unfused = decodeOnnx(buildOnnx(syntheticModel(spec, 1)));
let runs = 0;
const counting: OnnxRunner = async () => {
	runs++;
	throw new Error('not expected to run');
};

async function failure(model: OnnxModel, out: 'onnx' | 'safetensors', runOnnx: OnnxRunner | null = counting): Promise<FuseError> {
	runs = 0;
	try {
		await fuseNetworkFile(encodeOnnx(model), { seed: 0, size: 0, out, runOnnx: runOnnx ?? undefined });
	} catch (e) {
		expect(e).toBeInstanceOf(FuseError);
		expect(runs, 'the runtime ran').toBe(0);
		return e as FuseError;
	}
	throw new Error('it did not fail');
}

function withInputShape(model: OnnxModel, shape: (number | string)[]): OnnxModel {
	const inputs = model.graph.inputs.map((v, i) => (i === 0 ? { ...v, type: { kind: 'tensor' as const, elemType: 1, shape } } : v));
	return { ...model, graph: { ...model.graph, inputs } };
}

describe('fuseNetworkFile on ONNX: refused before anything runs', () => {
	it('safetensors out, and no runtime, are usage errors', async () => {
		expect((await failure(unfused, 'safetensors')).code).toBe('usage');
		expect((await failure(unfused, 'onnx', null)).code).toBe('usage');
	});

	it('a graph that fixes a 16384×16384 input is too costly to check', async () => {
		const e = await failure(withInputShape(unfused, ['N', 3, 16384, 16384]), 'onnx');
		expect(e.code).toBe('check-too-large');
		expect(e.message).toMatch(/on a 1×3×16384×16384 input could take up to \d+ G multiply-adds/);
		expect(e.message).not.toMatch(/--size/);
	});

	it('an input without a fixed channel count, or an operator that grows H×W, cannot be checked', async () => {
		expect((await failure(withInputShape(unfused, ['N', 'C', 'H', 'W']), 'onnx')).code).toBe('check-unsupported');
		const resized = { ...unfused, graph: { ...unfused.graph, nodes: unfused.graph.nodes.map((n, i) => (i === unfused.graph.nodes.length - 1 ? { ...n, opType: 'Resize' } : n)) } };
		const e = await failure(resized, 'onnx');
		expect(e.code).toBe('check-unsupported');
		expect(e.message).toMatch(/Resize/);
	});
});

describe('graphCost', () => {
	it('bounds what the engine counts for S0 at 224×224, within 1 %', () => {
		const s0 = variantSpec('s0');
		const m = syntheticModel(s0, 0);
		const total = graphCost(decodeOnnx(buildOnnx(m)), 'input', 1, 224, 224) + graphCost(decodeOnnx(buildOnnx(fuseModel(m))), 'input', 1, 224, 224);
		expect(total).toBeGreaterThanOrEqual(checkCost(s0, 224));
		expect(total).toBeLessThanOrEqual(1.01 * checkCost(s0, 224));
		expect(total).toBeLessThan(MAX_CHECK_MACS);
	});

	it('counts a constant Pad of a few pixels as the padding it is; a wide or computed one is refused', () => {
		const padded = (pads: number[] | null) => {
			const g = new Hand(4);
			const p = g.op('Pad', 'pad', ['x', pads ? g.ints('pads', pads) : g.op('Shape', 'computed', ['x'])]);
			g.conv('y', p, [3, 3]);
			return g.model(['y'], 8);
		};
		// The Pad's output is 10×10: the Conv after it costs what it costs on a 10×10 input.
		const plain = new Hand(4);
		plain.conv('y', 'x', [3, 3]);
		expect(graphCost(padded([0, 0, 1, 1, 0, 0, 1, 1]), 'x', 1, 8, 8)).toBe(graphCost(plain.model(['y'], 10), 'x', 1, 10, 10));
		expect(() => graphCost(padded([0, 0, 17, 0, 0, 0, 0, 0]), 'x', 1, 8, 8)).toThrow(/Pad node; the check cannot bound/);
		expect(() => graphCost(padded(null), 'x', 1, 8, 8)).toThrow(/Pad node; the check cannot bound/);
	});

	it('grows with the batch and the pixels', () => {
		expect(graphCost(unfused, 'input', 2, 64, 64)).toBeCloseTo(4 * 2 * graphCost(unfused, 'input', 1, 32, 32), -3);
	});
});
