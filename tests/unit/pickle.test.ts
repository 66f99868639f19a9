import { describe, expect, it } from 'vitest';
import { WeightsError, type WeightsErrorCode } from '../../src/lib/core/errors';
import { isList, isTuple, LIMITS, PyGlobal, unpickle, type PyValue } from '../../src/lib/io/pickle';
import { P, pickle } from '../fixtures/pytorch/build';

const point = new PyGlobal('geometry.point', (args) => ({ kind: 'point', args }) as unknown as PyValue);
const GLOBALS = new Map([
	['geometry.point', point],
	['geometry.origin', new PyGlobal('geometry.origin')]
]);
const load = (...ops: number[][]) => unpickle(pickle(P.proto(2), ...ops, P.stop), { globals: GLOBALS });

function expectError(code: WeightsErrorCode, message: RegExp, run: () => unknown) {
	let thrown: unknown;
	try {
		run();
	} catch (e) {
		thrown = e;
	}
	expect(thrown, `expected ${code}`).toBeInstanceOf(WeightsError);
	expect((thrown as WeightsError).code).toBe(code);
	expect((thrown as Error).message).toMatch(message);
}

describe('unpickle: every accepted opcode', () => {
	it('constants and integers', () => {
		expect(load(P.none)).toBe(null);
		expect(load(P.true)).toBe(true);
		expect(load(P.false)).toBe(false);
		expect(load(P.binint1(200))).toBe(200);
		expect(load(P.binint2(60000))).toBe(60000);
		expect(load(P.binint(-5))).toBe(-5);
		expect(load(P.binint(2 ** 31 - 1))).toBe(2 ** 31 - 1);
		expect(load(P.long1([]))).toBe(0);
		expect(load(P.long1([0xff]))).toBe(-1);
		expect(load(P.long1([0x00, 0x01]))).toBe(256);
		expect(load(P.long1([0, 0, 0, 0, 0, 1]))).toBe(2 ** 40);
		expect(load(P.long1([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toBe(2n ** 63n - 1n);
		expect(load(P.long1([0, 0, 0, 0, 0, 0, 0, 0x80]))).toBe(-(2n ** 63n));
	});

	it('floats (big-endian in pickles)', () => {
		expect(load(P.binfloat(0.1))).toBe(0.1);
		expect(load(P.binfloat(-1e300))).toBe(-1e300);
	});

	it('strings and bytes in every length form', () => {
		expect(load(P.str('weight'))).toBe('weight');
		expect(load(P.shortStr('bias'))).toBe('bias');
		expect(load(P.str8('conv.ŵ'))).toBe('conv.ŵ');
		expect(load(P.bytes([1, 2]))).toEqual(Uint8Array.from([1, 2]));
		expect(load(P.shortBytes([3]))).toEqual(Uint8Array.from([3]));
		expect(load(P.bytes8([4, 5, 6]))).toEqual(Uint8Array.from([4, 5, 6]));
	});

	it('tuples: empty, 1, 2, 3 and MARK … TUPLE', () => {
		const t = load(P.mark, P.binint1(1), P.binint1(2), P.binint1(3), P.binint1(4), P.tuple) as PyValue[];
		expect(t).toEqual([1, 2, 3, 4]);
		expect(isTuple(t)).toBe(true);
		expect(load(P.emptyTuple)).toEqual([]);
		expect(load(P.binint1(1), P.tuple1)).toEqual([1]);
		expect(load(P.binint1(1), P.binint1(2), P.tuple2)).toEqual([1, 2]);
		expect(load(P.binint1(1), P.binint1(2), P.binint1(3), P.tuple3)).toEqual([1, 2, 3]);
	});

	it('lists: EMPTY_LIST, APPEND, APPENDS', () => {
		const l = load(P.emptyList, P.binint1(1), P.append, P.mark, P.binint1(2), P.none, P.appends) as PyValue[];
		expect(l).toEqual([1, 2, null]);
		expect(isList(l)).toBe(true);
	});

	it('dicts: EMPTY_DICT, SETITEM, SETITEMS, MARK … DICT', () => {
		const d = load(P.emptyDict, P.str('a'), P.binint1(1), P.setitem, P.mark, P.binint1(7), P.str('seven'), P.setitems);
		expect(d).toEqual(new Map<PyValue, PyValue>([['a', 1], [7, 'seven']]));
		expect(load(P.mark, P.str('k'), P.none, P.dict)).toEqual(new Map([['k', null]]));
	});

	it('the memo: BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET share one object', () => {
		const shared = load(P.emptyList, P.binput(3), P.longBinput(70000), P.memoize, P.binget(3), P.longBinget(70000), P.longBinget(2), P.tuple3) as PyValue[][];
		expect(shared[0]).toBe(shared[1]);
		expect(shared[1]).toBe(shared[2]);
	});

	it('PROTO 2 to 5, FRAME and POP', () => {
		for (const v of [2, 3, 4, 5]) expect(unpickle(pickle(P.proto(v), P.frame(3), P.binint1(9), P.stop), { globals: GLOBALS })).toBe(9);
		expect(load(P.binint1(1), P.binint1(2), P.pop)).toBe(1);
	});

	it('GLOBAL and STACK_GLOBAL of allowed names; REDUCE calls the caller’s function', () => {
		expect(load(P.global('geometry', 'origin'))).toBe(GLOBALS.get('geometry.origin'));
		expect(load(P.shortStr('geometry'), P.shortStr('origin'), P.stackGlobal)).toBe(GLOBALS.get('geometry.origin'));
		expect(load(P.global('geometry', 'point'), P.binint1(1), P.binint1(2), P.tuple2, P.reduce)).toEqual({ kind: 'point', args: [1, 2] });
	});

	it('BUILD with a dict state on a dict, as a state dict’s _metadata, leaves the items alone', () => {
		const d = load(P.emptyDict, P.str('w'), P.none, P.setitem, P.emptyDict, P.str('_metadata'), P.emptyDict, P.setitem, P.build);
		expect(d).toEqual(new Map([['w', null]]));
	});

	it('BINPERSID goes to persistentLoad', () => {
		const out = unpickle(pickle(P.proto(2), P.str('key'), P.binpersid, P.stop), { globals: GLOBALS, persistentLoad: (pid) => `loaded ${pid}` });
		expect(out).toBe('loaded key');
		expectError('bad-pickle', /outside data/, () => load(P.str('key'), P.binpersid));
	});
});

describe('unpickle: what it refuses', () => {
	const forbidden: [string, string][] = [
		['os', 'system'],
		['posix', 'system'],
		['builtins', 'eval'],
		['builtins', 'exec'],
		['__builtin__', 'eval'],
		['subprocess', 'Popen'],
		['torch', 'load'],
		['builtins', 'getattr'],
		['geometry', 'pointy']
	];
	it.each(forbidden)('the global %s.%s, by name, as soon as it is named', (module, name) => {
		const call = [P.global(module, name), P.str('touch /tmp/pwned'), P.tuple1, P.reduce];
		expectError('forbidden-global', new RegExp(`forbidden global "${module}\\.${name}" in the pickle`), () => load(...call));
		// Never called: a bare reference is refused too, and STACK_GLOBAL is no way around it.
		expectError('forbidden-global', /forbidden global/, () => load(P.global(module, name), P.pop, P.none));
		expectError('forbidden-global', /forbidden global/, () => load(P.shortStr(module), P.shortStr(name), P.stackGlobal));
	});

	it('a forbidden global deep inside nested containers', () => {
		expectError('forbidden-global', /"os\.system"/, () =>
			load(P.emptyDict, P.str('a'), P.emptyDict, P.str('b'), P.emptyList, P.global('os', 'system'), P.append, P.setitem, P.setitem)
		);
	});

	it('adds the caller’s hint to the message', () => {
		expectError('forbidden-global', /: save the state dict$/, () =>
			unpickle(pickle(P.proto(2), P.global('os', 'system'), P.stop), { globals: GLOBALS, forbiddenHint: 'save the state dict' })
		);
	});

	it('calling an allowed global that is not callable', () => {
		expectError('bad-pickle', /not callable/, () => load(P.global('geometry', 'origin'), P.emptyTuple, P.reduce));
		expectError('bad-pickle', /not callable/, () => load(P.str('os.system'), P.emptyTuple, P.reduce));
		expectError('bad-pickle', /not a tuple/, () => load(P.global('geometry', 'point'), P.emptyList, P.reduce));
	});

	it('BUILD on anything but a dict', () => {
		expectError('bad-pickle', /BUILD/, () => load(P.global('geometry', 'point'), P.emptyTuple, P.reduce, P.emptyDict, P.build));
		expectError('bad-pickle', /BUILD/, () => load(P.emptyDict, P.str('state'), P.build));
	});

	it('opcodes a state dict never needs', () => {
		const refused: [number, RegExp][] = [
			[0x81, /NEWOBJ/],
			[0x69, /INST/],
			[0x6f, /OBJ/],
			[0x82, /EXT1/],
			[0x53, /STRING/],
			[0x8f, /EMPTY_SET/],
			[0x97, /NEXT_BUFFER/],
			[0xff, /unknown pickle opcode 0xff/]
		];
		for (const [op, message] of refused) expectError('bad-pickle', message, () => load([op]));
	});

	it('a protocol newer than 5', () => {
		expectError('bad-pickle', /protocol 6/, () => unpickle(pickle(P.proto(6), P.none, P.stop), { globals: GLOBALS }));
	});

	it('lengths beyond the bytes present, before reading them', () => {
		expectError('bad-pickle', /BINUNICODE at byte 7 needs 4294967295 bytes, but only 0 remain/, () => unpickle(pickle(P.proto(2), [0x58, 0xff, 0xff, 0xff, 0xff]), { globals: GLOBALS }));
		expectError('bad-pickle', /BINUNICODE8 of 18446744073709551615 bytes/, () =>
			unpickle(pickle(P.proto(2), [0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), { globals: GLOBALS })
		);
		expectError('bad-pickle', /BINBYTES/, () => unpickle(pickle(P.proto(2), [0x42, 10, 0, 0, 0, 1, 2]), { globals: GLOBALS }));
		expectError('bad-pickle', /FRAME/, () => unpickle(pickle(P.proto(4), [0x95, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), { globals: GLOBALS }));
		expectError('bad-pickle', /LONG1 at byte 2 holds a 9-byte integer/, () => load(P.long1([1, 2, 3, 4, 5, 6, 7, 8, 9])));
		expectError('bad-pickle', /no end of line/, () => load([0x63, ...new Array(300).fill(0x61)]));
	});

	it('malformed programs', () => {
		expectError('bad-pickle', /ends without STOP/, () => unpickle(pickle(P.proto(2), P.none), { globals: GLOBALS }));
		expectError('bad-pickle', /empty stack/, () => load(P.stop));
		expectError('bad-pickle', /empty stack/, () => load(P.none, P.mark, P.tuple1));
		expectError('bad-pickle', /never opened/, () => load(P.tuple));
		expectError('bad-pickle', /mark still open/, () => load(P.none, P.mark));
		expectError('bad-pickle', /never written/, () => load(P.binget(4)));
		expectError('bad-pickle', /not a dict/, () => load(P.emptyList, P.none, P.none, P.setitem));
		expectError('bad-pickle', /not a list/, () => load(P.emptyTuple, P.none, P.append));
		expectError('bad-pickle', /odd number/, () => load(P.emptyDict, P.mark, P.none, P.setitems));
		expectError('bad-pickle', /a list as a dict key/, () => load(P.emptyDict, P.emptyList, P.none, P.setitem));
		expectError('bad-pickle', /not valid UTF-8/, () => load([0x8c, 2, 0xc3, 0x28]));
		expectError('bad-pickle', /two strings/, () => load(P.binint1(1), P.shortStr('x'), P.stackGlobal));
	});
});

describe('unpickle: bounds on what a file can make it build', () => {
	const run = (bytes: Uint8Array, limits = {}) => unpickle(bytes, { globals: GLOBALS, limits });
	/** A pickle from a head, `count` copies of a body, and a tail, built without spreading huge arrays. */
	function repeat(head: number[], body: number[], count: number, tail: number[] = [...P.stop]) {
		const out = new Uint8Array(2 + head.length + body.length * count + tail.length);
		out.set([...P.proto(2), ...head]);
		for (let i = 0, at = 2 + head.length; i < count; i++, at += body.length) out.set(body, at);
		out.set(tail, out.length - tail.length);
		return out;
	}

	it('nesting: a chain of TUPLE1s', () => {
		expectError('too-large', /nests containers more than 100 deep/, () => run(repeat(P.none, P.tuple1, LIMITS.maxNesting + 1)));
		expect(() => run(repeat(P.none, P.tuple1, LIMITS.maxNesting))).not.toThrow();
	});

	it('nesting: a list appended to itself (a cycle) stops growing', () => {
		expectError('too-large', /nests/, () => run(repeat([...P.emptyList, ...P.binput(0)], [...P.binget(0), ...P.append], LIMITS.maxNesting + 1)));
	});

	it('marks', () => {
		expectError('too-large', /opens more than 1000 marks/, () => run(repeat([], P.mark, LIMITS.maxMarks + 1)));
	});

	it('the stack', () => {
		expectError('too-large', /stack grows past 100000 items/, () => run(repeat([], P.none, LIMITS.maxStack + 1)));
		expect(run(repeat([], P.none, LIMITS.maxStack))).toBe(null);
	});

	it('objects, counted even when they leave the stack', () => {
		// Empty lists appended to one list stay alive without growing the stack: the count must stop them.
		const bytes = repeat([...P.emptyList], [...P.emptyList, ...P.append], 1000);
		expectError('too-large', /more than 500 objects/, () => run(bytes, { maxObjects: 500 }));
		expect(() => run(bytes, { maxObjects: 1001 })).not.toThrow();
		expect(LIMITS.maxObjects).toBeLessThanOrEqual(2_000_000);
	});

	it('the memo', () => {
		const bytes = repeat([...P.none], [...P.memoize], 1000);
		expectError('too-large', /memoizes more than 999 values/, () => run(bytes, { maxMemo: 999 }));
		expect(() => run(bytes, { maxMemo: 1000 })).not.toThrow();
		// Writing the same slot again does not count twice.
		expect(() => run(repeat([...P.none], [...P.binput(7)], 1000), { maxMemo: 1 })).not.toThrow();
	});
});
