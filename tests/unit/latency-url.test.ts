import { describe, expect, test } from 'vitest';
import { DEFAULT_SETTINGS, MAX_BUDGET_S, parse, serialize, type LatencySettings } from '../../src/ui/latency/url';

const q = (s: string) => new URLSearchParams(s);

describe('latency lab URL', () => {
	test('no parameters give the defaults', () => {
		expect(parse(q(''))).toEqual({ model: 'cifar10', backend: null, budget: 10, log: false });
		expect(parse(q(''))).toEqual(DEFAULT_SETTINGS);
	});

	test('reads every setting', () => {
		expect(parse(q('model=s3&backend=webgpu&budget=0.5&log=1'))).toEqual({ model: 's3', backend: 'webgpu', budget: 0.5, log: true });
		expect(parse(q('budget=600')).budget).toBe(MAX_BUDGET_S);
	});

	test('round trip: serialize then parse gives the settings back', () => {
		const cases: LatencySettings[] = [
			DEFAULT_SETTINGS,
			{ model: 's0', backend: 'wasm-1', budget: 5, log: false },
			{ model: 's4', backend: 'wasm-n', budget: 0.5, log: true },
			{ model: 'cifar10', backend: null, budget: 600, log: true }
		];
		for (const s of cases) expect(parse(serialize(s))).toEqual(s);
	});

	test('writes a short, stable link', () => {
		expect(serialize({ model: 's0', backend: 'wasm-1', budget: 5, log: false }).toString()).toBe('model=s0&backend=wasm-1&budget=5');
		expect(serialize({ model: 's1', backend: null, budget: 20, log: true }).toString()).toBe('model=s1&budget=20&log=1');
	});

	test('garbage falls back to the default of that setting only', () => {
		const garbage = ['model=s9', 'model=S0', 'backend=wasm-2', 'backend=', 'budget=abc', 'budget=-5', 'budget=0', 'budget=601', 'budget=1e3', 'budget=', 'budget=%205', 'budget=Infinity', 'budget=NaN', 'log=yes', 'log='];
		for (const g of garbage) expect(parse(q(g)), g).toEqual(DEFAULT_SETTINGS);
		expect(parse(q('model=s2&backend=gpu&budget=5&log=maybe'))).toEqual({ ...DEFAULT_SETTINGS, model: 's2', budget: 5 });
	});

	test('ignores parameters it does not know', () => {
		expect(parse(q('foo=bar&model=s1'))).toEqual({ ...DEFAULT_SETTINGS, model: 's1' });
	});
});
