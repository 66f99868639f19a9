/**
 * Whether a visitor's network file can carry the lesson, and if not, why: the chapters draw the
 * branches of an unfused MobileOne (Apple's key names) and need a depthwise block with every kind
 * of branch and a pointwise block with a skip. An ONNX graph, a fused network, another family's
 * blocks or a MobileOne without such blocks is refused with its reason, so the page can say one
 * sentence and teach on our model instead. Reads bytes only; nothing in the file is executed.
 */
import { WeightsError } from '../core/errors';
import { checkpointFromTensors, type Checkpoint } from '../io/checkpoint';
import { readTorchCheckpoint } from '../io/pytorch';
import { readSafetensors } from '../io/safetensors';
import { sniffWeightsFormat } from '../io/sniff';
import { findFamilyBlocks, countByFamily } from '../families/find-blocks';
import { isWholeRepVGG } from '../families/repvgg-network';
import type { Tensor } from '../core/tensor';
import type { UnfusedModel } from '../mobileone/model';
import { canTeach } from './instance';

export type LessonRefusal =
	| { reason: 'onnx' }
	| { reason: 'fused' }
	/** Blocks of other families (RepVGG, ACNet…), not a whole MobileOne. */
	| { reason: 'family'; families: string[] }
	/** A MobileOne, but without the blocks the chapters need (k ≥ 2 with a scale branch and a skip). */
	| { reason: 'blocks' }
	| { reason: 'unreadable'; detail: string };

export type LessonNetwork =
	| { ok: true; model: UnfusedModel; mean: number[] | null; std: number[] | null }
	| { ok: false; refusal: LessonRefusal };

const refuse = (refusal: LessonRefusal): LessonNetwork => ({ ok: false, refusal });

function familiesIn(tensors: Map<string, Tensor>): string[] {
	if (isWholeRepVGG(tensors.keys())) return ['RepVGG'];
	try {
		return countByFamily(findFamilyBlocks(tensors)).map((c) => c.name);
	} catch {
		return [];
	}
}

export function lessonNetwork(bytes: Uint8Array): LessonNetwork {
	const format = sniffWeightsFormat(bytes);
	if (format === 'onnx') return refuse({ reason: 'onnx' });
	try {
		const torch = format === 'pytorch-zip' || format === 'pytorch-legacy' ? readTorchCheckpoint(bytes) : null;
		if (!torch && format !== 'safetensors') return refuse({ reason: 'unreadable', detail: 'not a safetensors or PyTorch file' });
		const st = torch ? { tensors: torch.tensors, metadata: {} as Record<string, string>, ignored: torch.ignored } : readSafetensors(bytes);
		let ck: Checkpoint;
		try {
			ck = checkpointFromTensors(st);
		} catch (e) {
			if (!(e instanceof WeightsError) || e.code !== 'not-mobileone') throw e;
			const families = familiesIn(st.tensors);
			return refuse(families.length ? { reason: 'family', families } : { reason: 'unreadable', detail: e.message });
		}
		if (ck.form !== 'unfused') return refuse({ reason: 'fused' });
		if (!canTeach(ck.model)) return refuse({ reason: 'blocks' });
		return { ok: true, model: ck.model, mean: ck.mean, std: ck.std };
	} catch (e) {
		return refuse({ reason: 'unreadable', detail: e instanceof Error ? e.message : String(e) });
	}
}
