/**
 * Where the site's models come from: our trained CIFAR-10 MobileOne (shipped unfused, fused in the
 * browser by the engine) and Apple's S0–S4 with seeded synthetic weights.
 */
import { loadCheckpoint, type Checkpoint } from '$lib/io/checkpoint';
import { variantSpec, VARIANTS, type VariantName } from '$lib/mobileone/spec';
import { syntheticModel } from '$lib/mobileone/synthetic';
import type { UnfusedModel } from '$lib/mobileone/model';
// Vite copies the file into the build with a content hash and gives us its URL.
import shippedWeightsUrl from '../../models/mobileone-cifar10.safetensors?url';

export const SHIPPED_WEIGHTS_URL = shippedWeightsUrl;

export type ModelId = 'cifar10' | VariantName;

export interface ModelChoice {
	id: ModelId;
	label: string;
	/** Real trained weights, or seeded synthetic ones. */
	trained: boolean;
}

export const MODEL_CHOICES: readonly ModelChoice[] = [
	{ id: 'cifar10', label: 'Our CIFAR-10 MobileOne (trained, k = 4)', trained: true },
	...VARIANTS.map((v) => ({ id: v, label: `MobileOne-${v.toUpperCase()} (synthetic weights)`, trained: false }))
];

export function isModelId(s: string | null): s is ModelId {
	return s !== null && MODEL_CHOICES.some((m) => m.id === s);
}

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

/** Seed fixed per variant so a deep link shows the same numbers to everyone. */
export const SYNTHETIC_SEED = 7;

export function syntheticVariant(v: VariantName): UnfusedModel {
	return syntheticModel(variantSpec(v), SYNTHETIC_SEED);
}
