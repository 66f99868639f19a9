/**
 * The colour theme: light or dark, on <html data-theme>. static/theme.js sets it before the first
 * paint from the same key (a plain script cannot import this module; tests/unit/theme.test.ts holds
 * the two to the same key); the header's switch changes it and remembers the choice.
 */
export type Theme = 'light' | 'dark';

export const THEME_KEY = 'mobileone-lab.theme';

export function storedTheme(): Theme | null {
	try {
		const t = localStorage.getItem(THEME_KEY);
		return t === 'light' || t === 'dark' ? t : null;
	} catch {
		return null;
	}
}

export function systemTheme(): Theme {
	return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(t: Theme) {
	document.documentElement.setAttribute('data-theme', t);
}

export function chooseTheme(t: Theme) {
	applyTheme(t);
	try {
		localStorage.setItem(THEME_KEY, t);
	} catch {
		// storage disabled: the choice lasts this page only
	}
}
