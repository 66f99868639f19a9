/**
 * The classify page's state class with its async parts handed in: status transitions, the model
 * loading once and retrying after a failure, and the race guard (a slow earlier choice never
 * overwrites the visitor's latest one).
 */
import { describe, expect, it } from 'vitest';
import { ClassifyState, INPUT_SIZE, LINK_DROPPED, NOTHING_PASTED, type ClassifyDeps, type Model } from '../../src/ui/classify/state.svelte';
import { InputError, type LoadedImage, type NetworkInput } from '../../src/ui/image/decode';
import type { Classification, LoadProgress } from '../../src/ui/classify/runtime';
import { SAMPLES } from '../../src/ui/image/samples';
import { PROOF_IMAGE_KEY } from '../../src/lib/image/proofimage';

interface Deferred<T> {
	promise: Promise<T>;
	resolve(v: T): void;
	reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
	let resolve!: (v: T) => void;
	let reject!: (e: unknown) => void;
	const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
	return { promise, resolve, reject };
}

/** Let every settled promise's reactions run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

interface FakeImage extends LoadedImage {
	closed: boolean;
}
function image(name: string): FakeImage {
	const img = { name, sourceWidth: 64, sourceHeight: 48, format: 'PNG', closed: false } as FakeImage;
	img.bitmap = { width: 64, height: 48, close: () => (img.closed = true) } as unknown as ImageBitmap;
	return img;
}

/** A white 32 × 32 picture (opaque). */
function whitePixels(): NetworkInput {
	return {
		crop: { x: 8, y: 0, width: 48, height: 48 },
		steps: [48, 32],
		rgba: new Uint8ClampedArray(4 * INPUT_SIZE * INPUT_SIZE).fill(255),
		size: INPUT_SIZE
	};
}

function classification(label: string): Classification {
	const run = { logits: new Float32Array([1]), top: [{ index: 0, label, probability: 1, logit: 1 }], medianMs: 2, timesMs: [2] };
	return { unfused: run, fused: { ...run, medianMs: 1 }, comparison: { agree: true, top1A: 0, top1B: 0, maxAbsDiff: 0 } };
}

/** A model whose answers the test releases one by one, and which records its inputs. */
class FakeModel implements Model {
	inputSize = INPUT_SIZE;
	normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
	checkpoint = { spec: { stages: [{ k: 3 }] } };
	runs: { input: Float32Array; answer: Deferred<Classification> }[] = [];
	classify(input: Float32Array): Promise<Classification> {
		const answer = deferred<Classification>();
		this.runs.push({ input, answer });
		return answer.promise;
	}
}

function setup() {
	const loads: { onProgress: (p: LoadProgress) => void; done: Deferred<Model> }[] = [];
	const decodes: { name: string; done: Deferred<LoadedImage> }[] = [];
	const stored: [string, string][] = [];
	const deps: ClassifyDeps = {
		loadModel(onProgress) {
			const done = deferred<Model>();
			loads.push({ onProgress, done });
			return done.promise;
		},
		decode(_blob, name) {
			const done = deferred<LoadedImage>();
			decodes.push({ name, done });
			return done.promise;
		},
		toPixels: () => whitePixels(),
		fetch: async () => new Response(new Blob([new Uint8Array([1])])),
		storage: { setItem: (k, v) => void stored.push([k, v]) }
	};
	return { state: new ClassifyState(deps), loads, decodes, stored, deps };
}

const file = (name: string) => new File([new Uint8Array([1, 2, 3])], name);

