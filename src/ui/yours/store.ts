/**
 * The visitor's last network, kept in this browser's IndexedDB so it survives a reload; nothing is
 * uploaded. One record under one key. Other pages read it through `loadOwnNetwork()` (`?model=yours`).
 */
/** Where the record lies, in one place: the page and the tests that write or clear it use these. */
export const OWN_NETWORK_DB = { name: 'mobileone-lab', version: 1, store: 'own-network', key: 'last' } as const;
const { name: DB_NAME, version: DB_VERSION, store: STORE, key: KEY } = OWN_NETWORK_DB;

export interface OwnNetwork {
	name: string;
	bytes: Uint8Array;
}

function open(): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const req = indexedDB.open(DB_NAME, DB_VERSION);
		req.onupgradeneeded = () => req.result.createObjectStore(STORE);
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
	});
}

async function withStore<T>(mode: IDBTransactionMode, use: (s: IDBObjectStore) => IDBRequest): Promise<T> {
	const db = await open();
	try {
		return await new Promise<T>((resolve, reject) => {
			const tx = db.transaction(STORE, mode);
			const req = use(tx.objectStore(STORE));
			tx.oncomplete = () => resolve(req.result as T);
			tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
		});
	} finally {
		db.close();
	}
}

export async function saveOwnNetwork(n: OwnNetwork): Promise<void> {
	await withStore<IDBValidKey>('readwrite', (s) => s.put({ name: n.name, bytes: n.bytes }, KEY));
}

export async function loadOwnNetwork(): Promise<OwnNetwork | null> {
	const v = await withStore<unknown>('readonly', (s) => s.get(KEY));
	if (!v || typeof v !== 'object') return null;
	const { name, bytes } = v as Partial<OwnNetwork>;
	return typeof name === 'string' && bytes instanceof Uint8Array ? { name, bytes } : null;
}

export async function clearOwnNetwork(): Promise<void> {
	await withStore<undefined>('readwrite', (s) => s.delete(KEY));
}
