/**
 * A Svelte action for presenter mode: scale a slide's content (the node's first child) down with
 * CSS zoom until it fits the node's box, so a tall figure never overflows the screen. Text slides
 * are laid out to fit at full size and are left alone.
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
