/**
 * Where the browser gets the site's models: the catalogue is `$lib/models`; this module adds the
 * URL Vite gives the shipped weights file and a download with progress.
 */
import { loadCheckpoint, type Checkpoint } from '$lib/io/checkpoint';
// Vite copies the file into the build with a content hash and gives us its URL.
import shippedWeightsUrl from '../../../models/mobileone-cifar10.safetensors?url';

export { isModelId, MODEL_CHOICES, modelChoice, syntheticVariant, SYNTHETIC_SEED, type ModelChoice, type ModelId } from '$lib/models';

export const SHIPPED_WEIGHTS_URL = shippedWeightsUrl;

/**
 * Download bytes and report progress as they arrive (the shipped model is ~7 MB). XMLHttpRequest
 * rather than a fetch body reader: Chromium sometimes logs a streamed body that was read to its
 * end as an aborted request, which would look like a failure to anyone watching the network.
 */
export function fetchBytes(url: string, onProgress?: (loaded: number, total: number) => void): Promise<Uint8Array> {
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		xhr.open('GET', url);
		xhr.responseType = 'arraybuffer';
		xhr.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : 0);
		xhr.onload = () => {
			if (xhr.status >= 200 && xhr.status < 300) resolve(new Uint8Array(xhr.response as ArrayBuffer));
			else reject(new Error(`could not load ${url} (HTTP ${xhr.status})`));
		};
		xhr.onerror = () => reject(new Error(`could not load ${url} (network error)`));
		xhr.send();
	});
}

export async function loadShippedCheckpoint(onProgress?: (loaded: number, total: number) => void): Promise<Checkpoint> {
	return loadCheckpoint(await fetchBytes(SHIPPED_WEIGHTS_URL, onProgress));
}
