/**
 * The lesson's addresses: each chapter has its own path (`/learn/fold`), and presenter mode adds
 * `?present&slide=N`, so every slide has a URL of its own. Pure parse/serialize, unit-tested.
 */
import { CHAPTER_IDS, type ChapterId } from '$lib/lesson/chapters';

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

/** The parts of a chapter, in order: in presenter mode each is a slide. */
export const SLIDES = ['idea', 'figure', 'confusions', 'question'] as const;
export type SlideKind = (typeof SLIDES)[number];

export interface LessonQuery {
	present: boolean;
	/** 1-based index into SLIDES; only meaningful when presenting. */
	slide: number;
}

export const DEFAULT_QUERY: Readonly<LessonQuery> = { present: false, slide: 1 };

export function chapterFromSlug(slug: string): ChapterId | null {
	return CHAPTER_IDS.find((id) => CHAPTER_SLUGS[id] === slug) ?? null;
}

export function parse(search: string | URLSearchParams): LessonQuery {
	const q = typeof search === 'string' ? new URLSearchParams(search) : search;
	const present = q.has('present') && q.get('present') !== '0';
	const raw = q.get('slide');
	const n = raw !== null && /^\d{1,2}$/.test(raw) ? Number(raw) : 1;
	return { present, slide: n >= 1 && n <= SLIDES.length ? n : 1 };
}

/** The query string without "?": empty outside presenter mode. */
export function serialize(q: LessonQuery): string {
	return q.present ? `present&slide=${q.slide}` : '';
}

export function chapterHref(id: ChapterId, q: LessonQuery = DEFAULT_QUERY): string {
	const s = serialize(q);
	return `${LEARN_PATH}/${CHAPTER_SLUGS[id]}${s ? `?${s}` : ''}`;
}

/** The slide after (+1) or before (−1) this one, across chapters; null past either end. */
export function stepSlide(id: ChapterId, slide: number, dir: 1 | -1): { chapter: ChapterId; slide: number } | null {
	const i = CHAPTER_IDS.indexOf(id) * SLIDES.length + (slide - 1) + dir;
	if (i < 0 || i >= CHAPTER_IDS.length * SLIDES.length) return null;
	return { chapter: CHAPTER_IDS[Math.floor(i / SLIDES.length)], slide: (i % SLIDES.length) + 1 };
}
