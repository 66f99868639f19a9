/** Scatter-plot labels: none overlaps another or a point, all stay in the plot, highlighted points go first. */
import { describe, expect, it } from 'vitest';
import { boxesOverlap, estimateTextWidth, placeLabels, type LabelRequest } from '../../src/lib/analyses/label-placement';
import { seededRandom } from '../../src/lib/core/random';

const bounds = { left: 56, top: 12, right: 624, bottom: 350 };
const R = 5;

function cloud(seed: number, n: number, spread = 1): LabelRequest[] {
	const rnd = seededRandom(seed);
	return Array.from({ length: n }, (_, i) => {
		const label = `Network-${i} ${'x'.repeat(Math.floor(rnd() * 10))}`;
		return {
			id: `n${i}`,
			x: bounds.left + 20 + rnd() * (bounds.right - bounds.left - 40) * spread,
			y: bounds.top + 20 + rnd() * (bounds.bottom - bounds.top - 40) * spread,
			width: estimateTextWidth(label, 10.5),
			height: 13,
			priority: i % 7 === 0
		};
	});
}

describe('placeLabels', () => {
	for (const [seed, n, spread] of [
		[1, 30, 1],
		[2, 30, 0.4],
		[3, 60, 0.25],
		[4, 12, 1]
	] as const) {
		it(`${n} points (seed ${seed}, spread ${spread}): no two placed labels intersect, none covers a point, all inside`, () => {
			const points = cloud(seed, n, spread);
			const { placed, hidden } = placeLabels(points, { bounds, markerRadius: R });
			expect(placed.length + hidden.length).toBe(n);
			expect(new Set([...placed.map((p) => p.id), ...hidden]).size).toBe(n);
			for (let i = 0; i < placed.length; i++) {
				const b = placed[i].box;
				expect(b.x).toBeGreaterThanOrEqual(bounds.left);
				expect(b.y).toBeGreaterThanOrEqual(bounds.top);
				expect(b.x + b.width).toBeLessThanOrEqual(bounds.right);
				expect(b.y + b.height).toBeLessThanOrEqual(bounds.bottom);
				for (let j = i + 1; j < placed.length; j++) expect(boxesOverlap(b, placed[j].box), `${placed[i].id} vs ${placed[j].id}`).toBe(false);
				for (const p of points) expect(boxesOverlap(b, { x: p.x - R, y: p.y - R, width: 2 * R, height: 2 * R })).toBe(false);
			}
		});
	}

	it('places every label of a sparse plot beside its point, without leaders', () => {
		const points = [0, 1, 2, 3].map((i) => ({ id: `p${i}`, x: 100 + 120 * i, y: 60 + 70 * i, width: 60, height: 13, priority: false }));
		const { placed, hidden } = placeLabels(points, { bounds, markerRadius: R });
		expect(hidden).toEqual([]);
		for (const p of placed) {
			expect(p.leader).toBeNull();
			const pt = points.find((q) => q.id === p.id)!;
			expect(p.box.x).toBe(pt.x + R + 4); // the first choice: right of the point, centred on it
			expect(p.textY).toBe(pt.y);
		}
	});

	it('a crowd pushes labels out to leader lines, then leaves some out; the highlighted point keeps the best spot', () => {
		const points: LabelRequest[] = Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, x: 300, y: 150 + 3 * i, width: 70, height: 13, priority: i === 5 }));
		const { placed, hidden } = placeLabels(points, { bounds, markerRadius: R });
		expect(placed[0].id).toBe('p5');
		expect(placed[0].leader).toBeNull();
		expect(placed.some((p) => p.leader !== null)).toBe(true);
		expect(hidden.length).toBeGreaterThan(0);
		for (const p of placed.filter((q) => q.leader)) {
			const l = p.leader!;
			// The leader runs from the point to the label's edge.
			const pt = points.find((q) => q.id === p.id)!;
			expect([l.x1, l.y1]).toEqual([pt.x, pt.y]);
			expect(l.x2).toBeGreaterThanOrEqual(p.box.x);
			expect(l.x2).toBeLessThanOrEqual(p.box.x + p.box.width);
		}
	});

	it('is deterministic whatever order the points come in', () => {
		const points = cloud(5, 30, 0.5);
		const a = placeLabels(points, { bounds, markerRadius: R });
		const b = placeLabels([...points].reverse(), { bounds, markerRadius: R });
		expect(b).toEqual(a);
	});

	it('keeps off other devices’ points too', () => {
		const p: LabelRequest = { id: 'a', x: 200, y: 100, width: 60, height: 13, priority: false };
		const free = placeLabels([p], { bounds, markerRadius: R }).placed[0].box;
		const blocked = placeLabels([p], { bounds, markerRadius: R, obstacles: [{ x: free.x + 20, y: free.y + 6 }] }).placed[0].box;
		expect(blocked).not.toEqual(free);
		expect(boxesOverlap(blocked, { x: free.x + 20 - R, y: free.y + 6 - R, width: 2 * R, height: 2 * R })).toBe(false);
	});

	it('a label wider than the plot is left out', () => {
		const { placed, hidden } = placeLabels([{ id: 'wide', x: 300, y: 100, width: 2000, height: 13, priority: true }], { bounds, markerRadius: R });
		expect(placed).toEqual([]);
		expect(hidden).toEqual(['wide']);
	});
});
