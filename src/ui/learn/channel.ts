/**
 * The lesson's speaker-notes messages: the slide window announces its chapter and slide on this
 * channel (`$ui/shared/presenter` carries them), and the notes window checks what it reads.
 */
import { isChapterId, type ChapterId } from '$lib/lesson/chapters';
import { slidesOf } from './url';

export const NOTES_CHANNEL = 'mobileone-lab.present';

export type PresenterMessage = { type: 'slide'; chapter: ChapterId; slide: number };

/** A slide message from the channel, checked; null for anything else. */
export function readMessage(data: unknown): PresenterMessage | null {
	if (typeof data !== 'object' || data === null) return null;
	const m = data as Record<string, unknown>;
	if (m.type === 'slide' && isChapterId(m.chapter) && typeof m.slide === 'number' && Number.isInteger(m.slide) && m.slide >= 1 && m.slide <= slidesOf(m.chapter).length)
		return { type: 'slide', chapter: m.chapter, slide: m.slide };
	return null;
}
