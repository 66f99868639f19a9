/**
 * Presenter mode draws figures for the back of a room: a slide provides the side of a heatmap
 * cell it wants, and every heatmap under it uses that side instead of its own (small) one, so its
 * digits grow with it. Outside a slide nothing is provided and heatmaps keep their sizes.
 */
import { getContext, setContext } from 'svelte';

const KEY = Symbol('slide-cell');

/** A 3×3 kernel's cell on a slide, px: its two-decimal labels come out ≥ 24 px (see cells.ts). */
export const SLIDE_CELL = 112;

/** A pointwise kernel's grid of input channels on a 1920 px slide, px: 256 channels make 26 columns of 64 px cells, with 25 px digits. */
export const SLIDE_POINTWISE_WIDTH = 1680;

/** Call during a component's set-up: heatmaps below use `get()` as their cell side when it is not null. */
export function provideSlideCell(get: () => number | null): void {
	setContext(KEY, get);
}

/** The cell side the enclosing slide asks for, or null outside presenter mode. */
export function slideCell(): () => number | null {
	return getContext<(() => number | null) | undefined>(KEY) ?? (() => null);
}
