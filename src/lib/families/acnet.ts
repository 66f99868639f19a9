/**
 * ACNet (Ding et al., ICCV 2019), DingXiaoH/ACNet `acnet/acb.py`, `ACBlock`: a K×K conv+BN
 * (`square_conv`, `square_bn`), a K×1 (`ver_conv`, `ver_bn`) and a 1×K (`hor_conv`, `hor_bn`), each
 * padded only along its long axis so all three slide over the same centres; summed. Deploy: `fused_conv`
 * with bias. (The common case padding = K//2; ACNet's cropping for smaller padding is not covered.)
 */
import { directConv } from '../reparam/direct-conv';
import type { FamilyBlock } from './block';
import { applyBatchNorm, asImage, bnKeys, bnOf, convOf, sumOf, syntheticStateDict } from './ops';
import { StepLog } from './steps';

const BRANCHES = [
	['square_conv', 'square_bn'],
	['ver_conv', 'ver_bn'],
	['hor_conv', 'hor_bn']
] as const;

export const acnet: FamilyBlock = {
	id: 'acnet',
	name: 'ACNet',
	reference: 'DingXiaoH/ACNet acnet/acb.py (ACBlock)',
	summary: 'K×K + K×1 + 1×K, each conv-BN',
	check(g) {
		if (g.kernel < 3 || g.kernel % 2 === 0) return 'an ACNet block needs an odd kernel of 3 or more';
		if (g.cin % g.groups || g.cout % g.groups) return `${g.cin} → ${g.cout} channels do not split into ${g.groups} groups`;
		return null;
	},
	keys(g) {
		const cpg = g.cin / g.groups;
		const K = g.kernel;
		const shapes = [
			[K, K],
			[K, 1],
			[1, K]
		];
		return BRANCHES.flatMap(([conv, bn], i) => [{ key: `${conv}.weight`, shape: [g.cout, cpg, ...shapes[i]] }, ...bnKeys(bn, g.cout)]);
	},
	synthetic(g, seed) {
		return syntheticStateDict(this.keys(g), seed);
	},
	forward(g, sd, x) {
		const input = asImage(x);
		// directConv pads (kh−1)/2 rows and (kw−1)/2 columns: ACNet's ver_padding [K//2, 0] and hor_padding [0, K//2]
		return sumOf(...BRANCHES.map(([conv, bn]) => applyBatchNorm(directConv(input, convOf(sd, `${conv}.weight`, g.groups), { stride: g.stride }), bnOf(sd, bn))));
	},
	fuse(g, sd) {
		const log = new StepLog();
		const terms = BRANCHES.map(([conv, bn]) => log.convBn(conv, convOf(sd, `${conv}.weight`, g.groups), bnOf(sd, bn), g.kernel));
		const fused = log.add('fused_conv', terms, BRANCHES.map(([conv]) => conv));
		return { steps: log.steps, fused, stride: g.stride, keys: { weight: 'fused_conv.weight', bias: 'fused_conv.bias' } };
	}
};
