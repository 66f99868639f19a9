import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import svelteConfig from './svelte.config.js';
import { siteHeaders } from './scripts/lib/headers.js';
import { paraglideOptions } from './scripts/lib/i18n-options.js';

const appDir = svelteConfig.kit?.appDir ?? '_app';

/**
 * The site's headers, from static/_headers: cross-origin isolation (COOP + COEP) lets
 * onnxruntime-web use SharedArrayBuffer and wasm threads and gives performance.now() its finer
 * resolution; the rest are security headers. The static host must send the same (README, "Hosting").
 */
const isolationHeaders = siteHeaders();

/**
 * `server.headers` covers the files Vite serves itself, but not the pages SvelteKit renders in dev,
 * so this middleware, which runs before SvelteKit's, sets the headers on every response.
 */
const crossOriginIsolation: Plugin = {
	name: 'mobileone-lab:cross-origin-isolation',
	configureServer(server) {
		server.middlewares.use((_req, res, next) => {
			for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
			next();
		});
	},
	configurePreviewServer(server) {
		server.middlewares.use((_req, res, next) => {
			for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
			next();
		});
	}
};

/**
 * SvelteKit names a worker's assets `workers/assets/[name]-[hash]`, apart from the page's
 * `assets/[name].[hash]`, so a file that both the pages and the latency worker import (ORT's
 * 14 MB wasm, our 7 MB weights) shipped twice under two URLs, and a visitor using /classify and
 * /latency downloaded it twice. Giving the worker the page's pattern makes both builds write the
 * same file at the same URL (the hash is of the content). Placed after sveltekit(), so its
 * `config` is merged last and wins.
 */
const oneCopyOfEachAsset: Plugin = {
	name: 'mobileone-lab:one-copy-of-each-asset',
	config: () => ({
		worker: { rollupOptions: { output: { assetFileNames: `${appDir}/immutable/assets/[name].[hash][extname]` } } }
	})
};

export default defineConfig({
	plugins: [
		crossOriginIsolation,
		paraglideVitePlugin({ ...paraglideOptions, strategy: [...paraglideOptions.strategy] }),
		sveltekit(),
		oneCopyOfEachAsset
	],
	server: {
		headers: isolationHeaders,
		// The pages import the weights and the model card's figures from models/ with `?url`. In dev
		// SvelteKit serves a file itself only inside `fs.allow`, which it sets to src/ and friends;
		// anything else it first renders as a page, logs a red "[404] GET /models/…", and then lets
		// Vite send the file with 200 anyway.
		fs: { allow: ['models'] }
	},
	preview: { headers: isolationHeaders },
	// The latency lab's worker imports these lazily; listing them lets `vite dev` pre-bundle them at
	// start instead of discovering them mid-benchmark and reloading the page.
	optimizeDeps: { include: ['onnxruntime-web/wasm', 'onnxruntime-web/webgpu'] },
	build: {
		// Keep fonts as files: Vite would inline the small ones as data: URLs, which the CSP
		// (font loads fall back to default-src 'self') rightly refuses.
		assetsInlineLimit: (file) => (/\.(woff2?|ttf|otf)$/i.test(file) ? false : undefined)
	},
	test: {
		projects: [
			{
				extends: true,
				test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 60_000 }
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					include: ['tests/e2e/**/*.test.ts'],
					environment: 'node',
					testTimeout: 120_000,
					hookTimeout: 120_000,
					fileParallelism: false
				}
			}
		]
	}
});
