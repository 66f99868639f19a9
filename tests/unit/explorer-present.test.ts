import { describe, expect, it } from 'vitest';
import { channelSteps } from '../../src/lib/mobileone/explain';
import { fuseBlockSteps } from '../../src/lib/mobileone/reparam';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { readNotesMessage } from '../../src/ui/explorer/notes';
import { explorerSlides, firstSlideOf } from '../../src/ui/explorer/slides';
import { presenterKey } from '../../src/ui/shared/presenter';

const spec = validateSpec({
	name: 'present',
	inputSize: 8,
	numClasses: 3,
	stem: { width: 8, stride: 1, k: 1 },
	stages: [{ width: 8, blocks: 1, stride: 1, k: 3, seBlocks: 0 }]
});

describe('explorer slides', () => {
	it('one slide per branch fold, then pad, skip, the sum’s kernels and biases, and proof, each naming its step', () => {
		const model = syntheticModel(spec, 7);
		const dw = model.blocks.find((b) => b.spec.role === 'depthwise')!;
		const view = channelSteps(fuseBlockSteps(dw), 2);
		// k = 3 conv branches and the 1×1 scale branch
		expect(view.folds.length).toBe(4);
		const slides = explorerSlides(view);
		expect(slides.map((s) => s.kind)).toEqual(['fold', 'fold', 'fold', 'fold', 'pad', 'skip', 'sum', 'bias', 'proof']);
		expect(slides.map((s) => s.step)).toEqual([1, 1, 1, 1, 2, 3, 4, 4, 5]);
		expect(slides.filter((s) => s.kind === 'fold').map((s) => (s.kind === 'fold' ? s.fold : -1))).toEqual([0, 1, 2, 3]);
		expect([1, 2, 3, 4, 5].map((step) => firstSlideOf(slides, step as 1 | 2 | 3 | 4 | 5))).toEqual([1, 5, 6, 7, 9]);
	});

	it('clickers and keyboards move; Esc leaves', () => {
		expect(['PageDown', 'ArrowRight', 'ArrowDown', ' '].map(presenterKey)).toEqual(['next', 'next', 'next', 'next']);
		expect(['PageUp', 'ArrowLeft', 'ArrowUp'].map(presenterKey)).toEqual(['previous', 'previous', 'previous']);
		expect(presenterKey('Escape')).toBe('leave');
		expect(presenterKey('Enter')).toBeNull();
	});

	it('the notes window reads only well-formed slide messages', () => {
		const ok = { type: 'explorer-slide', slide: 2, of: 8, kind: 'fold', where: 'Block stage1.0 · output channel 2', title: 'Fold', next: 'Pad' };
		expect(readNotesMessage(ok)).toEqual(ok);
		expect(readNotesMessage({ ...ok, slide: 8, next: null })).toEqual({ ...ok, slide: 8, next: null });
		for (const bad of [
			null,
			'x',
			{ type: 'hello' },
			{ ...ok, type: 'slide' },
			{ ...ok, slide: 9 },
			{ ...ok, slide: 0 },
			{ ...ok, slide: 1.5 },
			{ ...ok, of: 1000 },
			{ ...ok, kind: 'other' },
			{ ...ok, title: 'x'.repeat(201) },
			{ ...ok, next: 3 },
			{ ...ok, where: undefined }
		])
			expect(readNotesMessage(bad), JSON.stringify(bad)).toBeNull();
	});
});
