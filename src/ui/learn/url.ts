/**
 * The lesson's addresses: each chapter has its own path (`/learn/fold`), and presenter mode adds
 * `?present&slide=N`, so every slide has a URL of its own; `?model=yours` teaches on the visitor's
 * own network (the one /yours keeps), as in the explorer. Pure parse/serialize, unit-tested.
 */
import { CHAPTER_IDS, type ChapterId } from '$lib/lesson/chapters';
import { OWN_NETWORK } from '$lib/models';

export const LEARN_PATH = '/learn';

export const CHAPTER_SLUGS: Record<ChapterId, string> = {
	1: 'linear',
	2: 'batchnorm',
	3: 'fold',
	4: 'pad',
	5: 'identity',
	6: 'sum',
	7: 'why-branches',
	8: 'why-fuse',
	9: 'mistakes'
};

/** The parts of a chapter, in order: in presenter mode each is a slide (a dense figure, several). */
export const SLIDE_KINDS = ['idea', 'figure', 'confusions', 'question'] as const;
export type SlideKind = (typeof SLIDE_KINDS)[number];

/** One screen in presenter mode. */
export interface Slide {
	kind: SlideKind;
	/** Which slide of its part this is, 1-based: a figure split over two slides has parts 1 and 2. */
	part: number;
}

/**
 * Figures too dense for one screen at projector size, and how many slides each is drawn over, so
 * their numbers stay readable from the back of a room instead of shrinking to fit. The figure
 * draws its part N; every other part is one slide.
 */
const FIGURE_SLIDES: Partial<Record<ChapterId, number>> = { 1: 2, 5: 2, 6: 3 };

function chapterSlides(id: ChapterId): readonly Slide[] {
	return SLIDE_KINDS.flatMap((kind) => Array.from({ length: kind === 'figure' ? (FIGURE_SLIDES[id] ?? 1) : 1 }, (_, i): Slide => ({ kind, part: i + 1 })));
}

const CHAPTER_SLIDES: Record<ChapterId, readonly Slide[]> = { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [], 8: [], 9: [] };
for (const id of CHAPTER_IDS) CHAPTER_SLIDES[id] = chapterSlides(id);

/** A chapter's slides, in order. */
export function slidesOf(id: ChapterId): readonly Slide[] {
	return CHAPTER_SLIDES[id];
}

export interface LessonQuery {
	/** Teach on the visitor's own network (`model=yours`) instead of ours. */
	own: boolean;
	present: boolean;
	/** 1-based index into the chapter's slides; only meaningful when presenting. */
	slide: number;
}

export const DEFAULT_QUERY: Readonly<LessonQuery> = { own: false, present: false, slide: 1 };

export function chapterFromSlug(slug: string): ChapterId | null {
	return CHAPTER_IDS.find((id) => CHAPTER_SLUGS[id] === slug) ?? null;
}

/** The query of chapter `id`'s page: a slide number it doesn't have reads as its first slide. */
export function parse(search: string | URLSearchParams, id: ChapterId): LessonQuery {
	const q = typeof search === 'string' ? new URLSearchParams(search) : search;
	const present = q.has('present') && q.get('present') !== '0';
	const raw = q.get('slide');
	const n = raw !== null && /^\d{1,2}$/.test(raw) ? Number(raw) : 1;
	return { own: q.get('model') === OWN_NETWORK, present, slide: n >= 1 && n <= slidesOf(id).length ? n : 1 };
}

/** The query string without "?": empty for our model outside presenter mode. */
export function serialize(q: LessonQuery): string {
	return [q.own ? `model=${OWN_NETWORK}` : '', q.present ? `present&slide=${q.slide}` : ''].filter(Boolean).join('&');
}

/** A chapter's address; what `q` leaves out is the default (our model, not presenting). */
export function chapterHref(id: ChapterId, q: Partial<LessonQuery> = DEFAULT_QUERY): string {
	const s = serialize({ ...DEFAULT_QUERY, ...q });
	return `${LEARN_PATH}/${CHAPTER_SLUGS[id]}${s ? `?${s}` : ''}`;
}

/** The slide after (+1) or before (−1) this one, across chapters; null past either end. */
export function stepSlide(id: ChapterId, slide: number, dir: 1 | -1): { chapter: ChapterId; slide: number } | null {
	const to = slide + dir;
	if (to >= 1 && to <= slidesOf(id).length) return { chapter: id, slide: to };
	const other = CHAPTER_IDS[CHAPTER_IDS.indexOf(id) + dir];
	if (other === undefined) return null;
	return { chapter: other, slide: dir === 1 ? 1 : slidesOf(other).length };
}
