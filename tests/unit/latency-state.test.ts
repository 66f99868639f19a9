/**
 * The latency lab's state class with a fake worker client: the run's status moves through one
 * union, settings come and go through the URL shape, and the headline reads from the result.
 */
import { describe, expect, test } from 'vitest';
import { buildResult, DEFAULT_PROTOCOL, FORM_IDS, type FormId, type LatencyResult } from '../../src/lib/bench';
import type { BackendOption } from '../../src/ui/latency/backends';
import type { RunHandlers, RunOutcome } from '../../src/ui/latency/client';
import type { ProgressEvent } from '../../src/ui/latency/messages';
import { LatencyState, type Runner } from '../../src/ui/latency/state.svelte';

const BACKENDS: BackendOption[] = [
	{ id: 'wasm-1', label: 'WebAssembly, 1 thread', threads: 1, available: true, reason: null },
	{ id: 'wasm-n', label: 'WebAssembly, 4 threads', threads: 4, available: true, reason: null },
	{ id: 'webgpu', label: 'WebGPU', threads: 1, available: false, reason: 'no adapter' }
];

/** A result whose forms take these median times (ms), ten rounds each. */
function fakeResult(medians: Record<FormId, number>, model = 'cifar10'): LatencyResult {
	const samples = Object.fromEntries(FORM_IDS.map((f) => [f, Array.from({ length: 10 }, (_, i) => medians[f] * (1 + 0.01 * (i % 3)))])) as Record<FormId, number[]>;
	return buildResult({
		model: { id: model, label: 'Our CIFAR-10 MobileOne', inputSize: 32, weights: 'trained' },
		environment: { runtime: 'onnxruntime-web', ortVersion: 'x', backend: 'wasm', threads: 1, crossOriginIsolated: true, userAgent: 'test', logicalCores: 2, timerResolutionMs: 0.005 },
		protocol: DEFAULT_PROTOCOL,
		outcome: { forms: [...FORM_IDS], samples, warmup: samples, warmupRounds: 3, warmupMs: 1000, rounds: 10, repeat: 1, elapsedMs: 1000, cancelled: false },
		bootstrap: { iterations: 200 }
	});
}

