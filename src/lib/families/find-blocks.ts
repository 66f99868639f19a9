/**
 * Finds the blocks of every family inside any state dict, under any prefix
 * (`layer1.0.conv1.dbb_origin.conv.weight` is a DBB block at `layer1.0.conv1.`), from key patterns
 * alone, and reads each block's geometry from its tensors' shapes. One entry per family below: the
 * key that marks a block (`anchor`), the keys that must sit beside it for it to be that family
 * (`signature`), and how the geometry follows from the shapes. Then the family's own `keys(g)` is
 * the whole check: every key it lists must be there with exactly that shape, before anything is
 * fused or allocated, so a block's tensors can never disagree with the geometry it is fused with.
 *
 * What weights cannot say: the stride. The fuse does not depend on it. A block that could have an
 * identity branch (in = out) but has none is read as stride 2 (the only reason these families drop
 * it); every other block as stride 1. Groups are read where a branch shows them (an identity, DBB's
 * two-step branch, a depthwise family); elsewhere groups = 1 is used, which changes nothing in the
 * fused tensor (the same numbers at the same places), only which input channels the check feeds.
 */
import { WeightsError } from '../core/errors';
import { quoted } from '../core/printable';
import type { Tensor } from '../core/tensor';
import type { BlockGeometry, FamilyBlock, FamilyId } from './block';
import { familyById } from './index';

/** More blocks than any published network of these families has; a file cannot make the tool loop longer. */
export const MAX_FOUND_BLOCKS = 4096;
const MAX_CHANNELS = 1 << 16;
const MAX_KERNEL = 31;
const MAX_BRANCHES = 16;

export interface FoundBlock {
	family: FamilyBlock;
	/** The module path before the block's own keys, with its trailing dot ('' for a bare block). */
	prefix: string;
	geometry: BlockGeometry;
	/** Every train-time key of the block in the file, BatchNorm counters included. */
	keys: string[];
}

type Shape = readonly number[] | undefined;

interface Recogniser {
	family: FamilyId;
	anchor: string;
	signature: string[];
	/** The geometry from shapes (`shape(k)` reads a block-local key); null when the shapes cannot be this family's. */
	geometry(shape: (key: string) => Shape, count: (pattern: (i: number) => string) => number): BlockGeometry | null;
}

/** cin, groups and stride for a family whose identity branch is a BN over the input (`identityKey`). */
function withIdentity(shape: (key: string) => Shape, identityKey: string, cout: number, cpg: number): Pick<BlockGeometry, 'cin' | 'groups' | 'stride'> | null {
	const id = shape(identityKey);
	if (id) return id[0] === cout && cout % cpg === 0 ? { cin: cout, groups: cout / cpg, stride: 1 } : null;
	return { cin: cpg, groups: 1, stride: cpg === cout ? 2 : 1 };
}

function square(w: Shape): [number, number, number] | null {
	return w && w.length === 4 && w[2] === w[3] && w[2] % 2 === 1 ? [w[0], w[1], w[2]] : null;
}

/** In matching order: a RepMixer holds MobileOne blocks, so it is claimed first. */
const RECOGNISERS: Recogniser[] = [
	{
		family: 'repmixer',
		anchor: 'mixer.rbr_conv.0.conv.weight',
		signature: ['norm.rbr_skip.running_var', 'layer_scale'],
		geometry(shape, count) {
			const w = square(shape('mixer.rbr_conv.0.conv.weight'));
			if (!w || w[1] !== 1) return null;
			return { cin: w[0], cout: w[0], kernel: w[2], stride: 1, groups: w[0], branches: count((i) => `mixer.rbr_conv.${i}.conv.weight`) };
		}
	},
	{
		family: 'dbb',
		anchor: 'dbb_origin.conv.weight',
		signature: ['dbb_1x1_kxk.conv2.weight', 'dbb_avg.avgbn.running_var'],
		geometry(shape) {
			const w = square(shape('dbb_origin.conv.weight'));
			const first = shape('dbb_1x1_kxk.idconv1.weight') ?? shape('dbb_1x1_kxk.conv1.weight');
			const second = shape('dbb_1x1_kxk.conv2.weight');
			if (!w || !first || !second || second.length !== 4 || second[1] === 0 || first[0] % second[1] !== 0) return null;
			const groups = shape('dbb_1x1.conv.weight') ? first[0] / second[1] : w[0];
			return { cin: w[1] * groups, cout: w[0], kernel: w[2], stride: 1, groups, internal: first[0] };
		}
	},
	{
		family: 'acnet',
		anchor: 'square_conv.weight',
		signature: ['ver_conv.weight', 'hor_conv.weight'],
		geometry(shape) {
			const w = square(shape('square_conv.weight'));
			return w ? { cin: w[1], cout: w[0], kernel: w[2], stride: 1, groups: 1 } : null;
		}
	},
	{
		family: 'repvggdw',
		anchor: 'conv.c.weight',
		signature: ['conv.bn.running_var', 'conv1.bias', 'bn.running_var'],
		geometry(shape) {
			const w = square(shape('conv.c.weight'));
			return w && w[1] === 1 ? { cin: w[0], cout: w[0], kernel: w[2], stride: 1, groups: w[0] } : null;
		}
	},
	{
		family: 'learnable-rep',
		anchor: 'conv_kxk.0.conv.weight',
		signature: ['lab.scale', 'lab.bias'],
		geometry(shape, count) {
			const w = square(shape('conv_kxk.0.conv.weight'));
			const io = w && withIdentity(shape, 'identity.running_var', w[0], w[1]);
			return w && io ? { ...io, cout: w[0], kernel: w[2], branches: count((i) => `conv_kxk.${i}.conv.weight`) } : null;
		}
	},
	{
		family: 'repvgg',
		anchor: 'rbr_dense.conv.weight',
		signature: ['rbr_1x1.conv.weight'],
		geometry(shape) {
			const w = square(shape('rbr_dense.conv.weight'));
			const io = w && withIdentity(shape, 'rbr_identity.running_var', w[0], w[1]);
			return w && io ? { ...io, cout: w[0], kernel: w[2] } : null;
		}
	},
	{
		family: 'mobileone',
		anchor: 'rbr_conv.0.conv.weight',
		signature: ['rbr_conv.0.bn.running_var'],
		geometry(shape, count) {
			const w = square(shape('rbr_conv.0.conv.weight'));
			const io = w && withIdentity(shape, 'rbr_skip.running_var', w[0], w[1]);
			return w && io ? { ...io, cout: w[0], kernel: w[2], branches: count((i) => `rbr_conv.${i}.conv.weight`) } : null;
		}
	},
	{
		family: 'repcpe',
		anchor: 'pe.weight',
		signature: ['pe.bias'],
		geometry(shape) {
			const w = square(shape('pe.weight'));
			return w && w[1] === 1 ? { cin: w[0], cout: w[0], kernel: w[2], stride: 1, groups: w[0] } : null;
		}
	}
];

