/**
 * A restricted reader for Python pickles, written to read state dicts and nothing more. It never
 * executes anything: a pickle is a program for a stack machine, and this machine knows only the
 * opcodes that plain data (numbers, strings, tuples, lists, dicts) and the caller's short
 * allow-list of globals need. "Calling" an allowed global runs a TypeScript function the caller
 * wrote, which builds a plain record; any other global is refused the moment it is named, even if
 * it would never be called.
 *
 * Accepted (protocols 2–5 as torch and Python write them): PROTO FRAME STOP MARK POP NONE NEWTRUE
 * NEWFALSE BININT BININT1 BININT2 LONG1 BINFLOAT BINUNICODE SHORT_BINUNICODE BINUNICODE8 BINBYTES
 * SHORT_BINBYTES BINBYTES8 EMPTY_TUPLE TUPLE TUPLE1 TUPLE2 TUPLE3 EMPTY_LIST APPEND APPENDS
 * EMPTY_DICT DICT SETITEM SETITEMS BINPUT LONG_BINPUT MEMOIZE BINGET LONG_BINGET GLOBAL
 * STACK_GLOBAL REDUCE BUILD BINPERSID. Everything else (protocol 0/1 text opcodes, INST, OBJ,
 * NEWOBJ, EXT*, sets, out-of-band buffers) is refused with 'bad-pickle'.
 *
 * The file sizes nothing: lengths are checked against the bytes present before anything is read,
 * and the stack, the marks, the memo, the number of objects and their nesting are bounded. No
 * function here walks a value recursively, so a deep or cyclic structure cannot exhaust the stack.
 */
import { WeightsError } from '../core/errors';

/** A tuple is a frozen array; a list is a mutable one; a dict is a Map (OrderedDict too). */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyDict | PyGlobal | PyRecord;
export type PyDict = Map<PyValue, PyValue>;

/** Something a caller's function built: a tensor, a storage reference. */
export interface PyRecord {
	readonly kind: string;
}

/** An allowed global. `call` is the caller's code for REDUCE; a global without it (a storage type,
 * say) may be named but not called. */
export class PyGlobal {
	constructor(
		readonly qualifiedName: string,
		readonly call?: (args: readonly PyValue[]) => PyValue
	) {}
}

export interface UnpickleOptions {
	/** Allowed globals by "module.name". Any other name is refused with 'forbidden-global'. */
	globals: ReadonlyMap<string, PyGlobal>;
	/** What BINPERSID's id stands for; without it a persistent id is refused. */
	persistentLoad?: (pid: PyValue) => PyValue;
	/** Said after the forbidden global's name, to tell the reader what to do instead. */
	forbiddenHint?: string;
	/** Tighter bounds than LIMITS (tests use them to reach each bound quickly). */
	limits?: Partial<Limits>;
}

export const LIMITS = {
	maxStack: 100_000,
	maxMarks: 1_000,
	maxMemo: 1_000_000,
	/** Tuples, lists, dicts, strings, bytes and records together. */
	maxObjects: 2_000_000,
	maxNesting: 100,
	maxGlobalName: 256
};
export type Limits = typeof LIMITS;

export function isTuple(v: PyValue): v is readonly PyValue[] & PyValue[] {
	return Array.isArray(v) && Object.isFrozen(v);
}

export function isList(v: PyValue): v is PyValue[] {
	return Array.isArray(v) && !Object.isFrozen(v);
}

export function isDict(v: PyValue): v is PyDict {
	return v instanceof Map;
}

/** What a value is, in a few words, for messages. */
export function describePy(v: PyValue): string {
	if (v === null) return 'None';
	if (typeof v === 'boolean') return v ? 'True' : 'False';
	if (typeof v === 'number' || typeof v === 'bigint') return `the number ${v}`;
	if (typeof v === 'string') return `the string ${quote(v)}`;
	if (v instanceof Uint8Array) return `${v.length} bytes`;
	if (isTuple(v)) return `a tuple of ${v.length}`;
	if (Array.isArray(v)) return `a list of ${v.length}`;
	if (v instanceof Map) return `a dict of ${v.size}`;
	if (v instanceof PyGlobal) return v.qualifiedName;
	return `a ${v.kind}`;
}

