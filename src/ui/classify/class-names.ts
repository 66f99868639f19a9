/**
 * CIFAR-10's class names for people, in the page's language. The checkpoint's labels stay the
 * English keys (tests and `data-label` read them); only what is shown goes through here, at render
 * time. A label the messages do not know (another data set's) is shown as the file has it.
 */
import { m } from '$lib/paraglide/messages';
import type { Sample } from '$ui/image/samples';

const CLASS_NAMES: Readonly<Record<string, () => string>> = {
	airplane: m.classify_class_airplane,
	automobile: m.classify_class_automobile,
	bird: m.classify_class_bird,
	cat: m.classify_class_cat,
	deer: m.classify_class_deer,
	dog: m.classify_class_dog,
	frog: m.classify_class_frog,
	horse: m.classify_class_horse,
	ship: m.classify_class_ship,
	truck: m.classify_class_truck
};

const SAMPLE_ALTS: Readonly<Record<string, () => string>> = {
	airplane: m.classify_sample_alt_airplane,
	automobile: m.classify_sample_alt_automobile,
	bird: m.classify_sample_alt_bird,
	cat: m.classify_sample_alt_cat,
	deer: m.classify_sample_alt_deer,
	dog: m.classify_sample_alt_dog,
	frog: m.classify_sample_alt_frog,
	horse: m.classify_sample_alt_horse,
	ship: m.classify_sample_alt_ship,
	truck: m.classify_sample_alt_truck
};

export function className(label: string): string {
	return Object.hasOwn(CLASS_NAMES, label) ? CLASS_NAMES[label]() : label;
}

/** A sample's alt text (one sample per class). */
export function sampleAlt(s: Sample): string {
	return Object.hasOwn(SAMPLE_ALTS, s.label) ? SAMPLE_ALTS[s.label]() : s.alt;
}
