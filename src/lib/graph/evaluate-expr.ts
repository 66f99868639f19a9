/**
 * Turns a linear expression of one input tensor (linear-expr.ts) into one (kernel, bias) pair with
 * its ONNX geometry, using only the algebra's transforms (`src/lib/reparam/`), and keeps every
 * step record with the node it came from. The graph code decides where a kernel sits and whether
 * a step is exact; the numbers all come from the algebra, in float64.
 *
 * Exactness rules checked here, not assumed:
 *   - a Conv or AveragePool after another linear step merges only if that step is a 1×1 with stride 1
 *     and no padding, and, when the second one pads, the first outputs no bias there (a zero-padded
 *     gap after a bias is DBB's border error: refused, never merged inexactly);
 *   - average pooling is a kernel only for an odd square window;
 *   - summed terms share a stride and their pads place them inside one kernel (place-terms.ts).
 */
import { addBranches } from '../reparam/add-branches';
import { avgPoolKernel } from '../reparam/avg-pool';
import { foldBatchNorm } from '../reparam/bn-fold';
import type { ConvKernel } from '../reparam/conv-kernel';
import { denseFromDilated } from '../reparam/dilation';
import { identityKernel } from '../reparam/identity-kernel';
import { padKernel } from '../reparam/pad-kernel';
import { scaleKernel } from '../reparam/scale-kernel';
import { composeSequential } from '../reparam/sequential';
import type { ReparamStep } from '../reparam/steps';
import type { LinearExpr } from './linear-expr';
import { placeTerms, type PlacedGeometry } from './place-terms';

/** A step of the algebra and the graph node it was applied for. */
export interface LabelledStep {
	label: string;
	step: ReparamStep;
}

export interface ExprValue extends PlacedGeometry {
	k: ConvKernel;
	label: string;
	/**
	 * After a zero Pad: the added border, and what it holds per channel as a pair with zero weights,
	 * carried through the same scale and BN steps as the kernel (so pad(y − v) + v holds v there).
	 */
	border?: { pads: [number, number, number, number]; k: ConvKernel };
}

export interface EvalContext {
	/** The tensor every branch must read. */
	input: string;
	groups: number;
	/** The most float64 values one step may allocate: a crafted file cannot size an allocation. */
	budget: number;
	steps: LabelledStep[];
}

/** The algebra refuses with a RangeError: that sentence becomes the group's reason. */
function attempt<T>(f: () => T): T | string {
	try {
		return f();
	} catch (e) {
		if (e instanceof RangeError) return e.message;
		throw e;
	}
}

function name(n: { name: string; opType: string; outputs: string[] }): string {
	return `"${n.name || n.outputs[0] || n.opType}"`;
}

function tooLarge(ctx: EvalContext, values: number): string | null {
	return values > ctx.budget ? `a step would hold ${values} values, far more than the branches' own weights` : null;
}

const NO_PADS: [number, number, number, number] = [0, 0, 0, 0];

function record<T extends ReparamStep>(ctx: EvalContext, label: string, step: T): T {
	ctx.steps.push({ label, step });
	return step;
}

/**
 * The border holds the bias when both agree to float32 precision: the file computed its pad values
 * in float32 (PyTorch's BNAndPadLayer), the algebra folds the BN in float64.
 */
function sameBias(border: Float64Array, bias: Float64Array): boolean {
	const scale = Math.max(1, ...Array.from(bias, Math.abs));
	return border.every((v, i) => Math.abs(v - bias[i]) <= 4e-7 * scale);
}

/** A kernel read after `inner`: composed with it when that is exact, else the reason. */
function afterInner(ctx: EvalContext, inner: ExprValue, second: () => ConvKernel, label: string, pads: readonly number[]): ConvKernel | string {
	if (inner.kernel[0] !== 1 || inner.kernel[1] !== 1 || inner.strides.some((s) => s !== 1) || inner.pads.some((p) => p !== 0))
		return `${label} reads a ${inner.kernel.join('×')} result of ${inner.label} with stride [${inner.strides}]: only a 1×1 with stride 1 and no padding before it merges exactly`;
	if (inner.border) {
		if (pads.some((p) => p > 0)) return `${label} pads again what ${inner.label} already padded`;
		if (!sameBias(inner.border.k.bias, inner.k.bias))
			return `${label} reads a border that does not hold what ${inner.label} outputs for a zero input, so one merged conv would differ on the border pixels`;
	} else if (pads.some((p) => p > 0) && inner.k.bias.some((b) => b !== 0))
		return `${label} pads with zeros what ${inner.label} outputs with a bias, so one merged conv would differ on the border pixels (DBB pads that gap with the bias instead)`;
	const b = second();
	const big = tooLarge(ctx, b.shape[0] * inner.k.shape[1] * b.shape[2] * b.shape[3]);
	if (big) return big;
	const step = attempt(() => composeSequential(inner.k, b));
	if (typeof step === 'string') return `${label} after ${inner.label}: ${step}`;
	return record(ctx, label, step).output;
}

