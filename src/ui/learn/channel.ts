/**
 * Presenter mode's second window: the slide window announces where it is on a BroadcastChannel
 * (same origin, same browser: nothing leaves the device), and the notes window follows.
 */
import { isChapterId, type ChapterId } from '$lib/lesson/chapters';
import { slidesOf } from './url';

export const NOTES_CHANNEL = 'mobileone-lab.present';

export type PresenterMessage = { type: 'slide'; chapter: ChapterId; slide: number } | { type: 'hello' };

/** A message from the channel, checked; null for anything else. */
export function readMessage(data: unknown): PresenterMessage | null {
	if (typeof data !== 'object' || data === null) return null;
	const m = data as Record<string, unknown>;
	if (m.type === 'hello') return { type: 'hello' };
	if (m.type === 'slide' && isChapterId(m.chapter) && typeof m.slide === 'number' && Number.isInteger(m.slide) && m.slide >= 1 && m.slide <= slidesOf(m.chapter).length)
		return { type: 'slide', chapter: m.chapter, slide: m.slide };
	return null;
}
