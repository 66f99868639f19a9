import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sniffWeightsFormat } from '../../src/lib/io/sniff';
import { writeSafetensors } from '../../src/lib/io/safetensors';
import { tensor } from '../../src/lib/core/tensor';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';

const bytes = (...b: number[]) => Uint8Array.from(b);
const LEGACY = bytes(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e);

describe('sniffWeightsFormat', () => {
	it('a torch.save zip archive', () => {
		expect(sniffWeightsFormat(new Uint8Array(readFileSync('tests/fixtures/pytorch/small.pth.tar')))).toBe('pytorch-zip');
		expect(sniffWeightsFormat(bytes(0x50, 0x4b, 0x03, 0x04))).toBe('pytorch-zip');
		expect(sniffWeightsFormat(bytes(0x50, 0x4b, 0x05, 0x06, 0, 0))).toBe('unknown'); // an empty zip holds no checkpoint
	});

	it('the pre-1.6 format, whatever pickle protocol wrote the magic number', () => {
		expect(sniffWeightsFormat(LEGACY)).toBe('pytorch-legacy');
		const p4 = LEGACY.slice();
		p4[1] = 4;
		expect(sniffWeightsFormat(p4)).toBe('pytorch-legacy');
		const other = LEGACY.slice();
		other[13] ^= 1; // another LONG1 number is just a pickle
		expect(sniffWeightsFormat(other)).toBe('unknown');
	});

	it('safetensors: a length that fits, then "{"', () => {
		expect(sniffWeightsFormat(writeSafetensors(new Map([['w', tensor([2], [1, 2])]])))).toBe('safetensors');
		expect(sniffWeightsFormat(bytes(2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d))).toBe('safetensors');
		expect(sniffWeightsFormat(bytes(200, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d))).toBe('unknown'); // header longer than the file
		expect(sniffWeightsFormat(bytes(2, 0, 0, 0, 0, 0, 0, 0, 0x5b, 0x5d))).toBe('unknown');
	});

	it('ONNX: ir_version first, a varint in field 1', () => {
		const spec = validateSpec({
			name: 'sniff',
			inputSize: 8,
			numClasses: 2,
			stem: { width: 8, stride: 1, k: 1 },
			stages: [{ width: 8, blocks: 1, stride: 1, k: 1, seBlocks: 0 }]
		});
		expect(sniffWeightsFormat(buildOnnx(syntheticModel(spec, 1)))).toBe('onnx');
		expect(sniffWeightsFormat(bytes(0x08, 0x09, 0x12, 0x00))).toBe('onnx');
	});

	it('anything else, including nothing', () => {
		expect(sniffWeightsFormat(new Uint8Array(0))).toBe('unknown');
		expect(sniffWeightsFormat(new TextEncoder().encode('hello world'))).toBe('unknown');
		expect(sniffWeightsFormat(bytes(0x08))).toBe('unknown');
	});
});