describe('ClassifyState', () => {
	it('walks idle → decoding → waiting-model → running → done, and loads the model once', async () => {
		const { state, loads, decodes, stored } = setup();
		expect(state.status.kind).toBe('idle');
		expect(state.model.kind).toBe('idle');
		expect(state.busy).toBe(false);

		const finished = state.chooseFile(file('cat.png'));
		expect(state.status.kind).toBe('decoding');
		expect(state.busy).toBe(true);
		expect(state.model.kind).toBe('loading');
		expect(loads).toHaveLength(1);
		loads[0].onProgress({ phase: 'download', loaded: 5, total: 10 });
		expect(state.model).toEqual({ kind: 'loading', progress: { phase: 'download', loaded: 5, total: 10 } });

		const cat = image('cat.png');
		decodes[0].done.resolve(cat);
		await settle();
		expect(state.status.kind).toBe('waiting-model');
		expect(state.picture?.image).toBe(cat);
		expect(state.input).toBeNull(); // no mean and std before the model

		const model = new FakeModel();
		loads[0].done.resolve(model);
		await settle();
		expect(state.model.kind).toBe('ready');
		expect(state.status.kind).toBe('running');
		expect(state.branchesPerBlock).toBe(3);
		expect(model.runs).toHaveLength(1);
		// white (255) normalized with mean 0.5 and std 0.5 is 1; the state passes the engine's input on
		expect(model.runs[0].input).toEqual(state.input);
		expect(model.runs[0].input.length).toBe(3 * INPUT_SIZE * INPUT_SIZE);
		expect(model.runs[0].input.every((v) => v === 1)).toBe(true);

		model.runs[0].answer.resolve(classification('cat'));
		await finished;
		expect(state.status.kind).toBe('done');
		expect(state.busy).toBe(false);
		expect(state.result?.unfused.top[0].label).toBe('cat');
		expect(state.speedup).toBe(2);
		expect(state.attempts).toBe(1);
		expect(stored.map(([k]) => k)).toEqual([PROOF_IMAGE_KEY]);
		expect(JSON.parse(stored[0][1])).toMatchObject({ width: 32, height: 32, name: 'cat.png' });

		// The next picture reuses the loaded model: no second download, no waiting state.
		const again = state.chooseFile(file('dog.png'));
		decodes[1].done.resolve(image('dog.png'));
		await settle();
		expect(state.status.kind).toBe('running');
		expect(loads).toHaveLength(1);
		expect(cat.closed).toBe(true); // the replaced picture's bitmap is let go
		model.runs[1].answer.resolve(classification('dog'));
		await again;
		expect(state.result?.unfused.top[0].label).toBe('dog');
		expect(state.attempts).toBe(2);
	});

	it('a slower decode of an earlier choice never overwrites the latest one', async () => {
		const { state, loads, decodes } = setup();
		const model = new FakeModel();
		const first = state.chooseFile(file('slow.png'));
		const second = state.chooseFile(file('fast.png'));
		loads[0].done.resolve(model);

		const fast = image('fast.png');
		decodes[1].done.resolve(fast);
		await settle();
		expect(model.runs).toHaveLength(1);
		model.runs[0].answer.resolve(classification('fast'));
		await second;
		expect(state.picture?.image).toBe(fast);

		// The first file finishes decoding only now: it is dropped, and its bitmap closed.
		const slow = image('slow.png');
		decodes[0].done.resolve(slow);
		await first;
		expect(state.picture?.image).toBe(fast);
		expect(state.result?.unfused.top[0].label).toBe('fast');
		expect(state.status.kind).toBe('done');
		expect(slow.closed).toBe(true);
		expect(fast.closed).toBe(false);
		expect(model.runs).toHaveLength(1);
		expect(state.attempts).toBe(1); // only the choice that counted
	});

	it('a slower classification of an earlier choice never overwrites the latest one', async () => {
		const { state, loads, decodes } = setup();
		const model = new FakeModel();
		void state.loadModel();
		loads[0].done.resolve(model);
		await settle();

		const first = state.chooseSample(SAMPLES[0]);
		await settle();
		decodes[0].done.resolve(image(SAMPLES[0].file));
		await settle();
		expect(state.status.kind).toBe('running');

		const second = state.chooseSample(SAMPLES[1]);
		await settle();
		decodes[1].done.resolve(image(SAMPLES[1].file));
		await settle();
		expect(model.runs).toHaveLength(2);

		// The latest answers first; the earlier one arrives after it and is ignored.
		model.runs[1].answer.resolve(classification('second'));
		await second;
		model.runs[0].answer.resolve(classification('first'));
		await first;
		expect(state.picture?.sample).toBe(SAMPLES[1].file);
		expect(state.result?.unfused.top[0].label).toBe('second');
		expect(state.status.kind).toBe('done');

		// An earlier run that fails late does not turn the page to an error either.
		const third = state.chooseSample(SAMPLES[2]);
		await settle();
		decodes[2].done.resolve(image(SAMPLES[2].file));
		await settle();
		const fourth = state.chooseSample(SAMPLES[3]);
		model.runs[2].answer.reject(new Error('late failure'));
		await third;
		expect(state.status.kind).toBe('decoding');
		await settle();
		decodes[3].done.resolve(image(SAMPLES[3].file));
		await settle();
		model.runs[3].answer.resolve(classification('fourth'));
		await fourth;
		expect(state.status.kind).toBe('done');
		expect(state.picture?.sample).toBe(SAMPLES[3].file);
	});

	it('a refused file keeps the picture and answer on show, with the message', async () => {
		const { state, loads, decodes } = setup();
		const model = new FakeModel();
		const ok = state.chooseFile(file('cat.png'));
		loads[0].done.resolve(model);
		decodes[0].done.resolve(image('cat.png'));
		await settle();
		model.runs[0].answer.resolve(classification('cat'));
		await ok;

		const bad = state.chooseFile(file('notes.txt'));
		decodes[1].done.reject(new InputError('not-an-image', '“notes.txt” is not an image.'));
		await bad;
		expect(state.status).toEqual({ kind: 'failed', message: '“notes.txt” is not an image.' });
		expect(state.busy).toBe(false);
		expect(state.picture?.image.name).toBe('cat.png');
		expect(state.result?.unfused.top[0].label).toBe('cat');
		expect(state.attempts).toBe(2);

		// Anything else is reported as a fault, not as the visitor's mistake.
		const broken = state.chooseFile(file('x.png'));
		decodes[2].done.reject(new Error('boom'));
		await broken;
		expect(state.status).toEqual({ kind: 'failed', message: 'Something went wrong: boom. Try another picture, or reload the page.' });
	});

	it('a model that fails to load is reported, and the next picture tries again', async () => {
		const { state, loads, decodes } = setup();
		const first = state.chooseFile(file('a.png'));
		decodes[0].done.resolve(image('a.png'));
		loads[0].done.reject(new Error('HTTP 404'));
		await first;
		expect(state.model).toEqual({ kind: 'failed', message: 'HTTP 404' });
		expect(state.status.kind).toBe('failed');
		expect((state.status as { message: string }).message).toMatch(/the model could not be loaded \(HTTP 404\)/);

		const second = state.chooseFile(file('b.png'));
		expect(loads).toHaveLength(2);
		expect(state.model.kind).toBe('loading');
		const model = new FakeModel();
		loads[1].done.resolve(model);
		decodes[1].done.resolve(image('b.png'));
		await settle();
		model.runs[0].answer.resolve(classification('b'));
		await second;
		expect(state.status.kind).toBe('done');
	});

	it('refuses a model made for another input size', async () => {
		const { state, loads } = setup();
		const load = state.loadModel();
		const big = new FakeModel();
		big.inputSize = 64;
		loads[0].done.resolve(big);
		await expect(load).rejects.toThrow(/64 × 64 pixels, not 32/);
		expect(state.model.kind).toBe('failed');
	});

	it('explains a dropped link or an empty paste, and drops the file otherwise', async () => {
		const { state, decodes } = setup();
		state.dragging = true;
		state.drop([]);
		expect(state.dragging).toBe(false);
		expect(state.status).toEqual({ kind: 'failed', message: LINK_DROPPED() });
		state.paste([]);
		expect(state.status).toEqual({ kind: 'failed', message: NOTHING_PASTED() });
		expect(state.attempts).toBe(2);
		state.openCamera();
		expect(state.status.kind).toBe('idle');
		expect(state.cameraOpen).toBe(true);

		state.drop([file('one.png'), file('two.png')]);
		state.paste([file('')]);
		expect(decodes.map((d) => d.name)).toEqual(['one.png', 'pasted image']);
	});

	it('a refusal supersedes a choice still on its way', async () => {
		const { state, loads, decodes } = setup();
		const pending = state.chooseFile(file('a.png'));
		state.refuse('The camera was not allowed.');
		decodes[0].done.resolve(image('a.png'));
		loads[0].done.resolve(new FakeModel());
		await pending;
		expect(state.status).toEqual({ kind: 'failed', message: 'The camera was not allowed.' });
		expect(state.picture).toBeNull();
	});
});
