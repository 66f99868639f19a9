/**
 * Every family's real PyTorch export (the same files as families-onnx.test.ts), unfused and fused by
 * the graph pass, in onnxruntime-web's WebAssembly build (one thread) under Node: what the site's
 * visitors run. Fused = unfused to ≤ 1e-4·max|y| there, and each graph gives what onnxruntime-node
 * gives for it, so the browser and the command-line check prove the same thing.
 */
import { readFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff } from '../../src/lib/core/tensor';
import { fuseParallelBranches } from '../../src/lib/graph/fuse-branches';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import { exportFamilies, FAMILY_EXPORTS, familyInput, torchAvailable } from '../helpers/family-exports';
import { run } from '../helpers/onnx-hand';

/** Two builds of one runtime on one graph differ only by the order of float32 sums. */
const RUNTIMES_AGREE = 1e-5;

describe.skipIf(!torchAvailable)('every family export, fused, in onnxruntime-web (wasm, 1 thread)', () => {
	beforeAll(() => {
		ortWeb.env.wasm.numThreads = 1;
		exportFamilies();
	}, 600_000);

	it.each(FAMILY_EXPORTS)('$label', async (e) => {
		const unfused = new Uint8Array(readFileSync(e.path));
		const { model, summary } = fuseParallelBranches(decodeOnnx(unfused));
		expect(summary.convs.after).toBe(1);
		const fused = encodeOnnx(model);
		const x = familyInput(11, e.geometry.cin);
		const web = { unfused: await run(ortWeb, unfused, x, 'input', 'output'), fused: await run(ortWeb, fused, x, 'input', 'output') };
		const node = { unfused: await run(ortNode, unfused, x, 'input', 'output'), fused: await run(ortNode, fused, x, 'input', 'output') };
		const scale = maxAbs(node.unfused);
		expect(scale).toBeGreaterThan(0);
		expect(web.fused.length).toBe(web.unfused.length);
		expect(maxAbsDiff(web.fused, web.unfused)).toBeLessThanOrEqual(1e-4 * scale);
		expect(maxAbsDiff(web.unfused, node.unfused)).toBeLessThanOrEqual(RUNTIMES_AGREE * scale);
		expect(maxAbsDiff(web.fused, node.fused)).toBeLessThanOrEqual(RUNTIMES_AGREE * scale);
	});
});
