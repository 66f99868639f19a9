import { describe, it, expect } from 'vitest';
import { WeightsError, type WeightsErrorCode } from '../../src/lib/core/errors';
import { halfToFloat, MAX_HEADER_BYTES, readSafetensors, writeSafetensors } from '../../src/lib/io/safetensors';
import { tensor, type Tensor } from '../../src/lib/core/tensor';

const encoder = new TextEncoder();

/** A file from a header (JSON text or a value to stringify) and a buffer. `declaredLength`
 * overrides the length field, to lie about the header size. */
function buildFile(header: string | object, buffer: ArrayLike<number> = [], declaredLength?: bigint): Uint8Array {
	const headerBytes = encoder.encode(typeof header === 'string' ? header : JSON.stringify(header));
	const out = new Uint8Array(8 + headerBytes.length + buffer.length);
	new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(headerBytes.length), true);
	out.set(headerBytes, 8);
	out.set(buffer, 8 + headerBytes.length);
	return out;
}

function littleEndianU16(values: number[]): Uint8Array {
	const out = new Uint8Array(values.length * 2);
	const view = new DataView(out.buffer);
	values.forEach((v, i) => view.setUint16(i * 2, v, true));
	return out;
}

function littleEndianF64(values: number[]): Uint8Array {
	const out = new Uint8Array(values.length * 8);
	const view = new DataView(out.buffer);
	values.forEach((v, i) => view.setFloat64(i * 8, v, true));
	return out;
}

function catchError(run: () => unknown): WeightsError {
	try {
		run();
	} catch (error) {
		if (error instanceof WeightsError) return error;
		throw new Error(`expected a WeightsError, got ${String(error)}`);
	}
	throw new Error('expected a WeightsError, but nothing was thrown');
}

/** Reading fails with this code and a short one-line message. */
function expectCode(bytes: Uint8Array, code: WeightsErrorCode): WeightsError {
	const error = catchError(() => readSafetensors(bytes));
	expect(error.code, error.message).toBe(code);
	expect(error.message).not.toMatch(/[\n\r]/);
	expect(error.message.length).toBeLessThan(400);
	return error;
}

function bitsOf(data: Float32Array): number[] {
	return [...new Uint32Array(data.buffer, data.byteOffset, data.length)];
}

function f32Entry(shape: number[], begin: number, end: number) {
	return { dtype: 'F32', shape, data_offsets: [begin, end] };
}

