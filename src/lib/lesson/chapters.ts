/** The lesson's chapters by number; their words are in the UI's text module, their slugs in its URL module. */
export const CHAPTER_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
export type ChapterId = (typeof CHAPTER_IDS)[number];

export function isChapterId(n: unknown): n is ChapterId {
	return typeof n === 'number' && (CHAPTER_IDS as readonly number[]).includes(n);
}
