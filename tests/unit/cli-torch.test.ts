/**
 * `npm run fuse` on the files people actually have: a `.pth.tar` and a training checkpoint written
 * by torch.save, and an `.onnx` from torch.onnx.export, each fused through the CLI entry point and
 * held against PyTorch's own reparameterized model or the original graph in onnxruntime-node.
 * The torch cases need Debian's PyTorch at /usr/bin/python3 (CI installs it, so there a missing
 * torch fails); the forbidden-global and nothing-to-fuse cases run everywhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff } from '../../src/lib/core/tensor';
import { buildOnnx } from '../../src/lib/io/onnx/build';
import { decodeOnnx } from '../../src/lib/io/onnx/decode';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { validateSpec } from '../../src/lib/mobileone/spec';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { f32Bytes, makeCheckpoint, P, pickle, stateDictOps } from '../fixtures/pytorch/build';
import { runTool } from '../helpers/tools';

const PYTHON = '/usr/bin/python3';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

const dir = mkdtempSync(join(tmpdir(), 'mobileone-cli-torch-'));
const SIZE = 32;
/** A stride-1 stage (BN skips), k = 2 and 3, SE on the last block: every branch kind Apple has. */
const SPEC = {
	stem: { width: 8, stride: 2, k: 2 },
	stages: [
		{ width: 16, blocks: 2, stride: 1, k: 2, seBlocks: 0 },
		{ width: 32, blocks: 1, stride: 2, k: 3, seBlocks: 1 }
	],
	numClasses: 5
};
/** Blocks (stem + a depthwise and a pointwise per stage block) and the SE convs (2 per SE block). */
const FUSED_CONVS = 1 + 2 * (2 + 1) + 2 * 2;

/**
 * Writes, with torch: the unfused state dict as a .pth.tar, the same as a DataParallel training
 * checkpoint, the eval-mode ONNX export, a seeded input, and what PyTorch's own
 * reparameterize_model computes on it.
 */
const MAKE = `
import json, sys, torch
from collections import OrderedDict
sys.path.insert(0, 'models')
from mobileone import MobileOne, reparameterize_model
torch.set_num_threads(1)
torch.manual_seed(0)
out, spec, size = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
model = MobileOne(spec)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5); m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1); m.running_var.uniform_(0.5, 2.0)
model.eval()
sd = model.state_dict()
torch.save(sd, out + '/plain.pth.tar')
torch.save({'epoch': 7, 'arch': 'mobileone', 'best_acc1': 12.5, 'state_dict': OrderedDict(('module.' + k, v) for k, v in sd.items())}, out + '/training.pth.tar')
x = torch.randn(1, 3, size, size)
with torch.no_grad():
    torch.onnx.export(model, (x,), out + '/exported.onnx', input_names=['input'], output_names=['logits'],
                      opset_version=13, training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)
    y = reparameterize_model(model)(x)
open(out + '/x.bin', 'wb').write(x.numpy().tobytes())
open(out + '/y.bin', 'wb').write(y.numpy().tobytes())
`;

const f32 = (path: string) => {
	const b = readFileSync(path);
	return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};

async function runOnnx(path: string, x: Float32Array, shape: number[]): Promise<Float32Array> {
	const session = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'disabled' });
	try {
		const r = await session.run({ input: new ort.Tensor('float32', x, shape) });
		return r.logits.data as Float32Array;
	} finally {
		await session.release();
	}
}

const convCount = (path: string) => decodeOnnx(new Uint8Array(readFileSync(path))).graph.nodes.filter((n) => n.opType === 'Conv').length;

function expectOneError(r: { status: number | null; stderr: string; timedOut: boolean }, pattern: RegExp) {
	expect(r.timedOut, 'the tool hung and was killed').toBe(false);
	expect(r.status).toBe(1);
	const lines = r.stderr.trim().split('\n');
	expect(lines).toHaveLength(1);
	expect(lines[0]).toMatch(pattern);
}

