/**
 * The lesson's progress as kept in the browser's localStorage (nothing is sent anywhere): the
 * student's seed and, per chapter, tries and whether it was solved. Reading is defensive: the
 * stored text is bounded, parsed as untrusted JSON, and anything malformed is dropped.
 */
import { parseUntrustedJson } from '../core/json';
import { CHAPTER_IDS, type ChapterId } from './chapters';
import { isLessonSeed } from './instance';
import type { Attempt } from './check';

export const PROGRESS_KEY = 'mobileone-lab.lesson';
export const PROGRESS_FORMAT = 'mobileone-lab.lesson/1';
/** Stored text longer than this is ignored (a full record is well under 1 kB). */
export const MAX_PROGRESS_LENGTH = 4096;
const MAX_TRIES = 1000;

export interface LessonProgress {
	seed: number;
	chapters: Partial<Record<ChapterId, Attempt>>;
}

export type ChapterStatus = 'new' | 'tried' | 'solved';

/** The stored record, or a fresh one with `newSeed()` when there is none or it is unreadable. */
export function parseProgress(text: string | null, newSeed: () => number): LessonProgress {
	const fresh = (): LessonProgress => ({ seed: newSeed(), chapters: {} });
	if (text === null || text.length > MAX_PROGRESS_LENGTH) return fresh();
	let raw: unknown;
	try {
		raw = parseUntrustedJson(text, 4);
	} catch {
		return fresh();
	}
	if (typeof raw !== 'object' || raw === null) return fresh();
	const r = raw as Record<string, unknown>;
	if (r.format !== PROGRESS_FORMAT || !isLessonSeed(r.seed)) return fresh();
	const chapters: Partial<Record<ChapterId, Attempt>> = {};
	const stored = typeof r.chapters === 'object' && r.chapters !== null ? (r.chapters as Record<string, unknown>) : {};
	for (const id of CHAPTER_IDS) {
		const a = stored[String(id)] as Record<string, unknown> | undefined;
		if (typeof a !== 'object' || a === null) continue;
		const tries = a.tries;
		if (typeof tries !== 'number' || !Number.isInteger(tries) || tries < 0 || tries > MAX_TRIES || typeof a.solved !== 'boolean') continue;
		chapters[id] = { tries, solved: a.solved };
	}
	return { seed: r.seed, chapters };
}

export function serializeProgress(p: LessonProgress): string {
	return JSON.stringify({ format: PROGRESS_FORMAT, seed: p.seed, chapters: p.chapters });
}

export function chapterStatus(p: LessonProgress, id: ChapterId): ChapterStatus {
	const a = p.chapters[id];
	return !a || a.tries === 0 ? 'new' : a.solved ? 'solved' : 'tried';
}

export function solvedCount(p: LessonProgress): number {
	return CHAPTER_IDS.filter((id) => p.chapters[id]?.solved).length;
}
