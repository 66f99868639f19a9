/** One Okabe–Ito colour per device, in the order the records are drawn (this device first). */
export const DEVICE_COLORS: readonly string[] = ['var(--blue)', 'var(--vermillion)', 'var(--green)', 'var(--orange-ink)', 'var(--purple-ink)', 'var(--sky)'];
/** Point shapes per device, so overlays differ by more than colour. */
export const DEVICE_SHAPES: readonly ('circle' | 'square' | 'diamond' | 'triangle' | 'cross' | 'star')[] = ['circle', 'square', 'diamond', 'triangle', 'cross', 'star'];

export function deviceColor(i: number): string {
	return DEVICE_COLORS[i % DEVICE_COLORS.length];
}
