import { describe, expect, it } from 'vitest';
import { blocksOf, validateSpec, variantSpec } from '../../src/lib/mobileone/spec';
import { GRAPH_WIDTH, graphHeight, graphLayout, type GraphNode } from '../../src/ui/explorer/graph-layout';

const cifar = validateSpec({
	name: 'graph',
	inputSize: 32,
	numClasses: 10,
	stem: { width: 16, stride: 1, k: 1 },
	stages: [
		{ width: 16, blocks: 2, stride: 1, k: 4, seBlocks: 1 },
		{ width: 32, blocks: 1, stride: 2, k: 8, seBlocks: 0 }
	]
});
const BLOCKS = [...blocksOf(cifar), ...blocksOf(variantSpec('s4'))];

const overlap = (a: GraphNode, b: GraphNode) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('block graph layout', () => {
	it('draws one box per branch, plus input, sum, fused conv, ReLU and output (and SE where there is one)', () => {
		for (const b of BLOCKS) {
			for (let step = 1; step <= 5; step++) {
				const { nodes } = graphLayout(b, step);
				const count = (kind: string) => nodes.filter((n) => n.kind === kind).length;
				expect(count('conv')).toBe(b.k);
				expect(count('scale')).toBe(b.hasScale ? 1 : 0);
				expect(count('skip')).toBe(b.hasSkip ? 1 : 0);
				expect(count('se')).toBe(b.se ? 1 : 0);
				expect([count('io'), count('sum'), count('fused'), count('relu')]).toEqual([2, 1, 1, 1]);
				expect(nodes.length).toBe(b.k + (b.hasScale ? 1 : 0) + (b.hasSkip ? 1 : 0) + (b.se ? 1 : 0) + 5);
				expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
			}
		}
	});

	it('no two visible boxes overlap, and all stay inside the picture', () => {
		for (const b of BLOCKS) {
			for (let step = 0; step <= 5; step++) {
				const visible = graphLayout(b, step).nodes.filter((n) => n.opacity > 0);
				for (const n of visible) {
					expect(n.x, `${b.name} ${n.id}`).toBeGreaterThanOrEqual(0);
					expect(n.y).toBeGreaterThanOrEqual(0);
					expect(n.x + n.w).toBeLessThanOrEqual(GRAPH_WIDTH);
					expect(n.y + n.h, `${b.name} ${n.id}`).toBeLessThanOrEqual(graphHeight(b));
				}
				for (let i = 0; i < visible.length; i++)
					for (let j = i + 1; j < visible.length; j++)
						expect(overlap(visible[i], visible[j]), `${b.name} step ${step}: ${visible[i].id} / ${visible[j].id}`).toBe(false);
			}
		}
	});

	it('from step 4 the branches are merged away and the fused conv shows; every edge joins two nodes', () => {
		const b = BLOCKS.find((x) => x.hasScale && x.hasSkip)!;
		for (let step = 1; step <= 5; step++) {
			const { nodes, edges } = graphLayout(b, step);
			const byId = new Map(nodes.map((n) => [n.id, n]));
			for (const n of nodes.filter((x) => ['conv', 'scale', 'skip', 'sum'].includes(x.kind))) expect(n.opacity).toBe(step >= 4 ? 0 : 1);
			expect(byId.get('fused')!.opacity).toBe(step >= 4 ? 1 : 0);
			for (const [from, to] of edges) expect(byId.has(from) && byId.has(to)).toBe(true);
		}
		expect(graphLayout(b, 2).nodes.find((n) => n.id === 'scale')!.sub).toBe('padded, + bias');
	});
});
