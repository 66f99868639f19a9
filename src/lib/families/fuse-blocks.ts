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
import type { Tensor64 } from '../core/tensor';
import type { BlockFusion, FamilyId, StateDict } from './block';
import type { FoundBlock } from './find-blocks';
import { proveFamilyBlock } from './prove';

/** The side of each block's check input unless the caller asks for another: small, so any file's check stays short. */
export const BLOCK_CHECK_SIDE = 8;

export interface BlockCheck {
	/** The block's module path ('' for a bare block). */
	block: string;
	family: string;
	familyId: FamilyId;
	/** Parallel branches of the block's widest sum, all now one conv. */
	branches: number;
	maxDelta: number;
	maxOutput: number;
	agrees: boolean;
}

/** The block's tensors under its own names (`dbb_origin.conv.weight`). */
export function blockStateDict(tensors: ReadonlyMap<string, Tensor>, b: FoundBlock): StateDict {
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
		const fusion = b.family.fuse(b.geometry, blockStateDict(tensors, b));
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

/**
 * The check input of the `index`-th found block: [1, cin, side, side], float32 values from the seed
 * plus the index, so every block gets its own and anyone holding the file (the explorer) can rebuild it.
 */
export function blockCheckInput(cin: number, seed: number, index: number, side: number): Tensor64 {
	const normal = seededNormal(seed + index);
	return { shape: [1, cin, side, side], data: Float64Array.from({ length: cin * side * side }, () => Math.fround(normal())) };
}

/** How many branches the fuse merged: the terms of its widest sum (DBB 4, RepVGG 3 or 2, RepCPE 2). */
export function mergedBranches(fusion: BlockFusion): number {
	return Math.max(1, ...fusion.steps.map((s) => (s.record.kind === 'add' ? s.record.terms.length : 0)));
}

/** Each block's train-time form against its fused one on its seeded [1, cin, side, side] input (`blockCheckInput`). */
export function checkFoundBlocks(tensors: ReadonlyMap<string, Tensor>, blocks: readonly FoundBlock[], seed: number, side: number): BlockCheck[] {
	return blocks.map((b, i) => {
		const x = blockCheckInput(b.geometry.cin, seed, i, side);
		const p = proveFamilyBlock(b.family, b.geometry, blockStateDict(tensors, b), x);
		const finite = Number.isFinite(p.maxDelta) && Number.isFinite(p.maxOutput);
		return {
			block: b.prefix.replace(/\.$/, ''),
			family: b.family.name,
			familyId: b.family.id,
			branches: mergedBranches(p.fusion),
			maxDelta: p.maxDelta,
			maxOutput: p.maxOutput,
			agrees: finite && p.agrees
		};
	});
}