function convValue(e: Extract<LinearExpr, { op: 'conv' }>, ctx: EvalContext): ExprValue | string {
	const p = e.params;
	const label = name(e.node);
	let k: ConvKernel = { shape: [p.cout, p.cinPerGroup, ...p.kernel], groups: p.group, weight: p.weight, bias: p.bias ?? new Float64Array(p.cout) };
	const [dh, dw] = p.dilations;
	if ((p.kernel[0] > 1 && dh > 1) || (p.kernel[1] > 1 && dw > 1)) {
		const d = p.kernel[0] > 1 ? dh : dw;
		if ((p.kernel[0] > 1 && dh !== d) || (p.kernel[1] > 1 && dw !== d)) return `${label} has different dilations along its two axes`;
		const big = tooLarge(ctx, p.cout * p.cinPerGroup * (d * (p.kernel[0] - 1) + 1) * (d * (p.kernel[1] - 1) + 1));
		if (big) return big;
		k = record(ctx, label, denseFromDilated(k, d)).output;
	}
	const geometry = { kernel: [k.shape[2], k.shape[3]] as [number, number], strides: p.strides, pads: e.pads, label };
	if (e.of.op === 'input' && e.of.tensor === ctx.input) return { ...geometry, k };
	const inner = evaluate(e.of, p.cinPerGroup * p.group, ctx);
	if (typeof inner === 'string') return inner;
	const composed = afterInner(ctx, inner, () => k, label, e.pads);
	if (typeof composed === 'string') return composed;
	return { ...geometry, pads: inner.border?.pads ?? e.pads, kernel: [composed.shape[2], composed.shape[3]], k: composed };
}

function avgPoolValue(e: Extract<LinearExpr, { op: 'avgpool' }>, channels: number, ctx: EvalContext): ExprValue | string {
	const label = name(e.node);
	const [kh, kw] = e.size;
	if (kh !== kw || kh % 2 === 0) return `${label} pools a ${kh}×${kw} window: only odd square windows are written as a kernel here`;
	const geometry = { kernel: e.size, strides: e.strides, pads: e.pads, label };
	if (e.of.op === 'input' && e.of.tensor === ctx.input) {
		const big = tooLarge(ctx, (channels * channels * kh * kw) / ctx.groups);
		if (big) return big;
		const step = attempt(() => avgPoolKernel(channels, kh, ctx.groups));
		if (typeof step === 'string') return `${label}: ${step}`;
		return { ...geometry, k: record(ctx, label, step).output };
	}
	const inner = evaluate(e.of, channels, ctx);
	if (typeof inner === 'string') return inner;
	const groups = inner.k.groups;
	const big = tooLarge(ctx, (channels * channels * kh * kw) / groups);
	if (big) return big;
	const pool = attempt(() => avgPoolKernel(channels, kh, groups));
	if (typeof pool === 'string') return `${label}: ${pool}`;
	const composed = afterInner(ctx, inner, () => record(ctx, label, pool).output, label, e.pads);
	if (typeof composed === 'string') return composed;
	return { ...geometry, pads: inner.border?.pads ?? e.pads, k: composed };
}

function affineValue(e: Extract<LinearExpr, { op: 'affine' }>, channels: number, ctx: EvalContext): ExprValue | string {
	const v = evaluate(e.of, channels, ctx);
	if (typeof v === 'string') return v;
	const label = name(e.node);
	const apply = (k: ConvKernel) =>
		attempt(() => {
			if (e.role === 'bn') return foldBatchNorm(k, e.bn!, e.of.op === 'sum' ? 'after-sum' : 'branch');
			if (e.role === 'mul') return scaleKernel(k, e.factor!);
			if (e.role === 'neg') return scaleKernel(k, -1);
			const shift = e.shift!;
			if (e.role === 'add') return scaleKernel(k, 1, shift);
			// x − c is x + (−c); c − x is −x + c.
			return e.role === 'sub' ? scaleKernel(k, 1, shift.map((c) => -c)) : scaleKernel(k, -1, shift);
		});
	const step = apply(v.k);
	if (typeof step === 'string') return `${label}: ${step}`;
	let border = v.border;
	if (border) {
		const moved = apply(border.k);
		if (typeof moved === 'string') return `${label}: ${moved}`;
		border = { pads: border.pads, k: moved.output };
	}
	return { ...v, k: record(ctx, label, step).output, label, ...(border ? { border } : {}) };
}

