/**
 * Every zoo network, and every network of the activation and branch-cost analyses, builds as an
 * ONNX file that onnxruntime-node runs, with the right output shape and finite outputs; a few also
 * run in onnxruntime-web's WebAssembly build under Node. Small inputs keep this fast: the graphs
 * are the same at any side.
 */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { encodeGraph, INPUT_NAME, OUTPUT_NAME, type OnnxGraph } from '../../src/lib/io/onnx/build';
import { seededNormal } from '../../src/lib/core/random';
import { ZOO, zooEntry } from '../../src/lib/zoo/catalogue';
import { ANALYSIS_NETWORKS } from '../../src/lib/analyses/networks';

async function run(ort: typeof ortNode | typeof ortWeb, graph: OnnxGraph): Promise<{ dims: number[]; data: Float32Array }> {
	const session = await ort.InferenceSession.create(encodeGraph(graph), { logSeverityLevel: 3 });
	try {
		const [, c, h, w] = graph.inputs[0].shape as [string, number, number, number];
		const normal = seededNormal(1);
		const x = Float32Array.from({ length: c * h * w }, normal);
		const out = (await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x, [1, c, h, w]) }))[OUTPUT_NAME];
		return { dims: out.dims.map(Number), data: out.data as Float32Array };
	} finally {
		await session.release();
	}
}

const SIDE = 64;

describe('zoo networks in onnxruntime-node', () => {
	for (const e of ZOO)
		it(`${e.id} runs, 1000 finite logits`, async () => {
			const out = await run(ortNode, e.build(SIDE));
			expect(out.dims).toEqual([1, 1000]);
			expect(out.data.every(Number.isFinite)).toBe(true);
			expect(Math.max(...out.data.map(Math.abs))).toBeGreaterThan(0);
		}, 60_000);
});

describe('analysis networks in onnxruntime-node', () => {
	it('every activation, branch-count and residual network runs', async () => {
		for (const n of ANALYSIS_NETWORKS) {
			const g = n.build(SIDE);
			const out = await run(ortNode, g);
			expect(out.dims, n.id).toEqual(g.outputs[0].shape.map((d) => (typeof d === 'number' ? d : 1)));
			expect(out.data.every(Number.isFinite), n.id).toBe(true);
		}
	}, 120_000);
});

describe('a few in onnxruntime-web (WebAssembly) under Node', () => {
	ortWeb.env.wasm.numThreads = 1;
	for (const id of ['mobilenet-v2-0.35', 'shufflenet-v2-1.0', 'efficientnet-b0', 'repvgg-a0-train', 'mobileone-s0-deploy'])
		it(`${id} gives the same logits as onnxruntime-node`, async () => {
			const g = zooEntry(id)!.build(SIDE);
			const web = await run(ortWeb, g);
			const node = await run(ortNode, g);
			expect(web.dims).toEqual([1, 1000]);
			const scale = Math.max(...node.data.map(Math.abs));
			for (let i = 0; i < node.data.length; i++) expect(Math.abs(web.data[i] - node.data[i])).toBeLessThanOrEqual(1e-3 * scale);
		}, 60_000);
});
