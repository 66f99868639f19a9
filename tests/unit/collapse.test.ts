/**
 * The collapse table counts from the spec alone; here every count is taken again from the ONNX
 * graphs our builder writes, for Apple's S0–S4 and our CIFAR-10 model, in both forms.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, requireUnfused } from '../../src/lib/io/checkpoint';
import { onnxGraph, summarizeGraph, type OnnxGraph } from '../../src/lib/io/onnx/build';
import { blockOperators, branchCount, collapseByStage, collapseTotal, type FormCount } from '../../src/lib/mobileone/collapse';
import type { UnfusedModel } from '../../src/lib/mobileone/model';
import { fuseModel } from '../../src/lib/mobileone/reparam';
import { blocksOf, validateSpec } from '../../src/lib/mobileone/spec';
import { SHIPPED_WEIGHTS_FILE, syntheticVariant } from '../../src/lib/models';
import { syntheticModel } from '../../src/lib/mobileone/synthetic';
import { VARIANTS } from '../../src/lib/mobileone/spec';

/** `stem`, `stage N` or `head`, from a node's or an initializer's name (`stage2.3/…`, `stage2.3.rbr_…`, `linear.weight`). */
function stageOf(name: string): string {
	const m = /^stage(\d+)[./]/.exec(name);
	if (!m) return 'head';
	return m[1] === '0' ? 'stem' : `stage ${m[1]}`;
}

/** The collapse table's four counts, per stage, read off a graph. */
function countGraph(graph: OnnxGraph): Map<string, FormCount> {
	const rows = new Map<string, FormCount>();
	const row = (name: string) => {
		const label = stageOf(name);
		if (!rows.has(label)) rows.set(label, { branches: 0, operators: 0, parameters: 0, bytes: 0 });
		return rows.get(label)!;
	};
	for (const n of graph.nodes) {
		const r = row(n.name);
		r.operators++;
		// A branch ends in its BatchNormalization (conv+BN branches and the BN-only skip); a fused block is one reparam_conv.
		if (n.opType === 'BatchNormalization' || n.name.endsWith('/reparam_conv')) r.branches++;
	}
	for (const t of graph.initializers) {
		const r = row(t.name);
		r.bytes += 4 * t.data.length;
		// BN running statistics are stored, not trained.
		if (!/\.running_(mean|var)$/.test(t.name)) r.parameters += t.data.length;
	}
	return rows;
}

const trained = (): UnfusedModel => {
	const ck = loadCheckpoint(new Uint8Array(readFileSync(SHIPPED_WEIGHTS_FILE)));
	return requireUnfused(ck, 'this test');
};

const models: [string, () => UnfusedModel][] = [...VARIANTS.map((v) => [v.toUpperCase(), () => syntheticVariant(v)] as [string, () => UnfusedModel]), ['our CIFAR-10 model', trained]];

describe('the collapse table counts what the ONNX graphs hold', () => {
	for (const [name, load] of models) {
		it(`${name}, both forms, per stage and in total`, () => {
			const unfused = load();
			const fused = fuseModel(unfused);
			const rows = collapseByStage(unfused.spec);
			const total = collapseTotal(rows);
			for (const [form, model] of [
				['unfused', unfused],
				['fused', fused]
			] as const) {
				const graph = onnxGraph(model);
				const counted = countGraph(graph);
				expect([...counted.keys()].sort()).toEqual(rows.filter((r) => r.blocks > 0 || r.label === 'head').map((r) => r.label).sort());
				for (const r of rows) expect({ stage: r.label, ...counted.get(r.label) }).toEqual({ stage: r.label, ...r[form] });
				const summary = summarizeGraph(model);
				expect(total[form].operators).toBe(summary.nodes);
				expect(total[form].bytes).toBe(4 * summary.parameters);
			}
			expect(total.unfused.branches).toBeGreaterThan(total.fused.branches);
		});
	}
});

describe('operators per block', () => {
	it('counts one Add fewer than branches, none for a lone branch, and the SE and ReLU in both forms', () => {
		const spec = validateSpec({
			name: 'tiny',
			numClasses: 4,
			inputSize: 8,
			stem: { width: 16, k: 1 },
			stages: [{ width: 16, blocks: 1, stride: 1, k: 3, seBlocks: 1 }, { width: 24, blocks: 1, stride: 2, k: 1 }]
		});
		const [stem, dw, pw, dw2, pw2] = blocksOf(spec);
		// stem: conv+BN, scale conv+BN, one Add, ReLU
		expect(blockOperators(stem, 'unfused')).toBe(2 + 2 + 1 + 1);
		// stage1.0, 3×3 depthwise with skip and SE: 3 convs+BNs, scale conv+BN, skip BN, 4 Adds, SE (6), ReLU
		expect(branchCount(dw, 'unfused')).toBe(5);
		expect(blockOperators(dw, 'unfused')).toBe(4 + 4 + 1 + 4 + 6 + 1);
		// stage1.1, 1×1 with skip and SE: 3 convs+BNs, skip BN, 3 Adds, SE, ReLU
		expect(blockOperators(pw, 'unfused')).toBe(3 + 3 + 1 + 3 + 6 + 1);
		// stage2.0, strided 3×3 k=1: conv+BN, scale conv+BN, one Add, ReLU
		expect(blockOperators(dw2, 'unfused')).toBe(2 + 2 + 1 + 1);
		// stage2.1, 1×1 16→24 k=1: one conv+BN, no Add, ReLU
		expect(blockOperators(pw2, 'unfused')).toBe(1 + 1 + 1);
		expect([stem, dw, pw, dw2, pw2].map((b) => blockOperators(b, 'fused'))).toEqual([2, 8, 8, 2, 2]);
		const g = onnxGraph(syntheticModel(spec, 3));
		expect(g.nodes.filter((n) => n.opType === 'Add').length).toBe(1 + 4 + 3 + 1 + 0);
	});
});
