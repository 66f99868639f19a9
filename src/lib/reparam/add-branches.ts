/**
 * Transform II, branch addition: convs that read the same input with the same stride, groups and
 * centre sum to one conv, W = Σ Wᵢ and b = Σ bᵢ. Kernels of different sizes must be padded to one
 * size first (`pad-kernel.ts`); this refuses mismatched shapes rather than guessing.
 */
import { sameGeometry, type ConvKernel } from './conv-kernel';

export interface AddBranchesStep {
	kind: 'add';
	/** Labels for display, one per term (the branches' module names). */
	labels: string[];
	terms: ConvKernel[];
	output: ConvKernel;
	formula: string;
}

export function addBranches(terms: ConvKernel[], labels: string[] = terms.map((_, i) => `branch ${i + 1}`)): AddBranchesStep {
	if (terms.length === 0) throw new RangeError('nothing to add: no branches');
	const first = terms[0];
	for (const t of terms)
		if (!sameGeometry(t, first))
			throw new RangeError(`cannot add a [${t.shape.join(', ')}] kernel (groups ${t.groups}) to a [${first.shape.join(', ')}] one (groups ${first.groups}): pad it to the same size first`);
	const weight = new Float64Array(first.weight.length);
	const bias = new Float64Array(first.bias.length);
	for (const t of terms) {
		for (let i = 0; i < weight.length; i++) weight[i] += t.weight[i];
		for (let o = 0; o < bias.length; o++) bias[o] += t.bias[o];
	}
	return { kind: 'add', labels, terms, output: { shape: first.shape, groups: first.groups, weight, bias }, formula: 'W = Σ Wᵢ;  b = Σ bᵢ' };
}
