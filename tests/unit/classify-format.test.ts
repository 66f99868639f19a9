/** The number readings the classify page added to lib/format. */
import { describe, expect, it } from 'vitest';
import { formatFraction, formatScientific } from '../../src/lib/format';

describe('classify number formats', () => {
	it('writes tiny differences as a power of ten', () => {
		expect(formatScientific(7.7e-7)).toBe('7.7 × 10⁻⁷');
		expect(formatScientific(1.23e-12)).toBe('1.2 × 10⁻¹²');
		expect(formatScientific(4.56e5, 3)).toBe('4.56 × 10⁵');
		expect(formatScientific(-2e-3)).toBe('-2.0 × 10⁻³');
		expect(formatScientific(0)).toBe('0');
		expect(formatScientific(Infinity)).toBe('Infinity');
	});

	it('keeps a channel statistic to fixed decimals', () => {
		expect(formatFraction(0.4914)).toBe('0.491');
		expect(formatFraction(0.2)).toBe('0.200');
		expect(formatFraction(0.24703, 2)).toBe('0.25');
	});
});
