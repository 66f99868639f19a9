/**
 * The offline status of the site in this browser, from the service worker's registration and its
 * messages: nothing to say (no service workers here), downloading for offline use (percent),
 * ready offline, a new version waiting, or the download failed. It also does the two reloads the
 * worker needs: once when the worker first takes over a page that is not cross-origin isolated
 * (the worker adds the headers the host could not send), and when the visitor applies an update.
 * The browser's objects are handed in, so tests can drive every step.
 */
import { readWorkerMessage } from '$lib/offline/messages';
import { formatPercentage } from '$lib/format';
import { m } from '$lib/paraglide/messages';

/** The parts of a ServiceWorkerRegistration the status reads. */
export interface Registration {
	addEventListener(type: 'updatefound', listener: () => void): void;
	readonly installing: WorkerHandle | null;
	readonly waiting: WorkerHandle | null;
	readonly active: WorkerHandle | null;
	update(): Promise<unknown>;
}

/** The parts of a ServiceWorker the status uses. */
export interface WorkerHandle {
	addEventListener(type: 'statechange', listener: () => void): void;
	postMessage(message: unknown): void;
}

export interface OfflineDeps {
	/** `navigator.serviceWorker`, or null where there is none (or in `vite dev`). */
	container: {
		readonly controller: unknown;
		register(url: string, options?: RegistrationOptions): Promise<Registration | undefined>;
		addEventListener(type: 'message' | 'controllerchange', listener: (event: { data?: unknown }) => void): void;
		startMessages?(): void;
	} | null;
	/** `self.crossOriginIsolated` when the page loaded. */
	isolated: boolean;
	/** `sessionStorage`, which remembers the isolation reload for this tab; null where storage is off. */
	session: Pick<Storage, 'getItem' | 'setItem'> | null;
	reload(): void;
	online(): boolean;
}

export type OfflinePhase =
	| { kind: 'off' }
	| { kind: 'downloading'; percent: number }
	| { kind: 'ready' }
	| { kind: 'update' }
	| { kind: 'failed'; reason: string };

/** sessionStorage key: set before the one reload that lets the worker isolate the page. */
export const ISOLATION_RELOAD_KEY = 'mobileone-lab:isolation-reload';

// Functions, read when shown: the page's locale decides (messages/shell).
export const READY_TEXT = (): string => m.shell_offline_ready();
export const UPDATE_TEXT = (): string => m.shell_offline_update();
export const THREADS_TEXT = (): string => m.shell_offline_threads();

export class OfflineState {
	phase = $state<OfflinePhase>({ kind: 'off' });
	/** The worker has taken over but the page was loaded without isolation and the visitor is busy. */
	threadsNeedReload = $state(false);

	/** The line the page shows; empty when there is nothing to say. */
	readonly text = $derived.by(() => {
		const p = this.phase;
		switch (p.kind) {
			case 'off':
				return '';
			case 'downloading':
				return m.shell_offline_downloading({ percent: formatPercentage(p.percent, 0) });
			case 'ready':
				return READY_TEXT();
			case 'update':
				return UPDATE_TEXT();
			case 'failed':
				return p.reason;
		}
	});

	#deps: OfflineDeps;
	#registration: Registration | null = null;
	#applying = false;
	#busy = false;
	#percent = 0;
	#failure: string | null = null;

	constructor(deps: OfflineDeps) {
		this.#deps = deps;
	}

	/** Register the worker and follow it. */
	async start(scriptUrl: string, options?: RegistrationOptions): Promise<void> {
		const { container } = this.#deps;
		if (!container) return;
		container.addEventListener('message', (e) => this.#onMessage(e.data));
		container.addEventListener('controllerchange', () => this.#onControllerChange());
		container.startMessages?.();
		let registration: Registration | undefined;
		try {
			registration = await container.register(scriptUrl, options);
		} catch (err) {
			this.#failure = m.shell_offline_failed({ reason: err instanceof Error ? err.message : String(err) });
			this.#refresh();
			return;
		}
		if (!registration) return; // registration refused without an error (e.g. blocked by policy)
		this.#registration = registration;
		const follow = (worker: WorkerHandle | null) => worker?.addEventListener('statechange', () => this.#refresh());
		follow(registration.installing);
		follow(registration.waiting);
		registration.addEventListener('updatefound', () => {
			follow(registration.installing);
			this.#refresh();
		});
		this.#refresh();
		if (container.controller) this.#isolate();
	}

	/** The visitor started something on the page (typed, clicked, dropped): don't reload under them. */
	markBusy(): void {
		this.#busy = true;
	}

	/** Ask the browser to look for a new version now (when the tab comes back); never while offline. */
	checkForUpdate(): void {
		if (this.#registration && this.#deps.online()) this.#registration.update().catch(() => {});
	}

	/** The visitor pressed "Reload" on the update notice: the waiting worker takes over, then the page reloads. */
	applyUpdate(): void {
		const waiting = this.#registration?.waiting;
		if (!waiting) {
			this.#deps.reload();
			return;
		}
		this.#applying = true;
		waiting.postMessage({ type: 'skip-waiting' });
	}

	/** The visitor pressed "Reload" for threads. */
	reloadForThreads(): void {
		this.#deps.session?.setItem(ISOLATION_RELOAD_KEY, '1');
		this.#deps.reload();
	}

	#onMessage(data: unknown): void {
		const message = readWorkerMessage(data);
		if (!message) return;
		if (message.type === 'offline-progress') this.#percent = message.percent;
		else this.#failure = message.reason;
		this.#refresh();
	}

	#onControllerChange(): void {
		if (this.#applying) {
			this.#deps.reload();
			return;
		}
		this.#refresh();
		this.#isolate();
	}

	/** Reload once so the worker can answer this page with COOP/COEP; at most once per tab. */
	#isolate(): void {
		const { isolated, session } = this.#deps;
		if (isolated || !session || session.getItem(ISOLATION_RELOAD_KEY) !== null) return;
		if (this.#busy) {
			this.threadsNeedReload = true;
			return;
		}
		session.setItem(ISOLATION_RELOAD_KEY, '1');
		this.#deps.reload();
	}

	#refresh(): void {
		const r = this.#registration;
		if (r?.active && r.waiting) this.phase = { kind: 'update' };
		else if (r?.active) this.phase = { kind: 'ready' };
		else if (this.#failure !== null) this.phase = { kind: 'failed', reason: this.#failure };
		else if (r?.installing || r?.waiting) this.phase = { kind: 'downloading', percent: this.#percent };
		else this.phase = { kind: 'off' };
	}
}
