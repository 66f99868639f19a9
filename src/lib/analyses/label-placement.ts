/**
 * Where each point's label goes on a scatter plot, so that no two labels overlap and none covers a
 * point: a small greedy placement. Points are taken in priority order (highlighted first, then
 * left to right); each tries candidate spots around its point, nearest first, then a ring further
 * out joined to the point by a leader line; the first spot inside the plot that touches no placed
 * label and no point marker wins. A label with no free spot is left out (the point keeps its
 * tooltip, and the table under the plots names every network). Deterministic: the same points
 * always give the same picture. Works in pixels; nothing here touches the DOM.
 */

export interface LabelBox {
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface LabelRequest {
	id: string;
	/** The point, px. */
	x: number;
	y: number;
	/** The label's size, px (see `estimateTextWidth`). */
	width: number;
	height: number;
	/** Placed before the others (MobileOne's points). */
	priority: boolean;
}

export interface PlacedLabel {
	id: string;
	box: LabelBox;
	/** Where an SVG `<text>` with `text-anchor="start"` and `dominant-baseline="middle"` goes. */
	textX: number;
	textY: number;
	/** The leader line from the point to the label's nearest edge, when the label sits away from it. */
	leader: { x1: number; y1: number; x2: number; y2: number } | null;
}

export interface PlacementOptions {
	/** The plot area labels must stay inside. */
	bounds: { left: number; top: number; right: number; bottom: number };
	/** Half the size of a point marker, px: labels keep off every marker. */
	markerRadius: number;
	/** Gap between a point and a label next to it, px. */
	gap?: number;
	/** Distance of the second ring, with leader lines, px. */
	far?: number;
	/** Other points labels keep off (another device's, drawn unlabelled), px. */
	obstacles?: readonly { x: number; y: number }[];
}

export interface Placement {
	placed: PlacedLabel[];
	/** Ids whose label found no free spot. */
	hidden: string[];
}

/** Width of `text` in a sans-serif face at `fontPx`, on the generous side (0.6 em per character). */
export function estimateTextWidth(text: string, fontPx: number): number {
	return Math.ceil([...text].length * 0.6 * fontPx);
}

export function boxesOverlap(a: LabelBox, b: LabelBox): boolean {
	return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * Candidate boxes around a point at distance `d`: right, left, above, below, then the four
 * diagonals (a label reads best beside its point, on the same line).
 */
function candidates(p: LabelRequest, d: number): LabelBox[] {
	const { width: w, height: h } = p;
	const spots: [number, number][] = [
		[p.x + d, p.y - h / 2],
		[p.x - d - w, p.y - h / 2],
		[p.x - w / 2, p.y - d - h],
		[p.x - w / 2, p.y + d],
		[p.x + d * 0.7, p.y - d * 0.7 - h],
		[p.x - d * 0.7 - w, p.y - d * 0.7 - h],
		[p.x + d * 0.7, p.y + d * 0.7],
		[p.x - d * 0.7 - w, p.y + d * 0.7]
	];
	return spots.map(([x, y]) => ({ x, y, width: w, height: h }));
}

/** The point on the box's edge nearest to (x, y): where a leader line ends. */
function nearestEdge(b: LabelBox, x: number, y: number): { x: number; y: number } {
	return { x: Math.min(Math.max(x, b.x), b.x + b.width), y: Math.min(Math.max(y, b.y), b.y + b.height) };
}

export function placeLabels(requests: readonly LabelRequest[], o: PlacementOptions): Placement {
	const gap = o.gap ?? 4;
	const near = o.markerRadius + gap;
	const far = o.far ?? near + 22;
	const r = o.markerRadius;
	const markers: LabelBox[] = [...requests, ...(o.obstacles ?? [])].map((p) => ({ x: p.x - r, y: p.y - r, width: 2 * r, height: 2 * r }));
	const inside = (b: LabelBox) => b.x >= o.bounds.left && b.y >= o.bounds.top && b.x + b.width <= o.bounds.right && b.y + b.height <= o.bounds.bottom;
	const order = [...requests].sort((a, b) => Number(b.priority) - Number(a.priority) || a.x - b.x || a.y - b.y || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	const taken: LabelBox[] = [];
	const placed: PlacedLabel[] = [];
	const hidden: string[] = [];
	for (const p of order) {
		let chosen: { box: LabelBox; leader: boolean } | null = null;
		for (const [d, leader] of [
			[near, false],
			[far, true]
		] as const) {
			const free = candidates(p, d).find((b) => inside(b) && !taken.some((t) => boxesOverlap(t, b)) && !markers.some((m) => boxesOverlap(m, b)));
			if (free) {
				chosen = { box: free, leader };
				break;
			}
		}
		if (!chosen) {
			hidden.push(p.id);
			continue;
		}
		const b = chosen.box;
		taken.push(b);
		const end = nearestEdge(b, p.x, p.y);
		placed.push({
			id: p.id,
			box: b,
			textX: b.x,
			textY: b.y + b.height / 2,
			leader: chosen.leader ? { x1: p.x, y1: p.y, x2: end.x, y2: end.y } : null
		});
	}
	return { placed, hidden };
}
