/**
 * Thousands of seeded byte mutations of a small ONNX file: the reader must answer each with a model
 * or a WeightsError (never another exception, a hang or an allocation beyond the file's size), and
 * the pass and the writer must do the same on whatever decodes.
 */
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { seededRandom } from '../../src/lib/core/random';
import { fuseParallelBranches } from '../../src/lib/graph/fuse-branches';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import type { ModelGraph } from '../../src/lib/io/onnx/model';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';

const spec = validateSpec({
	numClasses: 3,
	inputSize: 8,
	stem: { width: 4, k: 2 },
	stages: [{ width: 4, blocks: 1, stride: 1, k: 2 }]
});
const original = buildOnnx(syntheticModel(spec, 1));

function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
	const int = (n: number) => Math.floor(random() * n);
	const pick = int(6);
	if (pick === 0) return bytes.slice(0, int(bytes.length));
	if (pick === 1) {
		// Insert a few bytes that look like keys, lengths or varint continuations.
		const at = int(bytes.length);
		const extra = Array.from({ length: 1 + int(4) }, () => [0x80, 0xff, 0x0a, 0x12, 0x3a, int(256)][int(6)]);
		return Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
	}
	const out = bytes.slice();
	const edits = 1 + int(pick === 2 ? 8 : 3);
	for (let e = 0; e < edits; e++) {
		const at = int(out.length);
		if (pick === 3) out[at] ^= 1 << int(8);
		else if (pick === 4) out[at] = [0x00, 0x7f, 0x80, 0xff][int(4)];
		else out[at] = int(256);
	}
	return out;
}

function storedBytes(g: ModelGraph): number {
	let n = 0;
	for (const t of g.initializers) n += t.data.length;
	for (const node of g.nodes) for (const a of node.attributes) for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) n += storedBytes(sub);
	return n;
}

describe('seeded fuzz of a small MobileOne ONNX file', () => {
	it('4000 mutants: a model or a WeightsError from decode, fuse and encode; nothing else', () => {
		const random = seededRandom(1234);
		const outcomes = { decoded: 0, refused: 0, fused: 0, merged: 0 };
		const codes = new Set<string>();
		for (let i = 0; i < 4000; i++) {
			const bytes = mutate(original, random);
			let model;
			try {
				model = decodeOnnx(bytes);
			} catch (e) {
				if (!(e instanceof WeightsError)) throw new Error(`mutant ${i}: decode threw ${String(e)}`);
				codes.add(e.code);
				outcomes.refused++;
				continue;
			}
			outcomes.decoded++;
			// Weight bytes are views into the file (or re-encodings of its varints): never more than it holds, times 8.
			expect(storedBytes(model.graph)).toBeLessThanOrEqual(8 * bytes.length);
			try {
				const { model: fused, summary } = fuseParallelBranches(model);
				outcomes.fused++;
				outcomes.merged += summary.groups.filter((g) => g.merged).length;
				const again = encodeOnnx(fused);
				if (i % 20 === 0) expect(decodeOnnx(again)).toEqual(fused);
			} catch (e) {
				if (!(e instanceof WeightsError)) throw new Error(`mutant ${i}: the pass threw ${String(e)}`);
				codes.add(e.code);
			}
		}
		// The fuzz means something only if both sides were reached often.
		expect(outcomes.decoded).toBeGreaterThan(400);
		expect(outcomes.refused).toBeGreaterThan(400);
		expect(outcomes.merged).toBeGreaterThan(400);
		expect(codes.has('truncated')).toBe(true);
		expect(codes.has('bad-onnx')).toBe(true);
	});
});
