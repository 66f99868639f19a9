/**
 * The CLI never writes a network that differs from what the file describes: non-finite weights,
 * negative variances, a spec that contradicts the keys, duplicate header keys and unusable
 * normalization are refused with one `error:` line and nothing written; the browser's loader
 * (`loadCheckpoint`) refuses the same files.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import type { Tensor } from '../../src/lib/core/tensor';
import { loadCheckpoint, saveCheckpoint } from '../../src/lib/io/checkpoint';
import { writeSafetensors } from '../../src/lib/io/safetensors';
import { toStateDict } from '../../src/lib/io/statedict';
import { validateSpec, type MobileOneSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { runTool } from '../helpers/tools';

const dir = mkdtempSync(join(tmpdir(), 'mobileone-integrity-'));
const spec = validateSpec({
	name: 'integrity',
	inputSize: 16,
	numClasses: 4,
	stem: { width: 8, stride: 2, k: 1 },
	stages: [
		{ width: 16, blocks: 2, stride: 1, k: 4, seBlocks: 0 },
		{ width: 24, blocks: 1, stride: 2, k: 4, seBlocks: 0 }
	]
});
const model = syntheticModel(spec, 3);

/** The model's state dict with one value changed, as safetensors bytes (spec in metadata unless told). */
function withValue(key: string, index: number, value: number, metadata: Record<string, string> = { spec: JSON.stringify(spec) }): Uint8Array {
	const sd = toStateDict(model);
	const t = sd.get(key);
	if (!t) throw new Error(`no ${key}`);
	const data = t.data.slice();
	data[index] = value;
	sd.set(key, { shape: t.shape, data } as Tensor);
	return writeSafetensors(sd, metadata);
}

function withSpec(changes: (s: MobileOneSpec) => MobileOneSpec): Uint8Array {
	return writeSafetensors(toStateDict(model), { spec: JSON.stringify(changes(structuredClone(spec))) });
}

/** Replace the header's JSON text (same length or not) and fix the length field. */
function withHeader(bytes: Uint8Array, edit: (header: string) => string): Uint8Array {
	const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
	const header = new TextEncoder().encode(edit(new TextDecoder().decode(bytes.subarray(8, 8 + n))));
	const out = new Uint8Array(8 + header.length + bytes.length - 8 - n);
	new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
	out.set(header, 8);
	out.set(bytes.subarray(8 + n), 8 + header.length);
	return out;
}

const good = saveCheckpoint(model);

const CASES: { name: string; bytes: Uint8Array; code: string; message: RegExp }[] = [
	{ name: 'NaN in a BatchNorm γ', bytes: withValue('stage1.0.rbr_conv.2.bn.weight', 5, NaN), code: 'non-finite', message: /"stage1\.0\.rbr_conv\.2\.bn\.weight" at \[5\] is NaN/ },
	{ name: '+Inf in a conv weight', bytes: withValue('stage2.1.rbr_conv.0.conv.weight', 7, Infinity), code: 'non-finite', message: /"stage2\.1\.rbr_conv\.0\.conv\.weight" at \[0, 7, 0, 0\] is \+Inf/ },
	{ name: 'a running variance of −1', bytes: withValue('stage1.0.rbr_skip.running_var', 3, -1), code: 'negative-variance', message: /"stage1\.0\.rbr_skip\.running_var" at \[3\] is -1/ },
	{ name: 'NaN in the classifier', bytes: withValue('linear.weight', 17, NaN), code: 'non-finite', message: /"linear\.weight" at \[0, 17\] is NaN/ },
	{
		name: 'metadata spec with k = 2 on a k = 4 file',
		bytes: withSpec((s) => ({ ...s, stages: s.stages.map((st) => ({ ...st, k: 2 })) })),
		code: 'spec-mismatch',
		message: /has no place for "stage1\.0\.rbr_conv\.2\./
	},
	{
		name: 'metadata spec with fewer blocks than the file',
		bytes: withSpec((s) => ({ ...s, stages: [s.stages[0], { ...s.stages[1], blocks: 1 }].map((st, i) => (i === 0 ? { ...st, blocks: 1 } : st)) })),
		code: 'spec-mismatch',
		message: /has no place for "stage1\.2\./
	},
	{
		name: 'metadata stride contradicting where the skips are',
		bytes: withSpec((s) => ({ ...s, stages: [{ ...s.stages[0], stride: 2 }, s.stages[1]] })),
		code: 'spec-mismatch',
		message: /has no place for "stage1\.0\.rbr_skip\./
	},
	{ name: 'a duplicate key in the header', bytes: withHeader(good, (h) => h.replace('{', '{"linear.bias":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},')), code: 'duplicate-key', message: /"linear\.bias" twice/ },
	{ name: 'a second __metadata__', bytes: withHeader(good, (h) => h.replace('{', '{"__metadata__":{"spec":"{}"},')), code: 'duplicate-key', message: /"__metadata__" twice/ },
	{ name: 'std of zero', bytes: saveCheckpoint(model, { std: '[0,0,0]', mean: '[0,0,0]' }), code: 'bad-metadata', message: /"std" must be a list of 3 positive numbers/ }
];

describe('integrity: the loader refuses what would build another network', () => {
	for (const c of CASES)
		it(c.name, () => {
			let error: unknown = null;
			try {
				loadCheckpoint(c.bytes);
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(WeightsError);
			expect((error as WeightsError).code).toBe(c.code);
			expect((error as Error).message).toMatch(c.message);
		});

	it('still loads the untouched file, and a stride-1 stage recognised from its skips', () => {
		expect(loadCheckpoint(good).spec).toEqual(spec);
		const inferred = loadCheckpoint(writeSafetensors(toStateDict(model)));
		expect(inferred.spec.stages.map((s) => s.stride)).toEqual([1, 2]);
	});
});

describe('integrity: the CLI writes nothing for those files', () => {
	it('one error: line, exit 1, no output file, for every case', async () => {
		const runs = await Promise.all(
			CASES.map(async (c, i) => {
				const input = join(dir, `case${i}.safetensors`);
				const output = join(dir, `case${i}.onnx`);
				writeFileSync(input, c.bytes);
				return { c, output, r: await runTool('fuse', [input, output]) };
			})
		);
		for (const { c, output, r } of runs) {
			expect(r.status, `${c.name}: ${r.stdout}${r.stderr}`).toBe(1);
			const lines = r.stderr.trim().split('\n');
			expect(lines, c.name).toHaveLength(1);
			expect(lines[0]).toMatch(/^error: /);
			expect(lines[0]).toContain(`(${c.code})`);
			expect(existsSync(output), c.name).toBe(false);
		}
	}, 240_000);

	it('a γ of 3e38 fuses to infinities: the self-check fails the command and nothing is written', async () => {
		const input = join(dir, 'huge-gamma.safetensors');
		const output = join(dir, 'huge-gamma.safetensors.out.onnx');
		writeFileSync(input, withValue('stage1.0.rbr_conv.0.bn.weight', 0, 3e38));
		const r = await runTool('fuse', [input, output]);
		expect(r.status, r.stdout + r.stderr).toBe(1);
		expect(r.stderr).toMatch(/^error: nothing written: the (train-time|fused) network(’s outputs are not finite| differs)/);
		expect(existsSync(output)).toBe(false);
	}, 120_000);
});
