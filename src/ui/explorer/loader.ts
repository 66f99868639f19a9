/**
 * Where the explorer's model and input image come from in the browser: the shipped checkpoint or
 * seeded synthetic weights, a sample picture or the visitor's own from the Classify page. The
 * state class receives these functions, so its tests can pass slow or failing ones instead.
 */
import type { Normalization } from '$lib/image/preprocess';
import { parseProofImage, PROOF_IMAGE_KEY } from '$lib/image/proofimage';
import { isVariantName } from '$lib/mobileone/spec';
import type { UnfusedModel } from '$lib/mobileone/model';
import { formatBytes } from '$lib/format';
import { decodeImageBlob, toNetworkPixels } from '$ui/image/decode';
import { SAMPLES } from '$ui/image/samples';
import { loadShippedCheckpoint, modelChoice, syntheticVariant } from '$ui/shared/models';
import { requireUnfused } from '$lib/io/checkpoint';
import { readNetworkFile } from '$lib/io/network-file';
import { graphGroupSteps, type GroupSteps } from '$lib/graph/group-steps';
import { OWN_NETWORK, type PageModelId } from '$lib/models';
import { loadOwnNetwork } from '$ui/yours/store';
import { readFamilyBlocks, type FamilyBlocksFile } from '$lib/families/read-blocks';
import { loadTypesetter } from './typeset.svelte';
import { sampleId, type InputId } from './url';
import { m } from '$lib/paraglide/messages';

/** A MobileOne (ours, S0–S4, or a visitor's state dict), or the merged groups of a visitor's ONNX file. */
export type LoadedModel =
	| {
			model: UnfusedModel;
			norm: Normalization;
			trained: boolean;
			/** The file name, for the visitor's own network. */
			ownName?: string;
	  }
	| { groups: GroupSteps[]; ownName: string };

/** `?model=yours` when this browser keeps no network of the visitor's. */
export class NoOwnNetwork extends Error {
	constructor() {
		super('no network of yours is kept in this browser');
		this.name = 'NoOwnNetwork';
	}
}

/** RGBA pixels of a square picture, ready to be normalized for the network. */
export interface InputPixels {
	rgba: ArrayLike<number>;
	size: number;
	name: string;
}

export interface Progress {
	text: string;
	/** 0–1, or null when unknown. */
	fraction: number | null;
}

/** The family blocks of the visitor's kept network, for family mode. */
export interface OwnBlocks {
	name: string;
	file: FamilyBlocksFile;
}

export interface ExplorerLoaders {
	loadModel(id: PageModelId, onProgress: (p: Progress) => void): Promise<LoadedModel>;
	/** The kept network's family blocks; throws NoOwnNetwork when none is kept, a one-sentence Error when it holds none. */
	loadOwnBlocks?(): Promise<OwnBlocks>;
	/** The file name of the network the /yours page keeps in this browser, or null. */
	ownNetworkName?(): Promise<string | null>;
	loadInput(id: InputId, size: number): Promise<InputPixels>;
	/** Whether the Classify page left a picture in this tab. */
	hasMine(): boolean;
}

// ImageNet statistics for Apple's S0–S4 (they were trained with them); our model carries its own.
export const IMAGENET: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

async function loadOwn(onProgress: (p: Progress) => void): Promise<LoadedModel> {
	onProgress({ text: m.explorer_loading_own(), fraction: null });
	const kept = await loadOwnNetwork().catch(() => null);
	if (!kept) throw new NoOwnNetwork();
	await new Promise((r) => setTimeout(r, 30));
	const file = readNetworkFile(kept.bytes);
	if (file.kind === 'checkpoint') {
		const ck = file.checkpoint;
		return { model: requireUnfused(ck, 'the explorer'), norm: { mean: ck.mean ?? IMAGENET.mean, std: ck.std ?? IMAGENET.std }, trained: true, ownName: kept.name };
	}
	const groups = graphGroupSteps(file.model);
	if (groups.length === 0) throw new Error(m.explorer_error_no_groups({ name: kept.name }));
	return { groups, ownName: kept.name };
}

async function loadWeights(id: PageModelId, onProgress: (p: Progress) => void): Promise<LoadedModel> {
	if (id === OWN_NETWORK) return loadOwn(onProgress);
	if (id === 'cifar10') {
		onProgress({ text: m.explorer_loading_trained(), fraction: 0 });
		const ck = await loadShippedCheckpoint((loaded, total) => onProgress({ text: m.explorer_loading_trained_bytes({ size: formatBytes(loaded) }), fraction: total ? loaded / total : null }));
		return { model: requireUnfused(ck, 'the explorer'), norm: { mean: ck.mean ?? IMAGENET.mean, std: ck.std ?? IMAGENET.std }, trained: true };
	}
	if (!isVariantName(id)) throw new Error(m.explorer_error_unknown_model({ id }));
	onProgress({ text: m.explorer_loading_synthetic({ name: modelChoice(id).name }), fraction: null });
	// let the message paint before the busy loop
	await new Promise((r) => setTimeout(r, 30));
	return { model: syntheticVariant(id), norm: IMAGENET, trained: false };
}

function readMine(): InputPixels {
	const mine = parseProofImage(sessionStorage.getItem(PROOF_IMAGE_KEY));
	if (!mine) throw new Error(m.explorer_error_no_mine());
	const rgba = new Uint8ClampedArray(mine.width * mine.height * 4);
	for (let i = 0; i < mine.width * mine.height; i++) rgba.set([mine.rgb[3 * i], mine.rgb[3 * i + 1], mine.rgb[3 * i + 2], 255], 4 * i);
	return { rgba, size: mine.width, name: mine.name };
}

export const browserLoaders: ExplorerLoaders = {
	async loadModel(id, onProgress) {
		// the formulas' typesetter comes with the model: the steps that show formulas wait for both
		const [loaded] = await Promise.all([loadWeights(id, onProgress), loadTypesetter()]);
		return loaded;
	},
	async loadInput(id, size) {
		if (id === 'mine') return readMine();
		const sample = SAMPLES.find((x) => sampleId(x.file) === id) ?? SAMPLES[0];
		const res = await fetch(`/samples/${sample.file}`);
		const img = await decodeImageBlob(await res.blob(), sample.file);
		const px = toNetworkPixels(img.bitmap, size);
		img.bitmap.close();
		return { rgba: px.rgba, size: px.size, name: sample.alt };
	},
	async loadOwnBlocks() {
		const kept = await loadOwnNetwork().catch(() => null);
		if (!kept) throw new NoOwnNetwork();
		// the typesetter too: the steps show formulas
		const [file] = await Promise.all([readFamilyBlocks(kept.bytes), loadTypesetter()]);
		return { name: kept.name, file };
	},
	hasMine: () => parseProofImage(sessionStorage.getItem(PROOF_IMAGE_KEY)) !== null,
	ownNetworkName: async () => (await loadOwnNetwork().catch(() => null))?.name ?? null
};
