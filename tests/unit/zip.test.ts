import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { crc32, readZip } from '../../src/lib/io/zip';
import { concat, makeZip } from '../fixtures/pytorch/build';

const enc = new TextEncoder();
const ENTRIES: [string, Uint8Array][] = [
	['a/data.pkl', enc.encode('pickle bytes')],
	['a/data/0', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])],
	['a/empty', new Uint8Array(0)]
];

function expectBadZip(bytes: Uint8Array, message?: RegExp) {
	let thrown: unknown;
	try {
		const zip = readZip(bytes);
		for (const e of zip.entries) zip.read(e);
	} catch (e) {
		thrown = e;
	}
	expect(thrown).toBeInstanceOf(WeightsError);
	expect((thrown as WeightsError).code).toBe('bad-zip');
	if (message) expect((thrown as Error).message).toMatch(message);
}

function contents(bytes: Uint8Array) {
	const zip = readZip(bytes);
	return zip.entries.map((e) => [e.name, Array.from(zip.read(e))]);
}

describe('crc32', () => {
	it('matches the standard check value', () => {
		expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
		expect(crc32(new Uint8Array(0))).toBe(0);
	});
});

describe('readZip', () => {
	it('reads stored entries, with torch-style padding in the local headers', () => {
		const expected = ENTRIES.map(([n, d]) => [n, Array.from(d)]);
		expect(contents(makeZip(ENTRIES))).toEqual(expected);
		expect(contents(makeZip(ENTRIES, { localExtra: 37 }))).toEqual(expected);
		const zip = readZip(makeZip(ENTRIES));
		expect(zip.get('a/data/0')?.size).toBe(8);
		expect(zip.get('nope')).toBeUndefined();
	});

	it('finds the end record behind an archive comment, even one that contains its signature', () => {
		const comment = 'PK\x05\x06 looks like an end record';
		expect(contents(makeZip(ENTRIES, { comment }))).toEqual(ENTRIES.map(([n, d]) => [n, Array.from(d)]));
	});

	it('reads zip64 sizes, offsets and end record', () => {
		expect(contents(makeZip(ENTRIES, { zip64: true }))).toEqual(ENTRIES.map(([n, d]) => [n, Array.from(d)]));
	});

	it('refuses every truncation of an archive', () => {
		for (const zip64 of [false, true]) {
			const whole = makeZip(ENTRIES, { zip64 });
			for (let n = 0; n < whole.length; n++) expectBadZip(whole.subarray(0, n));
		}
	});

	it('refuses compressed entries with a message that says what to do', () => {
		expectBadZip(makeZip(ENTRIES, { method: 8 }), /compressed \(deflate\).*torch\.save/);
		expectBadZip(makeZip(ENTRIES, { method: 93 }), /zstd/);
		// Listed all the same, so a caller can say what the archive is before reading it.
		expect(readZip(makeZip(ENTRIES, { method: 8 })).entries.map((e) => e.method)).toEqual([8, 8, 8]);
	});

	it('refuses encrypted entries', () => {
		expectBadZip(makeZip(ENTRIES, { flags: 0x1 }), /encrypted/);
	});

	it('notices a changed byte in an entry through its CRC-32', () => {
		const bytes = makeZip(ENTRIES);
		const at = bytes.indexOf(5); // inside a/data/0
		bytes[at] ^= 0x40;
		expectBadZip(bytes, /CRC-32/);
	});

	it('refuses a local header that names another file', () => {
		const bytes = makeZip(ENTRIES);
		const at = bytes.indexOf('d'.charCodeAt(0)); // the first name, in the first local header
		bytes[at] = 'x'.charCodeAt(0);
		expectBadZip(bytes, /names a different file/);
	});

	it('refuses duplicate names', () => {
		expectBadZip(makeZip([ENTRIES[1], ENTRIES[1]]), /twice/);
	});

	it('refuses an entry count the directory cannot hold, and offsets past the end', () => {
		const bytes = makeZip(ENTRIES);
		const eocd = bytes.length - 22;
		const view = new DataView(bytes.buffer);
		const count = bytes.slice();
		new DataView(count.buffer).setUint16(eocd + 8, 60000, true);
		new DataView(count.buffer).setUint16(eocd + 10, 60000, true);
		expectBadZip(count, /entries cannot fit/);
		const offset = bytes.slice();
		new DataView(offset.buffer).setUint32(eocd + 16, view.getUint32(eocd + 16, true) + 1000, true);
		expectBadZip(offset, /central directory/);
		const size = bytes.slice();
		new DataView(size.buffer).setUint32(eocd + 12, 0x7fffffff, true);
		expectBadZip(size, /central directory/);
	});

	it('refuses an entry whose size runs past its data', () => {
		const bytes = makeZip(ENTRIES);
		const cd = new DataView(bytes.buffer).getUint32(bytes.length - 22 + 16, true);
		const second = cd + 46 + 'a/data.pkl'.length; // the central header of a/data/0
		new DataView(bytes.buffer).setUint32(second + 20, 0x10000000, true);
		new DataView(bytes.buffer).setUint32(second + 24, 0x10000000, true);
		expectBadZip(bytes, /runs into the central directory/);
	});

	it('refuses a zip64 marker without its record, and a record pointing outside the file', () => {
		const plain = makeZip(ENTRIES);
		const marked = plain.slice();
		new DataView(marked.buffer).setUint32(marked.length - 22 + 16, 0xffffffff, true);
		expectBadZip(marked, /zip64/);
		const z = makeZip(ENTRIES, { zip64: true });
		const locator = z.length - 22 - 20;
		new DataView(z.buffer).setBigUint64(locator + 8, 2n ** 62n, true);
		expectBadZip(z, /zip64 record offset/);
	});

	it('refuses files that are not zip archives at all', () => {
		expectBadZip(new Uint8Array(0), /too short/);
		expectBadZip(enc.encode('just some text that is long enough to look for a record'), /no end-of-central-directory/);
		expectBadZip(concat(new Uint8Array(100)), /no end-of-central-directory/);
	});
});
