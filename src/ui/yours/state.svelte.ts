/**
 * The "your network" page's state: one status, the downloads it offers, and whether a network is
 * kept in this browser. The work happens in the worker; this class moves bytes and records.
 */
import { formatScientific } from '$lib/format';
import type { FromWorker, FuseReport, Proof, ToWorker } from './messages';
import { failureSentence, sentence, sizeProblem, STAGE_LABELS, type Stage } from './own-file';
import { m as msg } from '$lib/paraglide/messages';
import { clearOwnNetwork, loadOwnNetwork, saveOwnNetwork } from './store';

export interface Download {
	href: string;
	filename: string;
	bytes: number;
}

export type Status =
	| { kind: 'empty' }
	| { kind: 'busy'; name: string; size: number; stage: Stage; fraction: number | null }
	| { kind: 'done'; name: string; size: number; report: FuseReport; proof: Proof; onnx: Download | null; safetensors: Download | null }
	| { kind: 'failed'; name: string; message: string };

/** "my-net.pth.tar" → "my-net-fused". */
export function fusedBaseName(name: string): string {
	const base = name.replace(/\.(safetensors|pth\.tar|pth|pt|bin|onnx)$/i, '') || 'network';
	return `${base}-fused`;
}

export function verdictSentence(p: Proof): string {
	const numbers = { delta: formatScientific(p.maxDelta), output: formatScientific(p.maxOutput), tolerance: formatScientific(p.tolerance) };
	if (!p.agrees) return msg.yours_verdict_disagree(numbers);
	return p.perBlock ? msg.yours_verdict_blocks_agree(numbers) : msg.yours_verdict_agree(numbers);
}

export class YoursState {
	status: Status = $state({ kind: 'empty' });
	/** The name of the network kept in this browser, if any. */
	kept: string | null = $state(null);
	dragging = $state(false);

	readonly verdict = $derived(this.status.kind === 'done' ? verdictSentence(this.status.proof) : null);
	readonly progressLabel = $derived(this.status.kind === 'busy' ? STAGE_LABELS[this.status.stage]() : '');

	private worker: Worker | null = null;
	private job = 0;

	/** Reopens the network kept from an earlier visit. */
	async restore(): Promise<void> {
		let kept;
		try {
			kept = await loadOwnNetwork();
		} catch {
			return; // No IndexedDB (a private window, say): the page works without keeping anything.
		}
		if (!kept || this.status.kind !== 'empty') return;
		this.kept = kept.name;
		this.send(kept.name, kept.bytes.buffer.byteLength === kept.bytes.byteLength ? (kept.bytes.buffer as ArrayBuffer) : kept.bytes.slice().buffer);
	}

	async open(file: File): Promise<void> {
		const id = ++this.job;
		const tooLarge = sizeProblem(file.size);
		if (tooLarge) {
			this.fail(file.name, tooLarge);
			return;
		}
		this.setBusy(file.name, file.size, 'read', 0);
		const buffer = new ArrayBuffer(file.size);
		const bytes = new Uint8Array(buffer);
		try {
			const reader = file.stream().getReader();
			let at = 0;
			for (;;) {
				const { done, value } = await reader.read();
				if (id !== this.job) return void reader.cancel();
				if (done) break;
				if (at + value.length > bytes.length) throw new Error(msg.yours_file_grew());
				bytes.set(value, at);
				at += value.length;
				this.setBusy(file.name, file.size, 'read', file.size ? at / file.size : 1);
			}
		} catch (e) {
			if (id === this.job) this.fail(file.name, sentence(e));
			return;
		}
		this.send(file.name, buffer, id);
	}

	async forget(): Promise<void> {
		this.job++;
		this.worker?.terminate();
		this.worker = null;
		// the store first: the page shows "forgotten" only once a reload can no longer bring it back
		await clearOwnNetwork().catch(() => {});
		this.revoke();
		this.status = { kind: 'empty' };
		this.kept = null;
	}

	dispose(): void {
		this.job++;
		this.worker?.terminate();
		this.worker = null;
		this.revoke();
	}

	private setBusy(name: string, size: number, stage: Stage, fraction: number | null) {
		this.status = { kind: 'busy', name, size, stage, fraction };
	}

	private fail(name: string, message: string) {
		this.revoke();
		this.status = { kind: 'failed', name, message };
	}

	private revoke() {
		if (this.status.kind !== 'done') return;
		if (this.status.onnx) URL.revokeObjectURL(this.status.onnx.href);
		if (this.status.safetensors) URL.revokeObjectURL(this.status.safetensors.href);
	}

	private ensureWorker(): Worker {
		if (this.worker) return this.worker;
		const w = new Worker(new URL('./yours.worker.ts', import.meta.url), { type: 'module', name: 'yours' });
		w.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
		w.onerror = (e) => {
			e.preventDefault();
			this.worker?.terminate();
			this.worker = null;
			if (this.status.kind === 'busy') this.fail(this.status.name, sentence(msg.yours_worker_failed({ reason: e.message || msg.yours_worker_no_start() })));
		};
		this.worker = w;
		return w;
	}

	/** Hands the bytes to the worker; the buffer is transferred, so this page no longer holds it. */
	private send(name: string, buffer: ArrayBuffer, id = ++this.job): void {
		this.setBusy(name, buffer.byteLength, 'parse', null);
		this.ensureWorker().postMessage({ type: 'fuse', id, name, bytes: buffer } satisfies ToWorker, [buffer]);
	}

	private receive(m: FromWorker): void {
		if (m.id !== this.job || this.status.kind !== 'busy') return;
		const { name, size } = this.status;
		if (m.type === 'progress') {
			this.setBusy(name, size, m.stage, m.fraction);
		} else if (m.type === 'error') {
			this.fail(name, failureSentence(m.code, m.message));
		} else {
			this.revoke();
			const base = fusedBaseName(name);
			const download = (buffer: ArrayBuffer, ext: string): Download => ({
				href: URL.createObjectURL(new Blob([buffer], { type: 'application/octet-stream' })),
				filename: `${base}.${ext}`,
				bytes: buffer.byteLength
			});
			this.status = {
				kind: 'done',
				name,
				size,
				report: m.report,
				proof: m.proof,
				onnx: m.fusedOnnx ? download(m.fusedOnnx, 'onnx') : null,
				safetensors: m.fusedSafetensors ? download(m.fusedSafetensors, 'safetensors') : null
			};
			this.kept = name;
			saveOwnNetwork({ name, bytes: new Uint8Array(m.bytes) }).catch(() => {
				this.kept = null;
			});
		}
	}
}
