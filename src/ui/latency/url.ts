/**
 * The latency lab's settings in its URL, so a run can be shared as a link: `?model=s0&backend=wasm-1&budget=5`.
 * One table says, per setting, its parameter, its default and how it reads and writes; `parse` and
 * `serialize` only walk the table. Anything unreadable falls back to the default, never throws.
 */
import { isLabModelId, type LabModelId } from '$lib/models';
import { BACKEND_IDS, type BackendId } from './messages';

export interface LatencySettings {
	/** A catalogue model, a family's network (`repvgg-a0`), or `yours`: the network the /yours page keeps in this browser. */
	model: LabModelId;
	/** null: the best backend this browser offers (decided once the backends are detected). */
	backend: BackendId | null;
	/** Measuring time after warm-up, seconds. */
	budget: number;
	/** Log time axis on the chart. */
	log: boolean;
}

/** Longest budget a link may ask for, seconds. */
export const MAX_BUDGET_S = 600;

interface Property<T> {
	param: string;
	default: T;
	/** The value, or undefined when `raw` is not one. */
	read(raw: string): T | undefined;
	/** The parameter's text, or null to leave it out of the URL. */
	write(value: T): string | null;
}

type Table = { [K in keyof LatencySettings]: Property<LatencySettings[K]> };

const PROPERTIES: Table = {
	model: {
		param: 'model',
		default: 'cifar10',
		read: (raw) => (isLabModelId(raw) ? raw : undefined),
		write: (v) => v
	},
	backend: {
		param: 'backend',
		default: null,
		read: (raw) => BACKEND_IDS.find((id) => id === raw),
		write: (v) => v
	},
	budget: {
		param: 'budget',
		default: 10,
		read: (raw) => {
			// Number('') is 0 and Number(' 5') is 5: only plain decimals count.
			if (!/^\d+(\.\d+)?$/.test(raw)) return undefined;
			const s = Number(raw);
			return s > 0 && s <= MAX_BUDGET_S ? s : undefined;
		},
		write: (v) => String(v)
	},
	log: {
		param: 'log',
		default: false,
		read: (raw) => (raw === '1' ? true : raw === '0' ? false : undefined),
		write: (v) => (v ? '1' : null)
	}
};

const KEYS = Object.keys(PROPERTIES) as (keyof LatencySettings)[];

export const DEFAULT_SETTINGS: Readonly<LatencySettings> = Object.fromEntries(KEYS.map((k) => [k, PROPERTIES[k].default])) as unknown as LatencySettings;

function readOne<K extends keyof LatencySettings>(key: K, params: URLSearchParams): LatencySettings[K] {
	const p = PROPERTIES[key];
	const raw = params.get(p.param);
	return (raw === null ? undefined : p.read(raw)) ?? p.default;
}

export function parse(params: URLSearchParams): LatencySettings {
	return Object.fromEntries(KEYS.map((k) => [k, readOne(k, params)])) as unknown as LatencySettings;
}

export function serialize(settings: LatencySettings): URLSearchParams {
	const out = new URLSearchParams();
	for (const k of KEYS) {
		const text = (PROPERTIES[k] as Property<LatencySettings[typeof k]>).write(settings[k]);
		if (text !== null) out.set(PROPERTIES[k].param, text);
	}
	return out;
}
