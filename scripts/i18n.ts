/**
 * Compiles messages/ into src/lib/paraglide/ without Vite, so `svelte-check` has the message
 * functions to type-check against on a fresh clone. Usage: npm run i18n
 */
import { compile } from '@inlang/paraglide-js';
import { paraglideOptions } from './lib/i18n-options.js';

await compile({ ...paraglideOptions, strategy: [...paraglideOptions.strategy] });