class FakeRunner implements Runner {
	requests: Parameters<Runner['run']>[0][] = [];
	handlers: RunHandlers | null = null;
	cancelled = 0;
	disposed = 0;
	#finish: ((o: RunOutcome) => void) | null = null;
	run(req: Parameters<Runner['run']>[0], handlers: RunHandlers) {
		this.requests.push(req);
		this.handlers = handlers;
		const done = new Promise<RunOutcome>((ok) => (this.#finish = ok));
		return { id: this.requests.length, done };
	}
	cancel() {
		this.cancelled++;
	}
	dispose() {
		this.disposed++;
	}
	finish(o: RunOutcome) {
		this.#finish!(o);
	}
	progress(phase: ProgressEvent['phase'], fraction: number | null = 0.5) {
		this.handlers!.onProgress({ type: 'progress', id: 1, phase, step: { step: 'weights-synthetic' }, fraction });
	}
}

function lab() {
	const runner = new FakeRunner();
	const s = new LatencyState(() => runner);
	return { s, runner };
}

describe('LatencyState', () => {
	test('starts idle with the default settings; the backend waits for detection', () => {
		const { s } = lab();
		expect(s.status).toEqual({ kind: 'idle' });
		expect(s.settings).toEqual({ model: 'cifar10', backend: null, budget: 10, log: false });
		expect(s.canStart).toBe(false);
		s.setBackends(BACKENDS);
		expect(s.backend).toBe('wasm-n');
		expect(s.canStart).toBe(true);
	});

	test('a linked backend is kept only if it runs here', () => {
		const { s } = lab();
		s.applySettings({ model: 's0', backend: 'webgpu', budget: 10, log: false });
		s.setBackends(BACKENDS);
		expect(s.backend).toBe('wasm-n');
		const t = lab().s;
		t.applySettings({ model: 's0', backend: 'wasm-1', budget: 10, log: false });
		t.setBackends(BACKENDS);
		expect(t.backend).toBe('wasm-1');
	});

	test('a linked budget the buttons lack joins them, in order', () => {
		const { s } = lab();
		s.applySettings({ model: 's2', backend: null, budget: 0.5, log: true });
		expect(s.budgets).toEqual([0.5, 5, 10, 20, 40]);
		expect(s.settings).toEqual({ model: 's2', backend: null, budget: 0.5, log: true });
		s.budget = 20;
		expect(s.budgets).toEqual([0.5, 5, 10, 20, 40]);
		s.applySettings({ model: 's2', backend: null, budget: 5, log: false });
		expect(s.budgets).toEqual([5, 10, 20, 40]);
	});

	test('a run goes preparing → measuring → done, and keeps its result', async () => {
		const { s, runner } = lab();
		s.setBackends(BACKENDS);
		s.budget = 5;
		const run = s.start();
		expect(s.status).toEqual({ kind: 'preparing', progress: null, stopping: false });
		expect(s.running).toBe(true);
		expect(s.canStart).toBe(false);
		expect(s.phaseIndex).toBe(-1);
		expect(runner.requests).toEqual([{ model: 'cifar10', backend: 'wasm-n', threads: 4, budgetMs: 5000 }]);
		expect(s.announcement).toBe('Benchmark started: Our CIFAR-10 MobileOne, WebAssembly, 4 threads.');

		runner.progress('build');
		expect(s.status.kind).toBe('preparing');
		expect(s.phaseIndex).toBe(2);
		runner.progress('measure', 0.25);
		expect(s.status.kind).toBe('measuring');
		expect(s.progress?.fraction).toBe(0.25);

		const result = fakeResult({ 'unfused-raw': 40, 'unfused-ort': 30, fused: 10 });
		runner.finish({ kind: 'result', result });
		await run;
		expect(s.status).toEqual({ kind: 'done', result, hidden: false });
		expect(s.running).toBe(false);
		expect(s.result).toBe(result);
		expect(s.announcement).toBe('Benchmark finished: the fused network ran 3.00× as fast as the multi-branch one.');
	});

	test('the headline compares fused with the strongest unfused form first', async () => {
		const { s, runner } = lab();
		s.setBackends(BACKENDS);
		const run = s.start();
		runner.finish({ kind: 'result', result: fakeResult({ 'unfused-raw': 40, 'unfused-ort': 30, fused: 10 }) });
		await run;
		expect(s.rival).toBe('unfused-ort');
		expect(s.headlines.map((h) => [h.num, h.den])).toEqual([
			['unfused-ort', 'fused'],
			['unfused-raw', 'fused'],
			['unfused-raw', 'unfused-ort']
		]);
		expect(s.headlines[0].verdict.factor).toBeCloseTo(3, 6);
		expect(s.headlines[0].verdict.word).toBe('faster');
		expect(s.historyRows[0].rivalRatio).toBeCloseTo(3, 6);
		expect(s.historyRows[0].rawRatio).toBeCloseTo(4, 6);
	});

	test('history: newest first; a hidden tab is remembered for that run only', async () => {
		const { s, runner } = lab();
		s.setBackends(BACKENDS);
		const first = s.start();
		s.noteHidden();
		const a = fakeResult({ 'unfused-raw': 4, 'unfused-ort': 3, fused: 1 });
		runner.finish({ kind: 'result', result: a });
		await first;
		expect(s.hiddenDuringRun).toBe(true);
		const second = s.start();
		expect(s.result).toBe(a);
		expect(s.hiddenDuringRun).toBe(false);
		const b = { ...fakeResult({ 'unfused-raw': 8, 'unfused-ort': 6, fused: 2 }), createdAt: 'later' };
		runner.finish({ kind: 'result', result: b });
		await second;
		expect(s.history).toEqual([b, a]);
		expect(s.hiddenDuringRun).toBe(false);
	});

	test('cancel: stopping while the worker winds down, then cancelled', async () => {
		const { s, runner } = lab();
		s.setBackends(BACKENDS);
		const run = s.start();
		runner.progress('warmup');
		s.cancel();
		expect(s.status).toMatchObject({ kind: 'measuring', stopping: true });
		expect(s.stopping).toBe(true);
		expect(runner.cancelled).toBe(1);
		runner.progress('measure');
		expect(s.stopping).toBe(true);
		runner.finish({ kind: 'cancelled' });
		await run;
		expect(s.status).toEqual({ kind: 'cancelled' });
		expect(s.announcement).toBe('Benchmark cancelled.');
		expect(s.result).toBeNull();
	});

	test('a failure says why; a second start while running is ignored', async () => {
		const { s, runner } = lab();
		s.setBackends(BACKENDS);
		const run = s.start();
		await s.start();
		expect(runner.requests).toHaveLength(1);
		runner.finish({ kind: 'error', message: 'out of memory' });
		await run;
		expect(s.status).toEqual({ kind: 'failed', message: 'out of memory' });
		expect(s.announcement).toBe('The benchmark failed: out of memory');
	});

	test('an unavailable backend cannot start', async () => {
		const { s, runner } = lab();
		s.setBackends(BACKENDS);
		s.backend = 'webgpu';
		expect(s.canStart).toBe(false);
		await s.start();
		expect(runner.requests).toHaveLength(0);
		expect(s.status.kind).toBe('idle');
	});
});
