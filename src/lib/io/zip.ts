/**
 * A minimal ZIP reader for the archives `torch.save` writes: entries STORED (uncompressed), sizes
 * in the central directory (torch sets the data-descriptor flag, so local headers hold zeros),
 * zip64 fields when an archive or an entry passes 4 GiB. Compressed or encrypted entries are
 * listed, but reading one is refused.
 *
 * The archive comes from a visitor, so every offset and length is checked against the bytes
 * actually present before it is used, nothing is allocated from a size in the file, and an
 * entry's CRC-32 is checked when it is read: a flipped byte in a weight fails loudly instead of
 * changing a value. Every failure is a `WeightsError` with code 'bad-zip'.
 */
import { WeightsError } from '../core/errors';

export interface ZipEntry {
	/** The name as stored (UTF-8), folders separated by '/'. */
	readonly name: string;
	/** Where the entry's bytes start in the archive. */
	readonly dataStart: number;
	/** Bytes in the archive: the entry's size when stored, which is all `read` accepts. */
	readonly size: number;
	readonly crc32: number;
	/** 0 when stored; compressed entries are listed (TorchScript archives have some) but not read. */
	readonly method: number;
	readonly encrypted: boolean;
}

export interface ZipArchive {
	readonly entries: readonly ZipEntry[];
	get(name: string): ZipEntry | undefined;
	/** A stored entry's bytes, a view into the archive (no copy), after its CRC-32 has been checked. */
	read(entry: ZipEntry): Uint8Array;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_EXTRA_ID = 0x0001;

const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT = 0xffff;
const STORED = 0;
const FLAG_ENCRYPTED = 0x1;
/** Marks a field whose real value sits in the zip64 extra field or record. */
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

const METHOD_NAMES = new Map([
	[8, 'deflate'],
	[9, 'deflate64'],
	[12, 'bzip2'],
	[14, 'lzma'],
	[93, 'zstd'],
	[95, 'xz']
]);

function fail(message: string): never {
	throw new WeightsError('bad-zip', message);
}

/** Names come from the file: quoted, short, on one line. */
function quote(name: string): string {
	return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function readZip(bytes: Uint8Array): ZipArchive {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const u16 = (at: number) => view.getUint16(at, true);
	const u32 = (at: number) => view.getUint32(at, true);
	/** A 64-bit field as a number, refused once it could not address a byte of this file. */
	const u64 = (at: number, what: string) => {
		const v = view.getBigUint64(at, true);
		if (v > BigInt(bytes.length)) fail(`the zip64 ${what} (${v}) is beyond the end of the ${bytes.length}-byte file`);
		return Number(v);
	};

	const eocd = findEndOfCentralDirectory(bytes, view);
	let count = u16(eocd + 10);
	let cdSize = u32(eocd + 12);
	let cdOffset = u32(eocd + 16);
	let cdLimit = eocd; // the central directory ends before the record that describes it
	if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0 || u16(eocd + 8) !== count) fail('multi-disk zip archives are not supported');

	if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
		const locator = eocd - ZIP64_LOCATOR_SIZE;
		if (locator < 0 || u32(locator) !== ZIP64_END_LOCATOR) fail('the zip says it is zip64 but has no zip64 locator');
		const record = u64(locator + 8, 'record offset');
		if (record + ZIP64_EOCD_SIZE > locator || u32(record) !== ZIP64_END_OF_CENTRAL_DIRECTORY) fail('the zip64 end record is missing or out of place');
		if (u32(record + 16) !== 0 || u32(record + 20) !== 0) fail('multi-disk zip archives are not supported');
		count = u64(record + 32, 'entry count');
		cdSize = u64(record + 40, 'central directory size');
		cdOffset = u64(record + 48, 'central directory offset');
		cdLimit = record;
	}
	if (cdOffset + cdSize > cdLimit) fail(`the central directory (${cdSize} bytes at ${cdOffset}) runs past its end record at ${cdLimit}`);
	// Each header takes at least 46 bytes, so this bounds the loop below by the bytes present.
	if (count * CENTRAL_HEADER_SIZE > cdSize) fail(`${count} entries cannot fit in a ${cdSize}-byte central directory`);

