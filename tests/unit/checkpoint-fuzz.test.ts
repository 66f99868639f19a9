/**
 * Seeded fuzzing of values and specs, not only framing: take a valid checkpoint, change a few weight
 * values (NaN, ±Inf, negatives, huge numbers) or a field of its metadata spec, and load, fuse and
 * check it as `npm run fuse` does. Every outcome must be a WeightsError, or a fused network the
 * check accepts — never another exception, and never a "fused" network that differs.
 */
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { seededRandom } from '../../src/lib/core/random';
import { loadCheckpoint, requireUnfused } from '../../src/lib/io/checkpoint';
import { writeSafetensors } from '../../src/lib/io/safetensors';
import { toStateDict } from '../../src/lib/io/statedict';
import type { UnfusedModel } from '../../src/lib/mobileone/model';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { randomInput, syntheticModel } from '../../src/lib/mobileone/synthetic';
import { checkFusion } from '../../src/lib/mobileone/verify';

const CASES = 400;
const spec = validateSpec({
	name: 'fuzz',
	inputSize: 12,
	numClasses: 3,
	stem: { width: 8, stride: 2, k: 2 },
	stages: [
		{ width: 16, blocks: 1, stride: 1, k: 2, seBlocks: 0 },
		{ width: 16, blocks: 1, stride: 2, k: 3, seBlocks: 1 }
	]
});
const model = syntheticModel(spec, 11);

const VALUES = [NaN, Infinity, -Infinity, -1, -1e-30, 0, 3e38, -3e38, 1e-45, 65504];
const SPEC_FIELDS: ((s: Record<string, unknown>, r: () => number) => void)[] = [
	(s, r) => ((s.stages as Record<string, unknown>[])[Math.floor(r() * 2)].k = Math.floor(r() * 6)),
	(s, r) => ((s.stages as Record<string, unknown>[])[Math.floor(r() * 2)].blocks = Math.floor(r() * 4)),
	(s, r) => ((s.stages as Record<string, unknown>[])[Math.floor(r() * 2)].stride = 1 + Math.floor(r() * 3)),
	(s, r) => ((s.stages as Record<string, unknown>[])[Math.floor(r() * 2)].width = [0, 8, 16, 24, -1][Math.floor(r() * 5)]),
	(s, r) => ((s.stages as Record<string, unknown>[])[1].seBlocks = Math.floor(r() * 3) - 1),
	(s, r) => ((s.stem as Record<string, unknown>).k = Math.floor(r() * 4)),
	(s, r) => (s.numClasses = [0, 2, 3, 4, 1e400][Math.floor(r() * 5)]),
	(s, r) => (s.inChannels = [1, 3, 4][Math.floor(r() * 3)]),
	(s, r) => (s.inputSize = [0, 8, 12, 4096, -3][Math.floor(r() * 5)])
];

/** The bytes, and whether the file now holds a value no network may have (must be refused). */
function mutate(r: () => number): { bytes: Uint8Array; mustRefuse: boolean } {
	let mustRefuse = false;
	const sd = toStateDict(model);
	const specJson = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
	if (r() < 0.6) {
		const keys = [...sd.keys()];
		for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
			const key = keys[Math.floor(r() * keys.length)];
			const t = sd.get(key)!;
			const data = t.data.slice();
			const v = VALUES[Math.floor(r() * VALUES.length)];
			data[Math.floor(r() * data.length)] = v;
			if (!Number.isFinite(v) || (v < 0 && key.endsWith('.running_var'))) mustRefuse = true;
			sd.set(key, { shape: t.shape, data });
		}
	} else {
		SPEC_FIELDS[Math.floor(r() * SPEC_FIELDS.length)](specJson, r);
	}
	return { bytes: writeSafetensors(sd, { spec: JSON.stringify(specJson) }), mustRefuse };
}

describe('checkpoint fuzz: values and spec fields', () => {
	it(`${CASES} mutated checkpoints: a WeightsError or a fusion the check accepts`, () => {
		const r = seededRandom(2024);
		const outcomes = { refused: 0, fusedAndChecked: 0, checkFailed: 0 };
		for (let i = 0; i < CASES; i++) {
			const { bytes, mustRefuse } = mutate(r);
			let ck;
			try {
				ck = loadCheckpoint(bytes);
			} catch (e) {
				if (!(e instanceof WeightsError)) throw new Error(`case ${i}: ${(e as Error).stack}`);
				outcomes.refused++;
				continue;
			}
			expect(mustRefuse, `case ${i}: a non-finite value or negative variance was accepted`).toBe(false);
			const unfused = requireUnfused(ck, 'this test');
			const check = checkFusion(unfused, fuseModel(unfused), randomInput(ck.spec, i, 1, 12));
			// A file that loads must describe a network whose fusion is exact (huge but finite values
			// may still overflow: then the check must say so, and `fuse` writes nothing).
			if (check.agrees) outcomes.fusedAndChecked++;
			else {
				expect(check.problem, `case ${i}`).toMatch(/not finite|differs/);
				outcomes.checkFailed++;
			}
		}
		expect(outcomes.refused).toBeGreaterThan(CASES / 3);
		expect(outcomes.fusedAndChecked).toBeGreaterThan(0);
	}, 120_000);
});
