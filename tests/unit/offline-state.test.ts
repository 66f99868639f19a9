/**
 * The offline status with a fake service-worker container and registration: the line it shows
 * through a first install, a failure and an update; the one reload that isolates a page (never
 * twice in a tab, never under a busy visitor); applying an update; no update checks offline.
 */
import { describe, expect, test } from 'vitest';
import { ISOLATION_RELOAD_KEY, OfflineState, READY_TEXT, UPDATE_TEXT, type OfflineDeps, type Registration, type WorkerHandle } from '../../src/ui/offline/state.svelte';

type Listener = (event: { data?: unknown }) => void;

class Target {
	listeners = new Map<string, Listener[]>();
	addEventListener(type: string, listener: Listener) {
		this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
	}
	emit(type: string, data?: unknown) {
		for (const l of this.listeners.get(type) ?? []) l({ data });
	}
}

class FakeWorker extends Target implements WorkerHandle {
	posted: unknown[] = [];
	postMessage(message: unknown) {
		this.posted.push(message);
	}
}

class FakeRegistration extends Target implements Registration {
	installing: FakeWorker | null = null;
	waiting: FakeWorker | null = null;
	active: FakeWorker | null = null;
	updates = 0;
	update() {
		this.updates++;
		return Promise.resolve();
	}
	/** A new worker starts installing. */
	found(): FakeWorker {
		this.installing = new FakeWorker();
		this.emit('updatefound');
		return this.installing;
	}
	installed() {
		const w = this.installing!;
		this.installing = null;
		this.waiting = w;
		w.emit('statechange');
	}
	activated() {
		const w = this.waiting ?? this.installing!;
		this.installing = this.waiting = null;
		this.active = w;
		w.emit('statechange');
	}
	redundant() {
		const w = this.installing!;
		this.installing = null;
		w.emit('statechange');
	}
}

class FakeContainer extends Target {
	controller: unknown = null;
	registered: { url: string; options?: RegistrationOptions }[] = [];
	constructor(public registration: FakeRegistration | undefined | Error) {
		super();
	}
	register(url: string, options?: RegistrationOptions) {
		this.registered.push({ url, options });
		if (this.registration instanceof Error) return Promise.reject(this.registration);
		return Promise.resolve(this.registration);
	}
	takeOver() {
		this.controller = {};
		this.emit('controllerchange');
	}
}

function setup({ isolated = false, registration = new FakeRegistration() as FakeRegistration | undefined | Error, online = true, session = new Map<string, string>() } = {}) {
	const container = new FakeContainer(registration);
	const reloads: number[] = [];
	const storage = { getItem: (k: string) => session.get(k) ?? null, setItem: (k: string, v: string) => void session.set(k, v) };
	const deps: OfflineDeps = { container, isolated, session: storage, reload: () => reloads.push(1), online: () => online };
	return { state: new OfflineState(deps), container, reloads, session };
}

const progress = (percent: number) => ({ type: 'offline-progress', version: 'v1', percent, filesDone: 1, files: 10 });

