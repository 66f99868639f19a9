/**
 * Seeded fuzzing of readSafetensors: mutate valid files thousands of ways and check that every
 * outcome is either a well-formed result or a WeightsError, never any other exception.
 */
import { describe, it, expect } from 'vitest';
import { WeightsError, type WeightsErrorCode } from '../../src/lib/core/errors';
import { seededRandom } from '../../src/lib/core/random';
import { readSafetensors, writeSafetensors } from '../../src/lib/io/safetensors';
import { sizeOf, tensor, type Tensor } from '../../src/lib/core/tensor';

const CASES = 3000;
const encoder = new TextEncoder();
const decoder = new TextDecoder(); // lenient: mutated headers may not be valid UTF-8

type Random = () => number;

function randomInt(random: Random, below: number): number {
	return Math.floor(random() * below);
}

function pick<T>(random: Random, items: readonly T[]): T {
	return items[randomInt(random, items.length)];
}

function buildFile(headerText: string, buffer: Uint8Array, declaredLength?: bigint): Uint8Array {
	const headerBytes = encoder.encode(headerText);
	const out = new Uint8Array(8 + headerBytes.length + buffer.length);
	new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(headerBytes.length), true);
	out.set(headerBytes, 8);
	out.set(buffer, 8 + headerBytes.length);
	return out;
}

/** Header text, buffer and declared length of a file, when its length field is sane enough. */
function splitFile(bytes: Uint8Array): { headerText: string; buffer: Uint8Array } | null {
	if (bytes.length < 8) return null;
	const declared = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true);
	if (declared > BigInt(bytes.length - 8)) return null;
	const n = Number(declared);
	return { headerText: decoder.decode(bytes.subarray(8, 8 + n)), buffer: bytes.slice(8 + n) };
}

// ---------------------------------------------------------------------------------------------
// Valid starting points

function seedFiles(): Uint8Array[] {
	const random = seededRandom(7);
	const values = (n: number) => Array.from({ length: n }, () => random() * 4 - 2);
	const written = writeSafetensors(
		new Map<string, Tensor>([
			['stage0.rbr_conv.0.conv.weight', tensor([4, 3, 3, 3], values(108))],
			['stage0.rbr_conv.0.bn.running_var', tensor([4], values(4))],
			['scalar', tensor([], [1])],
			['empty', tensor([0, 5])],
			['linear.bias', tensor([10], values(10))]
		]),
		{ format: 'pt', source: 'fuzz' }
	);

	// Every dtype the reader accepts, laid out by hand.
	const mixedBuffer = new Uint8Array(4 * 6 + 2 * 4 + 2 * 4 + 8 * 2 + 8);
	for (let i = 0; i < mixedBuffer.length; i++) mixedBuffer[i] = randomInt(random, 256);
	const mixed = buildFile(
		JSON.stringify({
			__metadata__: { format: 'pt' },
			f32: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
			f16: { dtype: 'F16', shape: [4], data_offsets: [24, 32] },
			bf16: { dtype: 'BF16', shape: [2, 2], data_offsets: [32, 40] },
			f64: { dtype: 'F64', shape: [2], data_offsets: [40, 56] },
			'bn.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [56, 64] },
			none: { dtype: 'F32', shape: [0], data_offsets: [64, 64] }
		}),
		mixedBuffer
	);

	const empty = writeSafetensors(new Map(), { only: 'metadata' });
	return [written, mixed, empty];
}

// ---------------------------------------------------------------------------------------------
// Hostile values and mutations

const DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'U8', 'BOOL', 'f32', '', 'constructor', '__proto__', 'toString'];

/** A number or value chosen to hit edge cases: boundaries, huge, negative, fractional. */
function nastyNumber(random: Random): unknown {
	switch (randomInt(random, 10)) {
		case 0:
			return randomInt(random, 80); // plausible offsets and dims for the seed files
		case 1:
			return -randomInt(random, 100) - 1;
		case 2:
			return pick(random, [0, -0, 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 64, 1e9, 1e300, Number.MAX_VALUE]);
		case 3:
			return random() * 100;
		case 4:
			return String(randomInt(random, 50));
		case 5:
			return pick(random, [null, true, false, [], {}, [[1]], { 0: 1 }]);
		default:
			return randomInt(random, 2 ** 20);
	}
}

function nastyShape(random: Random): unknown {
	switch (randomInt(random, 6)) {
		case 0:
			return nastyNumber(random);
		case 1:
			return Array.from({ length: 1000 + randomInt(random, 1000) }, () => 2);
		case 2:
			return [1e9, 1e9, 1e9];
		default:
			return Array.from({ length: randomInt(random, 5) }, () => (random() < 0.8 ? randomInt(random, 8) : nastyNumber(random)));
	}
}

