/**
 * The block each family is shown with in the explorer: a small geometry that keeps every branch
 * (in = out channels and stride 1, so identity branches exist) and reads an RGB picture, so the
 * proof runs on a real input. One seed for all of them.
 */
import type { BlockGeometry, FamilyId } from './block';

export const FAMILY_DEMO_SEED = 11;

/** The input side of the explorer's family proofs (the picture is resized to it). */
export const FAMILY_DEMO_INPUT = 32;

export const FAMILY_DEMO_GEOMETRY: Readonly<Record<FamilyId, BlockGeometry>> = {
	mobileone: { cin: 3, cout: 3, kernel: 3, stride: 1, groups: 1, branches: 2 },
	repvgg: { cin: 3, cout: 3, kernel: 3, stride: 1, groups: 1 },
	acnet: { cin: 3, cout: 3, kernel: 3, stride: 1, groups: 1 },
	dbb: { cin: 3, cout: 3, kernel: 3, stride: 1, groups: 1 },
	repvggdw: { cin: 3, cout: 3, kernel: 3, stride: 1, groups: 3 },
	repmixer: { cin: 3, cout: 3, kernel: 3, stride: 1, groups: 3, branches: 1 },
	repcpe: { cin: 3, cout: 3, kernel: 7, stride: 1, groups: 3 },
	'learnable-rep': { cin: 3, cout: 3, kernel: 3, stride: 1, groups: 1, branches: 2 }
};
