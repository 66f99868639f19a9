import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ fallback: undefined, strict: true }),
		// src/service-worker.ts is registered by $ui/offline/OfflineStatus.svelte (not in `vite dev`),
		// which follows it to show the offline status.
		serviceWorker: { register: false },
		// '*' is every English page; the Korean ones (/ko/…, rerouted in src/hooks.ts) are found from
		// /ko through their localized links and the language switch on every English page.
		prerender: { entries: ['*', '/ko'] },
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
				// Stylesheets only from our own files: the build has no <style> elements. KaTeX, d3 and
				// Svelte's style: directives write style *attributes*, which style-src-attr allows alone.
				'style-src': ['self'],
				'style-src-attr': ['unsafe-inline'],
				// Our workers and onnxruntime-web's are same-origin files; none is made from a blob.
				'worker-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self']
			}
		}
	}
};

export default config;
