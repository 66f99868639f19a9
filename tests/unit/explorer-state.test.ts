import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import type { PageModelId as ModelId } from '../../src/lib/models';
import type { ExplorerLoaders, InputPixels, LoadedModel } from '../../src/ui/explorer/loader';
import { ExplorerState } from '../../src/ui/explorer/state.svelte';
import { DEFAULT_QUERY, parse } from '../../src/ui/explorer/url';
import { NoOwnNetwork } from '../../src/ui/explorer/loader';
import { graphGroupSteps } from '../../src/lib/graph/group-steps';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { unfusedOnnx } from '../fixtures/yours';

const spec = validateSpec({
	name: 'state',
	inputSize: 8,
	numClasses: 3,
	stem: { width: 8, stride: 1, k: 1 },
	stages: [{ width: 8, blocks: 1, stride: 1, k: 2, seBlocks: 0 }]
});
const NORM = { mean: [0, 0, 0], std: [1, 1, 1] };
const loaded = (seed: number): Extract<LoadedModel, { model: unknown }> => ({ model: syntheticModel(spec, seed), norm: NORM, trained: seed === 0 });
const pixels = (name: string, size: number): InputPixels => ({ rgba: new Uint8ClampedArray(size * size * 4).fill(100), size, name });

interface Deferred<T> {
	promise: Promise<T>;
	resolve(v: T): void;
	reject(e: Error): void;
}
function deferred<T>(): Deferred<T> {
	let resolve!: (v: T) => void;
	let reject!: (e: Error) => void;
	const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
	return { promise, resolve, reject };
}

