/** The theme's key is written twice (a plain script cannot import a module): hold them together. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { THEME_KEY } from '../../src/ui/shared/theme';

it('static/theme.js reads the key the header switch writes, and app.html loads it', () => {
	expect(readFileSync('static/theme.js', 'utf8')).toContain(`'${THEME_KEY}'`);
	expect(readFileSync('src/app.html', 'utf8')).toContain('%sveltekit.assets%/theme.js');
});
