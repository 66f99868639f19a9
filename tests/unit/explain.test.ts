import { describe, expect, it } from 'vitest';
import { applyEdit, channelPlane, channelSteps, proveBlock, rebuildWithBranches } from '../../src/lib/mobileone/explain';
import { runBlocks } from '../../src/lib/mobileone/forward';
import { fuseBlockSteps } from '../../src/lib/mobileone/reparam';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { randomInput, syntheticModel } from '../../src/lib/mobileone/synthetic';
import { convBranch, SKIP_BRANCH } from '../../src/lib/mobileone/keys';

const spec = validateSpec({
	name: 'explain',
	inputSize: 12,
	numClasses: 3,
	stem: { width: 16, stride: 1, k: 1 },
	stages: [{ width: 16, blocks: 2, stride: 1, k: 3, seBlocks: 0 }, { width: 24, blocks: 1, stride: 2, k: 2, seBlocks: 0 }]
});
const model = syntheticModel(spec, 21);
const dw = model.blocks[1]; // stage1.0: depthwise, stride 1, with skip
const pw = model.blocks[2]; // stage1.1: pointwise 16→16, with skip

describe('explorer records', () => {
	it('channel views are slices of the engine’s step records', () => {
		for (const block of [dw, pw]) {
			const steps = fuseBlockSteps(block);
			const o = 5;
			const v = channelSteps(steps, o);
			const per = v.sum.kernel.values.length;
			expect(v.folds.length).toBe(block.spec.k + (block.spec.hasScale ? 1 : 0));
			v.folds.forEach((f, i) => {
				const n = f.folded.values.length; // 1×1 for the scale branch
				expect(Array.from(f.folded.values)).toEqual(Array.from(steps.folds[i].foldedKernel.data.slice(o * n, (o + 1) * n)));
				expect(f.gamma).toBe(steps.folds[i].bn.gamma[o]);
				expect(f.scale).toBe(steps.folds[i].scale[o]);
			});
			expect(Array.from(v.sum.rounded.values)).toEqual(Array.from(steps.fused.weight.data.slice(o * per, (o + 1) * per)));
			expect(v.sum.roundedBias).toBe(steps.fused.bias[o]);
			expect(v.skip?.rule).toBe(block === dw ? 'centred-delta' : 'identity-matrix');
			// the identity: one 1, at the centre (depthwise) or at input channel o (pointwise)
			const ones = Array.from(v.skip!.identity.values).flatMap((x, i) => (x === 1 ? [i] : []));
			expect(ones).toEqual([block === dw ? 4 : o]);
		}
	});

	it('an edit changes the fused kernel exactly as the algebra says, and leaves the original alone', () => {
		const before = channelSteps(fuseBlockSteps(dw), 2);
		const original = dw.convs[1].bn.gamma[2];
		const edited = applyEdit(dw, { kind: 'bn', branch: convBranch(1), channel: 2, stat: 'gamma', value: original * 3 });
		expect(dw.convs[1].bn.gamma[2]).toBe(original);
		const after = channelSteps(fuseBlockSteps(edited), 2);
		// W'_1 triples, so the fused kernel moves by 2·W'_1
		for (let i = 0; i < 9; i++) {
			const expected = before.sum.kernel.values[i] + 2 * before.folds[1].folded.values[i];
			expect(after.sum.kernel.values[i]).toBeCloseTo(expected, 10);
		}
		const tapEdit = applyEdit(dw, { kind: 'kernel', branch: convBranch(0), channel: 2, tap: 4, value: 10 });
		const t = channelSteps(fuseBlockSteps(tapEdit), 2);
		expect(t.folds[0].kernel.values[4]).toBe(10);
		expect(t.sum.kernel.values[4] - before.sum.kernel.values[4]).toBeCloseTo((10 - before.folds[0].kernel.values[4]) * before.folds[0].scale, 6);
		expect(() => applyEdit(dw, { kind: 'bn', branch: SKIP_BRANCH, channel: 0, stat: 'variance', value: -1 })).toThrow(/variance/);
		expect(() => applyEdit(dw, { kind: 'kernel', branch: convBranch(9), channel: 0, tap: 0, value: 1 })).toThrow(/no branch/);
	});

	it('the proof agrees at float32 rounding, and each classic mistake breaks it', () => {
		const x = runBlocks(model, randomInput(spec, 4, 2), 0, 1);
		const steps = fuseBlockSteps(dw);
		const ok = proveBlock(dw, steps, x);
		expect(ok.agrees).toBe(true);
		expect(ok.maxDelta).toBeLessThan(1e-4 * ok.maxOutput);
		expect(ok.maxDelta).toBeLessThan(64 * ok.float32Ulp);
		const bnTrain = proveBlock(dw, steps, x, { batchNormTrainingMode: true });
		const reluInside = proveBlock(dw, steps, x, { reluInsideBranches: true });
		expect(bnTrain.agrees).toBe(false);
		expect(reluInside.agrees).toBe(false);
		const plane = channelPlane(ok.delta, ok.unfused.shape, 3);
		expect(plane.values.length).toBe(12 * 12);
	});

	it('changing k rebuilds a synthetic block of the same shape', () => {
		const b = rebuildWithBranches(pw.spec, 6, 1);
		expect(b.convs.length).toBe(6);
		expect(b.convs[0].weight.shape).toEqual(pw.convs[0].weight.shape);
		expect(channelSteps(fuseBlockSteps(b), 0).folds.length).toBe(6);
		expect(() => rebuildWithBranches(pw.spec, 0, 1)).toThrow();
	});
});
