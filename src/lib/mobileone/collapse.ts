/**
 * What fusion removes, counted per stage and in total: branches, operators, parameters and the
 * bytes of float32 tensors each form needs at inference (BN running statistics included for the
 * multi-branch form, since it must store them). Counted from the spec alone, without building a
 * graph; tests/unit/collapse.test.ts holds every count to the ONNX graphs io/onnx/build.ts writes.
 */
import { blockParamCount, blocksOf, featureWidth, type BlockSpec, type Form, type MobileOneSpec } from './spec';

export interface FormCount {
	branches: number;
	operators: number;
	parameters: number;
	bytes: number;
}

export interface StageCollapse {
	/** `stem`, `stage 1`, …, `head` */
	label: string;
	blocks: number;
	unfused: FormCount;
	fused: FormCount;
}

/** GlobalAveragePool, Conv, Relu, Conv, Sigmoid, Mul */
const SE_OPERATORS = 6;

export function branchCount(b: BlockSpec, form: Form): number {
	return form === 'fused' ? 1 : b.k + (b.hasScale ? 1 : 0) + (b.hasSkip ? 1 : 0);
}

/** Operators in the ONNX graph of one block (see io/onnx/build.ts): convs, BNs, the Adds, SE, ReLU. */
export function blockOperators(b: BlockSpec, form: Form): number {
	const se = b.se ? SE_OPERATORS : 0;
	if (form === 'fused') return 1 + se + 1;
	const convs = b.k + (b.hasScale ? 1 : 0);
	const norms = convs + (b.hasSkip ? 1 : 0);
	// n branches are summed by a chain of n − 1 two-input Adds.
	const adds = branchCount(b, 'unfused') - 1;
	return convs + norms + adds + se + 1;
}

function blockBytes(b: BlockSpec, form: Form): number {
	// BN running mean and variance are stored but not trained: 2 floats per BN channel
	const runningStats = form === 'fused' ? 0 : 2 * (b.k * b.cout + (b.hasScale ? b.cout : 0) + (b.hasSkip ? b.cin : 0));
	return 4 * (blockParamCount(b, form) + runningStats);
}

function count(blocks: BlockSpec[], form: Form): FormCount {
	const c: FormCount = { branches: 0, operators: 0, parameters: 0, bytes: 0 };
	for (const b of blocks) {
		c.branches += branchCount(b, form);
		c.operators += blockOperators(b, form);
		c.parameters += blockParamCount(b, form);
		c.bytes += blockBytes(b, form);
	}
	return c;
}

export function collapseByStage(spec: MobileOneSpec): StageCollapse[] {
	const blocks = blocksOf(spec);
	const rows: StageCollapse[] = [];
	for (let s = 0; s <= spec.stages.length; s++) {
		const inStage = blocks.filter((b) => b.stage === s);
		rows.push({ label: s === 0 ? 'stem' : `stage ${s}`, blocks: inStage.length, unfused: count(inStage, 'unfused'), fused: count(inStage, 'fused') });
	}
	const f = featureWidth(spec);
	// GlobalAveragePool, Flatten, Gemm
	const head = { branches: 0, operators: 3, parameters: f * spec.numClasses + spec.numClasses, bytes: 4 * (f * spec.numClasses + spec.numClasses) };
	rows.push({ label: 'head', blocks: 0, unfused: head, fused: { ...head } });
	return rows;
}

export function collapseTotal(rows: StageCollapse[]): StageCollapse {
	const add = (form: Form): FormCount =>
		rows.reduce(
			(t, r) => ({
				branches: t.branches + r[form].branches,
				operators: t.operators + r[form].operators,
				parameters: t.parameters + r[form].parameters,
				bytes: t.bytes + r[form].bytes
			}),
			{ branches: 0, operators: 0, parameters: 0, bytes: 0 }
		);
	return { label: 'total', blocks: rows.reduce((n, r) => n + r.blocks, 0), unfused: add('unfused'), fused: add('fused') };
}
