/**
 * The guided lesson's engine: each student's instance, the figures' numbers and every exercise's
 * answer, checked against values computed here by hand from the raw weights (not by calling the
 * same helper twice), plus answer reading, tries and the stored progress.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, requireUnfused } from '../../src/lib/io/checkpoint';
import { runBlocks } from '../../src/lib/mobileone/forward';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { randomInput, syntheticModel } from '../../src/lib/mobileone/synthetic';
import { variantSpec } from '../../src/lib/mobileone/spec';
import { lessonInstance } from '../../src/lib/lesson/instance';
import { exerciseFor, lessonContext, linearityKernels, type Exercise } from '../../src/lib/lesson/exercises';
import { batchNormModes, blockTraffic, channelBn, linearityDemo, linearityPatch, paddingMistake, paramsByK } from '../../src/lib/lesson/figures';
import { checkAnswer, readNumber, recordAttempt, showsWorkedAnswer, NO_ATTEMPT } from '../../src/lib/lesson/check';
import { chapterStatus, parseProgress, serializeProgress, solvedCount, MAX_PROGRESS_LENGTH } from '../../src/lib/lesson/progress';
import { CHAPTER_IDS } from '../../src/lib/lesson/chapters';

const cifar = requireUnfused(loadCheckpoint(new Uint8Array(readFileSync('models/mobileone-cifar10.safetensors'))), 'this test');

function contextFor(model = cifar, seed = 12345) {
	const instance = lessonInstance(model, seed);
	const input = randomInput(model.spec, 3, 1, model.spec.inputSize);
	const blockInput = runBlocks(fuseModel(model), input, 0, instance.depthwise);
	return lessonContext(model, instance, blockInput);
}

const ex = <K extends Exercise['kind']>(e: Exercise | null, kind: K) => {
	expect(e?.kind).toBe(kind);
	return e as Extract<Exercise, { kind: K }>;
};

describe('lesson instance', () => {
	it('is the same for the same seed and differs between students', () => {
		expect(lessonInstance(cifar, 7)).toEqual(lessonInstance(cifar, 7));
		const seen = new Set(Array.from({ length: 20 }, (_, s) => JSON.stringify(lessonInstance(cifar, s * 7919))));
		expect(seen.size).toBeGreaterThan(10);
	});

	it('picks a depthwise block with every kind of branch and a pointwise block with a skip', () => {
		for (let s = 0; s < 30; s++) {
			const i = lessonInstance(cifar, s);
			const dw = cifar.blocks[i.depthwise].spec;
			const pw = cifar.blocks[i.pointwise].spec;
			expect(dw.role).toBe('depthwise');
			expect(dw.hasScale && dw.hasSkip && dw.k >= 2).toBe(true);
			expect(pw.role).toBe('pointwise');
			expect(pw.hasSkip).toBe(true);
			expect(i.depthwiseChannel).toBeLessThan(dw.cout);
			expect(i.pointwiseChannel).toBeLessThan(pw.cout);
		}
	});

	it('refuses a seed that is not a 32-bit whole number', () => {
		expect(() => lessonInstance(cifar, -1)).toThrow(/seed/);
		expect(() => lessonInstance(cifar, 1.5)).toThrow(/seed/);
	});

	it('works on synthetic S0 too', () => {
		const s0 = syntheticModel(variantSpec('s0'), 7);
		const i = lessonInstance(s0, 99);
		expect(s0.blocks[i.depthwise].spec.k).toBe(4);
	});
});

describe('lesson exercises on real weights', () => {
	const c = contextFor();
	const block = cifar.blocks[c.instance.depthwise];
	const o = c.instance.depthwiseChannel;
	const bn0 = block.convs[0].bn;
	const t0 = bn0.gamma[o] / Math.sqrt(bn0.variance[o] + bn0.eps);

	it('chapter 1: the output of A + B is the sum of both outputs', () => {
		const e = ex(exerciseFor(1, c), 'number');
		expect(e.answer).toBeCloseTo(e.given.withA + e.given.withB, 5);
		// by hand: the centre output of a valid 3×3 convolution of the 5×5 patch
		const patch = linearityPatch(c.instance.seed);
		const [a] = linearityKernels(c);
		let byHand = 0;
		for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) byHand += a[y * 3 + x] * patch[(y + 1) * 5 + x + 1];
		expect(e.given.withA).toBeCloseTo(byHand, 5);
	});

	it('chapter 2: t = γ/√(σ²+ε) of rbr_conv.0 for this channel', () => {
		const e = ex(exerciseFor(2, c), 'number');
		expect(e.given.gamma).toBe(bn0.gamma[o]);
		expect(e.answer).toBeCloseTo(t0, 12);
		expect(checkAnswer(e, t0.toFixed(4))).toBe('correct');
		expect(checkAnswer(e, String(t0 * 1.05))).toBe('wrong');
	});

	it('chapter 3: b′ = β − μ·t', () => {
		const e = ex(exerciseFor(3, c), 'number');
		expect(e.answer).toBeCloseTo(bn0.beta[o] - bn0.mean[o] * t0, 10);
	});

	it('chapter 4: the 1×1 value lands on the centre tap', () => {
		const e = ex(exerciseFor(4, c), 'cell');
		expect(e.grid.size).toBe(3);
		expect(e.answer).toBe(4);
		expect(checkAnswer(e, 4)).toBe('correct');
		expect(checkAnswer(e, 0)).toBe('wrong');
		expect(checkAnswer(e, 9)).toBe('unreadable');
	});

	it('chapter 5: the identity 1 of a dense 1×1 sits at input channel o mod (in/groups)', () => {
		const e = ex(exerciseFor(5, c), 'cell');
		const pw = cifar.blocks[c.instance.pointwise].spec;
		expect(e.answer).toBe(c.instance.pointwiseChannel % (pw.cin / pw.groups));
		expect(e.grid.values[e.answer]).toBe(1);
		expect(e.grid.values.reduce((s, v) => s + v, 0)).toBe(1);
	});

	it('chapter 6: the fused bias is the sum of every branch’s bias', () => {
		const e = ex(exerciseFor(6, c), 'number');
		const labels = Object.keys(e.given);
		expect(labels).toEqual([...block.convs.map((_, i) => `rbr_conv.${i}`), 'rbr_scale', 'rbr_skip']);
		expect(e.answer).toBeCloseTo(Object.values(e.given).reduce((s, v) => s + v, 0), 10);
	});

	it('chapter 7: the fused block is the same size whatever k was', () => {
		const e = ex(exerciseFor(7, c), 'yesno');
		expect(e.answer).toBe(false);
		expect(e.given.fusedK).toBe(e.given.fused1);
		expect(e.given.trainK).toBeGreaterThan(e.given.train1);
	});

	it('chapter 8: the train-time block writes k + 2 maps before the sum', () => {
		const e = ex(exerciseFor(8, c), 'number');
		expect(e.answer).toBe(block.spec.k + 2);
		expect(checkAnswer(e, String(e.answer + 1))).toBe('wrong');
	});

	it('chapter 9: a ReLU inside each branch breaks fusion; waits for the picture', () => {
		const e = ex(exerciseFor(9, c), 'yesno');
		expect(e.answer).toBe(false);
		expect(e.given.relative).toBeGreaterThan(1e-2);
		expect(exerciseFor(9, { ...c, depthwiseInput: null })).toBeNull();
	});

	it('every chapter has an exercise', () => {
		for (const id of CHAPTER_IDS) expect(exerciseFor(id, c)).not.toBeNull();
	});
});

describe('lesson figures', () => {
	const c = contextFor();
	it('linearity holds to float32 rounding and the two kernels do differ', () => {
		const [a, b] = linearityKernels(c);
		const d = linearityDemo(a, b, linearityPatch(1));
		expect(d.maxDelta).toBeLessThan(1e-5);
		expect(Array.from(d.withA)).not.toEqual(Array.from(d.withB));
		expect(() => linearityDemo([1, 2], [1, 2], linearityPatch(1))).toThrow();
	});

	it('BatchNorm in eval mode ignores the batch; in training mode it does not', () => {
		const block = cifar.blocks[c.instance.depthwise];
		const bn = channelBn(block.convs[0].bn, c.instance.depthwiseChannel);
		const m = batchNormModes(bn, 0.5, [0, 1, 2], [-3, -2, 5]);
		expect(m.evalOutputs[0]).toBe(m.evalOutputs[1]);
		expect(m.evalOutputs[0]).toBeCloseTo(m.scale * 0.5 + m.shift, 5);
		expect(Math.abs(m.trainOutputs[0] - m.trainOutputs[1])).toBeGreaterThan(1e-3);
	});

	it('a 1×1 padded off-centre no longer agrees; centred does', () => {
		const block = cifar.blocks[c.instance.depthwise];
		const p = paddingMistake(block, c.depthwiseSteps, c.depthwiseInput!);
		expect(p.agreesCentred).toBe(true);
		expect(p.agreesOffCentre).toBe(false);
	});
});

describe('answers, tries and progress', () => {
	it('reads numbers leniently but never guesses', () => {
		expect(readNumber(' −0.25 ')).toBe(-0.25);
		expect(readNumber('1,5')).toBe(1.5);
		expect(readNumber('3e-2')).toBe(0.03);
		expect(readNumber('.5')).toBe(0.5);
		for (const bad of ['', 'abc', '1,000.5', '0x10', '1/2', 'Infinity', '9'.repeat(41)]) expect(readNumber(bad)).toBeNull();
	});

	it('shows the worked answer after two wrong tries, or once solved', () => {
		let a = recordAttempt(NO_ATTEMPT, 'unreadable');
		expect(a.tries).toBe(0);
		a = recordAttempt(a, 'wrong');
		expect(showsWorkedAnswer(a)).toBe(false);
		a = recordAttempt(a, 'wrong');
		expect(showsWorkedAnswer(a)).toBe(true);
		a = recordAttempt(a, 'correct');
		expect(a).toEqual({ tries: 3, solved: true });
		expect(recordAttempt(a, 'wrong')).toEqual(a);
	});

	it('keeps progress through a round trip and drops anything malformed', () => {
		const p = { seed: 42, chapters: { 1: { tries: 1, solved: true }, 3: { tries: 2, solved: false } } };
		const back = parseProgress(serializeProgress(p), () => 0);
		expect(back).toEqual(p);
		expect(chapterStatus(back, 1)).toBe('solved');
		expect(chapterStatus(back, 3)).toBe('tried');
		expect(chapterStatus(back, 2)).toBe('new');
		expect(solvedCount(back)).toBe(1);
		for (const bad of [null, '', '{', '[]', '{"format":"x","seed":1}', '{"format":"mobileone-lab.lesson/1","seed":-4}', 'x'.repeat(MAX_PROGRESS_LENGTH + 1)])
			expect(parseProgress(bad, () => 9)).toEqual({ seed: 9, chapters: {} });
		const partly = parseProgress('{"format":"mobileone-lab.lesson/1","seed":5,"chapters":{"1":{"tries":-1,"solved":true},"2":{"tries":1,"solved":false},"99":{"tries":1,"solved":true}}}', () => 0);
		expect(partly).toEqual({ seed: 5, chapters: { 2: { tries: 1, solved: false } } });
	});
});

describe('lesson cost figures', () => {
	it('counts maps, bytes and operators of one block in both forms', () => {
		const b = cifar.blocks.find((x) => x.spec.role === 'depthwise' && x.spec.hasSkip)!.spec;
		const t = blockTraffic(b, 8);
		expect(t.mapsUnfused).toBe(b.k + 2);
		expect(t.bytesUnfused).toBe((b.k + 2) * 4 * b.cout * 64);
		expect(t.bytesFused).toBe(4 * b.cout * 64);
		expect(t.operatorsUnfused).toBeGreaterThan(t.operatorsFused);
		const rows = paramsByK(b);
		expect(rows.map((r) => r.k)).toEqual([1, 2, 3, 4, 5]);
		expect(new Set(rows.map((r) => r.fused)).size).toBe(1);
		expect(rows[4].unfused - rows[3].unfused).toBe(b.cout * 9 + 2 * b.cout);
	});
});
