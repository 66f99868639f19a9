/**
 * The page's side of the latency worker. One worker per backend and thread count (onnxruntime-web
 * fixes its threads when it creates its first session); switching backend ends the old worker,
 * which frees its sessions and memory. Staying on one backend keeps the worker, and with it the
 * sessions of the last network benchmarked, so a rerun starts measuring at once.
 */
import type { LatencyResult } from '$lib/bench';
import type { BackendId, FromWorker, PreparedEvent, ProgressEvent, RunRequest } from './messages';
import { workerErrorText } from './words';
import { failureSentence } from '$ui/yours/own-file';
import { m } from '$lib/paraglide/messages';

export interface RunHandlers {
	onProgress(e: ProgressEvent): void;
	onPrepared(e: PreparedEvent): void;
}

export type RunOutcome = { kind: 'result'; result: LatencyResult } | { kind: 'cancelled' } | { kind: 'error'; message: string };

export class LatencyClient {
	private worker: Worker | null = null;
	private key = '';
	private nextId = 1;
	private active: { id: number; finish(o: RunOutcome): void } | null = null;

	run(req: Omit<RunRequest, 'type' | 'id'>, handlers: RunHandlers): { id: number; done: Promise<RunOutcome> } {
		if (this.active) throw new Error('a benchmark is already running');
		const key = `${req.backend}/${req.threads}`;
		if (!this.worker || this.key !== key) {
			this.worker?.terminate();
			this.worker = new Worker(new URL('./latency.worker.ts', import.meta.url), { type: 'module', name: `latency-${key}` });
			this.key = key;
			this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
			this.worker.onerror = (e) => {
				e.preventDefault();
				this.fail(m.latency_worker_crashed({ message: e.message || m.latency_worker_not_started() }));
			};
		}
		const id = this.nextId++;
		this.handlers = handlers;
		const done = new Promise<RunOutcome>((resolve) => {
			this.active = { id, finish: resolve };
		});
		this.worker.postMessage({ type: 'run', id, ...req } satisfies RunRequest);
		return { id, done };
	}

	private handlers: RunHandlers | null = null;

	cancel(): void {
		if (this.active && this.worker) this.worker.postMessage({ type: 'cancel', id: this.active.id });
	}

	/** End the worker and whatever it was doing. */
	dispose(): void {
		this.fail(null);
		this.worker?.terminate();
		this.worker = null;
		this.key = '';
	}

	private fail(message: string | null): void {
		const a = this.active;
		this.active = null;
		if (a) a.finish(message === null ? { kind: 'cancelled' } : { kind: 'error', message });
		if (message !== null) {
			// A worker in an unknown state is not reused.
			this.worker?.terminate();
			this.worker = null;
			this.key = '';
		}
	}

	private receive(msg: FromWorker): void {
		const a = this.active;
		if (!a || msg.id !== a.id) return;
		switch (msg.type) {
			case 'progress':
				this.handlers?.onProgress(msg);
				break;
			case 'prepared':
				this.handlers?.onPrepared(msg);
				break;
			case 'result':
				this.active = null;
				a.finish({ kind: 'result', result: msg.result });
				break;
			case 'cancelled':
				this.active = null;
				a.finish({ kind: 'cancelled' });
				break;
			case 'error':
				// the engine's English by its code in the page's language, as the Your network page says it
				this.fail(msg.reason ? workerErrorText(msg.reason) : failureSentence(msg.code ?? null, msg.message));
				break;
		}
	}
}

export type { BackendId };
