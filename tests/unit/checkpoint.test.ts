import { describe, expect, it } from 'vitest';
import { inferSpec, loadCheckpoint, requireUnfused, saveCheckpoint } from '../../src/lib/io/checkpoint';
import { WeightsError } from '../../src/lib/core/errors';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { writeSafetensors } from '../../src/lib/io/safetensors';
import { validateSpec, variantSpec, VARIANTS, type MobileOneSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { toStateDict } from '../../src/lib/io/statedict';

const small = validateSpec({
	name: 'small',
	inputSize: 16,
	numClasses: 5,
	stem: { width: 16, stride: 2, k: 1 },
	stages: [
		{ width: 16, blocks: 2, stride: 2, k: 3, seBlocks: 0 },
		{ width: 20, blocks: 3, stride: 2, k: 3, seBlocks: 2 }
	]
});

function expectError(f: () => unknown, code: string, message?: RegExp) {
	try {
		f();
	} catch (e) {
		expect(e).toBeInstanceOf(WeightsError);
		expect((e as WeightsError).code).toBe(code);
		if (message) expect((e as Error).message).toMatch(message);
		return;
	}
	throw new Error('expected an error');
}

describe('checkpoints', () => {
	it('recognises S0–S4 from keys and shapes alone', () => {
		for (const v of VARIANTS) {
			const spec = variantSpec(v);
			// only the shapes matter to recognition: build the key list with empty-ish tensors cheaply
			const sd = toStateDict(syntheticModel({ ...spec, numClasses: 7 }, 1));
			const inferred = inferSpec(sd);
			expect(inferred).toEqual({ ...spec, numClasses: 7, name: `mobileone-${v}` });
		}
	});

	it('recognises other structures: widths, k, SE, a stride-1 stage (from its skip), classes', () => {
		const spec: MobileOneSpec = { ...small, stages: [{ ...small.stages[0], stride: 1 }, small.stages[1]] };
		const inferred = inferSpec(toStateDict(syntheticModel(spec, 2)));
		expect(inferred.stages).toEqual(spec.stages);
		expect(inferred.stem).toEqual({ ...spec.stem, stride: 2 });
		expect(inferred.numClasses).toBe(5);
	});

	it('says which form it holds: requireUnfused gives the multi-branch model and refuses a fused file', () => {
		const model = syntheticModel(small, 4);
		const ck = loadCheckpoint(saveCheckpoint(model));
		expect(ck.form).toBe('unfused');
		expect(requireUnfused(ck, 'the test').blocks.map((b) => b.form)).toEqual(model.blocks.map(() => 'unfused'));
		const fused = loadCheckpoint(saveCheckpoint(fuseModel(model)));
		expect(fused.form).toBe('fused');
		if (fused.form === 'fused') expect(fused.model.blocks.every((b) => b.form === 'fused')).toBe(true);
		expect(() => requireUnfused(fused, 'the test')).toThrow(/already fused.*the test needs the multi-branch/);
	});

	it('reads the spec, labels and normalization from metadata, and round-trips', () => {
		const model = syntheticModel(small, 3);
		const bytes = saveCheckpoint(model, { labels: JSON.stringify(['a', 'b', 'c', 'd', 'e']), mean: '[0.5,0.5,0.5]', std: '[0.2,0.2,0.2]', source: 'test' });
		const ck = loadCheckpoint(bytes);
		expect(ck.specSource).toBe('metadata');
		expect(ck.spec).toEqual(small);
		expect(ck.labels).toEqual(['a', 'b', 'c', 'd', 'e']);
		expect(ck.mean).toEqual([0.5, 0.5, 0.5]);
		expect(ck.source).toBe('test');
		expect(ck.form).toBe('unfused');
		expect(ck.unusedKeys).toEqual([]);
		expect(toStateDict(ck.model)).toEqual(toStateDict(model));
	});

	it('loads a fused checkpoint under Apple’s fused key names', () => {
		const fused = fuseModel(syntheticModel(small, 4));
		const sd = toStateDict(fused);
		expect([...sd.keys()]).toContain('stage0.reparam_conv.weight');
		expect([...sd.keys()]).toContain('stage2.5.reparam_conv.bias');
		const ck = loadCheckpoint(saveCheckpoint(fused));
		expect(ck.form).toBe('fused');
		expect(toStateDict(ck.model)).toEqual(sd);
	});

	it('accepts Apple’s num_batches_tracked (I64) and a DataParallel "module." prefix', () => {
		const sd = toStateDict(syntheticModel(small, 5));
		const tensors = writeSafetensors(new Map([...sd].map(([k, v]) => [`module.${k}`, v])));
		const ck = loadCheckpoint(tensors);
		expect(ck.spec.stages).toEqual(small.stages.map((s) => ({ ...s })));
	});

	it('names what is wrong with a bad checkpoint', () => {
		const sd = toStateDict(syntheticModel(small, 6));
		const without = (key: string) => writeSafetensors(new Map([...sd].filter(([k]) => k !== key)), { spec: JSON.stringify(small) });
		expectError(() => loadCheckpoint(without('stage2.3.rbr_conv.1.bn.running_var')), 'missing-key', /stage2\.3\.rbr_conv\.1\.bn\.running_var/);
		expectError(() => loadCheckpoint(without('linear.weight')), 'missing-key', /linear\.weight/);
		expectError(() => loadCheckpoint(writeSafetensors(new Map([['fc.weight', { shape: [2, 2], data: new Float32Array(4) }]]))), 'not-mobileone');
		const wrongSpec = { ...small, stages: [{ ...small.stages[0], width: 17 }, small.stages[1]] };
		expectError(() => loadCheckpoint(writeSafetensors(sd, { spec: JSON.stringify(wrongSpec) })), 'unexpected-shape', /shape/);
		expectError(() => loadCheckpoint(writeSafetensors(sd, { spec: '{not json' })), 'bad-metadata', /spec/);
		expectError(() => loadCheckpoint(writeSafetensors(sd, { labels: '["only one"]' })), 'bad-metadata', /labels/);
		// inconsistent k inside a stage
		const extra = new Map(sd);
		extra.set('stage1.2.rbr_conv.3.conv.weight', sd.get('stage1.2.rbr_conv.0.conv.weight')!);
		expectError(() => loadCheckpoint(writeSafetensors(extra)), 'bad-spec', /stage1\.2/);
	});
});
