/**
 * Reading and writing the safetensors format, in pure TypeScript for browsers and Node alike.
 *
 * A file is: 8 bytes holding the header length N (unsigned 64-bit, little endian), then N bytes of
 * UTF-8 JSON, then the byte buffer. The JSON maps each tensor name to
 * `{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}`, offsets counted from the start
 * of the buffer, plus an optional `"__metadata__"` map of strings to strings.
 *
 * The reader assumes the file came from a hostile visitor. It never allocates anything sized by a
 * number from the file until that number has been checked against the bytes actually present, and
 * every failure is a `WeightsError` whose code names the problem.
 *
 * Decisions, kept close to what Python's `safetensors` (its Rust core) accepts:
 * - F32 is read as is; F16, BF16 and F64 are read and converted to float32. F16 and BF16 convert
 *   exactly; F64 is rounded once to the nearest float32, as `tensor.float()` does in PyTorch.
 * - I64 tensors are validated like any other, then left out of `tensors` and listed in `ignored`:
 *   Apple's checkpoints carry BatchNorm's `num_batches_tracked` counters as I64.
 * - Any other dtype is refused with 'unknown-dtype' rather than skipped, so a weight never
 *   silently goes missing.
 * - The tensors must tile the buffer exactly, as Python's reader demands: a gap between two
 *   tensors or bytes after the last one is 'trailing-bytes', shared bytes are 'overlapping-offsets'.
 * - Fields in an entry beyond dtype, shape and data_offsets are ignored, and a null
 *   `__metadata__` counts as none: Python's reader does the same.
 *
 * The writer emits F32 only, in the layout Python's `safetensors` and models/safetensors_io.py use:
 * tensors sorted by name (code point order), laid out back to back, header padded with spaces to
 * a multiple of 8 bytes.
 */
import { WeightsError } from '../core/errors';
import { parseUntrustedJson, UntrustedJsonError } from '../core/json';
import { describeShape, describeValue, printable, quoted } from '../core/printable';
import type { Tensor } from '../core/tensor';

export interface SafetensorsFile {
	tensors: Map<string, Tensor>;
	metadata: Record<string, string>;
	/** Names of tensors that were valid but are not weights we read (I64 counters). */
	ignored: string[];
}

/** Python's reader refuses headers above this size, so no real file has one. */
export const MAX_HEADER_BYTES = 100_000_000;

const LENGTH_FIELD_BYTES = 8;
const METADATA_KEY = '__metadata__';

/** Bytes per element of each dtype we accept. A Map, so a name like "constructor" finds nothing. */
const BYTES_PER_ELEMENT = new Map<string, number>([
	['F32', 4],
	['F16', 2],
	['BF16', 2],
	['F64', 8],
	['I64', 8]
]);

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One header entry once its types, offsets and size have been checked. */
interface CheckedEntry {
	name: string;
	dtype: string;
	shape: number[];
	begin: number;
	end: number;
}

// ---------------------------------------------------------------------------------------------
// Messages: names and values come from the file, so keep them short and on one line.

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

// ---------------------------------------------------------------------------------------------
// Reading

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
	const headerLength = readHeaderLength(bytes);
	const header = parseHeader(bytes.subarray(LENGTH_FIELD_BYTES, LENGTH_FIELD_BYTES + headerLength));
	const buffer = bytes.subarray(LENGTH_FIELD_BYTES + headerLength);

	const metadata = readMetadata(header);
	const entries: CheckedEntry[] = [];
	for (const [name, value] of Object.entries(header)) {
		if (name !== METADATA_KEY) entries.push(checkEntry(name, value, buffer.length));
	}
	checkTiling(entries, buffer.length);

	// Only now, with every size checked against the real buffer, do we allocate.
	const tensors = new Map<string, Tensor>();
	const ignored: string[] = [];
	for (const entry of entries) {
		if (entry.dtype === 'I64') {
			ignored.push(entry.name);
			continue;
		}
		const raw = buffer.subarray(entry.begin, entry.end);
		tensors.set(entry.name, { shape: entry.shape, data: decode(entry.dtype, raw) });
	}
	return { tensors, metadata, ignored };
}

