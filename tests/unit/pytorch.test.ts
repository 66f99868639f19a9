/**
 * readTorchCheckpoint on hand-written archives (always), and on real torch.save files written by
 * models/make_pytorch_fixtures.py when Debian's PyTorch is at /usr/bin/python3 (CI installs it,
 * so there a missing torch fails).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeightsError, type WeightsErrorCode } from '../../src/lib/core/errors';
import { readSafetensors } from '../../src/lib/io/safetensors';
import { readTorchCheckpoint } from '../../src/lib/io/pytorch';
import { concat, f32Bytes, makeCheckpoint, P, pickle, stateDictOps, tensorOps, type TensorSpec } from '../fixtures/pytorch/build';

const PYTHON = '/usr/bin/python3';
const torchAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable && process.env.CI === 'true') throw new Error('CI must have PyTorch: apt-get install -y python3-torch');

function expectError(code: WeightsErrorCode, message: RegExp, bytes: Uint8Array) {
	let thrown: unknown;
	try {
		readTorchCheckpoint(bytes);
	} catch (e) {
		thrown = e;
	}
	expect(thrown, `expected ${code}`).toBeInstanceOf(WeightsError);
	expect((thrown as WeightsError).code).toBe(code);
	expect((thrown as Error).message).toMatch(message);
}

const values = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i * 0.5);
const F = (storage: string, shape: number[], numel = shape.reduce((a, b) => a * b, 1), more: Partial<TensorSpec> = {}): TensorSpec => ({
	storage,
	type: 'FloatStorage',
	numel,
	shape,
	...more
});
/** A checkpoint whose data.pkl is `ops` (PROTO and STOP added). */
const checkpoint = (ops: number[][], storages: Record<string, Uint8Array>, options = {}) => makeCheckpoint(pickle(P.proto(2), ...ops, P.stop), storages, options);

