/**
 * What the service worker decides (src/lib/offline): the files it keeps at install and their
 * order, the download's progress, the messages it accepts, and the headers it adds, read from the
 * same static/_headers the hosts and the test server use.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { isSkipWaiting, readWorkerMessage } from '../../src/lib/offline/messages';
import { isHostFile, isKeptOnFirstUse, precacheList } from '../../src/lib/offline/precache';
import { DownloadProgress } from '../../src/lib/offline/progress';
import { ISOLATION_HEADERS, missingHeaders, parseHeadersFile, RESOURCE_POLICY } from '../../src/lib/offline/site-headers';

const A = '/_app/immutable/assets/';
const BUILD = [
	'/_app/immutable/entry/start.js',
	`${A}0.css`,
	`${A}inter-latin.woff2`,
	`${A}KaTeX_Main-Regular.woff`,
	`${A}KaTeX_Main-Regular.ttf`,
	`${A}KaTeX_Main-Regular.woff2`,
	`${A}mobileone-cifar10.abc.safetensors`,
	`${A}ort-wasm-simd-threaded.abc.wasm`,
	`${A}ort-wasm-simd-threaded.abc.mjs`,
	`${A}ort-wasm-simd-threaded.asyncify.def.wasm`,
	`${A}ort-wasm-simd-threaded.asyncify.def.mjs`
];

describe('precacheList', () => {
	const list = precacheList(BUILD, ['/favicon.svg', '/_headers', '/samples/cat.jpg'], ['/', '/explorer', '/__data.json']);

	test('keeps pages, scripts, woff2, weights, the CPU wasm and static files', () => {
		for (const p of ['/', '/explorer', '/__data.json', '/favicon.svg', '/samples/cat.jpg', '/_app/immutable/entry/start.js', `${A}0.css`, `${A}inter-latin.woff2`, `${A}KaTeX_Main-Regular.woff2`, `${A}mobileone-cifar10.abc.safetensors`, `${A}ort-wasm-simd-threaded.abc.wasm`, `${A}ort-wasm-simd-threaded.abc.mjs`]) {
			expect(list).toContain(p);
		}
	});

	test("leaves ORT's WebGPU build and legacy fonts to first use, and host files out", () => {
		for (const p of [`${A}ort-wasm-simd-threaded.asyncify.def.wasm`, `${A}ort-wasm-simd-threaded.asyncify.def.mjs`, `${A}KaTeX_Main-Regular.woff`, `${A}KaTeX_Main-Regular.ttf`]) {
			expect(list).not.toContain(p);
			expect(isKeptOnFirstUse(p)).toBe(true);
		}
		expect(list).not.toContain('/_headers');
		expect(isHostFile('/_headers')).toBe(true);
		expect(isHostFile('/samples/_headers.jpg')).toBe(false);
		expect(isKeptOnFirstUse(`${A}ort-wasm-simd-threaded.abc.wasm`)).toBe(false);
		expect(isKeptOnFirstUse(`${A}inter-latin.woff2`)).toBe(false);
	});

	test('the heavy files first, then the rest in their order, each once', () => {
		expect(list.slice(0, 2)).toEqual([`${A}ort-wasm-simd-threaded.abc.wasm`, `${A}mobileone-cifar10.abc.safetensors`]);
		expect(list[2]).toBe('/_app/immutable/entry/start.js');
		expect(new Set(list).size).toBe(list.length);
		expect(precacheList(['/a', '/a'], ['/a'], ['/a'])).toEqual(['/a']);
	});
});

describe('DownloadProgress', () => {
	test('counts bytes against the known sizes, the unknown ones at the mean', () => {
		const p = new DownloadProgress(3);
		expect(p.percent).toBe(0);
		p.started('a', 600);
		p.started('b', 200);
		// c unknown: counted as the mean of a and b (400), so the total is 1200.
		expect(p.bytesTotal).toBe(1200);
		p.received('a', 300);
		expect(p.percent).toBe(25);
		p.received('a', 300);
		p.finished('a');
		expect(p.filesDone).toBe(1);
		expect(p.percent).toBe(50);
	});

	test('never goes backwards, and says 100 only when every file is stored', () => {
		const p = new DownloadProgress(2);
		p.started('a', 100);
		p.received('a', 100);
		expect(p.percent).toBe(50); // b's size unknown: counted as a's
		p.started('b', 100_000); // the total jumps; the percent holds
		expect(p.percent).toBe(50);
		p.finished('a');
		p.received('b', 100_000);
		expect(p.percent).toBe(99); // every byte in, b not stored yet
		p.finished('b');
		expect(p.percent).toBe(100);
	});

	test('a missing or nonsense Content-Length is an unknown size; more bytes than announced still count', () => {
		const p = new DownloadProgress(1);
		p.started('a', null);
		p.started('a', Number('abc'));
		p.started('a', -5);
		expect(p.bytesTotal).toBe(0);
		p.received('a', 50);
		expect(p.bytesTotal).toBe(50);
		expect(new DownloadProgress(0).percent).toBe(100);
	});
});

describe('worker messages', () => {
	test('reads progress and failure, refuses anything else', () => {
		expect(readWorkerMessage({ type: 'offline-progress', version: '1', percent: 40, filesDone: 3, files: 9 })).toEqual({
			type: 'offline-progress',
			version: '1',
			percent: 40,
			filesDone: 3,
			files: 9
		});
		expect(readWorkerMessage({ type: 'offline-failed', version: '1', reason: 'No.' })).toEqual({ type: 'offline-failed', version: '1', reason: 'No.' });
		for (const bad of [null, 3, 'offline-progress', {}, { type: 'offline-progress', version: '1', percent: 140, filesDone: 0, files: 1 }, { type: 'offline-progress', version: 1, percent: 4, filesDone: 0, files: 1 }, { type: 'offline-progress', version: '1', percent: NaN, filesDone: 0, files: 1 }, { type: 'offline-failed', version: '1' }, { type: 'other', version: '1' }]) {
			expect(readWorkerMessage(bad)).toBeNull();
		}
		expect(isSkipWaiting({ type: 'skip-waiting' })).toBe(true);
		expect(isSkipWaiting({ type: 'skip' })).toBe(false);
		expect(isSkipWaiting(null)).toBe(false);
	});
});

describe('site headers', () => {
	const site = parseHeadersFile(readFileSync('static/_headers', 'utf8'));

	test('static/_headers asks for cross-origin isolation', () => {
		expect(site[ISOLATION_HEADERS[0]]).toBe('same-origin');
		expect(site[ISOLATION_HEADERS[1]]).toBe('require-corp');
	});

	test('parses only the /* block, skipping comments', () => {
		expect(parseHeadersFile('/x\n  A: 1\n/*\n  # note\n  B: two: parts\n\n  C:3  \n/y\n  D: 4\n')).toEqual({ B: 'two: parts', C: '3' });
	});

	test('the worker adds what a host left out and keeps what it sent', () => {
		const none = missingHeaders(site, () => false);
		expect(Object.fromEntries(none)).toEqual({ ...site, [RESOURCE_POLICY[0]]: RESOURCE_POLICY[1] });
		const sent = new Set(['cross-origin-opener-policy', 'x-frame-options']);
		const added = missingHeaders(site, (name) => sent.has(name.toLowerCase())).map(([name]) => name.toLowerCase());
		expect(added).toContain('cross-origin-embedder-policy');
		expect(added).toContain('cross-origin-resource-policy');
		expect(added).not.toContain('cross-origin-opener-policy');
		expect(added).not.toContain('x-frame-options');
		expect(missingHeaders(site, () => true)).toEqual([]);
	});
});
