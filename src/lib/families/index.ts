/** Every family's block, in the order of the table. */
import type { FamilyBlock, FamilyId } from './block';
import { acnet } from './acnet';
import { dbb } from './dbb';
import { learnableRep } from './learnable-rep';
import { repcpe } from './repcpe';
import { repmixer } from './repmixer';
import { repvgg } from './repvgg';
import { repvggdw } from './repvggdw';

export const FAMILIES: readonly FamilyBlock[] = [repvgg, acnet, dbb, repvggdw, repmixer, repcpe, learnableRep];

export function familyById(id: string): FamilyBlock | undefined {
	return FAMILIES.find((f) => f.id === (id as FamilyId));
}