function readHeaderLength(bytes: Uint8Array): number {
	if (bytes.length < LENGTH_FIELD_BYTES)
		throw new WeightsError('truncated', `file is ${bytes.length} bytes, too short for the 8-byte header length`);
	const view = new DataView(bytes.buffer, bytes.byteOffset, LENGTH_FIELD_BYTES);
	// A u64 does not fit a JS number exactly, so compare as BigInt before converting.
	const declared = view.getBigUint64(0, true);
	if (declared > BigInt(MAX_HEADER_BYTES))
		throw new WeightsError('header-too-large', `header claims ${declared} bytes, more than the ${MAX_HEADER_BYTES}-byte limit`);
	const headerLength = Number(declared);
	const available = bytes.length - LENGTH_FIELD_BYTES;
	if (headerLength > available)
		throw new WeightsError('truncated', `header claims ${headerLength} bytes but only ${available} follow the length field`);
	return headerLength;
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
	let parsed: unknown;
	try {
		// fatal: refuse invalid UTF-8 instead of replacing it. ignoreBOM: keep a BOM so JSON.parse
		// rejects it, as Python's reader does. slice(): TextDecoder refuses views of shared memory.
		const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes.slice());
		parsed = parseUntrustedJson(text);
	} catch (error) {
		if (error instanceof UntrustedJsonError && error.problem.kind === 'duplicate-key')
			// Python's reader keeps the last of two equal keys, others the first: refuse rather than guess.
			throw new WeightsError('duplicate-key', `header names ${quoted(error.problem.key)} twice`);
		// The engine's message may quote the header, so escape control characters and cut it short.
		const reason = error instanceof Error ? printable(error.message, 120) : 'unreadable';
		throw new WeightsError('header-not-json', `header is not valid UTF-8 JSON: ${reason}`);
	}
	if (!isPlainObject(parsed)) throw new WeightsError('header-not-json', `header is ${describeValue(parsed)}, not a JSON object`);
	return parsed;
}

function readMetadata(header: Record<string, unknown>): Record<string, string> {
	const value = Object.hasOwn(header, METADATA_KEY) ? header[METADATA_KEY] : null;
	if (value === null) return {};
	if (!isPlainObject(value)) throw new WeightsError('bad-metadata', `"__metadata__" is ${describeValue(value)}, not a map of strings`);
	const pairs: [string, string][] = [];
	for (const [key, text] of Object.entries(value)) {
		if (typeof text !== 'string')
			throw new WeightsError('bad-metadata', `"__metadata__" entry ${quoted(key)} is ${describeValue(text)}, not a string`);
		pairs.push([key, text]);
	}
	// fromEntries defines own properties, so a key named "__proto__" stays a plain key.
	return Object.fromEntries(pairs);
}

function checkEntry(name: string, value: unknown, bufferLength: number): CheckedEntry {
	const label = `tensor ${quoted(name)}`;
	if (!isPlainObject(value)) throw new WeightsError('bad-entry', `${label} is ${describeValue(value)}, not {dtype, shape, data_offsets}`);
	for (const field of ['dtype', 'shape', 'data_offsets'])
		if (!Object.hasOwn(value, field)) throw new WeightsError('bad-entry', `${label} has no "${field}"`);

	const { dtype, shape, data_offsets: offsets } = value;
	if (typeof dtype !== 'string') throw new WeightsError('bad-entry', `${label} has dtype ${describeValue(dtype)}, not a string`);
	if (!Array.isArray(shape)) throw new WeightsError('bad-entry', `${label} has shape ${describeValue(shape)}, not an array`);
	for (const dim of shape)
		if (!isNonNegativeInteger(dim))
			throw new WeightsError('bad-entry', `${label} has shape dimension ${describeValue(dim)}, not a non-negative integer`);
	if (!Array.isArray(offsets) || offsets.length !== 2)
		throw new WeightsError('bad-entry', `${label} has data_offsets ${describeValue(offsets)}, not [begin, end]`);

	const bytesPerElement = BYTES_PER_ELEMENT.get(dtype);
	if (bytesPerElement === undefined)
		throw new WeightsError('unknown-dtype', `${label} has dtype ${quoted(dtype)}; only F32, F16, BF16, F64 and I64 are read`);

	const [begin, end] = offsets as unknown[];
	if (!isNonNegativeInteger(begin) || !isNonNegativeInteger(end))
		throw new WeightsError('bad-offsets', `${label} has data_offsets [${describeValue(begin)}, ${describeValue(end)}], not two non-negative integers`);
	if (begin > end) throw new WeightsError('bad-offsets', `${label} has data_offsets [${begin}, ${end}] that end before they begin`);
	if (end > bufferLength)
		throw new WeightsError('bad-offsets', `${label} ends at byte ${end} but the buffer holds only ${bufferLength}`);

	const dims = (shape as number[]).map((dim) => dim + 0); // + 0 turns a JSON "-0" into 0
	const count = elementCount(dims);
	const byteLength = end - begin;
	if (count * bytesPerElement !== byteLength) {
		const need = Number.isFinite(count) ? `${count * bytesPerElement} bytes` : 'more bytes than any file holds';
		throw new WeightsError('shape-mismatch', `${label} is ${dtype} ${describeShape(dims)}, which needs ${need}, but its offsets span ${byteLength}`);
	}
	return { name, dtype, shape: dims, begin: begin + 0, end: end + 0 };
}

