/**
 * PP-LCNetV3 / PP-OCRv5, PaddleOCR `rec_lcnetv3.py` (also Hugging Face transformers),
 * `LearnableRepLayer`: k K×K `ConvBNLayer`s (`conv_kxk.i.conv`, `conv_kxk.i.bn`), a 1×1 one
 * (`conv_1x1`, when K > 1), a BN `identity` (in = out, stride 1), summed, then a learnable scalar
 * affine `lab` (`lab.scale`, `lab.bias`, one value each) before the activation.
 * Deploy: `reparam_conv`. PaddleOCR's own `rep()` keeps `lab` as a separate op after `reparam_conv`;
 * it is linear, so here it is folded in too (a scalar scale step) and the fused conv alone replaces it.
 */
import { directConv } from '../reparam/direct-conv';
import { scaleKernel } from '../reparam/scale-kernel';
import type { BlockGeometry, FamilyBlock } from './block';
import { affineOf, applyBatchNorm, asImage, bnOf, convOf, hasIdentityBranch, repBranchKeys, sumOf, syntheticStateDict, tensorOf } from './ops';
import { StepLog } from './steps';

const branchesOf = (g: BlockGeometry) => g.branches ?? 1;

export const learnableRep: FamilyBlock = {
	id: 'learnable-rep',
	name: 'PP-LCNetV3 LearnableRepLayer',
	reference: 'PaddlePaddle/PaddleOCR rec_lcnetv3.py (LearnableRepLayer)',
	summary: 'k K×K conv-BN + 1×1 conv-BN + BN identity, then a learnable scalar affine',
	check(g) {
		if (g.kernel % 2 === 0) return 'LearnableRepLayer needs an odd kernel';
		if (g.cin % g.groups || g.cout % g.groups) return `${g.cin} → ${g.cout} channels do not split into ${g.groups} groups`;
		return null;
	},
	keys(g) {
		return [
			...repBranchKeys(g, { conv: (i) => `conv_kxk.${i}`, scale: 'conv_1x1', identity: 'identity' }),
			{ key: 'lab.scale', shape: [1] },
			{ key: 'lab.bias', shape: [1] }
		];
	},
	synthetic(g, seed) {
		const sd = syntheticStateDict(this.keys(g), seed);
		// a scale near 1, as trained ones are, but not 1
		sd.set('lab.scale', { shape: [1], data: Float32Array.of(0.8 + 0.05 * (seed % 7)) });
		return sd;
	},
	forward(g, sd, x) {
		const input = asImage(x);
		const outs = Array.from({ length: branchesOf(g) }, (_, i) => applyBatchNorm(directConv(input, convOf(sd, `conv_kxk.${i}.conv.weight`, g.groups), { stride: g.stride }), bnOf(sd, `conv_kxk.${i}.bn`)));
		if (g.kernel > 1) outs.push(applyBatchNorm(directConv(input, convOf(sd, 'conv_1x1.conv.weight', g.groups), { stride: g.stride }), bnOf(sd, 'conv_1x1.bn')));
		if (hasIdentityBranch(g)) outs.push(applyBatchNorm(input, bnOf(sd, 'identity')));
		return affineOf(sumOf(...outs), tensorOf(sd, 'lab.scale').data, tensorOf(sd, 'lab.bias').data);
	},
	fuse(g, sd) {
		const log = new StepLog();
		const K = g.kernel;
		const terms = Array.from({ length: branchesOf(g) }, (_, i) => log.convBn(`conv_kxk.${i}`, convOf(sd, `conv_kxk.${i}.conv.weight`, g.groups), bnOf(sd, `conv_kxk.${i}.bn`), K));
		const labels = terms.map((_, i) => `conv_kxk.${i}`);
		if (K > 1) {
			terms.push(log.convBn('conv_1x1', convOf(sd, 'conv_1x1.conv.weight', g.groups), bnOf(sd, 'conv_1x1.bn'), K));
			labels.push('conv_1x1');
		}
		if (hasIdentityBranch(g)) {
			terms.push(log.identity('identity', g.cin, g.groups, K, bnOf(sd, 'identity')));
			labels.push('identity');
		}
		const sum = log.add('sum', terms, labels);
		const lab = scaleKernel(sum, tensorOf(sd, 'lab.scale').data, tensorOf(sd, 'lab.bias').data);
		log.push('lab', lab);
		return { steps: log.steps, fused: lab.output, stride: g.stride, keys: { weight: 'reparam_conv.weight', bias: 'reparam_conv.bias' } };
	}
};
