/**
 * The words the pages show for the engine's family records, in the page's language: the engine
 * keeps its English names (STEP_SHORT, each family's summary) for the CLI and tests; the pages
 * read these instead. Functions, not tables of strings, so they are called at render time.
 */
import { m } from '$lib/paraglide/messages';
import type { FamilyId } from '$lib/families/block';
import type { ReparamStepKind } from '$lib/reparam/steps';

const STEP_WORDS: Record<ReparamStepKind, () => string> = {
	'bn-fold': m.explorer_kind_bn_fold,
	add: m.explorer_kind_add,
	pad: m.explorer_kind_pad,
	identity: m.explorer_kind_identity,
	scale: m.explorer_kind_scale,
	sequential: m.explorer_kind_sequential,
	'avg-pool': m.explorer_kind_avg_pool,
	dilate: m.explorer_kind_dilate,
	'linear-bn': m.explorer_kind_linear_bn
};

const SUMMARIES: Record<FamilyId, () => string> = {
	mobileone: m.explorer_summary_mobileone,
	repvgg: m.explorer_summary_repvgg,
	acnet: m.explorer_summary_acnet,
	dbb: m.explorer_summary_dbb,
	repvggdw: m.explorer_summary_repvggdw,
	repmixer: m.explorer_summary_repmixer,
	repcpe: m.explorer_summary_repcpe,
	'learnable-rep': m.explorer_summary_learnable_rep
};

/** A step kind's short name: "Fold BN", "BN 접기". */
export const stepShort = (kind: ReparamStepKind): string => STEP_WORDS[kind]();

/** A family's train-time block in one line. */
export const familySummary = (id: FamilyId): string => SUMMARIES[id]();
