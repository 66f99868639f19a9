/**
 * The explorer's speaker-notes messages: the slide window announces where it is on its own channel
 * (`$ui/shared/presenter` carries it), and the notes window checks what it reads and shows the
 * note for that kind of slide, in its own language.
 */
import { m } from '$lib/paraglide/messages';
import { MAX_SLIDES } from './url';
import type { ExplorerSlide } from './slides';

export const EXPLORER_NOTES_CHANNEL = 'mobileone-lab.present.explorer';

export type SlideKind = ExplorerSlide['kind'];
const KINDS: readonly SlideKind[] = ['fold', 'pad', 'skip', 'sum', 'bias', 'proof'];

export interface ExplorerNotesMessage {
	type: 'explorer-slide';
	slide: number;
	of: number;
	kind: SlideKind;
	/** Where and what, as the slide window words them. */
	where: string;
	title: string;
	/** The next slide's title; null on the last. */
	next: string | null;
}

const text = (v: unknown): v is string => typeof v === 'string' && v.length <= 200;
const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_SLIDES;

/** A message from the channel, checked; null for anything else. */
export function readNotesMessage(data: unknown): ExplorerNotesMessage | null {
	if (typeof data !== 'object' || data === null) return null;
	const d = data as Record<string, unknown>;
	if (d.type !== 'explorer-slide' || !count(d.slide) || !count(d.of) || d.slide > d.of) return null;
	if (!KINDS.includes(d.kind as SlideKind) || !text(d.where) || !text(d.title) || !(d.next === null || text(d.next))) return null;
	return { type: 'explorer-slide', slide: d.slide, of: d.of, kind: d.kind as SlideKind, where: d.where, title: d.title, next: d.next };
}

/** What the speaker says on a kind of slide. */
export function speakerNote(kind: SlideKind): string {
	return { fold: m.explorer_notes_fold, pad: m.explorer_notes_pad, skip: m.explorer_notes_skip, sum: m.explorer_notes_sum, bias: m.explorer_notes_bias, proof: m.explorer_notes_proof }[kind]();
}
