/**
 * The lesson on the visitor's own network: which files can carry it (and the reason each other one
 * is refused), and the lesson's state teaching on that network, falling back to ours with the
 * reason, and switching between the two as the address says.
 */
import { describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../src/lib/io/checkpoint';
import { writeSafetensors } from '../../src/lib/io/safetensors';
import { lessonNetwork } from '../../src/lib/lesson/network';
import { canTeach, lessonInstance } from '../../src/lib/lesson/instance';
import { exerciseFor, lessonContext } from '../../src/lib/lesson/exercises';
import { repvgg } from '../../src/lib/families/repvgg';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import type { UnfusedModel } from '../../src/lib/mobileone/model';
import type { Tensor } from '../../src/lib/core/tensor';
import { LessonState, type LessonLoaders, type LoadedOwn } from '../../src/ui/learn/state.svelte';
import { DEFAULT_QUERY } from '../../src/ui/learn/url';
import { SMALL_SPEC, unfusedOnnx } from '../fixtures/yours';

const ONE_BRANCH = validateSpec({ ...SMALL_SPEC, name: 'k1', stages: SMALL_SPEC.stages.map((s) => ({ ...s, k: 1 })) });

describe('which networks can carry the lesson', () => {
	it('an unfused MobileOne state dict with the blocks the chapters need', () => {
		const model = syntheticModel(SMALL_SPEC, 3);
		const net = lessonNetwork(saveCheckpoint(model, { mean: '[0.1,0.2,0.3]', std: '[0.5,0.5,0.5]' }));
		expect(net.ok).toBe(true);
		if (!net.ok) return;
		expect(canTeach(net.model)).toBe(true);
		expect(net.mean).toEqual([0.1, 0.2, 0.3]);
		// the same weights: the exercise's numbers are this file's
		const ex = exerciseFor(3, lessonContext(net.model, lessonInstance(net.model, 7)));
		const direct = exerciseFor(3, lessonContext(model, lessonInstance(model, 7)));
		expect(ex).toEqual(direct);
	});

	it('refuses each other kind of file with its reason', () => {
		const reason = (bytes: Uint8Array) => {
			const r = lessonNetwork(bytes);
			return r.ok ? 'ok' : r.refusal;
		};
		expect(reason(unfusedOnnx())).toEqual({ reason: 'onnx' });
		expect(reason(saveCheckpoint(fuseModel(syntheticModel(SMALL_SPEC, 3))))).toEqual({ reason: 'fused' });
		expect(reason(saveCheckpoint(syntheticModel(ONE_BRANCH, 3)))).toEqual({ reason: 'blocks' });
		const block = new Map<string, Tensor>();
		for (const [k, t] of repvgg.synthetic({ cin: 4, cout: 4, stride: 1, kernel: 3, groups: 1 }, 1)) block.set(`backbone.0.${k}`, t);
		expect(reason(writeSafetensors(block))).toEqual({ reason: 'family', families: ['RepVGG'] });
		const other = reason(writeSafetensors(new Map([['conv1.weight', { shape: [4, 3, 3, 3], data: new Float32Array(108) }]])));
		expect(other).toMatchObject({ reason: 'unreadable' });
		expect(reason(new TextEncoder().encode('hello, this is text'))).toMatchObject({ reason: 'unreadable' });
		const cut = saveCheckpoint(syntheticModel(SMALL_SPEC, 3));
		expect(reason(cut.subarray(0, cut.length >> 1))).toMatchObject({ reason: 'unreadable' });
	});
});

const NORM = { mean: [0, 0, 0], std: [1, 1, 1] };
const settle = () => new Promise((r) => setTimeout(r, 0));

function loaders(ours: UnfusedModel, own: LoadedOwn, kept: string | null): LessonLoaders & { ownCalls: number } {
	const l = {
		ownCalls: 0,
		loadModel: async () => ({ model: ours, norm: NORM }),
		loadOwn: async () => {
			l.ownCalls++;
			return own;
		},
		ownNetworkName: async () => kept,
		loadPicture: async (size: number) => ({ rgba: new Uint8ClampedArray(size * size * 4).fill(90), size })
	};
	return l;
}
const storage = { read: () => null, write: () => {}, newSeed: () => 11 };

describe('the lesson state on the visitor’s network', () => {
	const ours = syntheticModel(SMALL_SPEC, 1);
	const theirs = syntheticModel(SMALL_SPEC, 2);

	it('?model=yours teaches on their weights, names the file, and the switch back loads ours', async () => {
		const l = loaders(ours, { ok: true, model: theirs, norm: NORM, name: 'mine.safetensors' }, 'mine.safetensors');
		const s = new LessonState(l, storage);
		s.open(3, { ...DEFAULT_QUERY, own: true });
		await s.start();
		await settle();
		expect(s.model).toBe(theirs);
		expect(s.shownName).toBe('mine.safetensors');
		expect(s.keptName).toBe('mine.safetensors');
		expect(s.refusal).toBeNull();
		const answer = (m: UnfusedModel) => exerciseFor(3, lessonContext(m, lessonInstance(m, 11)));
		expect(s.exercise).toEqual(answer(theirs));
		expect(s.exercise).not.toEqual(answer(ours));

		s.open(3, DEFAULT_QUERY);
		await settle();
		await settle();
		expect(s.model).toBe(ours);
		expect(s.shownName).toBeNull();
		expect(s.exercise).toEqual(answer(ours));
	});

	it('a network the chapters cannot use: the reason, and our model', async () => {
		const l = loaders(ours, { ok: false, refusal: { reason: 'onnx' }, name: 'graph.onnx' }, 'graph.onnx');
		const s = new LessonState(l, storage);
		s.open(5, { ...DEFAULT_QUERY, own: true });
		await s.start();
		expect(s.status.kind).toBe('ready');
		expect(s.model).toBe(ours);
		expect(s.shownName).toBeNull();
		expect(s.refusal).toEqual({ refusal: { reason: 'onnx' }, name: 'graph.onnx' });
		expect(s.exercise?.kind).toBe('cell');
	});

	it('without ?model=yours the kept network is only offered, not read', async () => {
		const l = loaders(ours, { ok: true, model: theirs, norm: NORM, name: 'mine.safetensors' }, 'mine.safetensors');
		const s = new LessonState(l, storage);
		s.open(1, DEFAULT_QUERY);
		await s.start();
		await settle();
		expect(l.ownCalls).toBe(0);
		expect(s.model).toBe(ours);
		expect(s.keptName).toBe('mine.safetensors');
	});
});
