/**
 * The engine against Apple's own key names and shapes for S0–S4, unfused and fused, recorded from
 * Apple's ml-mobileone `mobileone.py` in tests/fixtures/apple-keys-*.json (see make-apple-keys.py
 * there). A renamed key, a wrong width, a missing SE or a stray branch fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inferSpec } from '../../src/lib/io/checkpoint';
import { toStateDict, type StateDict } from '../../src/lib/io/statedict';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { paramCount, variantSpec, VARIANTS, type Form, type VariantName } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';

type Shapes = Record<string, number[]>;
interface Manifest {
	variant: VariantName;
	unfused: Shapes;
	fused: Shapes;
}

const manifest = (v: VariantName): Manifest => JSON.parse(readFileSync(`tests/fixtures/apple-keys-${v}.json`, 'utf8'));

/** PyTorch's BatchNorm step counter: an integer buffer the engine accepts on load and never writes. */
const isCounter = (k: string) => k.endsWith('.num_batches_tracked');
const isRunningStat = (k: string) => /\.running_(mean|var)$/.test(k);

function shapesOf(sd: StateDict): Shapes {
	return Object.fromEntries([...sd].map(([k, t]) => [k, [...t.shape]]));
}

function withoutCounters(s: Shapes): Shapes {
	return Object.fromEntries(Object.entries(s).filter(([k]) => !isCounter(k)));
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe('Apple’s state-dict keys and shapes', () => {
	for (const v of VARIANTS) {
		it(`${v}: the engine writes exactly Apple’s keys and shapes, unfused and fused`, () => {
			const apple = manifest(v);
			expect(apple.variant).toBe(v);
			const unfused = syntheticModel(variantSpec(v), 1);
			const forms: [Form, StateDict][] = [
				['unfused', toStateDict(unfused)],
				['fused', toStateDict(fuseModel(unfused))]
			];
			for (const [form, sd] of forms) {
				const ours = shapesOf(sd);
				expect(ours, `${v} ${form}`).toEqual(withoutCounters(apple[form]));
				// The only keys left out are BatchNorms' counters, each beside a BatchNorm we do write.
				for (const k of Object.keys(apple[form]).filter(isCounter)) {
					expect(ours, k).toHaveProperty([k.replace(/num_batches_tracked$/, 'running_mean')]);
				}
			}
		});

		it(`${v}: parameter counts are Apple’s, and Apple’s key list alone is recognised as ${v.toUpperCase()}`, () => {
			const apple = manifest(v);
			for (const form of ['unfused', 'fused'] as const) {
				const trainable = Object.entries(apple[form])
					.filter(([k]) => !isCounter(k) && !isRunningStat(k))
					.reduce((n, [, shape]) => n + size(shape), 0);
				expect(paramCount(variantSpec(v), form), `${v} ${form}`).toBe(trainable);
			}
			const sd: StateDict = new Map(
				Object.entries(withoutCounters(apple.unfused)).map(([k, shape]) => [k, { shape, data: new Float32Array(size(shape)) }])
			);
			expect(inferSpec(sd)).toEqual({ ...variantSpec(v), name: `mobileone-${v}` });
		});
	}
});