/** Number of elements, or Infinity once it passes 2^53 (no buffer is that large, and beyond it
 * the product stops being exact). Checks for a zero first so that 0 × huge is 0, not NaN. */
function elementCount(shape: readonly number[]): number {
	if (shape.includes(0)) return 0;
	let count = 1;
	for (const dim of shape) {
		count *= dim;
		if (count > Number.MAX_SAFE_INTEGER) return Infinity;
	}
	return count;
}

/** The tensors must cover the buffer exactly once: no shared bytes, no gaps, nothing left over. */
function checkTiling(entries: readonly CheckedEntry[], bufferLength: number): void {
	const byPosition = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
	let previous: CheckedEntry | null = null;
	for (const entry of byPosition) {
		const covered = previous ? previous.end : 0;
		if (previous && entry.begin < covered)
			throw new WeightsError(
				'overlapping-offsets',
				`tensor ${quoted(entry.name)} [${entry.begin}, ${entry.end}] overlaps tensor ${quoted(previous.name)} [${previous.begin}, ${previous.end}]`
			);
		if (entry.begin > covered)
			throw new WeightsError('trailing-bytes', `buffer bytes ${covered} to ${entry.begin} belong to no tensor`);
		previous = entry;
	}
	const covered = previous ? previous.end : 0;
	if (covered < bufferLength)
		throw new WeightsError('trailing-bytes', `buffer bytes ${covered} to ${bufferLength} belong to no tensor`);
}

function decode(dtype: string, raw: Uint8Array): Float32Array {
	switch (dtype) {
		case 'F32':
			return decodeF32(raw);
		case 'F16':
			return decodeF16(raw);
		case 'BF16':
			return decodeBF16(raw);
		case 'F64':
			return decodeF64(raw);
		default:
			// checkEntry only lets through the dtypes above and I64, which never reaches here.
			throw new WeightsError('unknown-dtype', `cannot decode dtype ${quoted(dtype)}`);
	}
}

function decodeF32(raw: Uint8Array): Float32Array {
	if (HOST_IS_LITTLE_ENDIAN) {
		// slice() copies into a fresh, aligned ArrayBuffer: one memcpy instead of a loop, and the
		// result no longer keeps the whole file alive.
		return new Float32Array(raw.slice().buffer);
	}
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const out = new Float32Array(raw.byteLength / 4);
	for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
	return out;
}

function decodeF64(raw: Uint8Array): Float32Array {
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const out = new Float32Array(raw.byteLength / 8);
	for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true); // rounds to float32 on store
	return out;
}

function decodeF16(raw: Uint8Array): Float32Array {
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const out = new Float32Array(raw.byteLength / 2);
	for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
	return out;
}

