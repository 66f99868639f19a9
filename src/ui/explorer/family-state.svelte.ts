/**
 * The explorer in family mode: one seeded block of a reparameterization family (RepVGG, ACNet,
 * DBB, …), its fuse as the engine's step records, the proof on the chosen picture and, for DBB,
 * the border error of the 1×1 → K×K merge. Every number comes from `$lib/families`; this class
 * only holds the visitor's choices (family, step, channel, the DBB gap toggle) and derives.
 */
import { FAMILY_DEMO_GEOMETRY, FAMILY_DEMO_INPUT, FAMILY_DEMO_SEED } from '$lib/families/demo';
import { dbbBorderError } from '$lib/families/dbb';
import { familyStepView } from '$lib/families/explain';
import { familyById } from '$lib/families/index';
import { proveFamilyBlock } from '$lib/families/prove';
import { pixelsToInput } from '$lib/image/preprocess';
import type { Tensor } from '$lib/core/tensor';
import { IMAGENET, type InputPixels } from './loader';
import { FAMILY_PARAMS, type FamilyParam } from './url';

export class FamilyState {
	param = $state<FamilyParam>('repvgg');
	/** 1-based; steps.length + 1 is the proof. */
	step = $state(1);
	channel = $state(0);
	/** DBB: the naive merge, zeros in the gap between the 1×1 and the K×K. */
	zeroGap = $state(false);
	inputPixels = $state.raw<InputPixels | null>(null);

	family = $derived(familyById(FAMILY_PARAMS[this.param])!);
	geometry = $derived(FAMILY_DEMO_GEOMETRY[this.family.id]);
	weights = $derived(this.family.synthetic(this.geometry, FAMILY_DEMO_SEED));
	fusion = $derived(this.family.fuse(this.geometry, this.weights));
	steps = $derived(this.fusion.steps);
	/** Steps plus the proof. */
	count = $derived(this.steps.length + 1);
	isProof = $derived(this.step === this.count);
	view = $derived(this.isProof ? null : familyStepView(this.steps[this.step - 1], this.channel));

	/** The picture, normalized, [1, 3, N, N]: the block's real input. */
	input = $derived.by((): Tensor | null => {
		const px = this.inputPixels;
		if (!px || px.size !== FAMILY_DEMO_INPUT) return null;
		return { shape: [1, 3, px.size, px.size], data: pixelsToInput(px.rgba, px.size, px.size, 4, IMAGENET) };
	});

	proof = $derived(this.isProof && this.input ? proveFamilyBlock(this.family, this.geometry, this.weights, this.input) : null);
	border = $derived(this.family.id === 'dbb' && this.input ? dbbBorderError(this.geometry, this.weights, this.input) : null);

	select(p: FamilyParam) {
		this.param = p;
		this.step = 1;
		this.channel = 0;
		this.zeroGap = false;
	}

	setStep(s: number) {
		this.step = Math.max(1, Math.min(this.count, Math.round(s) || 1));
	}

	setChannel(c: number) {
		const n = this.geometry.cout;
		this.channel = ((Math.round(c) % n) + n) % n;
	}
}
