import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY, parse, serialize, type ExplorerQuery } from '../../src/ui/explorer/url';

describe('explorer url', () => {
	it('round-trips every property', () => {
		const queries: ExplorerQuery[] = [
			{ model: 's3', block: 'stage4.1', channel: 17, step: 4, input: 'mine' },
			{ model: 'cifar10', block: 'stage0', channel: 0, step: 1, input: 'cat-chelsea' },
			{ model: 's0', block: 'stage2.12', channel: 255, step: 5, input: 'ship-junk' }
		];
		for (const q of queries) {
			const text = serialize(q);
			expect(parse(text)).toEqual(q);
			expect(serialize(parse(text))).toBe(text);
		}
	});

	it('writes the parameters in a fixed order, under their short names', () => {
		expect(serialize({ model: 'cifar10', block: 'stage1.2', channel: 3, step: 2, input: 'mine' })).toBe('model=cifar10&block=stage1.2&ch=3&step=2&input=mine');
		expect(serialize({ ...DEFAULT_QUERY })).not.toContain('block=');
	});

	it('falls back to the defaults when nothing is given', () => {
		expect(parse('')).toEqual(DEFAULT_QUERY);
		expect(DEFAULT_QUERY.input).toBe('cat-chelsea');
	});

	it('rejects garbage, property by property, and keeps the rest', () => {
		const garbage: [string, string][] = [
			['model', 's9'],
			['model', 'CIFAR10'],
			['block', 'stage1.2;drop'],
			['block', '<script>'],
			['ch', '-1'],
			['ch', '1.5'],
			['ch', '1e3'],
			['ch', 'NaN'],
			['ch', '99999999'],
			['step', '0'],
			['step', '6'],
			['step', '2.0'],
			['input', 'not-a-sample'],
			['input', '../../etc/passwd']
		];
		const key = { model: 'model', block: 'block', ch: 'channel', step: 'step', input: 'input' } as const;
		const good = 'model=s1&block=stage2.3&ch=4&step=3&input=mine';
		for (const [param, raw] of garbage) {
			const q = parse(good.replace(new RegExp(`${param}=[^&]*`), `${param}=${encodeURIComponent(raw)}`));
			const k = key[param as keyof typeof key];
			expect(q[k], `${param}=${raw}`).toEqual(DEFAULT_QUERY[k]);
			// the other properties are still read
			expect({ ...q, [k]: null }).toEqual({ ...parse(good), [k]: null });
		}
	});
});