describe('readTorchCheckpoint on hand-written archives', () => {
	const storages = { '0': f32Bytes(values(6)), '1': f32Bytes([7]) };
	const sd = stateDictOps([
		['conv.weight', F('0', [2, 3])],
		['conv.bias', F('1', [1])]
	]);

	it('reads a plain state dict, in order, whatever the folder is called', () => {
		for (const folder of ['archive', 'mobileone_s0_unfused']) {
			const out = readTorchCheckpoint(checkpoint(sd, storages, { folder }));
			expect(out.found).toBe('top level');
			expect([...out.tensors.keys()]).toEqual(['conv.weight', 'conv.bias']);
			expect(out.tensors.get('conv.weight')).toEqual({ shape: [2, 3], data: Float32Array.from(values(6)) });
			expect(out.tensors.get('conv.bias')?.data).toEqual(Float32Array.from([7]));
			expect(out.ignored).toEqual([]);
		}
	});

	it('finds the state dict in a training checkpoint under state_dict, model_state_dict or model', () => {
		for (const key of ['state_dict', 'model_state_dict', 'model']) {
			const ops = [P.emptyDict, P.mark, P.str('epoch'), P.binint1(3), P.str('lr'), P.binfloat(0.1), P.str(key), ...sd, P.setitems];
			const out = readTorchCheckpoint(checkpoint(ops, storages));
			expect(out.found).toBe(key);
			expect(out.tensors.size).toBe(2);
		}
	});

	it('strips module. only when every key has it', () => {
		const all = stateDictOps([
			['module.a', F('0', [6])],
			['module.b', F('1', [1])]
		]);
		expect([...readTorchCheckpoint(checkpoint(all, storages)).tensors.keys()]).toEqual(['a', 'b']);
		const some = stateDictOps([
			['module.a', F('0', [6])],
			['b', F('1', [1])]
		]);
		expect([...readTorchCheckpoint(checkpoint(some, storages)).tensors.keys()]).toEqual(['module.a', 'b']);
	});

	it('converts float16, bfloat16 and float64; lists int64 in ignored', () => {
		const half = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00]); // 1, -2, the smallest subnormal
		const bf16 = Uint8Array.from([0x80, 0x3f, 0x49, 0x40]); // 1, 3.140625
		const f64 = new Uint8Array(Float64Array.from([0.1, -3]).buffer);
		const i64 = new Uint8Array(8);
		const ops = stateDictOps([
			['h', { storage: 'h', type: 'HalfStorage', numel: 3, shape: [3] }],
			['b', { storage: 'b', type: 'BFloat16Storage', numel: 2, shape: [2] }],
			['d', { storage: 'd', type: 'DoubleStorage', numel: 2, shape: [2] }],
			['bn.num_batches_tracked', { storage: 'n', type: 'LongStorage', numel: 1, shape: [] }]
		]);
		const out = readTorchCheckpoint(checkpoint(ops, { h: half, b: bf16, d: f64, n: i64 }));
		expect(Array.from(out.tensors.get('h')!.data)).toEqual([1, -2, 2 ** -24]);
		expect(Array.from(out.tensors.get('b')!.data)).toEqual([1, 3.140625]);
		expect(Array.from(out.tensors.get('d')!.data)).toEqual([Math.fround(0.1), -3]);
		expect(out.ignored).toEqual(['bn.num_batches_tracked']);
		expect(out.tensors.has('bn.num_batches_tracked')).toBe(false);
	});

	it('gathers views: a transpose, a storage offset, a step, a 4-d permute', () => {
		const ops = stateDictOps([
			['t', F('0', [3, 2], 6, { stride: [1, 3] })],
			['row', F('0', [3], 6, { offset: 3 })],
			['step', F('0', [2], 6, { offset: 1, stride: [3] })],
			['perm', F('p', [2, 2, 2, 2], 16, { stride: [8, 1, 4, 2] })]
		]);
		const out = readTorchCheckpoint(checkpoint(ops, { '0': f32Bytes([0, 1, 2, 3, 4, 5]), p: f32Bytes(values(16, 0).map((_, i) => i)) }));
		expect(Array.from(out.tensors.get('t')!.data)).toEqual([0, 3, 1, 4, 2, 5]);
		expect(Array.from(out.tensors.get('row')!.data)).toEqual([3, 4, 5]);
		expect(Array.from(out.tensors.get('step')!.data)).toEqual([1, 4]);
		// element [a, b, c, d] is storage[8a + b + 4c + 2d]
		const expected: number[] = [];
		for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 2; c++) for (let d = 0; d < 2; d++) expected.push(8 * a + b + 4 * c + 2 * d);
		expect(Array.from(out.tensors.get('perm')!.data)).toEqual(expected);
	});

	it('accepts a parameter, a scalar and an empty tensor', () => {
		const ops = [
			P.emptyDict,
			P.mark,
			P.str('p'), P.global('torch._utils', '_rebuild_parameter'), ...tensorOps(F('1', [1])), P.true, P.global('collections', 'OrderedDict'), P.emptyTuple, P.reduce, P.tuple3, P.reduce,
			P.str('s'), ...tensorOps(F('1', [])),
			P.str('e'), ...tensorOps(F('1', [0, 5], 1)),
			P.setitems
		];
		const out = readTorchCheckpoint(checkpoint(ops, storages));
		expect(out.tensors.get('p')).toEqual({ shape: [1], data: Float32Array.from([7]) });
		expect(out.tensors.get('s')).toEqual({ shape: [], data: Float32Array.from([7]) });
		expect(out.tensors.get('e')).toEqual({ shape: [0, 5], data: new Float32Array(0) });
	});

	it('refuses a tensor that reaches outside its storage, or holds more than it', () => {
		const read = (t: TensorSpec) => readTorchCheckpoint(checkpoint(stateDictOps([['w', t]]), storages));
		expect(() => read(F('0', [2, 3]))).not.toThrow();
		for (const t of [F('0', [7], 6), F('0', [3], 6, { offset: 4 }), F('0', [2, 3], 6, { stride: [4, 1] }), F('0', [4, 3], 6, { stride: [0, 1] })]) {
			expectError('bad-offsets', /does not fit in its 6-element storage "0"/, checkpoint(stateDictOps([['w', t]]), storages));
		}
		expectError('bad-pickle', /at most 8/, checkpoint(stateDictOps([['w', F('1', new Array(9).fill(1), 1)]]), storages));
	});

	it('refuses a storage whose entry is missing or of the wrong size', () => {
		expectError('bad-zip', /no entry "archive\/data\/9"/, checkpoint(stateDictOps([['w', F('9', [1])]]), storages));
		expectError('bad-offsets', /should hold 5 × 4 bytes, but its entry has 24/, checkpoint(stateDictOps([['w', F('0', [5], 5)]]), storages));
	});

	it('refuses globals off the allow-list, with a hint, anywhere in the file', () => {
		const evil = [P.global('os', 'system'), P.str('touch /tmp/pwned'), P.tuple1, P.reduce];
		const ops = [P.emptyDict, P.mark, P.str('state_dict'), ...sd, P.str('args'), P.emptyDict, P.str('deep'), P.emptyList, ...evil, P.append, P.setitem, P.setitems];
		expectError('forbidden-global', /forbidden global "os\.system" in the pickle: .*model\.state_dict\(\)/, checkpoint(ops, storages));
		expectError('forbidden-global', /"argparse\.Namespace"/, checkpoint([P.global('argparse', 'Namespace')], storages));
	});

	it('explains what it found when there is no state dict', () => {
		const ops = [P.emptyDict, P.mark, P.str('epoch'), P.binint1(3), P.str('weights'), P.emptyList, P.setitems];
		expectError('no-state-dict', /keys "epoch", "weights", and none of state_dict, model_state_dict, model/, checkpoint(ops, storages));
		expectError('no-state-dict', /holds a list of 0/, checkpoint([P.emptyList], storages));
	});

	it('checks the byte order when the archive records it', () => {
		const enc = new TextEncoder();
		expect(readTorchCheckpoint(checkpoint(sd, storages, { extra: [['archive/byteorder', enc.encode('little')]] })).tensors.size).toBe(2);
		expectError('big-endian', /big-endian machine/, checkpoint(sd, storages, { extra: [['archive/byteorder', enc.encode('big')]] }));
		expectError('bad-zip', /byteorder/, checkpoint(sd, storages, { extra: [['archive/byteorder', enc.encode('middle')]] }));
	});

	it('refuses TorchScript archives, other formats and pre-1.6 files, saying what to do', () => {
		expectError('no-state-dict', /TorchScript/, checkpoint(sd, storages, { extra: [['archive/code/__torch__.py', new Uint8Array(1)]] }));
		const legacy = concat(P.proto(2), [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19], P.stop);
		expectError('legacy-pytorch-format', /torch\.save\(torch\.load\(f\), g\)/, legacy);
		expectError('bad-zip', /safetensors/, concat([2, 0, 0, 0, 0, 0, 0, 0], new TextEncoder().encode('{}')));
		expectError('bad-zip', /does not start like a zip/, new TextEncoder().encode('hello'));
		expectError('bad-zip', /no <folder>\/data\.pkl/, makeCheckpoint(new Uint8Array(0), {}, { folder: 'a/b' }));
	});

	it('caps the float32 it produces at twice the file, even for views sharing one storage', () => {
		const many = stateDictOps(Array.from({ length: 400 }, (_, i) => [`v${i}`, F('big', [1000])] as [string, TensorSpec]));
		expectError('too-large', /more than twice the file/, checkpoint(many, { big: f32Bytes(new Array(1000).fill(1)) }));
	});
});

