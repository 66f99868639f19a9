/**
 * QARepVGG's idea in RepViT (Wang et al., CVPR 2024), THU-MIG/RepViT `repvit.py`, `RepVGGDW`: a
 * depthwise 3×3 `Conv2d_BN` (`conv.c`, `conv.bn`), a depthwise 1×1 conv with its own bias and no BN
 * (`conv1`), the identity, and ONE BatchNorm after the sum (`bn`): bn(conv(x) + conv1(x) + x).
 * RepViT's `fuse()` returns a plain Conv2d that replaces the module, so the fused keys are the
 * module's own `weight` and `bias`.
 */
import { foldBatchNorm } from '../reparam/bn-fold';
import { directConv } from '../reparam/direct-conv';
import type { FamilyBlock } from './block';
import { applyBatchNorm, asImage, bnKeys, bnOf, convOf, sumOf, syntheticStateDict } from './ops';
import { StepLog } from './steps';

export const repvggdw: FamilyBlock = {
	id: 'repvggdw',
	name: 'RepViT RepVGGDW (QARepVGG-style)',
	reference: 'THU-MIG/RepViT repvit.py (RepVGGDW)',
	summary: 'depthwise 3×3 conv-BN + 1×1 conv (bias, no BN) + identity, one BN after the sum',
	check(g) {
		if (g.cin !== g.cout || g.groups !== g.cin) return 'RepVGGDW is depthwise: groups = in = out channels';
		if (g.kernel !== 3 || g.stride !== 1) return 'RepVGGDW is a 3×3 of stride 1';
		return null;
	},
	keys(g) {
		const d = g.cin;
		return [{ key: 'conv.c.weight', shape: [d, 1, 3, 3] }, ...bnKeys('conv.bn', d), { key: 'conv1.weight', shape: [d, 1, 1, 1] }, { key: 'conv1.bias', shape: [d] }, ...bnKeys('bn', d)];
	},
	synthetic(g, seed) {
		return syntheticStateDict(this.keys(g), seed);
	},
	forward(g, sd, x) {
		const input = asImage(x);
		const conv = applyBatchNorm(directConv(input, convOf(sd, 'conv.c.weight', g.groups)), bnOf(sd, 'conv.bn'));
		const conv1 = directConv(input, convOf(sd, 'conv1.weight', g.groups, 'conv1.bias'));
		return applyBatchNorm(sumOf(conv, conv1, input), bnOf(sd, 'bn'));
	},
	fuse(g, sd) {
		const log = new StepLog();
		const terms = [
			log.convBn('conv', convOf(sd, 'conv.c.weight', g.groups), bnOf(sd, 'conv.bn'), 3),
			log.pad('conv1', convOf(sd, 'conv1.weight', g.groups, 'conv1.bias'), 3),
			log.identity('identity', g.cin, g.groups, 3)
		];
		const sum = log.add('sum', terms, ['conv', 'conv1', 'identity']);
		const post = foldBatchNorm(sum, bnOf(sd, 'bn'), 'after-sum');
		log.push('bn', post);
		return { steps: log.steps, fused: post.output, stride: 1, keys: { weight: 'weight', bias: 'bias' } };
	}
};