function nastyOffsets(random: Random, old: unknown): unknown {
	const [begin, end] = Array.isArray(old) ? old : [0, 0];
	switch (randomInt(random, 6)) {
		case 0:
			return [end, begin];
		case 1:
			return [nastyNumber(random), end];
		case 2:
			return [begin, nastyNumber(random)];
		case 3:
			return Array.from({ length: randomInt(random, 4) }, () => nastyNumber(random));
		case 4:
			return nastyNumber(random);
		default: {
			const shift = randomInt(random, 17) - 8;
			return [Number(begin) + shift, Number(end) + shift];
		}
	}
}

/** Edit the parsed header: one field of one entry, the metadata, or the set of entries. */
function editHeader(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } | null {
	const parts = splitFile(bytes);
	if (!parts) return null;
	let header: Record<string, unknown>;
	try {
		header = JSON.parse(parts.headerText);
	} catch {
		return null;
	}
	if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
	const names = Object.keys(header).filter((k) => k !== '__metadata__');
	const name = names.length > 0 ? pick(random, names) : 'new';
	const entry = header[name];
	const target: Record<string, unknown> =
		typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? { ...(entry as object) } : {};
	const choice = randomInt(random, 9);
	const editsEntry = choice <= 5;
	let what: string;
	switch (choice) {
		case 0:
			target.dtype = random() < 0.8 ? pick(random, DTYPES) : nastyNumber(random);
			what = `dtype of ${name}`;
			break;
		case 1:
		case 2:
			target.shape = nastyShape(random);
			what = `shape of ${name}`;
			break;
		case 3:
		case 4:
			target.data_offsets = nastyOffsets(random, target.data_offsets);
			what = `offsets of ${name}`;
			break;
		case 5:
			delete target[pick(random, ['dtype', 'shape', 'data_offsets'])];
			what = `field removed from ${name}`;
			break;
		case 6:
			header.__metadata__ = pick(random, [null, [], 'pt', 3, { a: 1 }, { a: null }, { a: { b: 'c' } }, { a: 'b' }, {}]);
			what = 'metadata';
			break;
		case 7:
			header[`extra${randomInt(random, 10)}`] = random() < 0.5 ? { ...target } : nastyNumber(random);
			what = 'entry added';
			break;
		default:
			header[name] = nastyNumber(random);
			what = `entry ${name} replaced`;
	}
	if (editsEntry) header[name] = target;
	const keepOldLength = random() < 0.1;
	const declared = keepOldLength ? new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true) : undefined;
	return { bytes: buildFile(JSON.stringify(header), parts.buffer, declared), what: `header edit (${what})` };
}

/** Replace one character of the header text: digits, brackets and quotes are where it hurts. */
function editHeaderText(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } | null {
	const parts = splitFile(bytes);
	if (!parts || parts.headerText.length === 0) return null;
	const text = parts.headerText;
	const at = randomInt(random, text.length);
	const replacement = pick(random, ['0', '9', '-', '.', 'e', 'e99', '1e400', '"', '[', ']', '{', '}', ',', ':', ' ', '\\', '\u00e9', '\u{1F600}', '']);
	return { bytes: buildFile(text.slice(0, at) + replacement + text.slice(at + 1), parts.buffer), what: `header text ${at} -> ${JSON.stringify(replacement)}` };
}

function flipBytes(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
	const out = bytes.slice();
	const count = 1 + randomInt(random, 8);
	for (let i = 0; i < count; i++) {
		// Half the time aim at the length field and header, where a flip changes the meaning most.
		const limit = random() < 0.5 ? Math.min(out.length, 64) : out.length;
		const at = randomInt(random, limit);
		out[at] = random() < 0.5 ? out[at] ^ (1 << randomInt(random, 8)) : randomInt(random, 256);
	}
	return { bytes: out, what: `${count} byte flips` };
}

function truncate(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
	const length = randomInt(random, bytes.length);
	return { bytes: bytes.slice(0, length), what: `truncated to ${length}` };
}

function editLengthField(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
	const out = bytes.slice();
	const view = new DataView(out.buffer);
	const current = view.getBigUint64(0, true);
	const choices = [
		0n,
		current - 1n,
		current + 1n,
		current + BigInt(randomInt(random, 33)) - 16n,
		0xffff_ffff_ffff_ffffn,
		1n << 32n,
		1n << 53n,
		100_000_000n,
		100_000_001n,
		BigInt(out.length - 8),
		BigInt(out.length)
	];
	let value = pick(random, choices);
	if (value < 0n) value = 0n;
	if (random() < 0.2) value = BigInt.asUintN(64, BigInt(randomInt(random, 2 ** 32)) * BigInt(randomInt(random, 2 ** 32)));
	view.setBigUint64(0, value, true);
	return { bytes: out, what: `length field ${value}` };
}

