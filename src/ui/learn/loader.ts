/**
 * Where the lesson's model, picture and progress come from in the browser: the shipped CIFAR-10
 * checkpoint (fetched once per visit, however many chapters are opened) or the visitor's own
 * network that /yours keeps in IndexedDB (`?model=yours`), the explorer's default sample picture,
 * and localStorage. Nothing leaves the device.
 */
import { PROGRESS_KEY } from '$lib/lesson/progress';
import { lessonNetwork } from '$lib/lesson/network';
import { m } from '$lib/paraglide/messages';
import { browserLoaders, IMAGENET } from '$ui/explorer/loader';
import { loadTypesetter } from '$ui/explorer/typeset.svelte';
import { DEFAULT_INPUT } from '$ui/explorer/url';
import { loadOwnNetwork } from '$ui/yours/store';
import type { LessonLoaders, LessonStorage, LoadedOwn } from './state.svelte';

let model: ReturnType<LessonLoaders['loadModel']> | null = null;
const pictures = new Map<number, ReturnType<LessonLoaders['loadPicture']>>();

export const lessonLoaders: LessonLoaders = {
	loadModel(onProgress) {
		model ??= browserLoaders
			.loadModel('cifar10', onProgress)
			.then((loaded) => {
				// 'cifar10' is always our own MobileOne; only a visitor's ONNX file loads as groups
				if (!('model' in loaded)) throw new Error('the lesson needs a MobileOne state dict');
				return loaded;
			})
			.catch((e) => {
				model = null;
				throw e;
			});
		return model;
	},
	// Read afresh each time: the visitor may have kept another network on /yours since.
	async loadOwn(onProgress): Promise<LoadedOwn> {
		onProgress({ text: m.explorer_loading_own(), fraction: null });
		const kept = await loadOwnNetwork().catch(() => null);
		if (!kept) return { ok: false, refusal: { reason: 'none' }, name: null };
		// let the message paint before parsing a large file; the figures' formulas need the typesetter
		// that our model's loader brings with it
		const [net] = await Promise.all([new Promise((r) => setTimeout(r, 30)).then(() => lessonNetwork(kept.bytes)), loadTypesetter()]);
		if (!net.ok) return { ok: false, refusal: net.refusal, name: kept.name };
		return { ok: true, model: net.model, norm: { mean: net.mean ?? IMAGENET.mean, std: net.std ?? IMAGENET.std }, name: kept.name };
	},
	ownNetworkName: async () => (await loadOwnNetwork().catch(() => null))?.name ?? null,
	loadPicture(size) {
		let picture = pictures.get(size);
		if (!picture) {
			picture = browserLoaders.loadInput(DEFAULT_INPUT, size).catch((e) => {
				pictures.delete(size);
				throw e;
			});
			pictures.set(size, picture);
		}
		return picture;
	}
};

export const lessonStorage: LessonStorage = {
	read: () => {
		try {
			return localStorage.getItem(PROGRESS_KEY);
		} catch {
			return null;
		}
	},
	write: (text) => {
		try {
			localStorage.setItem(PROGRESS_KEY, text);
		} catch {
			// storage full or disabled: progress lasts this visit only
		}
	},
	newSeed: () => crypto.getRandomValues(new Uint32Array(1))[0]
};