describe('writeSafetensors then readSafetensors', () => {
	it('round-trips shapes, values bit for bit, and metadata', () => {
		const special = new Float32Array([0, -0, 1.5, -2, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, Math.fround(0.1)]);
		const tensors = new Map<string, Tensor>([
			['conv.weight', tensor([2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])],
			['scalar', tensor([], [42])],
			['empty', tensor([0])],
			['empty.middle', tensor([2, 0, 3])],
			['special', tensor([special.length], special)],
			['bn.running_var', tensor([3], [0.5, 0.25, 0.125])]
		]);
		// fromEntries makes "__proto__" an ordinary own key, the way JSON.parse would.
		const metadata: Record<string, string> = Object.fromEntries([
			['format', 'pt'],
			['note', 'ünïcødé ✓ 🙂'],
			['10', 'integer-like key'],
			['__proto__', 'plain key']
		]);

		const file = readSafetensors(writeSafetensors(tensors, metadata));

		expect([...file.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
		for (const [name, original] of tensors) {
			const read = file.tensors.get(name)!;
			expect(read.shape, name).toEqual(original.shape);
			expect(bitsOf(read.data), name).toEqual(bitsOf(original.data));
		}
		expect(file.tensors.get('scalar')!.data.length).toBe(1);
		expect(file.tensors.get('empty.middle')!.data.length).toBe(0);
		expect(file.ignored).toEqual([]);
		expect(Object.entries(file.metadata).sort()).toEqual(Object.entries(metadata).sort());
		expect(Object.getPrototypeOf(file.metadata)).toBe(Object.prototype);
	});

	it('reads an empty map back as an empty file', () => {
		const bytes = writeSafetensors(new Map());
		expect(bytes.length).toBe(16); // length field + "{}" padded to 8
		const file = readSafetensors(bytes);
		expect(file.tensors.size).toBe(0);
		expect(file.metadata).toEqual({});
	});

	it('lays the file out as Python does: sorted keys, padded header, contiguous data', () => {
		const tensors = new Map<string, Tensor>([
			['b', tensor([1], [2])],
			['10', tensor([1], [3])],
			['a', tensor([2], [0, 1])],
			['9', tensor([], [4])],
			['\u{1F600}', tensor([1], [5])], // beyond U+FFFF: UTF-16 order would put it before U+FFFD
			['\uFFFD', tensor([1], [6])]
		]);
		const bytes = writeSafetensors(tensors, { z: '1', a: '2' });
		const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
		expect(headerLength % 8).toBe(0);
		const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
		const json = text.trimEnd();
		expect(json.endsWith('}')).toBe(true);
		expect(headerLength - encoder.encode(json).length).toBeLessThan(8); // padding only to the next multiple of 8

		const keyOrder = [...text.matchAll(/"([^"]+)":\{/g)].map((m) => m[1]);
		expect(keyOrder).toEqual(['__metadata__', '10', '9', 'a', 'b', '\uFFFD', '\u{1F600}']);
		expect(text.startsWith('{"__metadata__":{"a":"2","z":"1"},')).toBe(true);

		const header = JSON.parse(text);
		let expectedBegin = 0;
		for (const name of keyOrder.slice(1)) {
			const [begin, end] = header[name].data_offsets;
			expect(begin).toBe(expectedBegin);
			expectedBegin = end;
		}
		expect(bytes.length).toBe(8 + headerLength + expectedBegin);
	});

	it('writes exactly the bytes of a hand-built file, which it also reads', () => {
		// Built byte by byte from the format spec; this is also what models/safetensors_io.py
		// writes for {"a": tensor([1.0, -2.5]), "b": tensor(7.0)} with metadata {"format": "pt"}.
		const json =
			'{"__metadata__":{"format":"pt"},' +
			'"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
			'"b":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}';
		expect(json.length).toBe(138);
		const padded = json + '      '; // 144 = 18 × 8
		const expected = new Uint8Array([
			144, 0, 0, 0, 0, 0, 0, 0, // header length, u64 little endian
			...[...padded].map((c) => c.charCodeAt(0)),
			0x00, 0x00, 0x80, 0x3f, // 1.0
			0x00, 0x00, 0x20, 0xc0, // -2.5
			0x00, 0x00, 0xe0, 0x40 // 7.0
		]);

		const written = writeSafetensors(
			new Map([
				['b', tensor([], [7])],
				['a', tensor([2], [1, -2.5])]
			]),
			{ format: 'pt' }
		);
		expect([...written]).toEqual([...expected]);

		const file = readSafetensors(expected);
		expect([...file.tensors.get('a')!.data]).toEqual([1, -2.5]);
		expect(file.tensors.get('b')!.shape).toEqual([]);
		expect([...file.tensors.get('b')!.data]).toEqual([7]);
		expect(file.metadata).toEqual({ format: 'pt' });
	});

	it('refuses to write what it could not read back', () => {
		const bad = (t: Tensor) => catchError(() => writeSafetensors(new Map([['x', t]])));
		expect(bad({ shape: [3], data: new Float32Array(2) }).code).toBe('shape-mismatch');
		expect(bad({ shape: [-1], data: new Float32Array(0) }).code).toBe('bad-entry');
		expect(bad({ shape: [1.5], data: new Float32Array(1) }).code).toBe('bad-entry');
		expect(catchError(() => writeSafetensors(new Map([['__metadata__', tensor([1])]]))).code).toBe('bad-entry');
		const notStrings = { n: 3 } as unknown as Record<string, string>;
		expect(catchError(() => writeSafetensors(new Map(), notStrings)).code).toBe('bad-metadata');
	});
});

describe('readSafetensors decodes', () => {
	it('from an unaligned view into a larger buffer, into fresh memory', () => {
		const inner = writeSafetensors(new Map([['w', tensor([3], [1, 2, 3])]]));
		const outer = new Uint8Array(inner.length + 3);
		outer.set(inner, 1);
		const view = outer.subarray(1, 1 + inner.length);
		const w = readSafetensors(view).tensors.get('w')!;
		expect([...w.data]).toEqual([1, 2, 3]);
		expect(w.data.buffer).not.toBe(outer.buffer);
		outer.fill(0);
		expect([...w.data]).toEqual([1, 2, 3]);
	});

	it('a larger F32 tensor (4 MB)', () => {
		const n = 1 << 20;
		const data = new Float32Array(n);
		for (let i = 0; i < n; i++) data[i] = i * 0.5 - 1000;
		const w = readSafetensors(writeSafetensors(new Map([['w', tensor([1024, 1024], data)]]))).tensors.get('w')!;
		expect(w.shape).toEqual([1024, 1024]);
		expect(w.data[0]).toBe(-1000);
		expect(w.data[n - 1]).toBe((n - 1) * 0.5 - 1000);
	});

	it('F16 bit patterns, subnormals, infinities and NaN', () => {
		const cases: [number, number][] = [
			[0x0000, 0],
			[0x8000, -0],
			[0x3c00, 1],
			[0xc000, -2],
			[0x3555, 0.333251953125],
			[0x7bff, 65504], // largest finite
			[0x0400, 2 ** -14], // smallest normal
			[0x03ff, 1023 * 2 ** -24], // largest subnormal
			[0x0001, 2 ** -24], // smallest subnormal
			[0x8001, -(2 ** -24)],
			[0x7c00, Infinity],
			[0xfc00, -Infinity]
		];
		const bits = [...cases.map(([b]) => b), 0x7e00, 0xfc01];
		const bytes = buildFile({ h: { dtype: 'F16', shape: [bits.length], data_offsets: [0, bits.length * 2] } }, littleEndianU16(bits));
		const h = readSafetensors(bytes).tensors.get('h')!;
		cases.forEach(([pattern, value], i) => expect(Object.is(h.data[i], value), `0x${pattern.toString(16)}`).toBe(true));
		expect(h.data[cases.length]).toBeNaN();
		expect(h.data[cases.length + 1]).toBeNaN();
	});

	it('every finite F16 value, in increasing order and mirrored by its sign bit', () => {
		// Checked in a plain loop and asserted once: 31 745 expect() calls would dominate the run.
		const wrong: string[] = [];
		let previous = -1;
		for (let bits = 0; bits <= 0x7c00; bits++) {
			const value = halfToFloat(bits);
			const negated = halfToFloat(bits | 0x8000);
			if (!(value > previous) || !Object.is(negated, -value) || Math.fround(value) !== value)
				wrong.push(`0x${bits.toString(16)} -> ${value}, 0x${(bits | 0x8000).toString(16)} -> ${negated}`);
			previous = value;
		}
		expect(wrong).toEqual([]);
	});

	it('BF16 bit patterns', () => {
		const cases: [number, number][] = [
			[0x0000, 0],
			[0x8000, -0],
			[0x3f80, 1],
			[0xc000, -2],
			[0x4049, 3.140625],
			[0x0001, 2 ** -133], // smallest subnormal
			[0x0080, 2 ** -126], // smallest normal
			[0x7f7f, 3.3895313892515355e38], // largest finite
			[0x7f80, Infinity],
			[0xff80, -Infinity]
		];
		const bits = [...cases.map(([b]) => b), 0x7fc0];
		const bytes = buildFile({ b: { dtype: 'BF16', shape: [bits.length], data_offsets: [0, bits.length * 2] } }, littleEndianU16(bits));
		const b = readSafetensors(bytes).tensors.get('b')!;
		cases.forEach(([pattern, value], i) => expect(Object.is(b.data[i], value), `0x${pattern.toString(16)}`).toBe(true));
		expect(b.data[cases.length]).toBeNaN();
	});

	it('F64 rounded once to float32', () => {
		const values = [1.5, 0.1, -1e300, 1e-300, 2 ** -149];
		const bytes = buildFile({ d: { dtype: 'F64', shape: [5], data_offsets: [0, 40] } }, littleEndianF64(values));
		const d = readSafetensors(bytes).tensors.get('d')!;
		expect([...d.data]).toEqual([1.5, Math.fround(0.1), -Infinity, 0, 2 ** -149]);
	});

	it('I64 counters as ignored, still checked', () => {
		const header = {
			'bn.weight': f32Entry([2], 0, 8),
			'bn.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [8, 16] }
		};
		const file = readSafetensors(buildFile(header, new Uint8Array(16)));
		expect([...file.tensors.keys()]).toEqual(['bn.weight']);
		expect(file.ignored).toEqual(['bn.num_batches_tracked']);

		const wrongSize = { n: { dtype: 'I64', shape: [2], data_offsets: [0, 8] } };
		expectCode(buildFile(wrongSize, new Uint8Array(8)), 'shape-mismatch');
	});

	it('a header padded with spaces, a null __metadata__, and extra entry fields, as Python accepts', () => {
		const json = JSON.stringify({ __metadata__: null, w: { ...f32Entry([1], 0, 4), extra: [1, 2] } });
		const file = readSafetensors(buildFile(json + '      ', new Uint8Array(4)));
		expect(file.metadata).toEqual({});
		expect(file.tensors.get('w')!.shape).toEqual([1]);
	});

	it('zero-size tensors at the edges of others', () => {
		const header = {
			first: f32Entry([0], 0, 0),
			w: f32Entry([1], 0, 4),
			between: f32Entry([3, 0], 4, 4),
			v: f32Entry([1], 4, 8),
			last: f32Entry([0], 8, 8)
		};
		expect(readSafetensors(buildFile(header, new Uint8Array(8))).tensors.size).toBe(5);
	});
});

describe('readSafetensors refuses', () => {
	const oneTensor = (entry: unknown, bufferLength = 4) => buildFile({ w: entry }, new Uint8Array(bufferLength));

	it('truncated files', () => {
		expectCode(new Uint8Array(0), 'truncated');
		expectCode(new Uint8Array(7), 'truncated');
		expectCode(buildFile('{}', [], 3n), 'truncated');
		const whole = writeSafetensors(new Map([['w', tensor([4])]]));
		const headerLength = Number(new DataView(whole.buffer).getBigUint64(0, true));
		expectCode(whole.subarray(0, 8 + headerLength - 1), 'truncated');
		// Cut inside the buffer: the offsets now point past its end.
		expectCode(whole.subarray(0, whole.length - 1), 'bad-offsets');
	});

	it('headers over the size limit, without allocating for them', () => {
		expectCode(buildFile('{}', [], 0xffff_ffff_ffff_ffffn), 'header-too-large');
		expectCode(buildFile('{}', [], 1n << 53n), 'header-too-large');
		expectCode(buildFile('{}', [], BigInt(MAX_HEADER_BYTES + 1)), 'header-too-large');
		expectCode(buildFile('{}', [], BigInt(MAX_HEADER_BYTES)), 'truncated');
	});

	it('headers that are not a UTF-8 JSON object', () => {
		expectCode(buildFile('', []), 'header-not-json');
		const invalidUtf8 = buildFile('{"a":"xx"}');
		invalidUtf8[8 + 6] = 0xff;
		expectCode(invalidUtf8, 'header-not-json');
		expectCode(buildFile('{"w":', []), 'header-not-json');
		expectCode(buildFile('[]', []), 'header-not-json');
		expectCode(buildFile('null', []), 'header-not-json');
		expectCode(buildFile('"text"', []), 'header-not-json');
		expectCode(buildFile('\uFEFF{}', []), 'header-not-json'); // a byte-order mark
		expectCode(buildFile('{}\0\0', []), 'header-not-json'); // padding must be spaces
		expectCode(buildFile('{"a\nb": 1, "c"', []), 'header-not-json'); // message stays one line
	});

	it('entries that are not {dtype, shape, data_offsets}', () => {
		expectCode(oneTensor(7), 'bad-entry');
		expectCode(oneTensor(null), 'bad-entry');
		expectCode(oneTensor([1, 2]), 'bad-entry');
		expectCode(oneTensor({ shape: [1], data_offsets: [0, 4] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', data_offsets: [0, 4] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', shape: [1] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 4, shape: [1], data_offsets: [0, 4] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', shape: 1, data_offsets: [0, 4] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', shape: [1.5], data_offsets: [0, 4] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', shape: ['1'], data_offsets: [0, 4] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', shape: [1e300], data_offsets: [0, 4] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] }), 'bad-entry');
		expectCode(oneTensor({ dtype: 'F32', shape: [1], data_offsets: { 0: 0, 1: 4 } }), 'bad-entry');
		const longName = buildFile({ ['x\n'.repeat(10_000)]: 1 });
		expect(expectCode(longName, 'bad-entry').message).toContain('\\n');
	});

	it('dtypes it does not read, naming tensor and dtype', () => {
		for (const dtype of ['I32', 'U8', 'BOOL', 'I8', 'F8_E4M3', 'f32', '', 'constructor', '__proto__']) {
			const error = expectCode(oneTensor({ dtype, shape: [1], data_offsets: [0, 4] }), 'unknown-dtype');
			expect(error.message).toContain('"w"');
			expect(error.message).toContain(JSON.stringify(dtype));
		}
	});

	it('bad offsets', () => {
		for (const offsets of [
			[-4, 0],
			[0, -4],
			[0.5, 4.5],
			['0', '4'],
			[null, 4],
			[0, 2 ** 64],
			[0, 1e400],
			[4, 0]
		])
			expectCode(oneTensor({ dtype: 'F32', shape: [1], data_offsets: offsets }), 'bad-offsets');
		expectCode(oneTensor(f32Entry([1], 4, 8)), 'bad-offsets'); // past the end of the buffer
		expectCode(oneTensor(f32Entry([1_000_000_000], 0, 4_000_000_000)), 'bad-offsets');
	});

	it('tensors that share bytes', () => {
		const twoTensors = (a: number[], b: number[], length: number) =>
			buildFile({ a: f32Entry([(a[1] - a[0]) / 4], a[0], a[1]), b: f32Entry([(b[1] - b[0]) / 4], b[0], b[1]) }, new Uint8Array(length));
		expectCode(twoTensors([0, 8], [4, 12], 12), 'overlapping-offsets');
		expectCode(twoTensors([0, 8], [0, 8], 8), 'overlapping-offsets');
		expectCode(twoTensors([0, 12], [4, 8], 12), 'overlapping-offsets');
		expectCode(twoTensors([0, 8], [4, 4], 8), 'overlapping-offsets'); // empty, but inside another
	});

	it('offsets whose span does not fit shape and dtype, even when the shape overflows', () => {
		expectCode(oneTensor(f32Entry([3], 0, 8), 8), 'shape-mismatch');
		expectCode(oneTensor(f32Entry([], 0, 0), 0), 'shape-mismatch'); // a scalar is one value
		expectCode(oneTensor({ dtype: 'F16', shape: [1], data_offsets: [0, 4] }), 'shape-mismatch');
		expectCode(oneTensor(f32Entry([1e9, 1e9, 1e9], 0, 4)), 'shape-mismatch');
		expectCode(oneTensor(f32Entry([2 ** 53 - 1, 2 ** 53 - 1], 0, 4)), 'shape-mismatch');
		expectCode(oneTensor(f32Entry([2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 0, 1], 0, 4)), 'shape-mismatch');
		const manyDims = expectCode(oneTensor(f32Entry(new Array(100_000).fill(2), 0, 4)), 'shape-mismatch');
		expect(manyDims.message).toContain('100000 dims');
		// A zero dimension makes the product zero even after huge ones.
		expect(readSafetensors(oneTensor(f32Entry([2 ** 52, 2 ** 52, 0], 0, 0), 0)).tensors.get('w')!.data.length).toBe(0);
	});

	it('__metadata__ that is not a map of strings', () => {
		for (const metadata of [[], 'pt', 3, { format: 3 }, { format: null }, { nested: { a: 'b' } }, { list: ['a'] }])
			expectCode(buildFile({ __metadata__: metadata }), 'bad-metadata');
	});

	it('buffer bytes that belong to no tensor, as Python does', () => {
		expectCode(buildFile({}, [0]), 'trailing-bytes');
		expectCode(oneTensor(f32Entry([1], 0, 4), 8), 'trailing-bytes');
		expectCode(oneTensor(f32Entry([1], 4, 8), 8), 'trailing-bytes');
		expectCode(buildFile({ a: f32Entry([1], 0, 4), b: f32Entry([1], 8, 12) }, new Uint8Array(12)), 'trailing-bytes');
	});
});
