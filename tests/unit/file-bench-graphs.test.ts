/** The latency lab's forms for a visitor's own file: the right graphs, at the right size, agreeing when opened. */
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileBenchGraphs, openBenchSessions, type BenchRuntime } from '../../src/lib/bench';
import { DEFAULT_CHECK_SIZE } from '../../src/lib/mobileone/verify';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { parse, serialize } from '../../src/ui/latency/url';
import { SMALL_SPEC, unfusedOnnx } from '../fixtures/yours';

const runtime: BenchRuntime = {
	ort,
	now: () => performance.now(),
	sessionOptions: { intraOpNumThreads: 1, logSeverityLevel: 3 },
	environment: { runtime: 'onnxruntime-node', ortVersion: ort.env.versions.common, backend: 'cpu', threads: 1, crossOriginIsolated: null, userAgent: 'node', logicalCores: 1 }
};

describe('fileBenchGraphs', () => {
	it('times a state dict at its spec’s input size, named after the file', async () => {
		const g = await fileBenchGraphs('mine.safetensors', new Uint8Array(readFileSync('models/mobileone-cifar10.safetensors')));
		expect(g.model).toEqual({ id: 'yours', label: 'Your network (mine.safetensors)', inputSize: 32, weights: 'your file' });
		expect(g.input.shape).toEqual([1, 3, 32, 32]);
		expect(g.sizeNote).toMatch(/^32×32, the input size of your network’s spec/);
		expect(g.graphs.fused.nodes).toBeLessThan(g.graphs['unfused-raw'].nodes);
	});

	it('times an ONNX file as it is against the pass’s fused graph, at the proof’s size when H and W are open', async () => {
		const bytes = unfusedOnnx();
		const g = await fileBenchGraphs('small.onnx', bytes);
		expect(g.onnx.unfused).toBe(bytes);
		expect(g.io).toEqual({ input: 'input', output: 'logits' });
		expect(g.input.shape).toEqual([1, 3, DEFAULT_CHECK_SIZE, DEFAULT_CHECK_SIZE]);
		expect(g.sizeNote).toMatch(/leaves H and W open, so the size the \/yours proof used/);
		expect(g.graphs['unfused-raw'].bytes).toBe(bytes.length);
		expect(g.graphs['unfused-raw'].byType.BatchNormalization).toBeGreaterThan(0);
		expect(g.graphs['unfused-ort'].byType.BatchNormalization ?? 0).toBeLessThan(g.graphs['unfused-raw'].byType.BatchNormalization);
		expect(g.graphs.fused.byType.BatchNormalization).toBeUndefined();
		const s = await openBenchSessions(runtime, g);
		try {
			expect(s.maxAbsDiff.fused).toBeLessThanOrEqual(1e-4 * 10);
			expect(s.maxAbsDiff.fused).toBeGreaterThanOrEqual(0);
		} finally {
			await s.release();
		}
	});

	it('refuses an ONNX file with nothing to fuse', async () => {
		await expect(fileBenchGraphs('f.onnx', buildOnnx(fuseModel(syntheticModel(SMALL_SPEC, 3))))).rejects.toThrow(/nothing to time against: already fused/);
	});

	it('the lab’s link takes model=yours', () => {
		const s = parse(new URLSearchParams('model=yours&budget=2'));
		expect(s.model).toBe('yours');
		expect(serialize(s).toString()).toBe('model=yours&budget=2');
	});
});
