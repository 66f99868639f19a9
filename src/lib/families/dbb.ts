/**
 * Diverse Branch Block (Ding et al., CVPR 2021), DingXiaoH/DiverseBranchBlock
 * `diversebranchblock.py`, `DiverseBranchBlock` (padding = K//2):
 *   `dbb_origin`   K×K conv+BN
 *   `dbb_1x1`      1×1 conv+BN (only when groups < out channels)
 *   `dbb_avg`      1×1 conv, BN that pads with its own bias (`BNAndPadLayer`, keys `bn.bn.*`), K×K average
 *                  pool (stride, no padding), BN `avgbn`; when depthwise, just the pool (padding K//2) and `avgbn`
 *   `dbb_1x1_kxk`  1×1 (`idconv1`: weight + identity, when internal = in channels; else `conv1`), `bn1`
 *                  (bias-padding `BNAndPadLayer`), K×K `conv2` (stride, no padding), `bn2`
 * Deploy: `dbb_reparam` with bias. Fusion uses transforms I, II, III, V, VI.
 */
import { avgPoolKernel } from '../reparam/avg-pool';
import { foldBatchNorm } from '../reparam/bn-fold';
import { directConv } from '../reparam/direct-conv';
import { composeSequential } from '../reparam/sequential';
import { addBranches } from '../reparam/add-branches';
import type { ImageLike } from '../reparam/direct-conv';
import { identityKernel } from '../reparam/identity-kernel';
import { sequentialBorderError, type SequentialBorderError } from '../reparam/sequential-border';
import type { BlockGeometry, FamilyBlock, StateDict } from './block';
import { applyBatchNorm, asImage, averagePool, bnKeys, bnOf, convOf, sumOf, syntheticStateDict } from './ops';
import { StepLog } from './steps';

const hasOneByOne = (g: BlockGeometry) => g.groups < g.cout;
const internalOf = (g: BlockGeometry) => g.internal ?? (hasOneByOne(g) ? g.cin : 2 * g.cin);
const firstKey = (g: BlockGeometry) => (internalOf(g) === g.cin ? 'dbb_1x1_kxk.idconv1.weight' : 'dbb_1x1_kxk.conv1.weight');