export function quote(text: string): string {
	return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function bad(message: string): never {
	throw new WeightsError('bad-pickle', message);
}

const OP = {
	MARK: 0x28, // (
	STOP: 0x2e, // .
	POP: 0x30, // 0
	BINFLOAT: 0x47, // G
	BININT: 0x4a, // J
	BININT1: 0x4b, // K
	BININT2: 0x4d, // M
	NONE: 0x4e, // N
	BINPERSID: 0x51, // Q
	REDUCE: 0x52, // R
	BINUNICODE: 0x58, // X
	EMPTY_LIST: 0x5d, // ]
	APPEND: 0x61, // a
	BUILD: 0x62, // b
	GLOBAL: 0x63, // c
	DICT: 0x64, // d
	APPENDS: 0x65, // e
	BINGET: 0x68, // h
	LONG_BINGET: 0x6a, // j
	BINPUT: 0x71, // q
	LONG_BINPUT: 0x72, // r
	SETITEM: 0x73, // s
	TUPLE: 0x74, // t
	SETITEMS: 0x75, // u
	EMPTY_DICT: 0x7d, // }
	EMPTY_TUPLE: 0x29, // )
	BINBYTES: 0x42, // B
	SHORT_BINBYTES: 0x43, // C
	PROTO: 0x80,
	TUPLE1: 0x85,
	TUPLE2: 0x86,
	TUPLE3: 0x87,
	NEWTRUE: 0x88,
	NEWFALSE: 0x89,
	LONG1: 0x8a,
	SHORT_BINUNICODE: 0x8c,
	BINUNICODE8: 0x8d,
	BINBYTES8: 0x8e,
	STACK_GLOBAL: 0x93,
	MEMOIZE: 0x94,
	FRAME: 0x95
} as const;

/** Opcodes a pickle may hold that this reader refuses, named in the message. */
const REFUSED_NAMES = new Map<number, string>([
	[0x49, 'INT'], [0x4c, 'LONG'], [0x46, 'FLOAT'], [0x53, 'STRING'], [0x55, 'SHORT_BINSTRING'], [0x54, 'BINSTRING'],
	[0x56, 'UNICODE'], [0x6c, 'LIST'], [0x32, 'DUP'], [0x31, 'POP_MARK'], [0x50, 'PERSID'], [0x67, 'GET'], [0x70, 'PUT'],
	[0x69, 'INST'], [0x6f, 'OBJ'], [0x81, 'NEWOBJ'], [0x92, 'NEWOBJ_EX'], [0x82, 'EXT1'], [0x83, 'EXT2'], [0x84, 'EXT4'],
	[0x8b, 'LONG4'], [0x8f, 'EMPTY_SET'], [0x90, 'ADDITEMS'], [0x91, 'FROZENSET'], [0x96, 'BYTEARRAY8'],
	[0x97, 'NEXT_BUFFER'], [0x98, 'READONLY_BUFFER']
]);
const EMPTY_TUPLE: PyValue[] = [];
Object.freeze(EMPTY_TUPLE);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PyValue {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const limits: Limits = { ...LIMITS, ...options.limits };
	const stack: PyValue[] = [];
	const marks: number[] = [];
	const memo = new Map<number, PyValue>();
	/** Nesting depth of each container, so a chain of TUPLE1s cannot grow without bound. */
	const depth = new WeakMap<object, number>();
	let objects = 0;
	let pos = 0;

	const need = (n: number, what: string) => {
		if (n > bytes.length - pos) bad(`${what} at byte ${pos} needs ${n} bytes, but only ${bytes.length - pos} remain`);
	};
	const counted = <T extends PyValue>(v: T): T => {
		if (++objects > limits.maxObjects) throw new WeightsError('too-large', `the pickle builds more than ${limits.maxObjects} objects`);
		return v;
	};
	const push = (v: PyValue) => {
		if (stack.length >= limits.maxStack) throw new WeightsError('too-large', `the pickle's stack grows past ${limits.maxStack} items`);
		stack.push(v);
	};
	const pop = (): PyValue => {
		const floor = marks.length > 0 ? marks[marks.length - 1] : 0;
		if (stack.length <= floor) bad(`the pickle pops an empty stack at byte ${pos}`);
		return stack.pop()!;
	};
	const top = (): PyValue => {
		const floor = marks.length > 0 ? marks[marks.length - 1] : 0;
		if (stack.length <= floor) bad(`the pickle reads an empty stack at byte ${pos}`);
		return stack[stack.length - 1];
	};
	const popMark = (): PyValue[] => {
		const mark = marks.pop();
		if (mark === undefined) bad(`the pickle closes a mark it never opened at byte ${pos}`);
		return stack.splice(mark);
	};
	const depthOf = (v: PyValue) => (typeof v === 'object' && v !== null ? (depth.get(v) ?? 0) : 0);
	/** Records a container's depth from its items; `into` grows when an item is added later. */
	const nest = (container: object, items: Iterable<PyValue>) => {
		let d = depth.get(container) ?? 1;
		for (const item of items) d = Math.max(d, depthOf(item) + 1);
		if (d > limits.maxNesting) throw new WeightsError('too-large', `the pickle nests containers more than ${limits.maxNesting} deep`);
		depth.set(container, d);
	};
	const tuple = (items: PyValue[]): PyValue => {
		if (items.length === 0) return EMPTY_TUPLE;
		const t = counted(Object.freeze(items) as PyValue[]);
		nest(t, items);
		return t;
	};
	const memoGet = (index: number) => {
		if (!memo.has(index)) bad(`the pickle reads memo slot ${index}, which was never written`);
		push(memo.get(index)!);
	};
	const memoPut = (index: number) => {
		if (!memo.has(index) && memo.size >= limits.maxMemo) throw new WeightsError('too-large', `the pickle memoizes more than ${limits.maxMemo} values`);
		memo.set(index, top());
	};
	const setItems = (dict: PyValue, items: PyValue[]) => {
		if (!isDict(dict)) bad(`SETITEM(S) on ${describePy(dict)}, not a dict`);
		if (items.length % 2 !== 0) bad('SETITEMS with an odd number of items');
		for (let i = 0; i < items.length; i += 2) {
			const key = items[i];
			if (Array.isArray(key) && !isTuple(key)) bad('a list as a dict key');
			if (key instanceof Map) bad('a dict as a dict key');
			dict.set(key, items[i + 1]);
		}
		nest(dict, items);
	};
	const appendItems = (list: PyValue, items: PyValue[]) => {
		if (!isList(list)) bad(`APPEND(S) on ${describePy(list)}, not a list`);
		for (const item of items) list.push(item);
		nest(list, items);
	};
	const text = (n: number, what: string) => {
		need(n, what);
		const bytesOfText = bytes.subarray(pos, pos + n);
		pos += n;
		try {
			return counted(utf8.decode(bytesOfText));
		} catch {
			bad(`${what} at byte ${pos - n} is not valid UTF-8`);
		}
	};
	const binary = (n: number, what: string) => {
		need(n, what);
		pos += n;
		return counted(bytes.slice(pos - n, pos));
	};
	/** A 64-bit length: only its low bits can matter, as need() bounds it by the bytes left. */
	const length8 = (what: string) => {
		need(8, what);
		const n = view.getBigUint64(pos, true);
		pos += 8;
		if (n > BigInt(bytes.length - pos)) bad(`${what} of ${n} bytes at byte ${pos - 8} runs past the end of the pickle`);
		return Number(n);
	};
	const line = (what: string) => {
		const end = bytes.subarray(pos, pos + limits.maxGlobalName + 1).indexOf(0x0a);
		if (end < 0) bad(`${what} at byte ${pos} has no end of line within ${limits.maxGlobalName} bytes`);
		const s = text(end, what);
		pos += 1;
		return s;
	};
	const resolve = (module: string, name: string): PyGlobal => {
		const qualified = `${module}.${name}`;
		const g = options.globals.get(qualified);
		if (g === undefined) {
			const hint = options.forbiddenHint ? `: ${options.forbiddenHint}` : '';
			throw new WeightsError('forbidden-global', `forbidden global ${quote(qualified)} in the pickle${hint}`);
		}
		return g;
	};

	while (true) {
		if (pos >= bytes.length) bad('the pickle ends without STOP');
		const at = pos;
		const op = bytes[pos++];
		switch (op) {
			case OP.PROTO: {
				need(1, 'PROTO');
				const version = bytes[pos++];
				if (version > 5) bad(`pickle protocol ${version} is newer than 5`);
				break;
			}
			case OP.FRAME:
				length8('FRAME'); // frames only group opcodes; the lengths inside are checked anyway
				break;
			case OP.STOP:
				if (marks.length > 0) bad('the pickle stops with a mark still open');
				return pop();
			case OP.MARK:
				if (marks.length >= limits.maxMarks) throw new WeightsError('too-large', `the pickle opens more than ${limits.maxMarks} marks`);
				marks.push(stack.length);
				break;
			case OP.POP:
				pop();
				break;
			case OP.NONE:
				push(null);
				break;
			case OP.NEWTRUE:
				push(true);
				break;
			case OP.NEWFALSE:
				push(false);
				break;
			case OP.BININT:
				need(4, 'BININT');
				push(view.getInt32(pos, true));
				pos += 4;
				break;
			case OP.BININT1:
				need(1, 'BININT1');
				push(bytes[pos++]);
				break;
			case OP.BININT2:
				need(2, 'BININT2');
				push(view.getUint16(pos, true));
				pos += 2;
				break;
			case OP.LONG1: {
				need(1, 'LONG1');
				const n = bytes[pos++];
				if (n > 8) bad(`LONG1 at byte ${at} holds a ${n}-byte integer; at most 8 are supported`);
				need(n, 'LONG1');
				push(littleEndianSigned(bytes.subarray(pos, pos + n)));
				pos += n;
				break;
			}
			case OP.BINFLOAT:
				need(8, 'BINFLOAT');
				push(view.getFloat64(pos, false)); // pickle's floats are big-endian
				pos += 8;
				break;
			case OP.SHORT_BINUNICODE:
				need(1, 'SHORT_BINUNICODE');
				push(text(bytes[pos++], 'SHORT_BINUNICODE'));
				break;
			case OP.BINUNICODE: {
				need(4, 'BINUNICODE');
				const n = view.getUint32(pos, true);
				pos += 4;
				push(text(n, 'BINUNICODE'));
				break;
			}
			case OP.BINUNICODE8:
				push(text(length8('BINUNICODE8'), 'BINUNICODE8'));
				break;
			case OP.SHORT_BINBYTES:
				need(1, 'SHORT_BINBYTES');
				push(binary(bytes[pos++], 'SHORT_BINBYTES'));
				break;
			case OP.BINBYTES: {
				need(4, 'BINBYTES');
				const n = view.getUint32(pos, true);
				pos += 4;
				push(binary(n, 'BINBYTES'));
				break;
			}
			case OP.BINBYTES8:
				push(binary(length8('BINBYTES8'), 'BINBYTES8'));
				break;
			case OP.EMPTY_TUPLE:
				push(EMPTY_TUPLE);
				break;
			case OP.TUPLE1:
				push(tuple([pop()]));
				break;
			case OP.TUPLE2: {
				const b = pop();
				push(tuple([pop(), b]));
				break;
			}
			case OP.TUPLE3: {
				const c = pop();
				const b = pop();
				push(tuple([pop(), b, c]));
				break;
			}
			case OP.TUPLE:
				push(tuple(popMark()));
				break;
			case OP.EMPTY_LIST:
				push(counted([]));
				break;
			case OP.APPEND: {
				const item = pop();
				appendItems(top(), [item]);
				break;
			}
			case OP.APPENDS: {
				const items = popMark();
				appendItems(top(), items);
				break;
			}
			case OP.EMPTY_DICT:
				push(counted(new Map()));
				break;
			case OP.DICT: {
				const dict = counted(new Map<PyValue, PyValue>());
				setItems(dict, popMark());
				push(dict);
				break;
			}
			case OP.SETITEM: {
				const value = pop();
				const key = pop();
				setItems(top(), [key, value]);
				break;
			}
			case OP.SETITEMS: {
				const items = popMark();
				setItems(top(), items);
				break;
			}
			case OP.BINPUT:
				need(1, 'BINPUT');
				memoPut(bytes[pos++]);
				break;
			case OP.LONG_BINPUT:
				need(4, 'LONG_BINPUT');
				memoPut(view.getUint32(pos, true));
				pos += 4;
				break;
			case OP.MEMOIZE:
				memoPut(memo.size);
				break;
			case OP.BINGET:
				need(1, 'BINGET');
				memoGet(bytes[pos++]);
				break;
			case OP.LONG_BINGET:
				need(4, 'LONG_BINGET');
				memoGet(view.getUint32(pos, true));
				pos += 4;
				break;
			case OP.GLOBAL: {
				const module = line('GLOBAL');
				push(resolve(module, line('GLOBAL')));
				break;
			}
			case OP.STACK_GLOBAL: {
				const name = pop();
				const module = pop();
				if (typeof module !== 'string' || typeof name !== 'string') bad(`STACK_GLOBAL at byte ${at} needs two strings`);
				push(resolve(module, name));
				break;
			}
			case OP.REDUCE: {
				const args = pop();
				const callable = pop();
				if (!(callable instanceof PyGlobal) || !callable.call) bad(`REDUCE at byte ${at} calls ${describePy(callable)}, which is not callable here`);
				if (!isTuple(args)) bad(`REDUCE at byte ${at} passes ${describePy(args)} as arguments, not a tuple`);
				const result = callable.call(args);
				if (typeof result === 'object' && result !== null) counted(result);
				push(result);
				break;
			}
			case OP.BUILD: {
				// Only the attribute dict OrderedDict carries (a state dict's `_metadata`), which is dropped:
				// attributes are not items, and applying state is how pickles run code.
				const state = pop();
				const target = top();
				const stateOk = isDict(state) || (isTuple(state) && state.length === 2 && state.every((s) => s === null || isDict(s)));
				if (!isDict(target) || !stateOk) bad(`BUILD at byte ${at} sets ${describePy(state)} on ${describePy(target)}`);
				break;
			}
			case OP.BINPERSID: {
				const pid = pop();
				if (!options.persistentLoad) bad(`the pickle refers to outside data (BINPERSID at byte ${at})`);
				push(options.persistentLoad(pid));
				break;
			}
			default: {
				const hex = `0x${op.toString(16).padStart(2, '0')}`;
				const name = REFUSED_NAMES.get(op);
				bad(name ? `pickle opcode ${name} (${hex}) at byte ${at} is not accepted in a state dict` : `unknown pickle opcode ${hex} at byte ${at}`);
			}
		}
	}
}

/** Two's complement, little-endian, up to 8 bytes: a number when exact, a bigint otherwise. */
function littleEndianSigned(raw: Uint8Array): number | bigint {
	if (raw.length === 0) return 0;
	let v = 0n;
	for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
	if (raw[raw.length - 1] & 0x80) v -= 1n << BigInt(8 * raw.length);
	return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
