/**
 * Each operator the constant folder evaluates, against onnxruntime-node running the same node on the
 * same values (fed as graph inputs, so the runtime computes them): shapes, data types and every value
 * must agree exactly. Then what a hostile file gets: a refusal, never an allocation it sized.
 */
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { evaluateOp, MAX_CONSTANT_ELEMENTS, NotEvaluated, type ConstValue } from '../../src/lib/graph/constant-ops';
import { decodeTensor, encodeTensor } from '../../src/lib/graph/fold-constants';
import { encodeOnnx } from '../../src/lib/io/onnx/encode';
import { ATTRIBUTE_TYPE, DATA_TYPE, type ModelAttribute, type ModelNode, type OnnxModel } from '../../src/lib/io/onnx/model';

const { FLOAT, DOUBLE, INT64, INT32, BOOL } = DATA_TYPE;
const ORT_TYPE: Record<number, ortNode.Tensor.Type> = { [FLOAT]: 'float32', [DOUBLE]: 'float64', [INT64]: 'int64', [INT32]: 'int32', [BOOL]: 'bool' };

const f32 = (dims: number[], v: number[]): ConstValue => ({ dataType: FLOAT, dims, data: Float64Array.from(v, Math.fround) });
const f64 = (dims: number[], v: number[]): ConstValue => ({ dataType: DOUBLE, dims, data: Float64Array.from(v) });
const i64 = (dims: number[], v: (number | bigint)[]): ConstValue => ({ dataType: INT64, dims, data: BigInt64Array.from(v, (x) => BigInt(x)) });
const i32 = (dims: number[], v: number[]): ConstValue => ({ dataType: INT32, dims, data: BigInt64Array.from(v, (x) => BigInt(x)) });
const bool = (dims: number[], v: number[]): ConstValue => ({ dataType: BOOL, dims, data: BigInt64Array.from(v, (x) => BigInt(x)) });

type Attr = number | number[] | ConstValue;
function attr(name: string, v: Attr): ModelAttribute {
	const base = { name, floats: [], ints: [], strings: [], tensors: [], graphs: [], extra: [] };
	if (typeof v === 'number') return { ...base, type: ATTRIBUTE_TYPE.INT, i: v };
	if (Array.isArray(v)) return { ...base, type: ATTRIBUTE_TYPE.INTS, ints: v };
	return { ...base, type: ATTRIBUTE_TYPE.TENSOR, t: encodeTensor(name, v) };
}

function node(opType: string, inputs: number, attrs: Record<string, Attr> = {}): ModelNode {
	return { name: opType.toLowerCase(), opType, inputs: Array.from({ length: inputs }, (_, i) => `in${i}`), outputs: ['out'], attributes: Object.entries(attrs).map(([k, v]) => attr(k, v)), extra: [] };
}

function ortTensor(c: ConstValue): ortNode.Tensor {
	const type = ORT_TYPE[c.dataType];
	const data =
		c.dataType === FLOAT ? Float32Array.from(c.data as Float64Array)
		: c.dataType === DOUBLE ? Float64Array.from(c.data as Float64Array)
		: c.dataType === INT64 ? BigInt64Array.from(c.data as BigInt64Array)
		: c.dataType === INT32 ? Int32Array.from(c.data as BigInt64Array, Number)
		: Uint8Array.from(c.data as BigInt64Array, Number);
	return new ortNode.Tensor(type, data as never, c.dims);
}

