/**
 * The family table: for each family, its train-time branches and the transforms its fuse really
 * uses (read from the step records of its demo block, never typed in), and for RepVGG A0–B1 the
 * parameters and FLOPs train → deploy from `repvgg-layouts.ts`.
 */
import type { FamilyBlock, FamilyId } from './block';
import { FAMILY_DEMO_GEOMETRY, FAMILY_DEMO_SEED } from './demo';
import { STEP_SHORT } from './explain';
import { FAMILIES } from './index';
import { REPVGG_LAYOUTS, repvggCount, type RepVGGCount } from './repvgg-layouts';
import type { ReparamStepKind } from '../reparam/steps';

export interface FamilyRow {
	id: FamilyId;
	name: string;
	summary: string;
	reference: string;
	/** Every kind of step the fuse takes, in first-use order. */
	transforms: { kind: ReparamStepKind; short: string }[];
	/** The deploy conv's weight key in the family's own names. */
	fusedKey: string;
}

export function familyRow(f: FamilyBlock): FamilyRow {
	const g = FAMILY_DEMO_GEOMETRY[f.id];
	const fusion = f.fuse(g, f.synthetic(g, FAMILY_DEMO_SEED));
	const kinds: ReparamStepKind[] = [];
	for (const s of fusion.steps) if (!kinds.includes(s.record.kind)) kinds.push(s.record.kind);
	return { id: f.id, name: f.name, summary: f.summary, reference: f.reference, transforms: kinds.map((kind) => ({ kind, short: STEP_SHORT[kind] })), fusedKey: fusion.keys.weight };
}

export function familyTable(): FamilyRow[] {
	return FAMILIES.map(familyRow);
}

export interface LayoutRow {
	name: string;
	train: RepVGGCount;
	deploy: RepVGGCount;
}

export function repvggTable(): LayoutRow[] {
	return REPVGG_LAYOUTS.map((l) => ({ name: l.name, train: repvggCount(l, 'train'), deploy: repvggCount(l, 'deploy') }));
}
