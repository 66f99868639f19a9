/** The analyses page's state class with a fake worker client: a run, a cancel, loading and removing other devices' exports. */
import { describe, expect, test } from 'vitest';
import { analysesJson } from '../../src/lib/analyses/export';
import { analysesRecord, type AnalysisResult } from '../../src/lib/analyses/record';
import { sampleStats } from '../../src/lib/bench/stats';
import type { RunOutcome } from '../../src/ui/analyses/client';
import type { FromWorker } from '../../src/ui/analyses/messages';
import { AnalysesState, MAX_OVERLAYS, type Runner } from '../../src/ui/analyses/state.svelte';

const ENV = { runtime: 'onnxruntime-web' as const, ortVersion: 'x', backend: 'wasm', threads: 1, crossOriginIsolated: true, userAgent: 'test browser', logicalCores: 2, timerResolutionMs: 0.005 };

function zoo(scale: number): AnalysisResult {
	const networks = [1, 2, 3, 4].map((i) => {
		const samples = [i * scale, i * scale * 1.1, i * scale * 0.9];
		return { id: `n${i}`, label: `N${i}`, highlight: i === 2, macs: i * 1e8, params: (5 - i) * 1e6, stats: sampleStats(samples), samples, repeat: 1 };
	});
	return { analysis: 'zoo', inputSize: 224, interleaved: false, budgetMs: 1000, elapsedMs: 1000, cancelled: false, networks };
}

class FakeRunner implements Runner {
	requests: unknown[] = [];
	cancelled = false;
	private finish: ((o: RunOutcome) => void) | null = null;
	private progress: ((m: FromWorker & { type: 'progress' }) => void) | null = null;
	run(req: unknown, onProgress: (m: FromWorker & { type: 'progress' }) => void): Promise<RunOutcome> {
		this.requests.push(req);
		this.progress = onProgress;
		return new Promise((r) => (this.finish = r));
	}
	report(fraction: number) {
		this.progress!({ type: 'progress', id: 1, analysis: 'zoo', step: { stage: 'time', network: { id: 'n1', label: 'N1' } }, fraction });
	}
	end(o: RunOutcome) {
		this.finish!(o);
	}
	cancel() {
		this.cancelled = true;
	}
	dispose() {}
}

describe('AnalysesState', () => {
	test('a run reports progress, then its record; Cancel keeps what was measured', async () => {
		const runner = new FakeRunner();
		const lab = new AnalysesState(runner);
		lab.apply({ analyses: ['zoo'], budget: 10, size: 64, networks: null });
		const done = lab.start();
		expect(runner.requests).toEqual([{ analyses: ['zoo'], budgetS: 10, size: 64, networks: null }]);
		expect(lab.status).toMatchObject({ kind: 'running', step: null });
		runner.report(0.5);
		expect(lab.status).toMatchObject({ kind: 'running', fraction: 0.5, stopping: false, step: { stage: 'time', network: { id: 'n1' } } });
		lab.cancel();
		expect(runner.cancelled).toBe(true);
		runner.report(0.6);
		expect(lab.status).toMatchObject({ kind: 'running', stopping: true });
		runner.end({ kind: 'result', record: analysesRecord('the worker’s name', ENV, [zoo(1)]) });
		await done;
		expect(lab.status).toEqual({ kind: 'done', cancelled: true });
		// The worker's English name for this device becomes the page's.
		expect(lab.record?.device).toBe('This device');
		expect(lab.zoo).toHaveLength(1);
		expect(lab.zoo[0].correlations.macs.rho).toBe(1);
	});

	test('a failure is one sentence, and the last record stays', async () => {
		const runner = new FakeRunner();
		const lab = new AnalysesState(runner);
		const done = lab.start();
		runner.end({ kind: 'error', message: 'out of memory' });
		await done;
		expect(lab.status).toEqual({ kind: 'failed', message: 'out of memory' });
	});

	test('other devices load, overlay, and come off again; bad files are refused', () => {
		const lab = new AnalysesState(new FakeRunner());
		const text = analysesJson(analysesRecord('whatever', ENV, [zoo(2)]));
		lab.load(text, 'phone.json');
		expect(lab.loadMessage?.ok).toBe(true);
		expect(lab.records.map((r) => r.device)).toEqual(['phone']);
		expect(lab.zoo[0].result.networks[1].stats.median).toBe(4);
		lab.load('{}', 'x.json');
		expect(lab.loadMessage).toEqual({ ok: false, text: expect.stringMatching(/^x\.json was not added: the file is not an analyses export/) });
		lab.load(null, 'huge.json');
		expect(lab.loadMessage?.text).toMatch(/larger than any export/);
		for (let i = 1; i < MAX_OVERLAYS; i++) lab.load(text, `d${i}.json`);
		expect(lab.records).toHaveLength(MAX_OVERLAYS);
		lab.load(text, 'one-too-many.json');
		expect(lab.loadMessage?.ok).toBe(false);
		lab.unload(0);
		expect(lab.records.map((r) => r.device)[0]).toBe('d1');
	});
});