/** What onnxruntime computes for `n` on `inputs`, as a ConstValue. */
async function reference(n: ModelNode, inputs: ConstValue[], outType: number): Promise<ConstValue> {
	const value = (name: string, c: ConstValue | null, type: number) => ({ name, type: { kind: 'tensor' as const, elemType: type, shape: c ? c.dims : null }, extra: [] });
	const model: OnnxModel = {
		irVersion: 8,
		opsetImport: [{ domain: '', version: 17 }],
		graph: { name: 'op', nodes: [n], initializers: [], inputs: inputs.map((c, i) => value(`in${i}`, c, c.dataType)), outputs: [value('out', null, outType)], valueInfo: [], extra: [] },
		extra: []
	};
	const session = await ortNode.InferenceSession.create(encodeOnnx(model));
	try {
		const out = (await session.run(Object.fromEntries(inputs.map((c, i) => [`in${i}`, ortTensor(c)]))))['out'];
		const dims = out.dims.map(Number);
		const raw = out.data as ArrayLike<number | bigint>;
		const data = outType === FLOAT || outType === DOUBLE ? Float64Array.from(raw as ArrayLike<number>) : BigInt64Array.from(Array.from(raw), (x) => BigInt(x));
		return { dataType: outType, dims, data };
	} finally {
		await session.release();
	}
}

/** A constant's values as one array type, float or int64 alike. */
const values = (c: ConstValue): (number | bigint)[] => Array.from(c.data as ArrayLike<number | bigint>);