function fits(g: BlockGeometry): boolean {
	const n = (v: number | undefined, max: number) => v === undefined || (Number.isInteger(v) && v >= 1 && v <= max);
	return n(g.cin, MAX_CHANNELS) && n(g.cout, MAX_CHANNELS) && n(g.groups, MAX_CHANNELS) && n(g.internal, MAX_CHANNELS) && n(g.kernel, MAX_KERNEL) && n(g.branches, MAX_BRANCHES);
}

/**
 * Every family block in the state dict, in the order their first keys appear. Throws WeightsError
 * (one sentence, naming the key) when a block is recognised but its tensors do not fit together.
 */
export function findFamilyBlocks(tensors: ReadonlyMap<string, Tensor>): FoundBlock[] {
	const claimed = new Set<string>();
	const found: FoundBlock[] = [];
	for (const r of RECOGNISERS) {
		const family = familyById(r.family)!;
		for (const key of tensors.keys()) {
			if (key !== r.anchor && !key.endsWith(`.${r.anchor}`)) continue;
			if (claimed.has(key)) continue;
			const prefix = key.slice(0, key.length - r.anchor.length);
			const shape = (k: string): Shape => tensors.get(prefix + k)?.shape;
			if (!r.signature.every((k) => tensors.has(prefix + k))) continue;
			const count = (pattern: (i: number) => string) => {
				let i = 0;
				while (i <= MAX_BRANCHES && tensors.has(prefix + pattern(i))) i++;
				return i;
			};
			const where = prefix ? `the ${family.name} block at ${quoted(prefix.slice(0, -1))}` : `the ${family.name} block`;
			const g = r.geometry(shape, count);
			if (!g || !fits(g)) throw new WeightsError('unexpected-shape', `${where} has ${quoted(key)} of shape [${shape(r.anchor)!.join(', ')}], which no ${family.name} block this tool reads has (kernels up to ${MAX_KERNEL}, at most ${MAX_CHANNELS} channels and ${MAX_BRANCHES} branches)`);
			const problem = family.check(g);
			if (problem) throw new WeightsError('unexpected-shape', `${where} does not fit: ${problem}`);
			const keys: string[] = [];
			for (const { key: k, shape: expected } of family.keys(g)) {
				const full = prefix + k;
				const t = tensors.get(full);
				if (!t) throw new WeightsError('missing-key', `${where} has no ${quoted(full)}`);
				if (t.shape.length !== expected.length || t.shape.some((d, j) => d !== expected[j]))
					throw new WeightsError('unexpected-shape', `${quoted(full)} has shape [${t.shape.join(', ')}], but ${where} needs [${expected.join(', ')}]`);
				if (claimed.has(full)) throw new WeightsError('unexpected-shape', `${quoted(full)} belongs to two blocks`);
				keys.push(full);
				const counter = full.replace(/running_var$/, 'num_batches_tracked');
				if (counter !== full && tensors.has(counter)) keys.push(counter);
			}
			for (const k of keys) claimed.add(k);
			found.push({ family, prefix, geometry: g, keys });
			if (found.length > MAX_FOUND_BLOCKS) throw new WeightsError('too-large', `more than ${MAX_FOUND_BLOCKS} reparameterizable blocks is more than this tool reads`);
		}
	}
	const position = new Map([...tensors.keys()].map((k, i) => [k, i]));
	const first = (b: FoundBlock) => Math.min(...b.keys.map((k) => position.get(k) ?? Infinity));
	return found.sort((a, b) => first(a) - first(b));
}

/** "12 DBB blocks, 4 ACNet blocks": the found blocks counted by family, largest count first. */
export function countByFamily(blocks: readonly FoundBlock[]): { family: FamilyId; name: string; blocks: number }[] {
	const counts = new Map<FamilyId, { family: FamilyId; name: string; blocks: number }>();
	for (const b of blocks) {
		const c = counts.get(b.family.id) ?? { family: b.family.id, name: b.family.name, blocks: 0 };
		c.blocks++;
		counts.set(b.family.id, c);
	}
	return [...counts.values()].sort((a, b) => b.blocks - a.blocks);
}
