import { error } from '@sveltejs/kit';
import { CHAPTER_IDS } from '$lib/lesson/chapters';
import { CHAPTER_SLUGS, chapterFromSlug } from '$ui/learn/url';
import type { EntryGenerator, PageLoad } from './$types';

// Each chapter is its own prerendered page.
export const entries: EntryGenerator = () => CHAPTER_IDS.map((id) => ({ chapter: CHAPTER_SLUGS[id] }));

export const load: PageLoad = ({ params }) => {
	const id = chapterFromSlug(params.chapter);
	if (id === null) error(404, 'There is no such chapter.');
	return { id };
};
