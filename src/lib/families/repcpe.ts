/**
 * FastViT's RepCPE, apple/ml-fastvit `models/fastvit.py`, `RepCPE`: a conditional positional encoding
 * x + pe(x), where `pe` is a depthwise K×K conv (7×7 by default) with its own bias. Deploy:
 * `reparam_conv` = pe's kernel plus the identity kernel, pe's bias.
 */
import { directConv } from '../reparam/direct-conv';
import type { FamilyBlock } from './block';
import { asImage, convOf, sumOf, syntheticStateDict } from './ops';
import { StepLog } from './steps';

export const repcpe: FamilyBlock = {
	id: 'repcpe',
	name: 'FastViT RepCPE',
	reference: 'apple/ml-fastvit models/fastvit.py (RepCPE)',
	summary: 'x + pe(x), pe a large depthwise conv with bias',
	check(g) {
		if (g.cin !== g.cout || g.groups !== g.cin) return 'RepCPE is depthwise: groups = in = out channels';
		if (g.stride !== 1 || g.kernel % 2 === 0) return 'RepCPE has stride 1 and an odd kernel';
		return null;
	},
	keys(g) {
		return [
			{ key: 'pe.weight', shape: [g.cout, 1, g.kernel, g.kernel] },
			{ key: 'pe.bias', shape: [g.cout] }
		];
	},
	synthetic(g, seed) {
		return syntheticStateDict(this.keys(g), seed);
	},
	forward(g, sd, x) {
		const input = asImage(x);
		return sumOf(input, directConv(input, convOf(sd, 'pe.weight', g.groups, 'pe.bias')));
	},
	fuse(g, sd) {
		const log = new StepLog();
		const fused = log.add('reparam_conv', [convOf(sd, 'pe.weight', g.groups, 'pe.bias'), log.identity('x', g.cin, g.groups, g.kernel)], ['pe', 'x']);
		return { steps: log.steps, fused, stride: 1, keys: { weight: 'reparam_conv.weight', bias: 'reparam_conv.bias' } };
	}
};
