/**
 * How far the offline download is, in bytes. Each file's size becomes known when its response
 * headers arrive (Content-Length); a file whose size is not known yet counts as the mean of the
 * known ones, so the total is an estimate until every response has started. The reported percent
 * never goes backwards.
 */
export class DownloadProgress {
	readonly files: number;
	#sizes = new Map<string, number>();
	#received = new Map<string, number>();
	#done = new Set<string>();
	#lastPercent = 0;

	constructor(files: number) {
		this.files = files;
	}

	/** A response's headers arrived; `size` is its Content-Length, or null when the host sent none. */
	started(url: string, size: number | null): void {
		if (size !== null && Number.isFinite(size) && size >= 0) this.#sizes.set(url, size);
	}

	/** More of a file's body arrived. */
	received(url: string, bytes: number): void {
		this.#received.set(url, (this.#received.get(url) ?? 0) + bytes);
	}

	/** A file is stored; its size is now what was received. */
	finished(url: string): void {
		this.#done.add(url);
		this.#sizes.set(url, this.#received.get(url) ?? 0);
	}

	get filesDone(): number {
		return this.#done.size;
	}

	get bytesReceived(): number {
		let sum = 0;
		for (const b of this.#received.values()) sum += b;
		return sum;
	}

	/** Estimated total bytes. */
	get bytesTotal(): number {
		let known = 0;
		for (const s of this.#sizes.values()) known += s;
		const unknown = this.files - this.#sizes.size;
		const mean = this.#sizes.size > 0 ? known / this.#sizes.size : 0;
		return Math.max(known + unknown * mean, this.bytesReceived);
	}

	/** 0–100, whole, never decreasing; 100 only once every file is stored. */
	get percent(): number {
		if (this.files === 0 || this.#done.size === this.files) return (this.#lastPercent = 100);
		const total = this.bytesTotal;
		const raw = total > 0 ? Math.floor((100 * this.bytesReceived) / total) : 0;
		this.#lastPercent = Math.max(this.#lastPercent, Math.min(99, raw));
		return this.#lastPercent;
	}
}
