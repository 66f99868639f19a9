import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ fallback: undefined, strict: true }),
		alias: {
			// UI components live outside src/lib, which is the DOM-free engine.
			$ui: 'src/ui'
		},
		// Prerendered pages get this as a <meta http-equiv> tag with hashes for SvelteKit's own
		// inline bootstrap script. Everything the site loads is same-origin: nothing from a CDN.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'connect-src': ['self'],
				'img-src': ['self', 'data:', 'blob:'],
				// onnxruntime-web compiles its WebAssembly at run time.
				'script-src': ['self', 'wasm-unsafe-eval'],
				// KaTeX and d3 write inline style attributes.
				'style-src': ['self', 'unsafe-inline'],
				'worker-src': ['self', 'blob:'],
				'object-src': ['none'],
				'base-uri': ['self']
			}
		}
	}
};

export default config;
