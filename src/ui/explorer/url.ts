/**
 * The explorer's deep link: model, block, channel, step and input image in the query string, and
 * presenter mode's `present&slide=N` (a slide instead of a step: step 1 is one slide per branch).
 * One table says, per property, its parameter name, how to read it (anything unreadable falls back
 * to the default) and how to write it; `parse` and `serialize` only walk that table.
 */
import { isPageModelId, OWN_NETWORK, type PageModelId } from '$lib/models';
import type { FamilyId } from '$lib/families/block';
import { SAMPLES } from '$ui/image/samples';

export type StepId = 1 | 2 | 3 | 4 | 5;

/** 'mine' is the visitor's own picture from the Classify page; anything else is a sample's id. */
export type InputId = 'mine' | string;

/** The families the explorer can show besides MobileOne, by their name in links. */
export const FAMILY_PARAMS = {
	repvgg: 'repvgg',
	acnet: 'acnet',
	dbb: 'dbb',
	repvggdw: 'repvggdw',
	repmixer: 'repmixer',
	repcpe: 'repcpe',
	lcnetv3: 'learnable-rep'
} as const satisfies Record<string, Exclude<FamilyId, 'mobileone'>>;

export type FamilyParam = keyof typeof FAMILY_PARAMS;

export const isFamilyParam = (raw: string): raw is FamilyParam => Object.hasOwn(FAMILY_PARAMS, raw);

export function familyParamOf(id: FamilyId): FamilyParam | null {
	return (Object.keys(FAMILY_PARAMS) as FamilyParam[]).find((k) => FAMILY_PARAMS[k] === id) ?? null;
}

/** The explorer's link to a family's block. */
export const familyHref = (p: FamilyParam): string => `/explorer?family=${p}`;

/** Module paths as PyTorch writes them (`stages.0.token_mixer`), bounded; '' is a bare block. */
const MODULE_PATH = /^[A-Za-z0-9_.-]{0,200}$/;

/**
 * The explorer's link to a block of the visitor's kept network, by its module path (`stem.conv1`,
 * '' for a bare block): family mode on the kept weights. The family is written where it has a name
 * in links, for people reading the URL; the block decides it.
 */
export function ownBlockHref(family: FamilyId, block: string): string {
	return `/explorer?${serialize({ ...DEFAULT_QUERY, family: familyParamOf(family), model: OWN_NETWORK, ownBlock: block })}`;
}

export interface ExplorerQuery {
	/** null: MobileOne, the explorer's own model and blocks. */
	family: FamilyParam | null;
	/** The step of a family's fuse, 1-based; one past the last is the proof. */
	familyStep: number;
	/** DBB: merge 1×1 → K×K with zeros in the gap instead of bn1's bias. */
	zeroGap: boolean;
	/**
	 * Family mode on the visitor's kept network: the module path of the found block shown ('' for a
	 * bare block), with `model` = 'yours'; null: seeded synthetic blocks (or MobileOne mode). Checked
	 * against the kept file once it is read.
	 */
	ownBlock: string | null;
	model: PageModelId;
	/** A block name such as "stage1.2" (or "group3", the third merged group of an ONNX file); null: the model's first block. Checked against the model once it is loaded. */
	block: string | null;
	channel: number;
	step: StepId;
	input: InputId;
	/** Presenter mode: the step views as slides for a projector. */
	present: boolean;
	/** 1-based slide when presenting; checked against the block's slide count once it is loaded. */
	slide: number;
}

/** A sample's id in links and in the picker: its file name without the extension. */
export const sampleId = (file: string): string => file.replace(/\.\w+$/, '');

export const DEFAULT_INPUT = sampleId(SAMPLES.find((x) => x.label === 'cat')?.file ?? SAMPLES[0].file);

export const DEFAULT_QUERY: Readonly<ExplorerQuery> = { family: null, familyStep: 1, zeroGap: false, ownBlock: null, model: 'cifar10', block: null, channel: 0, step: 1, input: DEFAULT_INPUT, present: false, slide: 1 };

interface Field<K extends keyof ExplorerQuery> {
	key: K;
	param: string;
	/** undefined: not a valid value, use the default. */
	read: (raw: string) => ExplorerQuery[K] | undefined;
	write: (value: ExplorerQuery[K]) => string | null;
}

