/**
 * What the service worker and the pages say to each other (postMessage), in one place.
 * Worker → pages: how far the offline download is, and whether it failed.
 * Page → a waiting worker: take over now (the visitor pressed "reload" on the update notice).
 */

export interface ProgressMessage {
	type: 'offline-progress';
	/** The build the worker belongs to. */
	version: string;
	percent: number;
	filesDone: number;
	files: number;
}

export interface FailedMessage {
	type: 'offline-failed';
	version: string;
	/** One sentence for the visitor. */
	reason: string;
}

export type WorkerMessage = ProgressMessage | FailedMessage;

export interface SkipWaitingMessage {
	type: 'skip-waiting';
}

function isRecord(x: unknown): x is Record<string, unknown> {
	return typeof x === 'object' && x !== null;
}

/** A message from our worker, or null for anything else (messages are checked, never trusted). */
export function readWorkerMessage(data: unknown): WorkerMessage | null {
	if (!isRecord(data) || typeof data.version !== 'string') return null;
	if (data.type === 'offline-progress') {
		const { percent, filesDone, files } = data;
		if (typeof percent !== 'number' || typeof filesDone !== 'number' || typeof files !== 'number') return null;
		if (!(percent >= 0 && percent <= 100)) return null;
		return { type: 'offline-progress', version: data.version, percent, filesDone, files };
	}
	if (data.type === 'offline-failed' && typeof data.reason === 'string') {
		return { type: 'offline-failed', version: data.version, reason: data.reason };
	}
	return null;
}

export function isSkipWaiting(data: unknown): data is SkipWaitingMessage {
	return isRecord(data) && data.type === 'skip-waiting';
}
