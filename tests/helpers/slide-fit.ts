/**
 * How a presenter slide sits on the screen, measured in the page: whether it fits, the smallest
 * body text, and the smallest number drawn in a figure (a heatmap's digits, a table's values, a
 * formula's), all in CSS px as the viewer sees them (a fitted slide's zoom included: the slide's
 * content or, where only a figure is fitted, that figure's).
 */
import type { Page } from 'playwright-core';

export interface SlideFit {
	fitsY: boolean;
	fitsX: boolean;
	/** Smallest body paragraph, definition or prompt, px; Infinity when the slide has none. */
	smallestText: number;
	/** Smallest text with a digit inside `.lesson-figure` or `.slide-figure`, px; Infinity when none. */
	smallestNumber: number;
	/** That number's text, to name it in a failure. */
	smallestNumberText: string;
}

export function measureSlide(page: Page): Promise<SlideFit> {
	return page.evaluate(() => {
		const box = document.querySelector('.present .slide') as HTMLElement;
		const inner = box.firstElementChild as HTMLElement;
		/** The product of the zooms fitToBox set on the way from the slide down to `el`. */
		const zoomOf = (el: Element): number => {
			let z = 1;
			for (let e: Element | null = el; e && e !== box; e = e.parentElement) z *= Number((e as HTMLElement).style?.zoom || 1);
			return z;
		};
		const sizes = [...box.querySelectorAll('p.idea, dd, dt, .prompt, .slide-body')].map((e) => parseFloat(getComputedStyle(e).fontSize) * zoomOf(e));
		let smallestNumber = Infinity;
		let smallestNumberText = '';
		for (const fig of box.querySelectorAll('.lesson-figure, .slide-figure')) {
			const walker = document.createTreeWalker(fig, NodeFilter.SHOW_TEXT);
			for (let n = walker.nextNode(); n; n = walker.nextNode()) {
				const el = n.parentElement;
				if (!el || !/\d/.test(n.textContent ?? '')) continue;
				// not drawn: tooltips, screen-reader text, KaTeX's MathML twin
				if (el.closest('title, .visually-hidden, .katex-mathml, [hidden]') || el.getClientRects().length === 0) continue;
				const zoom = zoomOf(el);
				let px = parseFloat(getComputedStyle(el).fontSize);
				const svg = el.closest('svg');
				if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width > 0) px *= svg.getBoundingClientRect().width / zoom / svg.viewBox.baseVal.width;
				px *= zoom;
				if (px < smallestNumber) {
					smallestNumber = px;
					smallestNumberText = (n.textContent ?? '').trim().slice(0, 40);
				}
			}
		}
		const boxRect = box.getBoundingClientRect();
		// a figure fitted on its own must end inside the slide too (its box hides what overflows)
		const figures = [...box.querySelectorAll('.slide-figure')].map((f) => f.getBoundingClientRect());
		return {
			fitsY: inner.getBoundingClientRect().bottom <= boxRect.bottom + 1 && figures.every((r) => r.bottom <= boxRect.bottom + 1),
			fitsX:
				document.documentElement.scrollWidth <= window.innerWidth &&
				inner.scrollWidth * zoomOf(inner) <= box.clientWidth + 1 &&
				figures.every((r) => r.right <= boxRect.right + 1),
			smallestText: sizes.length ? Math.min(...sizes) : Infinity,
			smallestNumber,
			smallestNumberText
		};
	});
}