/** More slides than any block has (its branches, then four more): a bound on what a link may ask for. */
export const MAX_SLIDES = 99;

const field = <K extends keyof ExplorerQuery>(f: Field<K>) => f;
const integer = (raw: string) => (/^\d{1,6}$/.test(raw) ? Number(raw) : undefined);

const FIELDS = [
	field({ key: 'family', param: 'family', read: (raw) => (isFamilyParam(raw) ? raw : undefined), write: (v) => v }),
	field({ key: 'familyStep', param: 'fstep', read: (raw) => { const n = integer(raw); return n !== undefined && n >= 1 && n <= 99 ? n : undefined; }, write: String }),
	field({ key: 'zeroGap', param: 'gap', read: (raw) => (raw === 'zero' ? true : raw === 'bias' ? false : undefined), write: (v) => (v ? 'zero' : null) }),
	field({ key: 'ownBlock', param: 'fblock', read: (raw) => (MODULE_PATH.test(raw) ? raw : undefined), write: (v) => v }),
	field({ key: 'model', param: 'model', read: (raw) => (isPageModelId(raw) ? raw : undefined), write: (v) => v }),
	field({ key: 'block', param: 'block', read: (raw) => (/^(stage\d{1,2}(\.\d{1,3})?|group\d{1,5})$/.test(raw) ? raw : undefined), write: (v) => v }),
	field({ key: 'channel', param: 'ch', read: integer, write: String }),
	field({
		key: 'step',
		param: 'step',
		read: (raw) => {
			const n = integer(raw);
			return n !== undefined && n >= 1 && n <= 5 ? (n as StepId) : undefined;
		},
		write: String
	}),
	field({
		key: 'input',
		param: 'input',
		read: (raw) => (raw === 'mine' || SAMPLES.some((x) => sampleId(x.file) === raw) ? raw : undefined),
		write: (v) => v
	}),
	field({ key: 'present', param: 'present', read: (raw) => raw !== '0', write: (v) => (v ? '' : null) }),
	field({ key: 'slide', param: 'slide', read: (raw) => { const n = integer(raw); return n !== undefined && n >= 1 && n <= MAX_SLIDES ? n : undefined; }, write: String })
];

export function parse(search: string | URLSearchParams): ExplorerQuery {
	const q = typeof search === 'string' ? new URLSearchParams(search) : search;
	const out: Record<string, unknown> = { ...DEFAULT_QUERY };
	for (const f of FIELDS) {
		const raw = q.get(f.param);
		const v = raw === null ? undefined : (f.read as (raw: string) => unknown)(raw);
		if (v !== undefined) out[f.key] = v;
	}
	return out as unknown as ExplorerQuery;
}

/** Parameters that belong to one mode only. */
const FAMILY_ONLY = new Set(['fstep', 'gap', 'fblock']);
const MOBILEONE_ONLY = new Set(['model', 'block', 'step']);

/** A slide stands for the step while presenting, and only then. */
const PRESENT_ONLY = new Set(['present', 'slide']);
const BROWSE_ONLY = new Set(['step']);

/**
 * The query string, without the "?", in the table's order; a null block is left out, and so is
 * what the other mode reads. Presenting is written as a bare `present`, like the lesson's.
 */
export function serialize(query: ExplorerQuery): string {
	const q = new URLSearchParams();
	const familyMode = query.family !== null || query.ownBlock !== null;
	const skip = familyMode ? MOBILEONE_ONLY : FAMILY_ONLY;
	// family mode has no slides yet
	const presenting = query.present && !familyMode;
	// a kept network's block names its source (model=yours); synthetic family blocks need none
	const ownModel = (param: string) => param === 'model' && query.ownBlock !== null;
	for (const f of FIELDS) {
		if ((skip.has(f.param) && !ownModel(f.param)) || (presenting ? BROWSE_ONLY : PRESENT_ONLY).has(f.param)) continue;
		const v = (f.write as (v: unknown) => string | null)(query[f.key]);
		if (v !== null) q.set(f.param, v);
	}
	return q.toString().replace(/(^|&)present=(?=&|$)/, '$1present');
}
