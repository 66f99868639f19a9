/**
 * A state dict's family blocks fused in place: each found block's train-time keys are replaced, where
 * its first key stood, by its fused conv under the family's own deploy names (`…dbb_reparam.weight`,
 * `…rbr_reparam.bias`, RepVGGDW's bare `….weight`); every other key passes through untouched. Each
 * block is then checked on its own: the train-time block (float64 reference ops) against the fused
 * conv with the float32 weights just written, on a seeded input.
 */
import { seededNormal } from '../core/random';
import type { Tensor } from '../core/tensor';
import { roundOnce } from '../reparam/conv-kernel';
import type { StateDict } from './block';
import type { FoundBlock } from './find-blocks';
import { proveFamilyBlock } from './prove';

export interface BlockCheck {
	/** The block's module path ('' for a bare block). */
	block: string;
	family: string;
	maxDelta: number;
	maxOutput: number;
	agrees: boolean;
}

/** The block's tensors under its own names (`dbb_origin.conv.weight`). */
function local(tensors: ReadonlyMap<string, Tensor>, b: FoundBlock): StateDict {
	const sd: StateDict = new Map();
	for (const k of b.keys) {
		const t = tensors.get(k);
		if (t) sd.set(k.slice(b.prefix.length), t);
	}
	return sd;
}

export function fuseFoundBlocks(tensors: ReadonlyMap<string, Tensor>, blocks: readonly FoundBlock[]): Map<string, Tensor> {
	const owner = new Map<string, FoundBlock>();
	for (const b of blocks) for (const k of b.keys) owner.set(k, b);
	const out = new Map<string, Tensor>();
	const done = new Set<FoundBlock>();
	for (const [k, t] of tensors) {
		const b = owner.get(k);
		if (!b) {
			out.set(k, t);
			continue;
		}
		if (done.has(b)) continue;
		done.add(b);
		const fusion = b.family.fuse(b.geometry, local(tensors, b));
		const r = roundOnce(fusion.fused);
		out.set(b.prefix + fusion.keys.weight, r.weight);
		out.set(b.prefix + fusion.keys.bias, { shape: [r.bias.length], data: r.bias });
	}
	return out;
}

/** Multiply-adds of checking every block at side×side (train-time branches and the fused conv, an upper estimate). */
export function blocksCheckCost(tensors: ReadonlyMap<string, Tensor>, blocks: readonly FoundBlock[], side: number): number {
	let macs = 0;
	for (const b of blocks) {
		let weights = 0;
		for (const k of b.keys) weights += tensors.get(k)?.data.length ?? 0;
		const g = b.geometry;
		// every stored value at most once per pixel, the fused conv once, and DBB's pooling
		macs += side * side * (weights + 2 * g.cout * (g.cin / g.groups) * g.kernel * g.kernel);
	}
	return macs;
}

/** Each block's train-time form against its fused one on a seeded [1, cin, side, side] input. */
export function checkFoundBlocks(tensors: ReadonlyMap<string, Tensor>, blocks: readonly FoundBlock[], seed: number, side: number): BlockCheck[] {
	return blocks.map((b, i) => {
		const normal = seededNormal(seed + i);
		const x = { shape: [1, b.geometry.cin, side, side], data: Float64Array.from({ length: b.geometry.cin * side * side }, () => Math.fround(normal())) };
		const p = proveFamilyBlock(b.family, b.geometry, local(tensors, b), x);
		const finite = Number.isFinite(p.maxDelta) && Number.isFinite(p.maxOutput);
		return { block: b.prefix.replace(/\.$/, ''), family: b.family.name, maxDelta: p.maxDelta, maxOutput: p.maxOutput, agrees: finite && p.agrees };
	});
}