// ---------------------------------------------------------------------------------------------

interface Expected {
	found: string;
	ignored: string[];
	tensors: Record<string, { shape: number[]; values: number[] }>;
}

describe.skipIf(!torchAvailable)('readTorchCheckpoint on real torch.save files', () => {
	let dir = '';
	let expected: Record<string, Expected> = {};
	const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'pytorch-fixtures-'));
		const made = spawnSync(PYTHON, ['models/make_pytorch_fixtures.py', dir], { encoding: 'utf8' });
		if (made.status !== 0) throw new Error(`make_pytorch_fixtures.py failed: ${made.stderr}`);
		expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
	}, 180_000); // importing torch alone takes seconds on a busy machine

	const cases = [
		'plain.pth',
		'plain-dict.pt',
		'protocol4.pth',
		'protocol5.pth',
		'nested.pth.tar',
		'model-key.pt',
		'model-state-dict.pt',
		'module-prefix.pth.tar',
		'dtypes.pth',
		'views.pth'
	];
	it.each(cases)('%s: the values torch holds, exactly', (name) => {
		const want = expected[name];
		const got = readTorchCheckpoint(file(name));
		expect(got.found).toBe(want.found);
		expect(got.ignored).toEqual(want.ignored);
		expect([...got.tensors.keys()]).toEqual(Object.keys(want.tensors));
		for (const [key, t] of Object.entries(want.tensors)) {
			expect(got.tensors.get(key)!.shape, key).toEqual(t.shape);
			expect(Array.from(got.tensors.get(key)!.data), key).toEqual(t.values);
		}
	});

	it("a models/mobileone.py MobileOne's state dict, plain and as DataParallel in a training checkpoint", () => {
		const want = readSafetensors(file('mobileone.expected.safetensors'));
		for (const [name, found] of [['mobileone.pth', 'top level'], ['mobileone-dp.pth.tar', 'state_dict']]) {
			const got = readTorchCheckpoint(file(name));
			expect(got.found).toBe(found);
			expect(got.ignored.sort()).toEqual(want.ignored.sort());
			expect(got.ignored.length).toBe(15);
			expect(got.tensors.size).toBe(want.tensors.size);
			for (const [key, t] of want.tensors) {
				expect(got.tensors.get(key)?.shape, key).toEqual(t.shape);
				expect(got.tensors.get(key)?.data, key).toEqual(t.data);
			}
		}
	});

	it.each([
		['os-system.pth', 'posix.system'],
		['eval.pth', '__builtin__.eval'],
		['exec.pth', '__builtin__.exec'],
		['popen.pth', 'commands.Popen'],
		['popen-protocol4.pth', 'subprocess.Popen'],
		['nested-global.pth.tar', 'posix.system'],
		['whole-model.pth', 'mobileone.MobileOne']
	])('%s is refused by name (%s) and runs nothing', (name, global) => {
		expectError('forbidden-global', new RegExp(`forbidden global "${global.replace('.', '\\.')}"`), file(name));
		expect(existsSync(join(dir, 'pwned'))).toBe(false);
	});

	it('refuses the pre-1.6 format, TorchScript, a bare tensor and an expanded (stride 0) view', () => {
		expectError('legacy-pytorch-format', /re-save it with PyTorch 1\.6 or newer/, file('legacy.pth'));
		expectError('no-state-dict', /TorchScript/, file('torchscript.pt'));
		expectError('no-state-dict', /holds a tensor, not a state dict/, file('tensor-only.pth'));
		expectError('bad-offsets', /shape \[4, 3\] \(stride \[0, 1\], offset 0\) does not fit/, file('expanded.pth'));
	});
});
