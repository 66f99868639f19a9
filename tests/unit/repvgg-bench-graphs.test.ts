/**
 * RepVGG-A0 in the latency lab (issue 11): both forms come from one builder and one set of weights,
 * so the check the lab shows (fused = unfused, max |Δ|) holds, and the graphs have the shapes the
 * layout predicts. Runs the real 224×224 network once in onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { agreementBound, familyBenchGraphs, openBenchSessions, type BenchRuntime } from '../../src/lib/bench';
import { REPVGG_LAYOUTS, repvggBlocks } from '../../src/lib/families/repvgg-layouts';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { maxAbs } from '../../src/lib/core/tensor';
import { FAMILY_MODEL_CHOICES, isLabModelId, isPageModelId, labModelChoice } from '../../src/lib/models';
import { parse, serialize } from '../../src/ui/latency/url';

const runtime: BenchRuntime = {
	ort,
	now: () => performance.now(),
	sessionOptions: { intraOpNumThreads: 1, logSeverityLevel: 3 },
	environment: { runtime: 'onnxruntime-node', ortVersion: ort.env.versions.common, backend: 'cpu', threads: 1, crossOriginIsolated: null, userAgent: 'node', logicalCores: 1 }
};

describe('RepVGG-A0 in the latency lab', () => {
	it('builds three branches per block unfused and one conv per block fused, from the same weights', async () => {
		const g = await familyBenchGraphs('repvgg-a0');
		expect(g.model).toEqual({ id: 'repvgg-a0', label: 'RepVGG-A0', inputSize: 224, weights: 'synthetic (seed 7)' });
		const blocks = repvggBlocks(REPVGG_LAYOUTS[0]);
		const identities = blocks.filter((b) => b.cin === b.cout && b.stride === 1).length;
		const raw = g.graphs['unfused-raw'];
		expect(raw.byType.Conv).toBe(2 * blocks.length);
		expect(raw.byType.BatchNormalization).toBe(2 * blocks.length + identities);
		expect(raw.byType.Add).toBe(blocks.length + identities);
		// ORT folds the conv-BN pairs; the identity BNs and the adds stay.
		expect(g.graphs['unfused-ort'].byType.BatchNormalization).toBe(identities);
		expect(g.graphs['unfused-ort'].byType.Conv).toBe(2 * blocks.length);
		const fused = g.graphs.fused;
		expect(fused.byType.Conv).toBe(blocks.length);
		expect(fused.byType.BatchNormalization).toBeUndefined();
		expect(fused.byType.Add).toBeUndefined();
		// The published deploy size: 8.31 M parameters (8,309,384 with the classifier, as repvgg-layouts counts).
		expect(fused.parameters / 1e6).toBeCloseTo(8.31, 2);
		// The fused file really holds repvgg.py's deploy names.
		const names = decodeOnnx(g.onnx.fused!).graph.initializers.map((t) => t.name);
		expect(names).toContain('stage1.0.rbr_reparam.weight');
		expect(names).toContain('linear.bias');
		expect(decodeOnnx(g.onnx.unfused!).graph.initializers.map((t) => t.name)).toContain('stage1.1.rbr_identity.running_var');

		const s = await openBenchSessions(runtime, g);
		try {
			const out = (await s.sessions.get('unfused-raw')!.run(s.feeds))[g.io.output].data as Float32Array;
			const bound = agreementBound(out);
			// Balanced branch gains keep the logits of order one, not the ~10⁷ raw synthetic statistics give.
			expect(bound).toBeGreaterThan(0);
			expect(maxAbs(out)).toBeLessThan(1000);
			expect(s.maxAbsDiff.fused).toBeGreaterThanOrEqual(0);
			expect(s.maxAbsDiff.fused!).toBeLessThanOrEqual(bound);
			expect(s.maxAbsDiff['unfused-ort']!).toBeLessThanOrEqual(bound);
		} finally {
			await s.release();
		}
	}, 120_000);

	it('is a lab model with its own link, but not a model of the explorer', () => {
		expect(FAMILY_MODEL_CHOICES.map((m) => m.label)).toEqual(['RepVGG-A0 (224, synthetic weights)']);
		expect(labModelChoice('repvgg-a0').name).toBe('RepVGG-A0');
		expect(isLabModelId('repvgg-a0')).toBe(true);
		expect(isPageModelId('repvgg-a0')).toBe(false);
		const s = parse(new URLSearchParams('model=repvgg-a0&budget=2'));
		expect(s.model).toBe('repvgg-a0');
		expect(serialize(s).toString()).toBe('model=repvgg-a0&budget=2');
	});
});
