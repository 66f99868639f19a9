/**
 * Any network file a visitor or a CLI user hands us, recognised from its bytes (never its name):
 * a safetensors or PyTorch state dict becomes a checkpoint the engine fuses block by block; an ONNX
 * file stays a graph that the graph pass fuses. One entry point for the CLI, the worker and tests.
 */
import { WeightsError } from '../core/errors';
import { checkpointFromTensors, type Checkpoint } from './checkpoint';
import { decodeOnnx } from './onnx/decode';
import type { OnnxModel } from './onnx/model';
import { readTorchCheckpoint } from './pytorch';
import { readSafetensors } from './safetensors';
import { sniffWeightsFormat } from './sniff';

export type NetworkFile =
	| { kind: 'checkpoint'; format: 'safetensors' | 'pytorch'; checkpoint: Checkpoint; /** where a PyTorch file kept its state dict */ found: string | null }
	| { kind: 'onnx'; format: 'onnx'; model: OnnxModel };

export function readNetworkFile(bytes: Uint8Array): NetworkFile {
	const format = sniffWeightsFormat(bytes);
	switch (format) {
		case 'safetensors':
			return { kind: 'checkpoint', format, checkpoint: checkpointFromTensors(readSafetensors(bytes)), found: null };
		case 'pytorch-zip':
		case 'pytorch-legacy': {
			// readTorchCheckpoint refuses the legacy format itself, with how to re-save it.
			const t = readTorchCheckpoint(bytes);
			return { kind: 'checkpoint', format: 'pytorch', checkpoint: checkpointFromTensors({ tensors: t.tensors, metadata: {}, ignored: t.ignored }), found: t.found };
		}
		case 'onnx':
			return { kind: 'onnx', format, model: decodeOnnxExplained(bytes) };
		default:
			throw new WeightsError('not-mobileone', 'this is not a network file this tool reads: expected safetensors, a PyTorch checkpoint (.pth, .pth.tar, .pt) or ONNX');
	}
}

/** The decoder speaks of fields and varints; a person needs to hear first which kind of file failed. */
function decodeOnnxExplained(bytes: Uint8Array): OnnxModel {
	try {
		return decodeOnnx(bytes);
	} catch (e) {
		if (e instanceof WeightsError && !/\bONNX\b/.test(e.message)) throw new WeightsError(e.code, `this ONNX file is corrupt or unsupported: ${e.message}`);
		throw e;
	}
}