function decodeBF16(raw: Uint8Array): Float32Array {
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const out = new Float32Array(raw.byteLength / 2);
	// bfloat16 is the top half of a float32, so its bits shifted up are the float32's bits. A
	// Uint32Array over the same memory shares the host's byte order, so this is endian-safe.
	const bits = new Uint32Array(out.buffer);
	for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(i * 2, true) << 16;
	return out;
}

const TWO_POW_MINUS_24 = 2 ** -24;

/** IEEE 754 half precision to a number. Every half value is exact in float32, so this loses
 * nothing (NaN payloads aside). */
export function halfToFloat(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exponent = (bits >> 10) & 0x1f;
	const fraction = bits & 0x3ff;
	if (exponent === 0) return sign * fraction * TWO_POW_MINUS_24; // zero and subnormals: no implicit 1
	if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
	return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Python sorts str by code point; JS's default sort compares UTF-16 units, which differs once
 * a name holds characters beyond U+FFFF. Matching Python keeps our files byte-identical. */
function compareCodePoints(a: string, b: string): number {
	const shorter = Math.min(a.length, b.length);
	for (let i = 0; i < shorter; ) {
		const ca = a.codePointAt(i)!;
		const cb = b.codePointAt(i)!;
		if (ca !== cb) return ca - cb;
		i += ca > 0xffff ? 2 : 1;
	}
	return a.length - b.length;
}

/** A JSON object from pairs in the order given. JSON.stringify on an object would move keys like
 * "10" to the front, since JS orders integer-like keys first. */
function jsonObject(pairs: readonly [string, string][]): string {
	return `{${pairs.map(([key, json]) => `${JSON.stringify(key)}:${json}`).join(',')}}`;
}

export function writeSafetensors(tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
	const metadataKeys = Object.keys(metadata).sort(compareCodePoints);
	for (const key of metadataKeys)
		if (typeof metadata[key] !== 'string')
			throw new WeightsError('bad-metadata', `metadata ${quoted(key)} is ${describeValue(metadata[key])}, not a string`);

	const names = [...tensors.keys()].sort(compareCodePoints);
	const fields: [string, string][] = [];
	if (metadataKeys.length > 0)
		fields.push([METADATA_KEY, jsonObject(metadataKeys.map((key) => [key, JSON.stringify(metadata[key])]))]);

	let offset = 0;
	for (const name of names) {
		const { shape, data } = tensors.get(name)!;
		if (name === METADATA_KEY) throw new WeightsError('bad-entry', `a tensor cannot be named "${METADATA_KEY}"`);
		if (!shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0))
			throw new WeightsError('bad-entry', `tensor ${quoted(name)} has shape ${describeShape(shape)}, not non-negative integers`);
		if (elementCount(shape) !== data.length)
			throw new WeightsError('shape-mismatch', `tensor ${quoted(name)} has shape ${describeShape(shape)} but ${data.length} values`);
		const end = offset + data.byteLength;
		// Field order matches Python's json.dumps of models/safetensors_io.py's dicts.
		const entry = `{"dtype":"F32","shape":[${shape.map((dim) => dim + 0).join(',')}],"data_offsets":[${offset},${end}]}`;
		fields.push([name, entry]);
		offset = end;
	}

	const headerText = new TextEncoder().encode(jsonObject(fields));
	const headerLength = Math.ceil(headerText.length / 8) * 8; // 8-byte alignment keeps the buffer aligned for readers
	const out = new Uint8Array(LENGTH_FIELD_BYTES + headerLength + offset);
	const view = new DataView(out.buffer);
	view.setBigUint64(0, BigInt(headerLength), true);
	out.set(headerText, LENGTH_FIELD_BYTES);
	out.fill(0x20, LENGTH_FIELD_BYTES + headerText.length, LENGTH_FIELD_BYTES + headerLength); // spaces

	let position = LENGTH_FIELD_BYTES + headerLength;
	for (const name of names) {
		const { data } = tensors.get(name)!;
		if (HOST_IS_LITTLE_ENDIAN) {
			out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
		} else {
			for (let i = 0; i < data.length; i++) view.setFloat32(position + i * 4, data[i], true);
		}
		position += data.byteLength;
	}
	return out;
}
