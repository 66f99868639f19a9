import { describe, expect, it } from 'vitest';
import { forwardFusedBlock, forwardModel, traceUnfusedBlock } from '../../src/lib/mobileone/forward';
import { seededRandom } from '../../src/lib/core/random';
import { batchNormScale, fuseBlock, fuseBlockSteps, fuseModel, identityKernel } from '../../src/lib/mobileone/reparam';
import { blocksOf, validateSpec, type MobileOneSpec } from '../../src/lib/mobileone/spec';
import { randomInput, syntheticModel } from '../../src/lib/mobileone/synthetic';
import { maxAbs, maxAbsDiff, type Tensor } from '../../src/lib/core/tensor';

/** Small random specs covering k 1..5, strides 1 and 2, skip or not, SE or not, in ≠ out. */
function randomSpec(seed: number): MobileOneSpec {
	const r = seededRandom(seed);
	const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
	// widths of 16 or more now and then, since SE squeezes to ⌊C/16⌋ channels
	const width = () => (r() < 0.6 ? int(2, 10) : int(16, 20));
	const stem = { width: width(), stride: int(1, 2), k: int(1, 5) };
	let planes = stem.width;
	const stages = Array.from({ length: int(1, 3) }, () => {
		const blocks = int(1, 2);
		const w = width();
		const se = Math.min(planes, w) >= 16 ? int(0, blocks) : 0;
		planes = w;
		return { width: w, blocks, stride: int(1, 2), k: int(1, 5), seBlocks: se };
	});
	return validateSpec({ name: `random-${seed}`, inputSize: int(8, 12), numClasses: int(2, 6), stem, stages });
}

function relClose(a: Tensor, b: Tensor) {
	return maxAbsDiff(a.data, b.data) / Math.max(maxAbs(b.data), 1e-12);
}

