import { afterEach, describe, expect, test } from 'vitest';
import { baseLocale, overwriteGetLocale } from '../../src/lib/paraglide/runtime';
import { failureSentence } from '../../src/ui/yours/own-file';
import { className } from '../../src/ui/classify/class-names';

const detail = 'missing key stage0.0.rbr_conv.0.conv.weight';

describe('the page speaks the engine’s errors in its locale', () => {
	afterEach(() => overwriteGetLocale(() => baseLocale));

	test('English keeps the engine’s own sentence', () => {
		overwriteGetLocale(() => 'en');
		expect(failureSentence('missing-key', detail)).toBe(detail);
		expect(failureSentence(null, detail)).toBe(detail);
	});

	test('Korean says it per code and keeps the technical detail as data', () => {
		overwriteGetLocale(() => 'ko');
		const s = failureSentence('missing-key', detail);
		expect(s).toMatch(/[\uAC00-\uD7A3]/);
		expect(s).toContain(detail);
		expect(s).not.toBe(failureSentence('bad-onnx', detail));
	});

	test('CIFAR-10 labels are shown in the locale, unknown ones as they are', () => {
		overwriteGetLocale(() => 'ko');
		expect(className('cat')).toBe('고양이');
		expect(className('toaster')).toBe('toaster');
		overwriteGetLocale(() => 'en');
		expect(className('cat')).toBe('cat');
	});
});
