/**
 * FastViT's RepMixer (Vasu et al., ICCV 2023), apple/ml-fastvit `models/fastvit.py`, `RepMixer`:
 * x + γ·(mixer(x) − norm(x)), where `mixer` is a depthwise MobileOneBlock (`rbr_conv.i`, `rbr_scale`,
 * `rbr_skip`, no activation), `norm` a BN-only one (`norm.rbr_skip`) and γ = `layer_scale` [dim, 1, 1].
 * Deploy: `reparam_conv` with bias. Fusion: each MobileOne block to one kernel, subtract (scale by −1),
 * scale by γ, add the identity.
 */
import { directConv } from '../reparam/direct-conv';
import { scaleKernel } from '../reparam/scale-kernel';
import type { BlockGeometry, FamilyBlock } from './block';
import { affineOf, applyBatchNorm, asImage, bnKeys, bnOf, convOf, sumOf, syntheticStateDict, tensorOf } from './ops';
import { StepLog } from './steps';

const branchesOf = (g: BlockGeometry) => g.branches ?? 1;

export const repmixer: FamilyBlock = {
	id: 'repmixer',
	name: 'FastViT RepMixer',
	reference: 'apple/ml-fastvit models/fastvit.py (RepMixer)',
	summary: 'x + γ·(mixer(x) − norm(x)), mixer and norm depthwise MobileOne blocks',
	check(g) {
		if (g.cin !== g.cout || g.groups !== g.cin) return 'RepMixer is depthwise: groups = in = out channels';
		if (g.stride !== 1 || g.kernel % 2 === 0) return 'RepMixer has stride 1 and an odd kernel';
		return null;
	},
	keys(g) {
		const d = g.cin;
		const K = g.kernel;
		return [
			...bnKeys('norm.rbr_skip', d),
			...bnKeys('mixer.rbr_skip', d),
			{ key: 'mixer.rbr_scale.conv.weight', shape: [d, 1, 1, 1] },
			...bnKeys('mixer.rbr_scale.bn', d),
			...Array.from({ length: branchesOf(g) }, (_, i) => [{ key: `mixer.rbr_conv.${i}.conv.weight`, shape: [d, 1, K, K] }, ...bnKeys(`mixer.rbr_conv.${i}.bn`, d)]).flat(),
			{ key: 'layer_scale', shape: [d, 1, 1] }
		];
	},
	synthetic(g, seed) {
		return syntheticStateDict(this.keys(g), seed);
	},
	forward(g, sd, x) {
		const input = asImage(x);
		const convs = Array.from({ length: branchesOf(g) }, (_, i) => applyBatchNorm(directConv(input, convOf(sd, `mixer.rbr_conv.${i}.conv.weight`, g.groups)), bnOf(sd, `mixer.rbr_conv.${i}.bn`)));
		const scale = applyBatchNorm(directConv(input, convOf(sd, 'mixer.rbr_scale.conv.weight', g.groups)), bnOf(sd, 'mixer.rbr_scale.bn'));
		const mixer = sumOf(applyBatchNorm(input, bnOf(sd, 'mixer.rbr_skip')), scale, ...convs);
		const norm = applyBatchNorm(input, bnOf(sd, 'norm.rbr_skip'));
		const gamma = tensorOf(sd, 'layer_scale').data;
		return sumOf(input, affineOf(sumOf(mixer, affineOf(norm, [-1])), gamma));
	},
	fuse(g, sd) {
		const log = new StepLog();
		const K = g.kernel;
		const d = g.cin;
		const terms = Array.from({ length: branchesOf(g) }, (_, i) => log.convBn(`mixer.rbr_conv.${i}`, convOf(sd, `mixer.rbr_conv.${i}.conv.weight`, g.groups), bnOf(sd, `mixer.rbr_conv.${i}.bn`), K));
		const labels = terms.map((_, i) => `mixer.rbr_conv.${i}`);
		terms.push(log.convBn('mixer.rbr_scale', convOf(sd, 'mixer.rbr_scale.conv.weight', g.groups), bnOf(sd, 'mixer.rbr_scale.bn'), K));
		terms.push(log.identity('mixer.rbr_skip', d, g.groups, K, bnOf(sd, 'mixer.rbr_skip')));
		const mixer = log.add('mixer', terms, [...labels, 'mixer.rbr_scale', 'mixer.rbr_skip']);
		const norm = log.identity('norm.rbr_skip', d, g.groups, K, bnOf(sd, 'norm.rbr_skip'));
		const negated = scaleKernel(norm, -1);
		log.push('norm', negated);
		const difference = log.add('mixer − norm', [mixer, negated.output], ['mixer', '−norm']);
		const scaled = scaleKernel(difference, tensorOf(sd, 'layer_scale').data);
		log.push('layer_scale', scaled);
		const fused = log.add('reparam_conv', [log.identity('x', d, g.groups, K), scaled.output], ['x', 'γ·(mixer − norm)']);
		return { steps: log.steps, fused, stride: 1, keys: { weight: 'reparam_conv.weight', bias: 'reparam_conv.bias' } };
	}
};