	const entries: ZipEntry[] = [];
	const byName = new Map<string, ZipEntry>();
	const cdEnd = cdOffset + cdSize;
	let at = cdOffset;
	for (let i = 0; i < count; i++) {
		if (at + CENTRAL_HEADER_SIZE > cdEnd || u32(at) !== CENTRAL_HEADER) fail(`central directory entry ${i} is missing or corrupt`);
		const flags = u16(at + 8);
		const method = u16(at + 10);
		const crc32 = u32(at + 16);
		let compressed = u32(at + 20);
		let size = u32(at + 24);
		const nameLength = u16(at + 28);
		const extraLength = u16(at + 30);
		const commentLength = u16(at + 32);
		const disk = u16(at + 34);
		let localOffset = u32(at + 42);
		const nameStart = at + CENTRAL_HEADER_SIZE;
		const extraStart = nameStart + nameLength;
		const next = extraStart + extraLength + commentLength;
		if (next > cdEnd) fail(`central directory entry ${i} runs past the directory`);
		const rawName = bytes.subarray(nameStart, extraStart);
		const name = utf8.decode(rawName);

		// zip64: the fields set to all ones are in the extra field, in this order.
		if (size === U32_MAX || compressed === U32_MAX || localOffset === U32_MAX || disk === U16_MAX) {
			const z = findExtra(view, extraStart, extraLength, ZIP64_EXTRA_ID);
			if (z === null) fail(`entry ${quote(name)} needs a zip64 extra field and has none`);
			let p = z.start;
			const take = (what: string) => {
				if (p + 8 > z.end) fail(`entry ${quote(name)}: the zip64 extra field is too short`);
				const v = u64(p, what);
				p += 8;
				return v;
			};
			if (size === U32_MAX) size = take('size');
			if (compressed === U32_MAX) compressed = take('compressed size');
			if (localOffset === U32_MAX) localOffset = take('local header offset');
		}
		if (disk !== 0 && disk !== U16_MAX) fail('multi-disk zip archives are not supported');
		if (method === STORED && compressed !== size) fail(`entry ${quote(name)} is stored, yet its sizes differ (${compressed} and ${size})`);

		const dataStart = localDataStart(bytes, view, localOffset, rawName, name);
		if (dataStart + compressed > cdOffset) fail(`entry ${quote(name)} (${compressed} bytes at ${dataStart}) runs into the central directory`);
		if (byName.has(name)) fail(`entry ${quote(name)} appears twice`);
		const entry: ZipEntry = { name, dataStart, size: compressed, crc32, method, encrypted: (flags & FLAG_ENCRYPTED) !== 0 };
		entries.push(entry);
		byName.set(name, entry);
		at = next;
	}

	const checked = new Set<ZipEntry>();
	return {
		entries,
		get: (name) => byName.get(name),
		read(entry) {
			if (entry.encrypted) fail(`entry ${quote(entry.name)} is encrypted`);
			if (entry.method !== STORED) {
				const kind = METHOD_NAMES.get(entry.method) ?? `method ${entry.method}`;
				fail(
					`entry ${quote(entry.name)} is compressed (${kind}), but torch.save stores entries uncompressed: ` +
						'was the file re-zipped? Load it in PyTorch and save it again with torch.save'
				);
			}
			const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.size);
			if (!checked.has(entry)) {
				if (crc32(data) !== entry.crc32) fail(`entry ${quote(entry.name)} is corrupt (its CRC-32 does not match)`);
				checked.add(entry);
			}
			return data;
		}
	};
}

/** The end-of-central-directory record: the last 22 bytes, or earlier when an archive comment
 * follows it. The comment length must reach exactly to the end of the file, which rules out a
 * signature that merely occurs inside the comment. */
function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView): number {
	if (bytes.length < EOCD_SIZE) fail(`the file is too short (${bytes.length} bytes) to be a zip archive`);
	const lowest = Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT);
	for (let at = bytes.length - EOCD_SIZE; at >= lowest; at--) {
		if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY && at + EOCD_SIZE + view.getUint16(at + 20, true) === bytes.length) {
			return at;
		}
	}
	fail('no end-of-central-directory record: the zip archive is truncated or corrupt');
}

function findExtra(view: DataView, start: number, length: number, id: number): { start: number; end: number } | null {
	const end = start + length;
	for (let at = start; at + 4 <= end; ) {
		const size = view.getUint16(at + 2, true);
		if (at + 4 + size > end) return null;
		if (view.getUint16(at, true) === id) return { start: at + 4, end: at + 4 + size };
		at += 4 + size;
	}
	return null;
}

/** The local header repeats the name (checked byte for byte, so the directory and the data agree
 * on what they describe) and has its own extra field, which torch uses to align data to 64 bytes. */
function localDataStart(bytes: Uint8Array, view: DataView, offset: number, rawName: Uint8Array, name: string): number {
	if (offset + LOCAL_HEADER_SIZE > bytes.length || view.getUint32(offset, true) !== LOCAL_HEADER) {
		fail(`the local header of entry ${quote(name)} is missing or corrupt`);
	}
	const nameLength = view.getUint16(offset + 26, true);
	const extraLength = view.getUint16(offset + 28, true);
	const nameStart = offset + LOCAL_HEADER_SIZE;
	const dataStart = nameStart + nameLength + extraLength;
	if (dataStart > bytes.length) fail(`the local header of entry ${quote(name)} runs past the end of the file`);
	const same = nameLength === rawName.length && rawName.every((b, i) => bytes[nameStart + i] === b);
	if (!same) fail(`the local header of entry ${quote(name)} names a different file`);
	return dataStart;
}

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

export function crc32(data: Uint8Array): number {
	let c = 0xffffffff;
	for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}
