/**
 * Where the lesson's model, picture and progress come from in the browser: the shipped CIFAR-10
 * checkpoint (fetched once per visit, however many chapters are opened), the explorer's default
 * sample picture, and localStorage. Nothing leaves the device.
 */
import { PROGRESS_KEY } from '$lib/lesson/progress';
import { browserLoaders } from '$ui/explorer/loader';
import { DEFAULT_INPUT } from '$ui/explorer/url';
import type { LessonLoaders, LessonStorage } from './state.svelte';

let model: ReturnType<LessonLoaders['loadModel']> | null = null;
let picture: ReturnType<LessonLoaders['loadPicture']> | null = null;

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
	loadPicture(size) {
		picture ??= browserLoaders.loadInput(DEFAULT_INPUT, size).catch((e) => {
			picture = null;
			throw e;
		});
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
