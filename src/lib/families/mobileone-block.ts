/**
 * MobileOne's block (apple/ml-mobileone `mobileone.py`, `MobileOneBlock`) in the families' common
 * form, so every family can be listed and walked alike: k conv+BN branches `rbr_conv.i`, a 1×1
 * conv+BN `rbr_scale` (when K > 1), a BN-only `rbr_skip` (in = out, stride 1); deploy `reparam_conv`.
 * Apple's names come from `mobileone/keys.ts`; the whole-network MobileOne path stays in `mobileone/`.
 */
import { directConv } from '../reparam/direct-conv';
import { branchModule, convBranch, REPARAM_MODULE, SCALE_BRANCH, SKIP_BRANCH } from '../mobileone/keys';
import type { BlockGeometry, FamilyBlock } from './block';
import { applyBatchNorm, asImage, bnOf, convOf, hasIdentityBranch, repBranchKeys, sumOf, syntheticStateDict } from './ops';
import { StepLog } from './steps';

const branchesOf = (g: BlockGeometry) => g.branches ?? 1;
const conv = (i: number) => branchModule(convBranch(i));
const SCALE = branchModule(SCALE_BRANCH);
const SKIP = branchModule(SKIP_BRANCH);

export const mobileoneBlock: FamilyBlock = {
	id: 'mobileone',
	name: 'MobileOne',
	reference: 'apple/ml-mobileone mobileone.py (MobileOneBlock)',
	summary: 'k K×K conv-BN + 1×1 conv-BN + BN skip',
	check(g) {
		if (g.kernel % 2 === 0) return 'a MobileOne block needs an odd kernel';
		if (g.cin % g.groups || g.cout % g.groups) return `${g.cin} → ${g.cout} channels do not split into ${g.groups} groups`;
		return null;
	},
	keys(g) {
		return repBranchKeys(g, { conv, scale: SCALE, identity: SKIP });
	},
	synthetic(g, seed) {
		return syntheticStateDict(this.keys(g), seed);
	},
	forward(g, sd, x) {
		const input = asImage(x);
		const run = (m: string) => applyBatchNorm(directConv(input, convOf(sd, `${m}.conv.weight`, g.groups), { stride: g.stride }), bnOf(sd, `${m}.bn`));
		const outs = Array.from({ length: branchesOf(g) }, (_, i) => run(conv(i)));
		if (g.kernel > 1) outs.push(run(SCALE));
		if (hasIdentityBranch(g)) outs.push(applyBatchNorm(input, bnOf(sd, SKIP)));
		return sumOf(...outs);
	},
	fuse(g, sd) {
		const log = new StepLog();
		const labels = Array.from({ length: branchesOf(g) }, (_, i) => conv(i));
		const terms = labels.map((m) => log.convBn(m, convOf(sd, `${m}.conv.weight`, g.groups), bnOf(sd, `${m}.bn`), g.kernel));
		if (g.kernel > 1) {
			terms.push(log.convBn(SCALE, convOf(sd, `${SCALE}.conv.weight`, g.groups), bnOf(sd, `${SCALE}.bn`), g.kernel));
			labels.push(SCALE);
		}
		if (hasIdentityBranch(g)) {
			terms.push(log.identity(SKIP, g.cin, g.groups, g.kernel, bnOf(sd, SKIP)));
			labels.push(SKIP);
		}
		const fused = log.add(REPARAM_MODULE, terms, labels);
		return { steps: log.steps, fused, stride: g.stride, keys: { weight: `${REPARAM_MODULE}.weight`, bias: `${REPARAM_MODULE}.bias` } };
	}
};
