/**
 * RepVGG (Ding et al., CVPR 2021), DingXiaoH/RepVGG `repvgg.py`, `RepVGGBlock`: a 3×3 conv+BN
 * `rbr_dense`, a 1×1 conv+BN `rbr_1x1` (padding 0) and, when in = out and stride 1, a BN-only
 * `rbr_identity`; summed, then ReLU. Deploy: one 3×3 conv `rbr_reparam` with bias.
 */
import { directConv } from '../reparam/direct-conv';
import type { BlockGeometry, FamilyBlock } from './block';
import { applyBatchNorm, asImage, bnKeys, bnOf, convOf, sumOf, syntheticStateDict } from './ops';
import { StepLog } from './steps';

const hasIdentity = (g: BlockGeometry) => g.cin === g.cout && g.stride === 1;

export const repvgg: FamilyBlock = {
	id: 'repvgg',
	name: 'RepVGG',
	reference: 'DingXiaoH/RepVGG repvgg.py (RepVGGBlock)',
	summary: '3×3 conv-BN + 1×1 conv-BN + BN identity',
	check(g) {
		if (g.kernel !== 3) return 'a RepVGG block is 3×3';
		if (g.cin % g.groups || g.cout % g.groups) return `${g.cin} → ${g.cout} channels do not split into ${g.groups} groups`;
		return null;
	},
	keys(g) {
		const cpg = g.cin / g.groups;
		return [
			{ key: 'rbr_dense.conv.weight', shape: [g.cout, cpg, 3, 3] },
			...bnKeys('rbr_dense.bn', g.cout),
			{ key: 'rbr_1x1.conv.weight', shape: [g.cout, cpg, 1, 1] },
			...bnKeys('rbr_1x1.bn', g.cout),
			...(hasIdentity(g) ? bnKeys('rbr_identity', g.cin) : [])
		];
	},
	synthetic(g, seed) {
		return syntheticStateDict(this.keys(g), seed);
	},
	forward(g, sd, x) {
		const input = asImage(x);
		const dense = applyBatchNorm(directConv(input, convOf(sd, 'rbr_dense.conv.weight', g.groups), { stride: g.stride }), bnOf(sd, 'rbr_dense.bn'));
		const one = applyBatchNorm(directConv(input, convOf(sd, 'rbr_1x1.conv.weight', g.groups), { stride: g.stride }), bnOf(sd, 'rbr_1x1.bn'));
		return hasIdentity(g) ? sumOf(dense, one, applyBatchNorm(input, bnOf(sd, 'rbr_identity'))) : sumOf(dense, one);
	},
	fuse(g, sd) {
		const log = new StepLog();
		const terms = [log.convBn('rbr_dense', convOf(sd, 'rbr_dense.conv.weight', g.groups), bnOf(sd, 'rbr_dense.bn'), 3), log.convBn('rbr_1x1', convOf(sd, 'rbr_1x1.conv.weight', g.groups), bnOf(sd, 'rbr_1x1.bn'), 3)];
		const labels = ['rbr_dense', 'rbr_1x1'];
		if (hasIdentity(g)) {
			terms.push(log.identity('rbr_identity', g.cin, g.groups, 3, bnOf(sd, 'rbr_identity')));
			labels.push('rbr_identity');
		}
		const fused = log.add('rbr_reparam', terms, labels);
		return { steps: log.steps, fused, stride: g.stride, keys: { weight: 'rbr_reparam.weight', bias: 'rbr_reparam.bias' } };
	}
};