/** Loaders that answer only when the test says so, in whatever order it likes. */
function slowLoaders() {
	const models = new Map<ModelId, Deferred<LoadedModel>>();
	const inputs = new Map<string, Deferred<InputPixels>>();
	const sizes: number[] = [];
	const loaders: ExplorerLoaders = {
		loadModel: (id) => {
			const d = deferred<LoadedModel>();
			models.set(id, d);
			return d.promise;
		},
		loadInput: (id, size) => {
			const d = deferred<InputPixels>();
			inputs.set(id, d);
			sizes.push(size);
			return d.promise;
		},
		hasMine: () => false
	};
	return { loaders, models, inputs, sizes };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('explorer state', () => {
	it('keeps the visitor’s last input choice when an earlier decode finishes later', async () => {
		const { loaders, inputs } = slowLoaders();
		const s = new ExplorerState(loaders);
		const first = s.selectInput('dog');
		const second = s.selectInput('frog');
		inputs.get('frog')!.resolve(pixels('frog', 32));
		await second;
		inputs.get('dog')!.resolve(pixels('dog', 32));
		await first;
		expect(s.inputId).toBe('frog');
		expect(s.inputPixels?.name).toBe('frog');
	});

	it('an earlier input that fails late does not report an error over the latest choice', async () => {
		const { loaders, inputs } = slowLoaders();
		const s = new ExplorerState(loaders);
		const first = s.selectInput('dog');
		const second = s.selectInput('frog');
		inputs.get('frog')!.resolve(pixels('frog', 32));
		inputs.get('dog')!.reject(new Error('decode failed'));
		await Promise.all([first, second]);
		expect(s.inputError).toBeNull();
		expect(s.inputPixels?.name).toBe('frog');
	});

	it('keeps the visitor’s last model when an earlier load finishes later', async () => {
		const { loaders, models, inputs } = slowLoaders();
		const s = new ExplorerState(loaders);
		const first = s.selectModel('s0');
		const second = s.selectModel('s1');
		const s1 = loaded(1);
		models.get('s1')!.resolve(s1);
		await settle();
		expect(s.status.kind).toBe('ready');
		models.get('s0')!.resolve(loaded(2));
		await settle();
		expect(s.modelId).toBe('s1');
		expect(s.model).toBe(s1.model);
		expect(s.status.kind).toBe('ready');
		// the input is loaded once, for the model that won
		expect([...inputs.keys()]).toEqual([DEFAULT_QUERY.input]);
		inputs.get(DEFAULT_QUERY.input)!.resolve(pixels('cat', 64));
		await Promise.all([first, second]);
		expect(s.input?.shape).toEqual([1, 3, 64, 64]);
	});

	it('a failed load is one status with its message; a stale failure is ignored', async () => {
		const { loaders, models } = slowLoaders();
		const s = new ExplorerState(loaders);
		const first = s.selectModel('s0');
		const second = s.selectModel('s2');
		models.get('s0')!.reject(new Error('stale'));
		await first;
		expect(s.status.kind).toBe('loading');
		models.get('s2')!.reject(new Error('HTTP 404'));
		await second;
		expect(s.status).toEqual({ kind: 'failed', message: 'Could not load the model: HTTP 404' });
		expect(s.ready).toBe(false);
	});

	it('opens a deep link: block, channel and step, and the input at the model’s size', async () => {
		const { loaders, models, inputs, sizes } = slowLoaders();
		const s = new ExplorerState(loaders);
		const started = s.start(parse('model=cifar10&block=stage1.1&ch=11&step=4&input=dog'));
		models.get('cifar10')!.resolve(loaded(0));
		await settle();
		inputs.get('dog')!.resolve(pixels('dog', 32));
		await started;
		expect(s.block?.spec.name).toBe('stage1.1');
		expect(s.channel).toBe(11 % 8);
		expect(s.step).toBe(4);
		expect(sizes).toEqual([32]);
		expect(s.query).toBe('model=cifar10&block=stage1.1&ch=3&step=4&input=dog');
		// the derived chain reaches the proof
		expect(s.proof?.agrees).toBe(true);
	});

	it('presents a block as slides: one per branch fold, then pad, skip, sum (kernels, biases) and proof; the link and the step follow', async () => {
		const { loaders, models, inputs } = slowLoaders();
		const s = new ExplorerState(loaders);
		const started = s.start(parse('model=cifar10&block=stage1.1&ch=2&input=dog&present&slide=2'));
		models.get('cifar10')!.resolve(loaded(0));
		await settle();
		inputs.get('dog')!.resolve(pixels('dog', 32));
		await started;
		const folds = s.view!.folds.length;
		// a pointwise block: its k = 2 conv branches, and no scale branch
		expect(folds).toBe(2);
		expect(s.slides.map((x) => x.kind)).toEqual(['fold', 'fold', 'pad', 'skip', 'sum', 'bias', 'proof']);
		expect(s.presenting).toBe(true);
		expect(s.currentSlide).toEqual({ kind: 'fold', step: 1, fold: 1 });
		expect(s.query).toBe('model=cifar10&block=stage1.1&ch=2&input=dog&present&slide=2');
		for (let i = 0; i < 2; i++) s.presenterAction('next');
		expect(s.currentSlide?.kind).toBe('skip');
		expect(s.step).toBe(3);
		expect(s.query).toContain('present&slide=4');
		for (let i = 0; i < 5; i++) s.presenterAction('next');
		expect(s.slideIndex).toBe(s.slides.length);
		for (let i = 0; i < 20; i++) s.presenterAction('previous');
		expect(s.slideIndex).toBe(1);
		s.showSlide(folds + 1);
		s.presenterAction('leave');
		expect(s.presenting).toBe(false);
		expect(s.step).toBe(2);
		expect(s.query).toBe('model=cifar10&block=stage1.1&ch=2&step=2&input=dog');
		// presenting again starts at the step's first slide
		s.setStep(4);
		s.startPresenting();
		expect(s.currentSlide?.kind).toBe('sum');
	});

	it('an unknown block falls back to the first; "mine" without a picture falls back to the default input', async () => {
		const { loaders, models } = slowLoaders();
		const s = new ExplorerState(loaders);
		const started = s.start(parse('model=s0&block=stage9.9&input=mine'));
		models.get('s0')!.resolve(loaded(3));
		await settle();
		expect(s.blockIndex).toBe(0);
		expect(s.inputId).toBe(DEFAULT_QUERY.input);
		void started;
	});

	it('answers the explorer’s keys and ignores others', async () => {
		const { loaders, models } = slowLoaders();
		const s = new ExplorerState(loaders);
		void s.selectModel('s0');
		models.get('s0')!.resolve(loaded(4));
		await settle();
		expect(s.key('ArrowRight')).toBe(true);
		expect(s.step).toBe(2);
		expect(s.key('5')).toBe(true);
		expect(s.step).toBe(5);
		expect(s.key('ArrowRight')).toBe(true);
		expect(s.step).toBe(5);
		expect(s.key(']')).toBe(true);
		expect(s.blockIndex).toBe(1);
		expect(s.key('ArrowDown')).toBe(true);
		expect(s.channel).toBe(7);
		expect(s.key('x')).toBe(false);
		expect(s.key('6')).toBe(false);
	});

	it('?model=yours with an ONNX file steps through its merged groups, with a deep link and a proof', async () => {
		const groups = graphGroupSteps(decodeOnnx(unfusedOnnx()));
		const loaders: ExplorerLoaders = {
			loadModel: async (id) => {
				expect(id).toBe('yours');
				return { groups, ownName: 'small.onnx' };
			},
			loadInput: async () => ({ rgba: new Uint8ClampedArray(4), size: 1, name: 'x' }),
			hasMine: () => false
		};
		const s = new ExplorerState(loaders);
		await s.start(parse('model=yours&block=group2&ch=3&step=5'));
		expect(s.status.kind).toBe('ready');
		expect(s.ownName).toBe('small.onnx');
		expect(s.blockIndex).toBe(1);
		expect(s.blockLabels).toHaveLength(groups.length);
		expect(s.groupView?.channel).toBe(3);
		expect(s.groupProof?.agrees).toBe(true);
		expect(s.query).toBe('model=yours&block=group2&ch=3&step=5&input=' + DEFAULT_QUERY.input);
		s.setChannel(-1);
		expect(s.channel).toBe(groups[1].cout - 1);
		s.key(']');
		expect(s.blockIndex).toBe(2);
	});

	it('?model=yours with nothing kept says so instead of failing', async () => {
		const s = new ExplorerState({ ...slowLoaders().loaders, loadModel: async () => Promise.reject(new NoOwnNetwork()) });
		await s.start(parse('model=yours'));
		expect(s.status.kind).toBe('missing');
	});
});
