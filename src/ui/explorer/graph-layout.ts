/**
 * Where BlockGraph draws each box at each step: a pure function, so its geometry can be tested
 * (a box per branch, nothing overlapping) without a browser. The branches sit side by side until
 * step 4, when they merge into the fused conv that fades in at their place.
 */
import type { BlockSpec } from '$lib/mobileone/spec';
import { m } from '$lib/paraglide/messages';

export const GRAPH_WIDTH = 440;
const BASE_HEIGHT = 330;
const SE_ROW = 44;

/** The picture's height for a block: a squeeze-excite box adds a row (without it the output box was cut off). */
export function graphHeight(b: BlockSpec): number {
	return BASE_HEIGHT + (b.se ? SE_ROW : 0);
}

export type GraphNodeKind = 'io' | 'conv' | 'scale' | 'skip' | 'sum' | 'se' | 'relu' | 'fused';

export interface GraphNode {
	id: string;
	kind: GraphNodeKind;
	x: number;
	y: number;
	w: number;
	h: number;
	title: string;
	sub: string;
	/** 0 while the node is merged away (or not yet there), 1 when shown. */
	opacity: number;
}

/** From node id, to node id, opacity. */
export type GraphEdge = [string, string, number];

const kName = (n: number) => `${n}×${n}`;

export function graphLayout(b: BlockSpec, step: number): { nodes: GraphNode[]; edges: GraphEdge[] } {
	const W = GRAPH_WIDTH;
	const K = kName(b.kernel);
	const branch = (id: string, kind: GraphNodeKind, title: string, sub: string): GraphNode => ({ id, kind, x: 0, y: 0, w: 0, h: 52, title, sub, opacity: 1 });
	const folded = step >= 1;
	const branches: GraphNode[] = [];
	for (let i = 0; i < b.k; i++) branches.push(branch(`conv${i}`, 'conv', folded ? `conv ${K}′` : `conv ${K}`, folded ? m.explorer_node_bias() : '+ BN'));
	if (b.hasScale)
		branches.push(
			branch('scale', 'scale', step >= 2 ? `conv ${K}′` : folded ? 'conv 1×1′' : 'conv 1×1', step >= 2 ? m.explorer_node_padded_bias() : folded ? m.explorer_node_bias() : '+ BN')
		);
	if (b.hasSkip) branches.push(branch('skip', 'skip', step >= 3 ? `I ${K}′` : 'BN', step >= 3 ? m.explorer_node_skip_bias() : m.explorer_node_skip()));
	const n = branches.length;
	const gap = 6;
	const bw = Math.min(112, (W - 16 - gap * (n - 1)) / n);
	const total = n * bw + (n - 1) * gap;
	const merged = step >= 4;
	branches.forEach((br, i) => {
		br.w = bw;
		br.x = merged ? W / 2 - bw / 2 : W / 2 - total / 2 + i * (bw + gap);
		br.y = merged ? 128 : 108;
		br.opacity = merged ? 0 : 1;
	});
	const fused: GraphNode = { id: 'fused', kind: 'fused', x: W / 2 - 90, y: 100, w: 180, h: 58, title: m.explorer_node_one_conv({ k: K }), sub: m.explorer_node_with_bias(), opacity: merged ? 1 : 0 };
	const sum: GraphNode = { id: 'sum', kind: 'sum', x: W / 2 - 16, y: 190, w: 32, h: 32, title: '+', sub: '', opacity: merged ? 0 : 1 };
	let y = merged ? 184 : 240;
	const nodes: GraphNode[] = [{ id: 'in', kind: 'io', x: W / 2 - 24, y: 16, w: 48, h: 30, title: 'x', sub: '', opacity: 1 }, ...branches, fused, sum];
	if (b.se) {
		nodes.push({ id: 'se', kind: 'se', x: W / 2 - 60, y, w: 120, h: 30, title: m.explorer_node_se(), sub: '', opacity: 1 });
		y += SE_ROW;
	}
	nodes.push({ id: 'relu', kind: 'relu', x: W / 2 - 36, y, w: 72, h: 30, title: 'ReLU', sub: '', opacity: 1 });
	nodes.push({ id: 'out', kind: 'io', x: W / 2 - 24, y: y + 46, w: 48, h: 30, title: 'y', sub: '', opacity: 1 });
	const edges: GraphEdge[] = [];
	for (const br of branches) {
		edges.push(['in', br.id, br.opacity]);
		edges.push([br.id, 'sum', br.opacity]);
	}
	edges.push(['in', 'fused', fused.opacity]);
	const after = b.se ? 'se' : 'relu';
	edges.push(['sum', after, sum.opacity]);
	edges.push(['fused', after, fused.opacity]);
	if (b.se) edges.push(['se', 'relu', 1]);
	edges.push(['relu', 'out', 1]);
	return { nodes, edges };
}

/** The curve an edge is drawn with: from the bottom centre of one box to the top centre of the next. */
export function edgePath(from: GraphNode, to: GraphNode): string {
	const x1 = from.x + from.w / 2;
	const y1 = from.y + from.h;
	const x2 = to.x + to.w / 2;
	const y2 = to.y;
	const my = (y1 + y2) / 2;
	return `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
}
