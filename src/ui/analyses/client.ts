/** The page's side of the analyses worker: one run at a time, Cancel keeps what was measured. */
import type { AnalysesRecord } from '$lib/analyses/record';
import type { FromWorker, RunRequest } from './messages';

export type RunOutcome = { kind: 'result'; record: AnalysesRecord } | { kind: 'error'; message: string };

export class AnalysesClient {
	private worker: Worker | null = null;
	private nextId = 1;
	private active: { id: number; onProgress(m: FromWorker & { type: 'progress' }): void; finish(o: RunOutcome): void } | null = null;

	run(req: Omit<RunRequest, 'type' | 'id'>, onProgress: (m: FromWorker & { type: 'progress' }) => void): Promise<RunOutcome> {
		if (this.active) throw new Error('the analyses are already running');
		if (!this.worker) {
			this.worker = new Worker(new URL('./analyses.worker.ts', import.meta.url), { type: 'module', name: 'analyses' });
			this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
			this.worker.onerror = (e) => {
				e.preventDefault();
				this.fail(`the analyses worker failed: ${e.message || 'it could not start'}`);
			};
		}
		const id = this.nextId++;
		const done = new Promise<RunOutcome>((finish) => {
			this.active = { id, onProgress, finish };
		});
		this.worker.postMessage({ type: 'run', id, ...req } satisfies RunRequest);
		return done;
	}

	cancel(): void {
		if (this.active && this.worker) this.worker.postMessage({ type: 'cancel', id: this.active.id });
	}

	dispose(): void {
		this.fail(null);
		this.worker?.terminate();
		this.worker = null;
	}

	private fail(message: string | null): void {
		const a = this.active;
		this.active = null;
		if (a && message !== null) a.finish({ kind: 'error', message });
		if (message !== null) {
			this.worker?.terminate();
			this.worker = null;
		}
	}

	private receive(m: FromWorker): void {
		const a = this.active;
		if (!a || m.id !== a.id) return;
		if (m.type === 'progress') a.onProgress(m);
		else if (m.type === 'result') {
			this.active = null;
			a.finish({ kind: 'result', record: m.record });
		} else this.fail(m.message);
	}
}
