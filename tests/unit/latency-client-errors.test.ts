/**
 * The latency worker's failures reach the page in the page's language: a failure the worker names
 * (nothing kept, already running) by its own words, the engine's by its error code (as the Your
 * network page says them), anything else as the engine's sentence. A fake Worker stands in for the
 * real one, so only the client's side of the protocol runs.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { baseLocale, overwriteGetLocale } from '../../src/lib/paraglide/runtime';
import { LatencyClient, type RunOutcome } from '../../src/ui/latency/client';
import type { FromWorker } from '../../src/ui/latency/messages';
import { ownNetworkName } from '../../src/ui/latency/words';

class FakeWorker {
	static last: FakeWorker | null = null;
	onmessage: ((e: MessageEvent<FromWorker>) => void) | null = null;
	onerror: ((e: ErrorEvent) => void) | null = null;
	posted: unknown[] = [];
	constructor() {
		FakeWorker.last = this;
	}
	postMessage(m: unknown) {
		this.posted.push(m);
	}
	terminate() {}
	reply(m: FromWorker) {
		this.onmessage?.({ data: m } as MessageEvent<FromWorker>);
	}
}

const handlers = { onProgress() {}, onPrepared() {} };
const REQUEST = { model: 'yours', backend: 'wasm-1', threads: 1, budgetMs: 1000 } as const;

async function failWith(reply: Omit<Extract<FromWorker, { type: 'error' }>, 'id' | 'type'>): Promise<string> {
	const client = new LatencyClient();
	const { id, done } = client.run(REQUEST, handlers);
	FakeWorker.last!.reply({ type: 'error', id, ...reply });
	const out: RunOutcome = await done;
	client.dispose();
	if (out.kind !== 'error') throw new Error(`expected an error, got ${out.kind}`);
	return out.message;
}

describe('the latency worker’s failures, in the page’s language', () => {
	beforeEach(() => vi.stubGlobal('Worker', FakeWorker));
	afterEach(() => {
		vi.unstubAllGlobals();
		overwriteGetLocale(() => baseLocale);
	});

	test('a failure the worker names is said in Korean on a Korean page, in English on an English one', async () => {
		overwriteGetLocale(() => 'ko');
		const ko = await failWith({ message: 'no network of yours is kept in this browser', reason: 'no-own-network' });
		expect(ko).toMatch(/[\uAC00-\uD7A3]/);
		expect(ko).not.toMatch(/no network of yours/);
		overwriteGetLocale(() => 'en');
		expect(await failWith({ message: 'x', reason: 'busy' })).toBe('A benchmark is already running.');
	});

	test('the engine’s error is said by its code, keeping its detail; without a code, as the engine said it', async () => {
		overwriteGetLocale(() => 'ko');
		const detail = 'nothing to time against: already fused';
		const coded = await failWith({ message: detail, code: 'not-mobileone' });
		expect(coded).toMatch(/[\uAC00-\uD7A3]/);
		expect(coded).toContain(detail);
		expect(await failWith({ message: detail, code: null })).toBe(detail);
	});

	test('the visitor’s network is named in the page’s language', () => {
		overwriteGetLocale(() => 'en');
		expect(ownNetworkName('a.onnx')).toBe('Your network (a.onnx)');
		expect(ownNetworkName(null)).toBe('Your network (not kept)');
		overwriteGetLocale(() => 'ko');
		expect(ownNetworkName('a.onnx')).toBe('내 신경망 (a.onnx)');
	});
});