async function agrees(n: ModelNode, inputs: ConstValue[], outType: number): Promise<ConstValue> {
	const got = evaluateOp(n, inputs, decodeTensor);
	if (got instanceof NotEvaluated) throw new Error(got.reason);
	const want = await reference(n, inputs, outType);
	expect(got.dataType).toBe(want.dataType);
	expect(got.dims).toEqual(want.dims);
	expect(values(got)).toEqual(values(want));
	return got;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const x234 = f32([2, 3, 4], Array.from({ length: 24 }, (_, i) => (i - 7) * 0.37));

describe('each operator as onnxruntime computes it', () => {
	it('Shape, whole and with start / end', async () => {
		expect(values(await agrees(node('Shape', 1), [x234], INT64))).toEqual([2n, 3n, 4n]);
		await agrees(node('Shape', 1, { start: 1, end: -1 }), [x234], INT64);
		await agrees(node('Shape', 1, { start: -9 }), [x234], INT64);
	});

	it('ConstantOfShape, default float zeros and an int64 value; an empty shape is a scalar', async () => {
		await agrees(node('ConstantOfShape', 1), [i64([2], [2, 3])], FLOAT);
		await agrees(node('ConstantOfShape', 1, { value: i64([1], [7]) }), [i64([3], [1, 2, 2])], INT64);
		await agrees(node('ConstantOfShape', 1, { value: f32([1], [0.1]) }), [i64([0], [])], FLOAT);
	});

	it('Concat along the first and the last axis', async () => {
		await agrees(node('Concat', 2, { axis: 0 }), [i64([4], [1, 1, 1, 1]), i64([4], [0, 0, 0, 0])], INT64);
		await agrees(node('Concat', 3, { axis: -1 }), [f32([2, 1], [1, 2]), f32([2, 2], [3, 4, 5, 6]), f32([2, 0], [])], FLOAT);
	});

	it('Reshape with -1, with 0 copying a dim, and with allowzero', async () => {
		await agrees(node('Reshape', 2), [i64([8], [1, 2, 3, 4, 5, 6, 7, 8]), i64([2], [-1, 2])], INT64);
		await agrees(node('Reshape', 2), [x234, i64([2], [0, -1])], FLOAT);
		await agrees(node('Reshape', 2, { allowzero: 1 }), [f32([0, 3], []), i64([2], [3, 0])], FLOAT);
	});

	it('Slice: backwards to INT64_MIN (PyTorch\'s flip), clamped ends, negative axes, steps of 2, 3 and -2', async () => {
		const pairs = i64([4, 2], [1, 1, 1, 1, 0, 0, 0, 0]);
		await agrees(node('Slice', 5), [pairs, i64([1], [-1]), i64([1], [INT64_MIN]), i64([1], [0]), i64([1], [-1])], INT64);
		await agrees(node('Slice', 3), [i64([5], [9, 8, 7, 6, 5]), i64([1], [1]), i64([1], [INT64_MAX])], INT64);
		await agrees(node('Slice', 5), [x234, i64([2], [0, -3]), i64([2], [100, -1]), i64([2], [-1, 1]), i64([2], [2, 1])], FLOAT);
		await agrees(node('Slice', 5), [x234, i64([1], [10]), i64([1], [-10]), i64([1], [2]), i64([1], [-2])], FLOAT);
		await agrees(node('Slice', 4), [x234, i64([1], [3]), i64([1], [1]), i64([1], [0])], FLOAT);
		await agrees(node('Slice', 5), [x234, i64([1], [0]), i64([1], [4]), i64([1], [2]), i64([1], [3])], FLOAT);
	});

	it('Transpose with a permutation and the default reversal', async () => {
		await agrees(node('Transpose', 1, { perm: [1, 0] }), [i64([4, 2], [1, 2, 3, 4, 5, 6, 7, 8])], INT64);
		await agrees(node('Transpose', 1, { perm: [2, 0, 1] }), [x234], FLOAT);
		await agrees(node('Transpose', 1), [x234], FLOAT);
	});

	it('Cast: float to int64 truncates toward zero, double to float rounds once, int to float, to bool', async () => {
		await agrees(node('Cast', 1, { to: INT64 }), [f32([4], [-2.7, 2.7, -0.5, 3])], INT64);
		await agrees(node('Cast', 1, { to: FLOAT }), [f64([3], [0.1, 1 / 3, 1e-40])], FLOAT);
		await agrees(node('Cast', 1, { to: FLOAT }), [i64([2], [1, -(2 ** 40) - 1])], FLOAT);
		await agrees(node('Cast', 1, { to: BOOL }), [f32([3], [0, -0.1, 2])], BOOL);
		await agrees(node('Cast', 1, { to: INT32 }), [i64([2], [5, -6])], INT32);
	});

	it('Expand: a scalar to a shape, and both ways (a shape dim of 1 keeps the input\'s)', async () => {
		await agrees(node('Expand', 2), [f64([], [1]), i64([2], [2, 3])], DOUBLE);
		await agrees(node('Expand', 2), [f32([3, 1], [1, 2, 3]), i64([3], [2, 1, 4])], FLOAT);
		await agrees(node('Expand', 2), [i64([1, 1, 1, 1], [0]), i64([0], [])], INT64);
	});

	it('Unsqueeze at the end and in two places', async () => {
		await agrees(node('Unsqueeze', 2), [i64([1], [3]), i64([1], [-1])], INT64);
		await agrees(node('Unsqueeze', 2), [f32([2, 2], [1, 2, 3, 4]), i64([2], [0, 3])], FLOAT);
	});

	it('Add, Sub and Mul broadcast, in float32 (rounded once per op) and int64', async () => {
		const a = f32([2, 1, 3], [0.1, 0.2, 0.3, 1e8, -1, 7]);
		const b = f32([4, 1], [1e-8, 3, -2, 0.7]);
		for (const op of ['Add', 'Sub', 'Mul']) {
			await agrees(node(op, 2), [a, b], FLOAT);
			await agrees(node(op, 2), [i64([4], [1, 1, 1, 1]), i64([], [-1])], INT64);
		}
	});

	it('Equal and Where, broadcast', async () => {
		const eq = await agrees(node('Equal', 2), [i64([4], [1, -1, 1, 4]), i64([], [-1])], BOOL);
		await agrees(node('Where', 3), [eq, i64([4], [1, 1, 1, 1]), i64([1], [9])], INT64);
		await agrees(node('Where', 3), [bool([2, 1], [1, 0]), f32([3], [1, 2, 3]), f32([2, 3], [4, 5, 6, 7, 8, 9])], FLOAT);
	});

	it('Gather: a scalar index, negative indices, 2-D indices on an inner axis', async () => {
		await agrees(node('Gather', 2, { axis: 0 }), [x234, i64([], [1])], FLOAT);
		await agrees(node('Gather', 2, { axis: 1 }), [x234, i64([2, 2], [-1, 0, 2, -3])], FLOAT);
		await agrees(node('Gather', 2, { axis: -1 }), [i64([4], [4, 5, 6, 7]), i64([3], [3, 0, 0])], INT64);
	});

	it("ScatterND: single elements (DBB's identity kernel) and whole slices", async () => {
		const zeros = f64([4, 4, 1, 1], Array(16).fill(0));
		const diag = i64([4, 4], [0, 0, 0, 0, 1, 1, 0, 0, 2, 2, 0, 0, 3, 3, 0, 0]);
		const kernel = await agrees(node('ScatterND', 3), [zeros, diag, f64([4], [1, 1, 1, 1])], DOUBLE);
		expect(values(kernel)).toEqual(Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)));
		await agrees(node('ScatterND', 3), [x234, i64([2, 1], [1, 0]), f32([2, 3, 4], Array.from({ length: 24 }, (_, i) => i))], FLOAT);
		await agrees(node('ScatterND', 3), [x234, i64([1, 2], [0, -1]), f32([1, 4], [9, 8, 7, 6])], FLOAT);
	});
});