/** Σ sign·term as one value: each placed in the merged kernel (`pad` steps), then added. */
export function sumValues(terms: { sign: 1 | -1; value: ExprValue }[], ctx: EvalContext, label: string): ExprValue | string {
	const values: ExprValue[] = [];
	const padded = terms.find((t) => t.value.border);
	if (padded) return `${padded.value.label} is padded, and a padded tensor is summed as it is`;
	for (const { sign, value } of terms) {
		if (sign === 1) values.push(value);
		else {
			const step = attempt(() => scaleKernel(value.k, -1));
			if (typeof step === 'string') return step;
			values.push({ ...value, k: record(ctx, value.label, step).output });
		}
	}
	const placed = placeTerms(values);
	if (typeof placed === 'string') return placed;
	const [KH, KW] = placed.merged.kernel;
	const kernels: ConvKernel[] = [];
	for (let i = 0; i < values.length; i++) {
		const v = values[i];
		if (v.kernel[0] === KH && v.kernel[1] === KW) {
			kernels.push(v.k);
			continue;
		}
		const big = tooLarge(ctx, v.k.shape[0] * v.k.shape[1] * KH * KW);
		if (big) return big;
		const step = attempt(() => padKernel(v.k, KH, KW, placed.offsets[i]));
		if (typeof step === 'string') return step;
		kernels.push(record(ctx, v.label, step).output);
	}
	if (kernels.length === 1) return { ...placed.merged, k: kernels[0], label };
	const step = attempt(() => addBranches(kernels, values.map((v) => v.label)));
	if (typeof step === 'string') return step;
	return { ...placed.merged, k: record(ctx, label, step).output, label };
}

/** The expression as one kernel of `channels` outputs reading `ctx.input`, or why it is not one. */
export function evaluate(e: LinearExpr, channels: number, ctx: EvalContext): ExprValue | string {
	switch (e.op) {
		case 'refused':
			return e.reason;
		case 'input': {
			if (e.tensor !== ctx.input) return `a branch reads "${e.tensor}", not "${ctx.input}"`;
			const big = tooLarge(ctx, (channels * channels) / ctx.groups);
			if (big) return big;
			const step = attempt(() => identityKernel(channels, ctx.groups, 1));
			if (typeof step === 'string') return step;
			return { kernel: [1, 1], strides: [1, 1], pads: NO_PADS, k: record(ctx, 'the input itself', step).output, label: 'the input itself' };
		}
		case 'identity':
			return evaluate(e.of, channels, ctx);
		case 'pad': {
			const v = evaluate(e.of, channels, ctx);
			if (typeof v === 'string') return v;
			if (v.border) return `${name(e.node)} pads what is already padded`;
			if (v.kernel[0] !== 1 || v.kernel[1] !== 1 || v.strides.some((s) => s !== 1) || v.pads.some((p) => p !== 0))
				return `${name(e.node)} pads the result of a ${v.kernel.join('×')} conv with stride [${v.strides}]: only a padded 1×1 result is merged`;
			const c = v.k.shape[0];
			return { ...v, border: { pads: e.pads, k: { shape: [c, 1, 1, 1], groups: 1, weight: new Float64Array(c), bias: new Float64Array(c) } } };
		}
		case 'conv':
			return convValue(e, ctx);
		case 'avgpool':
			return avgPoolValue(e, channels, ctx);
		case 'affine':
			return affineValue(e, channels, ctx);
		case 'sum': {
			const terms: { sign: 1 | -1; value: ExprValue }[] = [];
			for (const t of e.terms) {
				const value = evaluate(t.expr, channels, ctx);
				if (typeof value === 'string') return value;
				terms.push({ sign: t.sign, value });
			}
			return sumValues(terms, ctx, name(e.node));
		}
	}
}
