/**
 * A kept state-dict file read back as its family blocks, for the explorer: the same reading and the
 * same block search `fuseNetworkFile` does, so block i here is block i of the fuse's checks (and its
 * check input, `blockCheckInput(…, i, …)`, the same numbers).
 */
import { WeightsError } from '../core/errors';
import type { Tensor } from '../core/tensor';
import { checkWeightValues } from '../io/integrity';
import { readTorchCheckpoint } from '../io/pytorch';
import { readSafetensors } from '../io/safetensors';
import { sniffWeightsFormat } from '../io/sniff';
import { findFamilyBlocks, type FoundBlock } from './find-blocks';

export interface FamilyBlocksFile {
	tensors: Map<string, Tensor>;
	/** In the order the fuse checks them. */
	blocks: FoundBlock[];
}

/** Throws WeightsError (one sentence) for a file that is no state dict, or one holding no family block. */
export function readFamilyBlocks(bytes: Uint8Array): FamilyBlocksFile {
	const format = sniffWeightsFormat(bytes);
	if (format !== 'safetensors' && format !== 'pytorch-zip' && format !== 'pytorch-legacy')
		throw new WeightsError('not-mobileone', 'only a state dict (safetensors or PyTorch) holds blocks the explorer can step through');
	const tensors = format === 'safetensors' ? readSafetensors(bytes).tensors : readTorchCheckpoint(bytes).tensors;
	const blocks = findFamilyBlocks(tensors);
	if (blocks.length === 0) throw new WeightsError('not-mobileone', 'this state dict holds no block of RepVGG, ACNet, DBB, RepViT, FastViT, PP-LCNetV3 or MobileOne under their original key names');
	checkWeightValues(tensors);
	return { tensors, blocks };
}
