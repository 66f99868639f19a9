import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY, FAMILY_PARAMS, parse, serialize, type ExplorerQuery } from '../../src/ui/explorer/url';

const MOBILEONE = { family: null, familyStep: 1, zeroGap: false, ownBlock: null, present: false, slide: 1 } as const;

describe('explorer url', () => {
	it('reads and writes family mode, without MobileOne\'s parameters', () => {
		const q: ExplorerQuery = { ...DEFAULT_QUERY, family: 'dbb', familyStep: 9, zeroGap: true, channel: 2 };
		const text = serialize(q);
		expect(text).toBe('family=dbb&fstep=9&gap=zero&ch=2&input=cat-chelsea');
		expect(parse(text)).toEqual(q);
		expect(parse('family=lcnetv3').family).toBe('lcnetv3');
		expect(FAMILY_PARAMS.lcnetv3).toBe('learnable-rep');
		for (const bad of ['family=mobileone', 'family=learnable-rep', 'family=__proto__', 'family=toString']) expect(parse(bad).family).toBeNull();
		expect(parse('family=acnet&fstep=0').familyStep).toBe(1);
		expect(parse('family=acnet&gap=maybe').zeroGap).toBe(false);
		expect(serialize({ ...DEFAULT_QUERY, familyStep: 4, zeroGap: true })).not.toMatch(/fstep|gap/);
	});

	it('round-trips every property', () => {
		const queries: ExplorerQuery[] = [
			{ ...MOBILEONE, model: 's3', block: 'stage4.1', channel: 17, step: 4, input: 'mine' },
			{ ...MOBILEONE, model: 'cifar10', block: 'stage0', channel: 0, step: 1, input: 'cat-chelsea' },
			{ ...MOBILEONE, model: 's0', block: 'stage2.12', channel: 255, step: 5, input: 'ship-junk' }
		];
		for (const q of queries) {
			const text = serialize(q);
			expect(parse(text)).toEqual(q);
			expect(serialize(parse(text))).toBe(text);
		}
	});

	it('writes the parameters in a fixed order, under their short names', () => {
		expect(serialize({ ...MOBILEONE, model: 'cifar10', block: 'stage1.2', channel: 3, step: 2, input: 'mine' })).toBe('model=cifar10&block=stage1.2&ch=3&step=2&input=mine');
		expect(serialize({ ...DEFAULT_QUERY })).not.toContain('block=');
	});

	it('reads and writes presenter mode: a bare `present` and the slide instead of the step', () => {
		const q: ExplorerQuery = { ...MOBILEONE, model: 'cifar10', block: 'stage1.2', channel: 3, step: 1, input: 'cat-chelsea', present: true, slide: 4 };
		const text = serialize(q);
		expect(text).toBe('model=cifar10&block=stage1.2&ch=3&input=cat-chelsea&present&slide=4');
		expect(parse(text)).toEqual(q);
		expect(parse(`?${text}`)).toEqual(q);
		// browsing writes the step and no slide
		expect(serialize({ ...q, present: false, step: 3 })).toBe('model=cifar10&block=stage1.2&ch=3&step=3&input=cat-chelsea');
		expect(parse('present=1&slide=2')).toMatchObject({ present: true, slide: 2 });
		expect(parse('present=0&slide=2').present).toBe(false);
		for (const bad of ['0', '100', '-1', '2.5', '1e1', 'x', '']) expect(parse(`present&slide=${bad}`).slide, bad).toBe(1);
		// family mode has no slides: presenting there is not written
		expect(serialize({ ...DEFAULT_QUERY, family: 'acnet', present: true, slide: 3 })).not.toMatch(/present|slide/);
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