describe.skipIf(!torchAvailable)('fuse: files written by torch', () => {
	beforeAll(() => {
		const r = spawnSync(PYTHON, ['-c', MAKE, dir, JSON.stringify(SPEC), String(SIZE)], { encoding: 'utf8' });
		if (r.status !== 0) throw new Error(r.stderr);
	}, 120_000);

	it('a .pth.tar (Apple’s published form) → fused ONNX that computes what PyTorch’s reparameterize_model does', async () => {
		const out = join(dir, 'plain.onnx');
		const r = await runTool('fuse', [join(dir, 'plain.pth.tar'), out]);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/format\s+PyTorch checkpoint, state dict found at top level/);
		expect(r.stdout).toMatch(/merged\s+\d+ branches into 7 convs/);
		const y = await runOnnx(out, f32(join(dir, 'x.bin')), [1, 3, SIZE, SIZE]);
		const reference = f32(join(dir, 'y.bin'));
		expect(y.length).toBe(SPEC.numClasses);
		expect(maxAbsDiff(y, reference)).toBeLessThanOrEqual(1e-4 * maxAbs(reference));
		expect(convCount(out)).toBe(FUSED_CONVS);
	}, 120_000);

	it('a training checkpoint with module. prefixes → the same fused network', async () => {
		const out = join(dir, 'training.onnx');
		const r = await runTool('fuse', [join(dir, 'training.pth.tar'), out]);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/format\s+PyTorch checkpoint, state dict found at state_dict/);
		const y = await runOnnx(out, f32(join(dir, 'x.bin')), [1, 3, SIZE, SIZE]);
		const reference = f32(join(dir, 'y.bin'));
		expect(maxAbsDiff(y, reference)).toBeLessThanOrEqual(1e-4 * maxAbs(reference));
	}, 120_000);

	it('an .onnx from torch.onnx.export → a fused .onnx with one Conv per block that matches the original', async () => {
		const input = join(dir, 'exported.onnx');
		const out = join(dir, 'exported.fused.onnx');
		expect(convCount(input)).toBeGreaterThan(FUSED_CONVS);
		const r = await runTool('fuse', [input, out, '--seed', '3']);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/^ {2}format\s+ONNX$/m);
		expect(r.stdout).toMatch(/group\s+.*merged into one 3×3 conv/);
		expect(r.stdout).toMatch(/on a random 1×3×32×32 input, both graphs in onnxruntime-node/);
		expect(convCount(out)).toBe(FUSED_CONVS);
		const x = f32(join(dir, 'x.bin'));
		const [a, b] = [await runOnnx(input, x, [1, 3, SIZE, SIZE]), await runOnnx(out, x, [1, 3, SIZE, SIZE])];
		expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-4 * maxAbs(a));
		// and both are the network PyTorch reparameterizes
		expect(maxAbsDiff(b, f32(join(dir, 'y.bin')))).toBeLessThanOrEqual(1e-4 * maxAbs(a));
	}, 120_000);

	it('safetensors out of an ONNX graph is a usage error, nothing written', async () => {
		const out = join(dir, 'exported.safetensors');
		const r = await runTool('fuse', [join(dir, 'exported.onnx'), out]);
		expect(r.status).toBe(2);
		expect(r.stderr.trim()).toMatch(/^error: an ONNX file can only be fused to ONNX.*--help/);
		expect(existsSync(out)).toBe(false);
	}, 120_000);
});

describe('fuse: files it refuses', () => {
	it('a pickle with a forbidden global → one error line naming it, nothing written', async () => {
		const evil = pickle(P.proto(2), P.global('os', 'system'), P.str('touch /tmp/pwned-by-fuse'), P.tuple1, P.reduce, P.stop);
		const input = join(dir, 'evil.pth.tar');
		writeFileSync(input, makeCheckpoint(evil, { '0': f32Bytes([1]) }));
		const out = join(dir, 'evil.onnx');
		expectOneError(await runTool('fuse', [input, out]), /^error: forbidden global "os\.system" in the pickle.*\(forbidden-global\)$/);
		expect(existsSync(out)).toBe(false);
	}, 90_000);

	it('an ONNX graph with nothing to fuse → "nothing to fuse: … already fused: N convs, no parallel branches"', async () => {
		const spec = validateSpec({ name: 'done', inputSize: 16, numClasses: 4, stem: { width: 8, stride: 2, k: 1 }, stages: [{ width: 16, blocks: 1, stride: 2, k: 2, seBlocks: 0 }] });
		const input = join(dir, 'fused-already.onnx');
		writeFileSync(input, buildOnnx(fuseModel(syntheticModel(spec, 1))));
		const out = join(dir, 'fused-again.onnx');
		expectOneError(await runTool('fuse', [input, out]), /^error: nothing to fuse: .*fused-already\.onnx is already fused: 3 convs, no parallel branches$/);
		expect(existsSync(out)).toBe(false);
	}, 90_000);

	it('a state dict that is not MobileOne → one error line', async () => {
		const input = join(dir, 'other.pth');
		writeFileSync(input, makeCheckpoint(pickle(P.proto(2), ...stateDictOps([['w', { storage: '0', type: 'FloatStorage', numel: 1, shape: [1] }]]), P.stop), { '0': f32Bytes([1]) }));
		expectOneError(await runTool('fuse', [input, join(dir, 'other.onnx')]), /^error: no MobileOne .*\(not-mobileone\)$/);
	}, 90_000);
});
