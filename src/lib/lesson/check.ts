/**
 * Checking a student's answer, and how many tries they have had. A typed number is read leniently
 * (a typographic minus, a decimal comma) but never guessed at; an unreadable answer does not count
 * as a try. After two wrong tries the worked answer is shown.
 */
import type { Exercise, Tolerance } from './exercises';

export type Verdict = 'correct' | 'wrong' | 'unreadable';

/** Longer answers are refused unread. */
export const MAX_ANSWER_LENGTH = 40;
export const TRIES_BEFORE_WORKED_ANSWER = 2;

export function readNumber(raw: string): number | null {
	if (raw.length > MAX_ANSWER_LENGTH) return null;
	let s = raw.trim().replace(/[\u2212\u2013]/g, '-').replace(/\s+/g, '');
	if (!s.includes('.') && /^-?\d+,\d+$/.test(s)) s = s.replace(',', '.');
	if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return null;
	const n = Number(s);
	return Number.isFinite(n) ? n : null;
}

export function withinTolerance(given: number, answer: number, tol: Tolerance): boolean {
	return Math.abs(given - answer) <= Math.max(tol.absolute, tol.relative * Math.abs(answer));
}

/** `response`: the typed text (number), a tap index (cell) or true/false (yes/no). */
export function checkAnswer(ex: Exercise, response: string | number | boolean): Verdict {
	switch (ex.kind) {
		case 'number': {
			if (typeof response !== 'string') return 'unreadable';
			const n = readNumber(response);
			if (n === null) return 'unreadable';
			return withinTolerance(n, ex.answer, ex.tolerance) ? 'correct' : 'wrong';
		}
		case 'cell':
			if (typeof response !== 'number' || !Number.isInteger(response) || response < 0 || response >= ex.grid.values.length) return 'unreadable';
			return response === ex.answer ? 'correct' : 'wrong';
		case 'yesno':
			if (typeof response !== 'boolean') return 'unreadable';
			return response === ex.answer ? 'correct' : 'wrong';
	}
}

/** One chapter's record: tries that counted, and whether it was answered right. */
export interface Attempt {
	tries: number;
	solved: boolean;
}

export const NO_ATTEMPT: Attempt = { tries: 0, solved: false };

export function recordAttempt(a: Attempt, verdict: Verdict): Attempt {
	if (verdict === 'unreadable' || a.solved) return a;
	return { tries: a.tries + 1, solved: verdict === 'correct' };
}

export function showsWorkedAnswer(a: Attempt): boolean {
	return a.solved || a.tries >= TRIES_BEFORE_WORKED_ANSWER;
}