describe('reparameterization', () => {
	it('fused block = unfused block for 40 random specs, every block', () => {
		let blocksChecked = 0;
		const seen = { skip: 0, noSkip: 0, se: 0, stride2: 0, depthwise: 0, pointwise: 0, widen: 0 };
		for (let s = 0; s < 40; s++) {
			const spec = randomSpec(s);
			const model = syntheticModel(spec, s);
			for (const block of model.blocks) {
				const b = block.spec;
				const x = randomInput({ ...spec, inChannels: b.cin }, 100 + s, 2, 9);
				const unfused = traceUnfusedBlock(block, x).output;
				const fused = forwardFusedBlock(fuseBlock(block), x);
				expect(relClose(fused, unfused)).toBeLessThanOrEqual(1e-4);
				blocksChecked++;
				if (b.hasSkip) seen.skip++;
				else seen.noSkip++;
				if (b.se) seen.se++;
				if (b.stride === 2) seen.stride2++;
				if (b.role === 'depthwise') seen.depthwise++;
				if (b.role === 'pointwise') seen.pointwise++;
				if (b.cin !== b.cout) seen.widen++;
			}
		}
		expect(blocksChecked).toBeGreaterThan(150);
		for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(5);
	});

	it('whole fused model gives the same logits', () => {
		for (let s = 0; s < 10; s++) {
			const spec = randomSpec(1000 + s);
			const model = syntheticModel(spec, s);
			const x = randomInput(spec, s, 2);
			expect(relClose(forwardModel(fuseModel(model), x), forwardModel(model, x))).toBeLessThanOrEqual(1e-4);
		}
	});

	it('step records agree bit for bit with the fast path, and each step is the algebra it names', () => {
		const spec = randomSpec(7);
		const model = syntheticModel(spec, 3);
		for (const block of model.blocks) {
			const steps = fuseBlockSteps(block);
			const fast = fuseBlock(block);
			expect(steps.fused.weight.data).toEqual(fast.weight.data);
			expect(steps.fused.bias).toEqual(fast.bias);
			// step 1: W' = W·γ/√(σ²+ε), b' = β − μ·t
			for (const f of steps.folds) {
				const per = f.foldedKernel.data.length / f.scale.length;
				for (let i = 0; i < f.foldedKernel.data.length; i += 7) {
					const o = Math.floor(i / per);
					const t = f.bn.gamma[o] / Math.sqrt(f.bn.variance[o] + 1e-5);
					expect(f.foldedKernel.data[i]).toBeCloseTo(f.kernel.data[i] * t, 12);
				}
				for (let o = 0; o < f.scale.length; o++)
					expect(f.foldedBias[o]).toBeCloseTo(f.bn.beta[o] - f.bn.mean[o] * f.scale[o], 12);
			}
			// step 4: the sum of the terms
			for (let i = 0; i < steps.sum.kernel.data.length; i++) {
				let s = 0;
				for (const t of steps.sum.terms) s += t.kernel.data[i];
				expect(steps.sum.kernel.data[i]).toBeCloseTo(s, 12);
			}
			expect(steps.sum.terms.length).toBe(block.spec.k + (block.spec.hasScale ? 1 : 0) + (block.spec.hasSkip ? 1 : 0));
		}
	});

	it('keeps the algebra’s own records in the order applied: folds, pad, identity, its fold, the sum', () => {
		const spec = validateSpec({ numClasses: 2, inputSize: 8, stem: { width: 4, stride: 1, k: 2 }, stages: [{ width: 4, blocks: 1, stride: 1, k: 3 }] });
		const dw = syntheticModel(spec, 4).blocks[1];
		const steps = fuseBlockSteps(dw);
		expect(steps.records.map((r) => r.kind)).toEqual(['bn-fold', 'bn-fold', 'bn-fold', 'bn-fold', 'pad', 'identity', 'bn-fold', 'add']);
		const sum = steps.records[steps.records.length - 1];
		expect(sum.kind === 'add' && Array.from(sum.output.weight)).toEqual(Array.from(steps.sum.kernel.data));
	});

	it('pads the 1×1 scale kernel into the centre of the 3×3', () => {
		const spec = randomSpec(3);
		const block = syntheticModel(spec, 1).blocks[0];
		const steps = fuseBlockSteps(block);
		const pad = steps.scalePadding!;
		expect(pad.pad).toBe(1);
		const [cout, cg] = pad.before.shape;
		for (let o = 0; o < cout; o++)
			for (let c = 0; c < cg; c++)
				for (let y = 0; y < 3; y++)
					for (let x = 0; x < 3; x++) {
						const v = pad.after.data[((o * cg + c) * 3 + y) * 3 + x];
						expect(v).toBe(y === 1 && x === 1 ? pad.before.data[o * cg + c] : 0);
					}
	});

	it('the skip kernel is a centred delta per channel (depthwise) and the identity matrix (pointwise)', () => {
		const spec = validateSpec({ numClasses: 2, inputSize: 8, stem: { width: 4, stride: 1 }, stages: [{ width: 4, blocks: 1, stride: 1, k: 2 }] });
		const [, dw, pw] = blocksOf(spec);
		const d = identityKernel(dw);
		expect(d.shape).toEqual([4, 1, 3, 3]);
		for (let c = 0; c < 4; c++) expect(Array.from(d.data.slice(c * 9, c * 9 + 9))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
		const p = identityKernel(pw);
		expect(p.shape).toEqual([4, 4, 1, 1]);
		expect(Array.from(p.data)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
		const steps = fuseBlockSteps(syntheticModel(spec, 2).blocks[1]);
		expect(steps.skipKernel?.rule).toBe('centred-delta');
		expect(fuseBlockSteps(syntheticModel(spec, 2).blocks[2]).skipKernel?.rule).toBe('identity-matrix');
	});

	it('float64 with one rounding is closer to the exact algebra than a float32 implementation', () => {
		const spec = validateSpec({ numClasses: 2, inputSize: 8, stem: { width: 16, stride: 1 }, stages: [{ width: 32, blocks: 2, stride: 1, k: 5 }] });
		const model = syntheticModel(spec, 11);
		const f = Math.fround;
		let errOurs = 0;
		let errF32 = 0;
		let count = 0;
		for (const block of model.blocks) {
			const steps = fuseBlockSteps(block);
			const exact = steps.sum.kernel.data; // float64, never rounded
			// the same algebra as a float32 implementation would do it, rounding after every operation
			const n = exact.length;
			const per = n / block.spec.cout;
			const acc = new Float32Array(n);
			for (const fold of steps.folds) {
				const t32 = fold.bn.gamma.map((g, c) => f(g / f(Math.sqrt(f(fold.bn.variance[c] + f(1e-5))))));
				const kernel = fold.branch.kind === 'scale' ? steps.scalePadding!.after.data.map((v, i) => (v === 0 ? 0 : 1)) : null;
				for (let i = 0; i < n; i++) {
					const o = Math.floor(i / per);
					let w: number;
					if (fold.branch.kind === 'scale') {
						// the padded 1×1 weight sits where the padded folded kernel is non-zero
						if (kernel![i] === 0) continue;
						const c = Math.floor((i % per) / (block.spec.kernel * block.spec.kernel));
						w = fold.kernel.data[o * (per / (block.spec.kernel * block.spec.kernel)) + c];
					} else w = fold.kernel.data[i];
					acc[i] = f(acc[i] + f(w * t32[o]));
				}
			}
			for (let i = 0; i < n; i++) {
				errOurs += Math.abs(steps.fused.weight.data[i] - exact[i]);
				errF32 += Math.abs(acc[i] - exact[i]);
				count++;
			}
		}
		// ours is exactly the nearest float32 to the float64 sum; the float32 pipeline drifts further
		expect(errOurs / count).toBeLessThan((errF32 / count) * 0.7);
	});

	it('BN scale uses the running variance and eps = 1e-5', () => {
		const t = batchNormScale({ gamma: new Float32Array([2]), beta: new Float32Array([0]), mean: new Float32Array([0]), variance: new Float32Array([3]), eps: 1e-5 });
		expect(t[0]).toBeCloseTo(2 / Math.sqrt(3 + 1e-5), 15);
	});
});
