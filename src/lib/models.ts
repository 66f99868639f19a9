/**
 * The site's model catalogue, DOM-free so the pages, the latency worker and the CLI tools share it:
 * our trained CIFAR-10 MobileOne and Apple's S0–S4 with seeded synthetic weights. Where the shipped
 * weights are fetched from is the UI's business (`src/ui/models.ts`, a Vite `?url` import); where
 * they lie in the repository is `SHIPPED_WEIGHTS_FILE`.
 */
import { syntheticModel } from './mobileone/synthetic';
import { isVariantName, variantSpec, VARIANTS, type VariantName } from './mobileone/spec';
import type { UnfusedModel } from './mobileone/model';

export type ModelId = 'cifar10' | VariantName;

export interface ModelChoice<Id extends string = ModelId> {
	id: Id;
	/** Long label, for pickers: "Our CIFAR-10 MobileOne (trained, k = 4)". */
	label: string;
	/** Short name, for tables and result headings: "Our CIFAR-10 MobileOne", "MobileOne-S0". */
	name: string;
	/** Real trained weights, or seeded synthetic ones. */
	trained: boolean;
	/** The input side the network is timed and run at. */
	inputSize: number;
}

/** The repository path of our trained model, unfused, with its spec, labels, mean and std in metadata. */
export const SHIPPED_WEIGHTS_FILE = 'models/mobileone-cifar10.safetensors';

/** Seed fixed for S0–S4's synthetic weights, so a deep link or a benchmark shows the same numbers to everyone. */
export const SYNTHETIC_SEED = 7;

export const MODEL_CHOICES: readonly ModelChoice[] = [
	{ id: 'cifar10', label: 'Our CIFAR-10 MobileOne (trained, k = 4)', name: 'Our CIFAR-10 MobileOne', trained: true, inputSize: 32 },
	...VARIANTS.map((v) => ({
		id: v,
		label: `MobileOne-${v.toUpperCase()} (synthetic weights)`,
		name: `MobileOne-${v.toUpperCase()}`,
		trained: false,
		inputSize: variantSpec(v).inputSize
	}))
];

/**
 * The visitor's own network, kept in this browser by the "your network" page (`/yours`): the
 * explorer and the latency lab open it as `?model=yours`. Not in the catalogue: only the browser
 * that holds it knows what it is.
 */
export const OWN_NETWORK = 'yours';
export type PageModelId = ModelId | typeof OWN_NETWORK;

export function isPageModelId(s: string | null | undefined): s is PageModelId {
	return s === OWN_NETWORK || isModelId(s);
}

/** How pickers and headings name the visitor's network. */
export const ownNetworkLabel = (fileName: string): string => `Your network (${fileName})`;

export function isModelId(s: string | null | undefined): s is ModelId {
	return typeof s === 'string' && MODEL_CHOICES.some((m) => m.id === s);
}

export function modelChoice(id: ModelId): ModelChoice {
	const m = MODEL_CHOICES.find((c) => c.id === id);
	if (!m) throw new RangeError(`unknown model "${id}"`);
	return m;
}

/** S0–S4 with the site's seeded synthetic weights (latency does not depend on their values). */
export function syntheticVariant(v: VariantName): UnfusedModel {
	return syntheticModel(variantSpec(v), SYNTHETIC_SEED);
}

/**
 * Networks of the other reparameterization families that the latency lab times (issue 11), with
 * seeded synthetic weights: RepVGG-A0 as DingXiaoH/RepVGG lays it out, train-time (three branches
 * per block) against its fusion. Not MobileOne, so the explorer and classify do not offer them.
 */
export type FamilyModelId = 'repvgg-a0';
export const FAMILY_MODEL_CHOICES: readonly ModelChoice<FamilyModelId>[] = [
	{ id: 'repvgg-a0', label: 'RepVGG-A0 (224, synthetic weights)', name: 'RepVGG-A0', trained: false, inputSize: 224 }
];
/** What the latency lab can time: the catalogue, the families' networks, the visitor's own. */
export type LabModelId = PageModelId | FamilyModelId;

export function isFamilyModelId(s: string | null | undefined): s is FamilyModelId {
	return typeof s === 'string' && FAMILY_MODEL_CHOICES.some((m) => m.id === s);
}
export function isLabModelId(s: string | null | undefined): s is LabModelId {
	return isPageModelId(s) || isFamilyModelId(s);
}

/** A catalogue model or a family's network, by id. */
export function labModelChoice(id: ModelId | FamilyModelId): ModelChoice<ModelId | FamilyModelId> {
	return isFamilyModelId(id) ? FAMILY_MODEL_CHOICES.find((m) => m.id === id)! : modelChoice(id);
}

/** What the picker says under a network's name, as facts; the page words them in its language. */
export interface ModelFacts {
	inputSize: number;
	trained: boolean;
	/** Branches per block at train time (MobileOne's k); null for RepVGG, whose blocks have three. */
	k: number | null;
	squeezeExcite: boolean;
	family: 'mobileone' | 'repvgg';
}

export function modelFacts(id: ModelId | FamilyModelId): ModelFacts | null {
	if (id === 'repvgg-a0') return { inputSize: 224, trained: false, k: null, squeezeExcite: false, family: 'repvgg' };
	if (id === 'cifar10') return { inputSize: 32, trained: true, k: 4, squeezeExcite: false, family: 'mobileone' };
	if (!isVariantName(id)) return null;
	const spec = variantSpec(id);
	return { inputSize: spec.inputSize, trained: false, k: spec.stages[0].k, squeezeExcite: spec.stages.some((s) => s.seBlocks > 0), family: 'mobileone' };
}
