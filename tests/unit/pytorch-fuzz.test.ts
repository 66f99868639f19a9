/**
 * Seeded fuzzing of readTorchCheckpoint on a small real `.pth.tar` (committed, written by
 * models/make_pytorch_fixtures.py): every outcome must be a WeightsError or a well-formed result,
 * never another exception, a hang or an allocation beyond the file's size.
 *
 * Raw mutations of the archive must give a WeightsError or exactly the original result: the CRC
 * of every entry read covers the pickle and the weights. To reach the unpickler and the tensor
 * checks behind that CRC, the second family mutates data.pkl and the storages and zips them again.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { seededRandom } from '../../src/lib/core/random';
import { readTorchCheckpoint, MAX_DIMS, type TorchCheckpoint } from '../../src/lib/io/pytorch';
import { readZip } from '../../src/lib/io/zip';
import { makeZip } from '../fixtures/pytorch/build';
import { mutate, randomInt, type Random } from '../helpers/mutate';

const CASES = 3000;
const SEED = new Uint8Array(readFileSync('tests/fixtures/pytorch/small.pth.tar'));

function outcome(bytes: Uint8Array): TorchCheckpoint | WeightsError {
	try {
		return readTorchCheckpoint(bytes);
	} catch (e) {
		if (e instanceof WeightsError) return e;
		throw new Error(`not a WeightsError: ${e instanceof Error ? e.stack : String(e)}`);
	}
}

function expectWellFormed(result: TorchCheckpoint, inputLength: number) {
	let floats = 0;
	for (const [name, t] of result.tensors) {
		expect(typeof name).toBe('string');
		expect(t.shape.length).toBeLessThanOrEqual(MAX_DIMS);
		expect(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
		expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
		floats += t.data.length;
	}
	expect(4 * floats).toBeLessThanOrEqual(2 * inputLength);
}

describe('readTorchCheckpoint under fuzzing', () => {
	const original = readTorchCheckpoint(SEED);

	it('reads the seed', () => {
		expect(original.found).toBe('state_dict');
		expect([...original.tensors.keys()]).toEqual(['w', 'wt', 'h', 'b']);
		expect(original.ignored).toEqual(['n']);
	});

	it(`${CASES} mutated archives: a WeightsError or exactly the original`, () => {
		const random = seededRandom(2024);
		const codes = new Map<string, number>();
		for (let i = 0; i < CASES; i++) {
			const result = outcome(mutate(random, SEED));
			if (result instanceof WeightsError) {
				codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
				continue;
			}
			expect(result.found).toBe(original.found);
			expect(result.ignored).toEqual(original.ignored);
			expect(result.tensors).toEqual(original.tensors);
		}
		// The mutations reach more than one check.
		expect(codes.get('bad-zip')).toBeGreaterThan(CASES / 2);
	});

	it(`${CASES} mutated pickles and storages, zipped again: a WeightsError or a well-formed result`, () => {
		const random = seededRandom(99);
		const zip = readZip(SEED);
		const entries = zip.entries.map((e) => [e.name, zip.read(e).slice()] as [string, Uint8Array]);
		const pickleIndex = entries.findIndex(([n]) => n.endsWith('/data.pkl'));
		const codes = new Set<string>();
		let read = 0;
		for (let i = 0; i < CASES; i++) {
			const target = random() < 0.85 ? pickleIndex : randomInt(random, entries.length);
			const mutated = entries.map(([n, d], j) => [n, j === target ? mutate(random, d) : d] as [string, Uint8Array]);
			const bytes = makeZip(mutated, { localExtra: 20 });
			const result = outcome(bytes);
			if (result instanceof WeightsError) codes.add(result.code);
			else {
				expectWellFormed(result, bytes.length);
				read++;
			}
		}
		expect(read).toBeGreaterThan(0);
		for (const code of ['bad-pickle', 'bad-offsets', 'forbidden-global', 'no-state-dict']) expect([...codes]).toContain(code);
	});
});
