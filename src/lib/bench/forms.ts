/**
 * What is timed: three forms of the same network, built by MobileOne Lab from the same weights,
 * and, where PyTorch is at hand (`npm run bench:latency`), a reference form: PyTorch's own
 * `torch.onnx.export` of the multi-branch network, which keeps our unfused baseline honest.
 */

export type FormId = 'unfused-raw' | 'unfused-ort' | 'fused';
/** The multi-branch forms, either of which may be the faster one on a given device. */
export type UnfusedFormId = Exclude<FormId, 'fused'>;
/** The reference graph, made outside MobileOne Lab. */
export type ReferenceId = 'torch-export';
/** Anything the benchmark can time. */
export type BenchFormId = FormId | ReferenceId;
export type OrtOptimization = 'disabled' | 'all';

export interface FormDef<Id extends BenchFormId = FormId> {
	id: Id;
	letter: 'a' | 'b' | 'c' | 'r';
	/** Full name, for tables and exports. */
	label: string;
	/** A few words, for narrow charts. */
	short: string;
	/** Which ONNX graph the session loads. */
	graph: 'unfused' | 'fused' | 'reference';
	/** ONNX Runtime's `graphOptimizationLevel` for the session. */
	optimization: OrtOptimization;
}

export const FORMS: readonly FormDef[] = [
	{
		id: 'unfused-raw',
		letter: 'a',
		label: 'Multi-branch, ORT optimizations off',
		short: 'multi-branch, ORT opt. off',
		graph: 'unfused',
		optimization: 'disabled'
	},
	{
		id: 'unfused-ort',
		letter: 'b',
		label: 'Multi-branch, ORT optimizations on',
		short: 'multi-branch, ORT opt. on',
		graph: 'unfused',
		optimization: 'all'
	},
	{
		id: 'fused',
		letter: 'c',
		label: 'Fused by MobileOne Lab, ORT optimizations on',
		short: 'fused',
		graph: 'fused',
		optimization: 'all'
	}
];

/** PyTorch's eval-mode export of the same multi-branch network (`models/export_torch_onnx.py`), run like (b). */
export const REFERENCE_FORM: FormDef<ReferenceId> = {
	id: 'torch-export',
	letter: 'r',
	label: 'torch.onnx.export (eval), ORT optimizations on',
	short: 'torch.onnx.export (eval)',
	graph: 'reference',
	optimization: 'all'
};

export const FORM_IDS: readonly FormId[] = FORMS.map((f) => f.id);
export const UNFUSED_FORM_IDS: readonly UnfusedFormId[] = ['unfused-raw', 'unfused-ort'];

export function formDef(id: FormId): FormDef;
export function formDef(id: BenchFormId): FormDef<BenchFormId>;
export function formDef(id: BenchFormId): FormDef<BenchFormId> {
	const f = id === REFERENCE_FORM.id ? REFERENCE_FORM : FORMS.find((d) => d.id === id);
	if (!f) throw new RangeError(`unknown form "${id}"`);
	return f;
}

/** The speed-ups reported, numerator ÷ denominator (how many times slower the numerator runs). */
export const RATIO_PAIRS: readonly (readonly [FormId, FormId])[] = [
	['unfused-ort', 'fused'],
	['unfused-raw', 'fused'],
	['unfused-raw', 'unfused-ort']
];

/** With a reference timed too: each of our forms against it, and it against the fused form. */
export const REFERENCE_RATIO_PAIRS: readonly (readonly [BenchFormId, BenchFormId])[] = [
	['unfused-ort', 'torch-export'],
	['unfused-raw', 'torch-export'],
	['fused', 'torch-export'],
	['torch-export', 'fused']
];