describe('OfflineState', () => {
	test('first visit: downloading with the percent, then ready, then one reload to isolate the page', async () => {
		const { state, container, reloads, session } = setup();
		const reg = container.registration as FakeRegistration;
		reg.installing = new FakeWorker();
		await state.start('/service-worker.js');
		expect(container.registered).toEqual([{ url: '/service-worker.js', options: undefined }]);
		expect(state.phase).toEqual({ kind: 'downloading', percent: 0 });
		expect(state.text).toBe('Downloading for offline… 0 %');
		container.emit('message', progress(37));
		expect(state.text).toBe('Downloading for offline… 37 %');
		container.emit('message', { type: 'something-else' });
		expect(state.text).toBe('Downloading for offline… 37 %');
		reg.activated();
		expect(state.phase).toEqual({ kind: 'ready' });
		expect(state.text).toBe(READY_TEXT());
		expect(reloads).toHaveLength(0);
		container.takeOver();
		expect(reloads).toHaveLength(1);
		expect(session.get(ISOLATION_RELOAD_KEY)).toBe('1');
	});

	test('the isolation reload happens once per tab: after it, a page still not isolated stays', async () => {
		const session = new Map([[ISOLATION_RELOAD_KEY, '1']]);
		const { state, container, reloads } = setup({ session });
		const reg = container.registration as FakeRegistration;
		reg.active = new FakeWorker();
		container.controller = {};
		await state.start('/sw.js');
		expect(state.phase.kind).toBe('ready');
		container.emit('controllerchange');
		expect(reloads).toHaveLength(0);
	});

	test('an isolated page never reloads for isolation', async () => {
		const { state, container, reloads } = setup({ isolated: true });
		const reg = container.registration as FakeRegistration;
		reg.installing = new FakeWorker();
		await state.start('/sw.js');
		reg.activated();
		container.takeOver();
		expect(reloads).toHaveLength(0);
		expect(state.threadsNeedReload).toBe(false);
	});

	test('a busy visitor is not reloaded under: the page offers the reload instead', async () => {
		const { state, container, reloads, session } = setup();
		const reg = container.registration as FakeRegistration;
		reg.installing = new FakeWorker();
		await state.start('/sw.js');
		state.markBusy();
		reg.activated();
		container.takeOver();
		expect(reloads).toHaveLength(0);
		expect(state.threadsNeedReload).toBe(true);
		state.reloadForThreads();
		expect(reloads).toHaveLength(1);
		expect(session.get(ISOLATION_RELOAD_KEY)).toBe('1');
	});

	test('a failed download says so in one sentence', async () => {
		const { state, container } = setup();
		const reg = container.registration as FakeRegistration;
		reg.installing = new FakeWorker();
		await state.start('/sw.js');
		container.emit('message', { type: 'offline-failed', version: 'v1', reason: 'Could not save the site for offline use.' });
		expect(state.phase).toEqual({ kind: 'failed', reason: 'Could not save the site for offline use.' });
		reg.redundant();
		expect(state.text).toBe('Could not save the site for offline use.');
	});

	test('a new version: announced once it waits, applied by skip-waiting, then reloaded', async () => {
		const { state, container, reloads } = setup({ isolated: true });
		const reg = container.registration as FakeRegistration;
		reg.active = new FakeWorker();
		container.controller = {};
		await state.start('/sw.js');
		expect(state.phase.kind).toBe('ready');
		const next = reg.found();
		container.emit('message', progress(50)); // the new version's download: the site is still ready
		expect(state.phase.kind).toBe('ready');
		reg.installed();
		expect(state.phase).toEqual({ kind: 'update' });
		expect(state.text).toBe(UPDATE_TEXT());
		state.applyUpdate();
		expect(next.posted).toEqual([{ type: 'skip-waiting' }]);
		expect(reloads).toHaveLength(0);
		container.emit('controllerchange');
		expect(reloads).toHaveLength(1);
	});

	test('looks for updates only online', async () => {
		let online = false;
		const registration = new FakeRegistration();
		registration.active = new FakeWorker();
		const container = new FakeContainer(registration);
		const state = new OfflineState({ container, isolated: true, session: null, reload: () => {}, online: () => online });
		await state.start('/sw.js');
		state.checkForUpdate();
		expect(registration.updates).toBe(0);
		online = true;
		state.checkForUpdate();
		expect(registration.updates).toBe(1);
	});

	test('nothing to say without service workers, or when registration is refused', async () => {
		const none = new OfflineState({ container: null, isolated: false, session: null, reload: () => {}, online: () => true });
		await none.start('/sw.js');
		expect(none.text).toBe('');
		const blocked = setup({ registration: undefined });
		await blocked.state.start('/sw.js');
		expect(blocked.state.phase).toEqual({ kind: 'off' });
		const refused = setup({ registration: new Error('The operation is insecure.') });
		await refused.state.start('/sw.js');
		expect(refused.state.text).toBe('Could not set up offline use (The operation is insecure.).');
	});
});
