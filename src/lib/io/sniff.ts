/**
 * Which weights format a file is, from its first bytes, so a dropped file goes to the right
 * reader whatever its name. Only magic numbers: the reader then checks everything.
 */
export type WeightsFormat = 'safetensors' | 'pytorch-zip' | 'pytorch-legacy' | 'onnx' | 'unknown';

/** A local file header: every zip archive, and so every `torch.save` file since PyTorch 1.6. */
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Before 1.6, `torch.save` began with a pickled integer, 0x1950a86a20f9469cfc6c: PROTO n, then
 * LONG1 with 10 bytes, little endian. */
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** ONNX's ModelProto starts with ir_version: field 1, wire type varint, so the key byte 0x08. */
const ONNX_FIRST_BYTE = 0x08;

export function sniffWeightsFormat(bytes: Uint8Array): WeightsFormat {
	if (startsWith(bytes, ZIP_MAGIC, 0)) return 'pytorch-zip';
	if (bytes.length >= 2 + LEGACY_MAGIC.length && bytes[0] === 0x80 && startsWith(bytes, LEGACY_MAGIC, 2)) return 'pytorch-legacy';
	if (isSafetensors(bytes)) return 'safetensors';
	if (bytes.length >= 2 && bytes[0] === ONNX_FIRST_BYTE) return 'onnx';
	return 'unknown';
}

/** An 8-byte little-endian header length that fits the file, then the header's opening brace. */
function isSafetensors(bytes: Uint8Array): boolean {
	if (bytes.length < 10) return false;
	const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
	return declared >= 2n && declared <= BigInt(bytes.length - 8) && bytes[8] === 0x7b;
}

function startsWith(bytes: Uint8Array, magic: readonly number[], at: number): boolean {
	return bytes.length >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);
}
