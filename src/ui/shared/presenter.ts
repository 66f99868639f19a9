/**
 * What every presenter mode does the same way, whatever it shows: which keys move (clickers send
 * PageDown/PageUp or arrows), the channel a speaker-notes window follows, and fitting a slide to
 * the screen. The lesson and the explorer each keep their own slides, URLs and messages.
 */

export type PresenterAction = 'next' | 'previous' | 'leave';

/** What a key does in presenter mode. */
export function presenterKey(key: string): PresenterAction | null {
	if (key === 'PageDown' || key === 'ArrowRight' || key === 'ArrowDown' || key === ' ') return 'next';
	if (key === 'PageUp' || key === 'ArrowLeft' || key === 'ArrowUp') return 'previous';
	if (key === 'Escape') return 'leave';
	return null;
}

/**
 * A window keydown while presenting: the action it asks for, or null when presenter mode has nothing
 * to do with it (modifier keys, or typing in a field, where only Esc still leaves). Prevents the
 * browser's own scrolling for the keys it takes.
 */
export function presenterKeydown(e: KeyboardEvent): PresenterAction | null {
	if (e.altKey || e.ctrlKey || e.metaKey) return null;
	const inField = (e.target as HTMLElement | null)?.closest?.('input, select, textarea, [contenteditable]');
	const action = presenterKey(e.key);
	if (!action || (inField && action !== 'leave')) return null;
	e.preventDefault();
	return action;
}

/** The notes window's greeting: the slide window answers it with where it is. */
export const HELLO = { type: 'hello' } as const;
export const isHello = (data: unknown): boolean => typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'hello';

/**
 * The slide window's end of a notes channel (same origin, same browser: nothing leaves the device).
 * `current` is what to announce now, or null when not presenting; it is sent again to every notes
 * window that says hello.
 */
export function slideChannel(name: string, current: () => unknown | null) {
	const channel = new BroadcastChannel(name);
	const announce = () => {
		const msg = current();
		if (msg !== null) channel.postMessage(msg);
	};
	channel.onmessage = (e) => {
		if (isHello(e.data)) announce();
	};
	return { announce, close: () => channel.close() };
}

/** The notes window's end: says hello, then hands every message (unchecked) to `onmessage`. Returns the closer. */
export function followChannel(name: string, onmessage: (data: unknown) => void): () => void {
	const channel = new BroadcastChannel(name);
	channel.onmessage = (e) => onmessage(e.data);
	channel.postMessage(HELLO);
	return () => channel.close();
}

/** Opens the speaker-notes window (one per site: a second click brings the same one back). */
export function openNotesWindow(href: string): void {
	window.open(href, 'mobileone-lab-notes', 'popup,width=720,height=560');
}

/**
 * A Svelte action for presenter mode: scale a slide's content (the node's first child) down with
 * CSS zoom until it fits the node's box, so a tall figure never overflows the screen. Slides whose
 * text is laid out to fit at full size pass `active: false` and are left alone.
 */
export function fitToBox(node: HTMLElement, params: { active: boolean; key: string }) {
	let current = params;
	let frame = 0;
	const fit = () => {
		const inner = node.firstElementChild as HTMLElement | null;
		if (!inner) return;
		inner.style.zoom = '';
		if (!current.active) return;
		const style = getComputedStyle(node);
		const availH = node.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
		const availW = node.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
		const f = Math.min(1, availH / inner.scrollHeight, availW / inner.scrollWidth);
		if (f < 1) inner.style.zoom = String(Math.max(0.25, f * 0.97));
	};
	const schedule = () => {
		cancelAnimationFrame(frame);
		frame = requestAnimationFrame(fit);
	};
	const resize = new ResizeObserver(schedule);
	resize.observe(node);
	const mutations = new MutationObserver(schedule);
	mutations.observe(node, { childList: true, subtree: true });
	schedule();
	return {
		update(p: { active: boolean; key: string }) {
			current = p;
			schedule();
		},
		destroy() {
			cancelAnimationFrame(frame);
			resize.disconnect();
			mutations.disconnect();
		}
	};
}
