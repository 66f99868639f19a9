/**
 * Every family's block as PyTorch really exports it: our PyTorch modules (models/families.py, the
 * families' original key names) load a seeded engine block, torch.onnx.export writes it (eval mode,
 * opset 17, with and without BatchNormalization nodes kept), and the graph pass fuses the file.
 * Fused = unfused to ≤ 1e-4·max|y| in onnxruntime-node, and one Conv per block where the pass can
 * prove the whole block linear. DBB's 1×1 → K×K and 1×1 → pool branches pad their gap with the BN
 * bias (pad(y − v) + v); PyTorch 1.13 computes that Pad's pads, and the identity-based 1×1's weight
 * (ScatterND), in the graph: the pass folds those constants first, so DBB is one Conv as well.
 * The exports (tests/helpers/family-exports.ts) are shared with families-onnx-web.test.ts.
 */
import { readFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff } from '../../src/lib/core/tensor';
import { fuseParallelBranches } from '../../src/lib/graph/fuse-branches';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import { exportFamilies, FAMILY_EXPORTS as exports, familyInput as input, torchAvailable } from '../helpers/family-exports';
import { opCounts, run } from '../helpers/onnx-hand';

describe.skipIf(!torchAvailable)('every family exported by torch.onnx.export, fused by the graph pass', () => {
	beforeAll(exportFamilies, 600_000);

	it.each(exports)('$label', async (e) => {
		const bytes = new Uint8Array(readFileSync(e.path));
		const original = decodeOnnx(bytes);
		const { model, summary } = fuseParallelBranches(original);
		const merged = summary.groups.filter((g) => g.merged);
		expect(merged.length, summary.groups.map((g) => g.reason).join('; ')).toBe(1);
		const group = merged[0];
		const after = opCounts(model);
		// DBB too: its gap's pads and its identity-based 1×1's weight, computed in the graph, are folded first.
		expect(group.partial).toBeUndefined();
		expect(after.Conv).toBe(1);
		expect(Object.keys(after).filter((op) => op !== 'Conv' && op !== 'Identity' && op !== 'Constant')).toEqual([]);
		if (e.family === 'dbb') expect(group.transforms).toEqual(expect.arrayContaining(['sequential', 'avgpool']));
		if (e.keepBatchNorm && e.family !== 'repcpe') expect(group.transforms).toContain(e.family === 'repvggdw' ? 'post-BN' : 'fold');
		if (e.family === 'acnet') expect(group.transforms).toContain('pad');
		if (e.family === 'repmixer' || e.family === 'learnable-rep') expect(group.transforms).toContain('scale');
		const x = input(7, e.geometry.cin);
		const want = await run(ortNode, bytes, x, 'input', 'output');
		const got = await run(ortNode, encodeOnnx(model), x, 'input', 'output');
		expect(got.length).toBe(want.length);
		expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-4 * maxAbs(want));
	});
});
