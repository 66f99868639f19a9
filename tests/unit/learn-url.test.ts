import { describe, expect, it } from 'vitest';
import { CHAPTER_IDS } from '../../src/lib/lesson/chapters';
import { readMessage } from '../../src/ui/learn/channel';
import { chapterFromSlug, chapterHref, CHAPTER_SLUGS, parse, serialize, slidesOf, SLIDE_KINDS, stepSlide } from '../../src/ui/learn/url';
import { CHAPTERS, noteFor } from '../../src/ui/learn/text';
import { presenterKey } from '../../src/ui/shared/presenter';

describe('lesson addresses', () => {
	it('every chapter has its own slug, read back to the same chapter', () => {
		expect(new Set(Object.values(CHAPTER_SLUGS)).size).toBe(CHAPTER_IDS.length);
		for (const id of CHAPTER_IDS) expect(chapterFromSlug(CHAPTER_SLUGS[id])).toBe(id);
		expect(chapterFromSlug('nope')).toBeNull();
	});

	it('reads and writes presenter mode and the slide', () => {
		expect(parse('', 2)).toEqual({ own: false, present: false, slide: 1 });
		expect(parse('?present&slide=3', 2)).toEqual({ own: false, present: true, slide: 3 });
		for (const bad of ['slide=0', 'slide=9', 'slide=x', 'slide=1e1']) expect(parse(`present&${bad}`, 2).slide).toBe(1);
		// a split figure gives its chapter more slides than another has
		expect(parse('present&slide=6', 6).slide).toBe(6);
		expect(parse('present&slide=6', 2).slide).toBe(1);
		expect(serialize({ own: false, present: true, slide: 2 })).toBe('present&slide=2');
		expect(serialize({ own: false, present: false, slide: 2 })).toBe('');
		expect(chapterHref(3, { present: true, slide: 4 })).toBe('/learn/fold?present&slide=4');
		expect(parse(serialize({ own: false, present: true, slide: 4 }), 3)).toEqual({ own: false, present: true, slide: 4 });
	});

	it('reads and writes the visitor’s own network, with or without presenter mode', () => {
		expect(parse('model=yours', 3)).toEqual({ own: true, present: false, slide: 1 });
		expect(parse('model=cifar10', 3).own).toBe(false);
		expect(parse('model=YOURS', 3).own).toBe(false);
		expect(chapterHref(3, { own: true })).toBe('/learn/fold?model=yours');
		expect(chapterHref(3, { own: true, present: true, slide: 2 })).toBe('/learn/fold?model=yours&present&slide=2');
		const q = { own: true, present: true, slide: 2 };
		expect(parse(serialize(q), 3)).toEqual(q);
	});

	it('steps through all slides across chapters and stops at both ends', () => {
		expect(stepSlide(1, 1, -1)).toBeNull();
		expect(stepSlide(1, slidesOf(1).length, 1)).toEqual({ chapter: 2, slide: 1 });
		expect(stepSlide(2, 1, -1)).toEqual({ chapter: 1, slide: slidesOf(1).length });
		expect(stepSlide(7, 1, -1)).toEqual({ chapter: 6, slide: slidesOf(6).length });
		expect(stepSlide(9, slidesOf(9).length, 1)).toBeNull();
		let at: { chapter: (typeof CHAPTER_IDS)[number]; slide: number } | null = { chapter: 1, slide: 1 };
		let n = 1;
		while ((at = stepSlide(at.chapter, at.slide, 1))) n++;
		expect(n).toBe(CHAPTER_IDS.reduce((sum, id) => sum + slidesOf(id).length, 0));
	});

	it('every chapter has each kind of slide in order, dense figures over several, and a speaker note for every slide', () => {
		for (const id of CHAPTER_IDS) {
			const slides = slidesOf(id);
			expect([...new Set(slides.map((s) => s.kind))]).toEqual([...SLIDE_KINDS]);
			const figures = slides.filter((s) => s.kind === 'figure');
			expect(figures.map((s) => s.part)).toEqual(figures.map((_, i) => i + 1));
			expect(CHAPTERS[id].notes.figure).toHaveLength(figures.length);
			for (const s of slides) expect(noteFor(CHAPTERS[id], s)).not.toBe('');
		}
		expect(slidesOf(1).length).toBe(5);
		expect(slidesOf(6).length).toBe(6);
		expect(slidesOf(2).length).toBe(4);
	});

	it('presenter keys, and only well-formed messages from the notes channel', () => {
		expect(['PageDown', 'ArrowRight', ' '].map(presenterKey)).toEqual(['next', 'next', 'next']);
		expect(['PageUp', 'ArrowLeft'].map(presenterKey)).toEqual(['previous', 'previous']);
		expect(presenterKey('Escape')).toBe('leave');
		expect(presenterKey('a')).toBeNull();
		expect(readMessage({ type: 'slide', chapter: 3, slide: 2 })).toEqual({ type: 'slide', chapter: 3, slide: 2 });
		expect(readMessage({ type: 'slide', chapter: 6, slide: 6 })).toEqual({ type: 'slide', chapter: 6, slide: 6 });
		for (const bad of [null, 'x', { type: 'slide', chapter: 10, slide: 1 }, { type: 'slide', chapter: 2, slide: 5 }, { type: 'slide', chapter: 1, slide: 6 }, { type: 'other' }, { type: 'hello' }]) expect(readMessage(bad)).toBeNull();
	});
});
