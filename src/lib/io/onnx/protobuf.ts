/**
 * Just enough of the protobuf wire format to write an ONNX file.
 *
 * ONNX needs six message types and five kinds of field, so a hand-written writer is ~150 lines,
 * where protobufjs plus the .proto schema would add far more to the browser bundle. Encoding is two
 * passes: every message knows its byte size before anything is written, so the whole file lands in
 * one preallocated Uint8Array and multi-megabyte weight blobs are copied once, by `Uint8Array.set`.
 */

/** Wire types from the protobuf encoding spec. */
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

type Field =
	| { kind: 'varint'; key: number; value: number }
	| { kind: 'float'; key: number; value: number }
	| { kind: 'bytes'; key: number; value: Uint8Array }
	| { kind: 'packed-varints'; key: number; values: readonly number[]; payload: number }
	| { kind: 'packed-floats'; key: number; values: ArrayLike<number> }
	| { kind: 'message'; key: number; value: ProtoMessage }
	| { kind: 'raw'; key: 0; value: Uint8Array };

function tag(fieldNumber: number, wireType: number): number {
	if (!Number.isInteger(fieldNumber) || fieldNumber < 1 || fieldNumber > 536_870_911)
		throw new RangeError(`protobuf field number ${fieldNumber} is out of range`);
	return fieldNumber * 8 + wireType;
}

/** Bytes a varint takes. Negative int64 values are sign-extended to 64 bits, hence 10 bytes. */
export function varintSize(value: number): number {
	checkInteger(value);
	if (value < 0) return 10;
	let n = 1;
	while (value >= 128) {
		// Division, not `>>>`: bit operators truncate to 32 bits and int64 dims can exceed that.
		value = Math.floor(value / 128);
		n++;
	}
	return n;
}

function checkInteger(value: number): void {
	if (!Number.isSafeInteger(value)) throw new RangeError(`cannot encode ${value} as a protobuf integer`);
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
	if (value < 0) {
		let v = BigInt.asUintN(64, BigInt(value));
		for (let i = 0; i < 9; i++) {
			out[at++] = Number(v & 0x7fn) | 0x80;
			v >>= 7n;
		}
		out[at++] = Number(v);
		return at;
	}
	while (value >= 128) {
		out[at++] = (value % 128) | 0x80;
		value = Math.floor(value / 128);
	}
	out[at++] = value;
	return at;
}

/** The little-endian bytes of a float array, without copying where the platform already is little-endian. */
export function littleEndianBytes(data: Float32Array): Uint8Array {
	if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
	const out = new Uint8Array(data.byteLength);
	const view = new DataView(out.buffer);
	for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
	return out;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * One protobuf message under construction. Fields are written in the order they are added (protobuf
 * allows any order; ONNX readers do not care). Sizes are cached, so do not add fields to a message
 * after it has been nested and sized.
 */
export class ProtoMessage {
	private readonly fields: Field[] = [];
	private cachedSize = -1;

	/** int32, int64, enum and bool fields. */
	varint(fieldNumber: number, value: number): this {
		checkInteger(value);
		return this.add({ kind: 'varint', key: tag(fieldNumber, WIRE_VARINT), value });
	}

	float(fieldNumber: number, value: number): this {
		return this.add({ kind: 'float', key: tag(fieldNumber, WIRE_FIXED32), value });
	}

	string(fieldNumber: number, value: string): this {
		return this.bytes(fieldNumber, utf8.encode(value));
	}

	/** The bytes are referenced, not copied, until `encode` runs. */
	bytes(fieldNumber: number, value: Uint8Array): this {
		return this.add({ kind: 'bytes', key: tag(fieldNumber, WIRE_LENGTH_DELIMITED), value });
	}

	/** A `repeated int64` written packed, as proto3 does by default. */
	packedVarints(fieldNumber: number, values: readonly number[]): this {
		let payload = 0;
		for (const v of values) payload += varintSize(v);
		return this.add({ kind: 'packed-varints', key: tag(fieldNumber, WIRE_LENGTH_DELIMITED), values: [...values], payload });
	}

	packedFloats(fieldNumber: number, values: ArrayLike<number>): this {
		return this.add({ kind: 'packed-floats', key: tag(fieldNumber, WIRE_LENGTH_DELIMITED), values: Array.from(values) });
	}

	message(fieldNumber: number, value: ProtoMessage): this {
		return this.add({ kind: 'message', key: tag(fieldNumber, WIRE_LENGTH_DELIMITED), value });
	}

	/** A whole field, key included, already encoded: how a reader hands back fields it kept but did not interpret. */
	raw(encodedField: Uint8Array): this {
		return this.add({ kind: 'raw', key: 0, value: encodedField });
	}

	/** Encoded size in bytes, without writing anything (so a file's size is known for free). */
	size(): number {
		if (this.cachedSize >= 0) return this.cachedSize;
		let n = 0;
		for (const f of this.fields) {
			if (f.kind === 'raw') {
				n += f.value.length;
				continue;
			}
			const body = payloadSize(f);
			n += varintSize(f.key) + body;
			if (f.kind !== 'varint' && f.kind !== 'float') n += varintSize(body);
		}
		this.cachedSize = n;
		return n;
	}

	encode(): Uint8Array {
		const out = new Uint8Array(this.size());
		const end = this.writeInto(out, new DataView(out.buffer), 0);
		if (end !== out.length) throw new Error(`protobuf writer bug: sized ${out.length} bytes, wrote ${end}`);
		return out;
	}

	private add(field: Field): this {
		this.fields.push(field);
		this.cachedSize = -1;
		return this;
	}

	private writeInto(out: Uint8Array, view: DataView, at: number): number {
		for (const f of this.fields) {
			if (f.kind === 'raw') {
				out.set(f.value, at);
				at += f.value.length;
				continue;
			}
			at = writeVarint(out, at, f.key);
			switch (f.kind) {
				case 'varint':
					at = writeVarint(out, at, f.value);
					break;
				case 'float':
					view.setFloat32(at, f.value, true);
					at += 4;
					break;
				case 'bytes':
					at = writeVarint(out, at, f.value.length);
					out.set(f.value, at);
					at += f.value.length;
					break;
				case 'packed-varints':
					at = writeVarint(out, at, f.payload);
					for (const v of f.values) at = writeVarint(out, at, v);
					break;
				case 'packed-floats':
					at = writeVarint(out, at, 4 * f.values.length);
					for (let i = 0; i < f.values.length; i++, at += 4) view.setFloat32(at, f.values[i], true);
					break;
				case 'message':
					at = writeVarint(out, at, f.value.size());
					at = f.value.writeInto(out, view, at);
					break;
			}
		}
		return at;
	}
}

function payloadSize(f: Field): number {
	switch (f.kind) {
		case 'varint':
			return varintSize(f.value);
		case 'float':
			return 4;
		case 'bytes':
			return f.value.length;
		case 'packed-varints':
			return f.payload;
		case 'packed-floats':
			return 4 * f.values.length;
		case 'message':
			return f.value.size();
		case 'raw':
			return f.value.length;
	}
}