function insertOrDeleteBytes(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
	const at = randomInt(random, bytes.length + 1);
	const count = 1 + randomInt(random, 16);
	if (random() < 0.5) {
		const inserted = Array.from({ length: count }, () => (random() < 0.5 ? 0x20 : randomInt(random, 256)));
		const out = new Uint8Array(bytes.length + count);
		out.set(bytes.subarray(0, at));
		out.set(inserted, at);
		out.set(bytes.subarray(at), at + count);
		return { bytes: out, what: `${count} bytes inserted at ${at}` };
	}
	const out = new Uint8Array(bytes.length - Math.min(count, bytes.length - at));
	out.set(bytes.subarray(0, at));
	out.set(bytes.subarray(at + count), at);
	return { bytes: out, what: `${count} bytes deleted at ${at}` };
}

function appendBytes(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
	const count = 1 + randomInt(random, 16);
	const out = new Uint8Array(bytes.length + count);
	out.set(bytes);
	return { bytes: out, what: `${count} bytes appended` };
}

function mutate(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
	const roll = randomInt(random, 100);
	if (roll < 35) return editHeader(random, bytes) ?? flipBytes(random, bytes);
	if (roll < 50) return editHeaderText(random, bytes) ?? flipBytes(random, bytes);
	if (roll < 65) return flipBytes(random, bytes);
	if (roll < 75) return truncate(random, bytes);
	if (roll < 85) return editLengthField(random, bytes);
	if (roll < 95) return insertOrDeleteBytes(random, bytes);
	return appendBytes(random, bytes);
}

// ---------------------------------------------------------------------------------------------
// What a successful read must look like

function problemsWithResult(result: ReturnType<typeof readSafetensors>): string | null {
	for (const [name, t] of result.tensors) {
		if (!(t.data instanceof Float32Array)) return `${name}: data is not a Float32Array`;
		if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `${name}: bad shape ${t.shape}`;
		if (sizeOf(t.shape) !== t.data.length) return `${name}: shape [${t.shape}] but ${t.data.length} values`;
	}
	for (const name of result.ignored) if (result.tensors.has(name)) return `${name} both read and ignored`;
	for (const [key, value] of Object.entries(result.metadata)) if (typeof value !== 'string') return `metadata ${key} is not a string`;
	return null;
}

describe('readSafetensors under fuzzing', () => {
	it('the seed files are valid', () => {
		for (const seed of seedFiles()) expect(() => readSafetensors(seed)).not.toThrow();
	});

	it(`returns a valid file or throws a WeightsError for ${CASES} mutated files`, () => {
		const random = seededRandom(20240611);
		const seeds = seedFiles();
		const failures: string[] = [];
		const codesSeen = new Map<WeightsErrorCode, number>();
		let accepted = 0;

		for (let i = 0; i < CASES; i++) {
			let bytes = pick(random, seeds);
			const steps: string[] = [];
			const rounds = 1 + (random() < 0.3 ? randomInt(random, 3) : 0);
			for (let r = 0; r < rounds; r++) {
				const mutation = mutate(random, bytes);
				bytes = mutation.bytes;
				steps.push(mutation.what);
			}
			try {
				const problem = problemsWithResult(readSafetensors(bytes));
				if (problem) failures.push(`case ${i} (${steps.join('; ')}): ${problem}`);
				else accepted++;
			} catch (error) {
				if (!(error instanceof WeightsError)) {
					failures.push(`case ${i} (${steps.join('; ')}): threw ${String(error)}`);
				} else if (/[\n\r]/.test(error.message) || error.message.length > 400) {
					failures.push(`case ${i} (${steps.join('; ')}): message not one short line`);
				} else {
					codesSeen.set(error.code, (codesSeen.get(error.code) ?? 0) + 1);
				}
			}
		}

		expect(failures.slice(0, 10)).toEqual([]);
		// The fuzzer is only worth something if it reaches most of the checks, and some valid files.
		const readerCodes: WeightsErrorCode[] = [
			'truncated',
			'header-too-large',
			'header-not-json',
			'bad-entry',
			'unknown-dtype',
			'bad-offsets',
			'overlapping-offsets',
			'shape-mismatch',
			'trailing-bytes',
			'bad-metadata'
		];
		expect(readerCodes.filter((code) => !codesSeen.has(code))).toEqual([]);
		expect(accepted).toBeGreaterThan(50);
	});
});