export const dbb: FamilyBlock = {
	id: 'dbb',
	name: 'Diverse Branch Block',
	reference: 'DingXiaoH/DiverseBranchBlock diversebranchblock.py, dbb_transforms.py',
	summary: 'K×K; 1×1; 1×1 → K×K; 1×1 → average pool; each with BN',
	check(g) {
		if (g.kernel % 2 === 0) return 'a Diverse Branch Block needs an odd kernel';
		if (g.cin % g.groups || g.cout % g.groups || internalOf(g) % g.groups) return `the channels do not split into ${g.groups} groups`;
		if (!hasOneByOne(g) && g.cin !== g.cout) return 'a depthwise Diverse Branch Block has as many output as input channels';
		return null;
	},
	keys(g) {
		const cpg = g.cin / g.groups;
		const K = g.kernel;
		const mid = internalOf(g);
		return [
			{ key: 'dbb_origin.conv.weight', shape: [g.cout, cpg, K, K] },
			...bnKeys('dbb_origin.bn', g.cout),
			...(hasOneByOne(g)
				? [
						{ key: 'dbb_avg.conv.weight', shape: [g.cout, cpg, 1, 1] },
						...bnKeys('dbb_avg.bn.bn', g.cout),
						{ key: 'dbb_1x1.conv.weight', shape: [g.cout, cpg, 1, 1] },
						...bnKeys('dbb_1x1.bn', g.cout)
					]
				: []),
			...bnKeys('dbb_avg.avgbn', g.cout),
			{ key: firstKey(g), shape: [mid, cpg, 1, 1] },
			...bnKeys('dbb_1x1_kxk.bn1.bn', mid),
			{ key: 'dbb_1x1_kxk.conv2.weight', shape: [g.cout, mid / g.groups, K, K] },
			...bnKeys('dbb_1x1_kxk.bn2', g.cout)
		];
	},
	synthetic(g, seed) {
		return syntheticStateDict(this.keys(g), seed);
	},
	forward(g, sd, x) {
		const input = asImage(x);
		const K = g.kernel;
		const pad = (K - 1) / 2;
		const stride = g.stride;
		const bnPadValues = (prefix: string) => {
			const bn = bnOf(sd, prefix);
			return Float64Array.from(bn.gamma, (gm, c) => bn.beta[c] - (bn.mean[c] * gm) / Math.sqrt(bn.variance[c] + bn.eps));
		};
		const outs = [applyBatchNorm(directConv(input, convOf(sd, 'dbb_origin.conv.weight', g.groups), { stride }), bnOf(sd, 'dbb_origin.bn'))];
		if (hasOneByOne(g)) {
			outs.push(applyBatchNorm(directConv(input, convOf(sd, 'dbb_1x1.conv.weight', g.groups), { stride }), bnOf(sd, 'dbb_1x1.bn')));
			const h = applyBatchNorm(directConv(input, convOf(sd, 'dbb_avg.conv.weight', g.groups)), bnOf(sd, 'dbb_avg.bn.bn'));
			outs.push(applyBatchNorm(averagePool(h, K, stride, pad, bnPadValues('dbb_avg.bn.bn')), bnOf(sd, 'dbb_avg.avgbn')));
		} else outs.push(applyBatchNorm(averagePool(input, K, stride, pad), bnOf(sd, 'dbb_avg.avgbn')));
		let h = directConv(input, convOf(sd, firstKey(g), g.groups));
		// IdentityBasedConv1x1 adds the identity to its weight: conv(x, W + I) = conv(x, W) + x
		if (internalOf(g) === g.cin) h = sumOf(h, input);
		h = applyBatchNorm(h, bnOf(sd, 'dbb_1x1_kxk.bn1.bn'));
		const second = directConv(h, convOf(sd, 'dbb_1x1_kxk.conv2.weight', g.groups), { stride, padValue: bnPadValues('dbb_1x1_kxk.bn1.bn') });
		outs.push(applyBatchNorm(second, bnOf(sd, 'dbb_1x1_kxk.bn2')));
		return sumOf(...outs);
	},
	fuse(g, sd) {
		const log = new StepLog();
		const K = g.kernel;
		const terms = [log.convBn('dbb_origin', convOf(sd, 'dbb_origin.conv.weight', g.groups), bnOf(sd, 'dbb_origin.bn'), K)];
		const labels = ['dbb_origin'];
		if (hasOneByOne(g)) {
			terms.push(log.convBn('dbb_1x1', convOf(sd, 'dbb_1x1.conv.weight', g.groups), bnOf(sd, 'dbb_1x1.bn'), K));
			labels.push('dbb_1x1');
		}
		// dbb_1x1_kxk: the first 1×1 (plus the identity for idconv1), BN-folded; conv2 BN-folded; composed
		let first = convOf(sd, firstKey(g), g.groups);
		if (internalOf(g) === g.cin) first = log.add('dbb_1x1_kxk.idconv1', [first, log.identity('dbb_1x1_kxk.idconv1', g.cin, g.groups, 1)], ['weight', 'identity']);
		first = log.convBn('dbb_1x1_kxk.bn1', first, bnOf(sd, 'dbb_1x1_kxk.bn1.bn'), 1);
		const second = log.convBn('dbb_1x1_kxk.bn2', convOf(sd, 'dbb_1x1_kxk.conv2.weight', g.groups), bnOf(sd, 'dbb_1x1_kxk.bn2'), K);
		const seq = composeSequential(first, second);
		log.push('dbb_1x1_kxk', seq);
		terms.push(seq.output);
		labels.push('dbb_1x1_kxk');
		// dbb_avg: average pooling as a kernel, avgbn folded, after the 1×1 when there is one
		const avg = avgPoolKernel(g.cout, K, g.groups);
		log.push('dbb_avg.avg', avg);
		const avgFolded = foldBatchNorm(avg.output, bnOf(sd, 'dbb_avg.avgbn'));
		log.push('dbb_avg.avgbn', avgFolded);
		if (hasOneByOne(g)) {
			const pre = log.convBn('dbb_avg.bn', convOf(sd, 'dbb_avg.conv.weight', g.groups), bnOf(sd, 'dbb_avg.bn.bn'), 1);
			const seqAvg = composeSequential(pre, avgFolded.output);
			log.push('dbb_avg', seqAvg);
			terms.push(seqAvg.output);
		} else terms.push(avgFolded.output);
		labels.push('dbb_avg');
		const fused = log.add('dbb_reparam', terms, labels);
		return { steps: log.steps, fused, stride: g.stride, keys: { weight: 'dbb_reparam.weight', bias: 'dbb_reparam.bias' } };
	}
};


/**
 * DBB's border case on purpose: the `dbb_1x1_kxk` branch merged into one K×K conv, compared with the
 * branch run with zeros in the gap (a plain padded conv2: wrong exactly on the border pixels) and
 * with bn1's bias there (`BNAndPadLayer`: equal everywhere). Both halves BN-folded as the fuse does.
 */
export function dbbBorderError(g: BlockGeometry, sd: StateDict, x: ImageLike): SequentialBorderError {
	let first = convOf(sd, firstKey(g), g.groups);
	if (internalOf(g) === g.cin) first = addBranches([first, identityKernel(g.cin, g.groups, 1).output]).output;
	first = foldBatchNorm(first, bnOf(sd, 'dbb_1x1_kxk.bn1.bn')).output;
	const second = foldBatchNorm(convOf(sd, 'dbb_1x1_kxk.conv2.weight', g.groups), bnOf(sd, 'dbb_1x1_kxk.bn2')).output;
	return sequentialBorderError(first, second, x, g.stride);
}
