/**
 * Where onnxruntime-web's files come from: our own origin (no CDN, works offline). The one place
 * that imports them with `?url`, for the classify page and the latency worker alike, so both ask
 * for the same hashed URL and a visitor downloads each file once (vite.config.ts makes the worker's
 * build emit its assets under the page's names). Without an explicit URL ORT resolves its files
 * next to its own script, which in dev is Vite's pre-bundled deps folder, where they are not.
 *
 * The glue module is also what ORT's wasm threads load, so it stays its own file.
 */
import wasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import wasmGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
// The WebGPU build (`onnxruntime-web/webgpu`) runs a different binary, with asyncify.
import webgpuBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import webgpuGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

export interface OrtFiles {
	/** The WebAssembly binary. */
	binary: string;
	/** The Emscripten glue module that loads it. */
	glue: string;
}

/** ORT's CPU (`onnxruntime-web/wasm`) and WebGPU builds' files, as URLs relative to the page or worker. */
export const ORT_FILES: { readonly wasm: OrtFiles; readonly webgpu: OrtFiles } = {
	wasm: { binary: wasmBinaryUrl, glue: wasmGlueUrl },
	webgpu: { binary: webgpuBinaryUrl, glue: webgpuGlueUrl }
};