describe('what a hostile constant gets', () => {
	const value = (n: ModelNode, inputs: ConstValue[]) => evaluateOp(n, inputs, decodeTensor);

	it('a constant beyond the cap is not evaluated (and not allocated): one sentence', () => {
		const huge = value(node('ConstantOfShape', 1), [i64([2], [1 << 20, 1 << 20])]);
		expect(huge).toBeInstanceOf(NotEvaluated);
		expect((huge as NotEvaluated).reason).toMatch(new RegExp(`more than ${MAX_CONSTANT_ELEMENTS} values`));
		expect(value(node('Expand', 2), [f32([1], [1]), i64([3], [4096, 4096, 4096])])).toBeInstanceOf(NotEvaluated);
		expect(value(node('ConstantOfShape', 1), [i64([1], [MAX_CONSTANT_ELEMENTS])])).not.toBeInstanceOf(NotEvaluated);
	});

	it('a negative or unrepresentable dimension, an int64 overflow, an index out of range: refused', () => {
		expect(() => value(node('ConstantOfShape', 1), [i64([2], [3, -1])])).toThrow(WeightsError);
		expect(() => value(node('ConstantOfShape', 1), [i64([1], [INT64_MAX])])).toThrow(/beyond what a dimension can be/);
		expect(() => value(node('Mul', 2), [i64([1], [1n << 62n]), i64([1], [2])])).toThrow(/overflows int64/);
		expect(() => value(node('Add', 2), [i64([1], [INT64_MAX]), i64([1], [1])])).toThrow(/overflows int64/);
		expect(() => value(node('Gather', 2), [x234, i64([1], [2])])).toThrow(/index 2 of a dimension of 2/);
		expect(() => value(node('ScatterND', 3), [x234, i64([1, 1], [5]), f32([1, 3, 4], Array(12).fill(0))])).toThrow(/index 5/);
		expect(() => value(node('Reshape', 2), [x234, i64([2], [5, -1])])).toThrow(/cannot infer/);
		expect(() => value(node('Cast', 1, { to: INT64 }), [f32([1], [NaN])])).toThrow(/into an integer/);
		expect(() => value(node('Slice', 5), [x234, i64([1], [0]), i64([1], [1]), i64([1], [0]), i64([1], [0])])).toThrow(/step of 0/);
	});

	it('an initializer whose bytes disagree with its dims is refused before it is read', () => {
		const t = encodeTensor('w', f32([4], [1, 2, 3, 4]));
		expect(() => decodeTensor({ ...t, dims: [5] })).toThrow(/holds 16 bytes, not the 5 values/);
		expect(decodeTensor({ ...t, dims: [1 << 30] })).toBeInstanceOf(NotEvaluated);
	});
});
