/**
 * Reading the weights out of a PyTorch checkpoint (`.pth`, `.pth.tar`, `.pt`) as `torch.save`
 * writes it since 1.6: a zip archive (read by ./zip) holding `<folder>/data.pkl`, a pickle of the
 * object saved (read by ./pickle, which executes nothing), and one entry `<folder>/data/<key>` of
 * raw little-endian bytes per storage the pickle points to by persistent id.
 *
 * Only what a state dict needs is allowed: dicts and OrderedDicts, tensors and parameters
 * (`torch._utils._rebuild_tensor_v2`, `_rebuild_tensor`, `_rebuild_parameter`,
 * `_rebuild_parameter_with_state`) and the storage types. Anything else — a whole pickled
 * `nn.Module`, `argparse.Namespace`, numpy scalars, `os.system` — is refused by name, as
 * `torch.load(..., weights_only=True)` refuses it.
 *
 * The state dict is taken from the top level, or from a training checkpoint's `state_dict`,
 * `model_state_dict` or `model`; a `module.` prefix (DataParallel) is stripped when every key has
 * it. Float tensors (float32, float16, bfloat16, float64) become float32; integer and bool tensors
 * (BatchNorm's `num_batches_tracked`) are listed in `ignored`. Strided views are gathered.
 *
 * Sizes from the file are checked against the bytes present before anything is allocated: a
 * tensor must lie inside its storage, a storage must match its zip entry, and the float32 output
 * is capped at twice the file's size (a float16 file doubles), so reading needs at most about
 * three times the file in memory.
 */
import { WeightsError } from '../core/errors';
import type { Tensor } from '../core/tensor';
import { describePy, isDict, isTuple, PyGlobal, quote, unpickle, type PyDict, type PyRecord, type PyValue } from './pickle';
import { halfToFloat } from './safetensors';
import { sniffWeightsFormat } from './sniff';
import { readZip, type ZipArchive, type ZipEntry } from './zip';

export interface TorchCheckpoint {
	tensors: Map<string, Tensor>;
	/** Integer and bool tensors, which are valid but are not weights (BatchNorm's counters). */
	ignored: string[];
	/** Where the state dict was: "top level", or the key of the training checkpoint that held it. */
	found: string;
}

export const MAX_DIMS = 8;
/** Keys of a training checkpoint that hold the model's state dict, in the order they are tried. */
export const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model'] as const;
const DATA_PARALLEL_PREFIX = 'module.';

type Dtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
const FLOAT_DTYPES: ReadonlySet<Dtype> = new Set(['float32', 'float16', 'bfloat16', 'float64']);

class StorageType extends PyGlobal {
	constructor(
		qualifiedName: string,
		readonly dtype: Dtype,
		readonly itemsize: number
	) {
		super(qualifiedName);
	}
}

interface StorageRef extends PyRecord {
	readonly kind: 'storage';
	readonly key: string;
	readonly type: StorageType;
	readonly numel: number;
	readonly entry: ZipEntry;
}

interface TensorRecord extends PyRecord {
	readonly kind: 'tensor';
	readonly storage: StorageRef;
	readonly offset: number;
	readonly shape: readonly number[];
	readonly stride: readonly number[];
	readonly numel: number;
}

const STORAGE_TYPES: readonly StorageType[] = [
	new StorageType('torch.FloatStorage', 'float32', 4),
	new StorageType('torch.HalfStorage', 'float16', 2),
	new StorageType('torch.BFloat16Storage', 'bfloat16', 2),
	new StorageType('torch.DoubleStorage', 'float64', 8),
	new StorageType('torch.LongStorage', 'int64', 8),
	new StorageType('torch.IntStorage', 'int32', 4),
	new StorageType('torch.ShortStorage', 'int16', 2),
	new StorageType('torch.CharStorage', 'int8', 1),
	new StorageType('torch.ByteStorage', 'uint8', 1),
	new StorageType('torch.BoolStorage', 'bool', 1),
	// Untyped storages count bytes; a tensor over one is read as uint8, i.e. ignored.
	new StorageType('torch.UntypedStorage', 'uint8', 1),
	new StorageType('torch.storage.UntypedStorage', 'uint8', 1)
];

const FORBIDDEN_HINT =
	'only tensors in dicts and lists can be read, and nothing in the file is ever run; ' +
	'if it holds a whole model (torch.save(model)), save model.state_dict() instead';

function isRecord(v: PyValue, kind: string): boolean {
	return typeof v === 'object' && v !== null && 'kind' in v && (v as PyRecord).kind === kind;
}
const isTensor = (v: PyValue): v is TensorRecord => isRecord(v, 'tensor');
const isStorage = (v: PyValue): v is StorageRef => isRecord(v, 'storage');

function bad(message: string): never {
	throw new WeightsError('bad-pickle', message);
}

function nonNegativeInteger(v: PyValue, what: string): number {
	if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`${what} is ${describePy(v)}, not a non-negative integer`);
	return v;
}

function integerTuple(v: PyValue, what: string): number[] {
	if (!isTuple(v)) bad(`${what} is ${describePy(v)}, not a tuple`);
	if (v.length > MAX_DIMS) bad(`${what} has ${v.length} dimensions; at most ${MAX_DIMS} are supported`);
	return v.map((d, i) => nonNegativeInteger(d, `${what}[${i}]`));
}

// ---------------------------------------------------------------------------------------------

export function readTorchCheckpoint(bytes: Uint8Array): TorchCheckpoint {
	const format = sniffWeightsFormat(bytes);
	if (format === 'pytorch-legacy') {
		throw new WeightsError(
			'legacy-pytorch-format',
			'This checkpoint is in the pre-1.6 PyTorch format; re-save it with PyTorch 1.6 or newer, torch.save(torch.load(f), g), and load the new file.'
		);
	}
	if (format !== 'pytorch-zip') {
		const what = format === 'unknown' ? 'it does not start like a zip archive' : `it looks like ${format === 'onnx' ? 'an ONNX model' : 'a safetensors file'}`;
		throw new WeightsError('bad-zip', `not a PyTorch checkpoint: torch.save writes zip archives, and ${what}`);
	}
	const archive = readZip(bytes);
	const prefix = findPrefix(archive);
	checkByteOrder(archive, prefix);

	const storages = new Map<string, StorageRef>();
	const globals = new Map<string, PyGlobal>(STORAGE_TYPES.map((t) => [t.qualifiedName, t]));
	const storageBytesOf = (t: TensorRecord) => t.numel * t.storage.type.itemsize;
	const rebuildTensor = (args: readonly PyValue[], name: string): TensorRecord => {
		const [storage, offsetValue, sizeValue, strideValue] = args;
		if (!isStorage(storage)) bad(`${name}'s storage is ${describePy(storage)}`);
		const offset = nonNegativeInteger(offsetValue, `${name}'s storage offset`);
		const shape = integerTuple(sizeValue, `${name}'s size`);
		const stride = integerTuple(strideValue, `${name}'s stride`);
		if (stride.length !== shape.length) bad(`${name} has ${shape.length} sizes but ${stride.length} strides`);
		const numel = shape.reduce((n, d) => n * d, 1);
		const record: TensorRecord = { kind: 'tensor', storage, offset, shape, stride, numel };
		// The last element a view touches must exist, and the view can hold no more than its storage.
		const last = shape.reduce((at, d, i) => at + (d - 1) * stride[i], offset);
		if (numel > 0 && (last >= storage.numel || storageBytesOf(record) > storage.entry.size)) {
			throw new WeightsError(
				'bad-offsets',
				`a tensor of shape [${shape.join(', ')}] (stride [${stride.join(', ')}], offset ${offset}) does not fit in its ${storage.numel}-element storage ${quote(storage.key)}`
			);
		}
		if (numel === 0 && offset > storage.numel) throw new WeightsError('bad-offsets', `an empty tensor starts past the end of its storage ${quote(storage.key)}`);
		return record;
	};
	const call = (name: string, arities: readonly number[], fn: (args: readonly PyValue[]) => PyValue) =>
		globals.set(
			name,
			new PyGlobal(name, (args) => {
				if (!arities.includes(args.length)) bad(`${name} called with ${args.length} arguments`);
				return fn(args);
			})
		);
	call('collections.OrderedDict', [0], () => new Map());
	call('torch._utils._rebuild_tensor_v2', [6, 7], (a) => rebuildTensor(a, 'a tensor'));
	call('torch._utils._rebuild_tensor', [4], (a) => rebuildTensor(a, 'a tensor'));
	const parameter = (a: readonly PyValue[]) => {
		if (!isTensor(a[0])) bad(`a parameter wraps ${describePy(a[0])}, not a tensor`);
		return a[0];
	};
	call('torch._utils._rebuild_parameter', [3], parameter);
	call('torch._utils._rebuild_parameter_with_state', [4], parameter);

	const persistentLoad = (pid: PyValue): StorageRef => {
		// ('storage', storage type, key, location, numel), as torch.serialization writes it.
		if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage') bad(`a persistent id is ${describePy(pid)}, not a storage`);
		const [, type, key, location] = pid;
		if (!(type instanceof StorageType)) bad(`a storage's type is ${describePy(type)}`);
		if (typeof key !== 'string' || typeof location !== 'string') bad('a storage key or location is not a string');
		const numel = nonNegativeInteger(pid[4], `storage ${quote(key)}'s size`);
		const seen = storages.get(key);
		if (seen) {
			if (seen.type !== type || seen.numel !== numel) bad(`storage ${quote(key)} is described two different ways`);
			return seen;
		}
		const entry = archive.get(`${prefix}data/${key}`);
		if (!entry) throw new WeightsError('bad-zip', `storage ${quote(key)} has no entry ${quote(`${prefix}data/${key}`)} in the archive`);
		if (numel * type.itemsize !== entry.size) {
			throw new WeightsError('bad-offsets', `storage ${quote(key)} should hold ${numel} × ${type.itemsize} bytes, but its entry has ${entry.size}`);
		}
		const ref: StorageRef = { kind: 'storage', key, type, numel, entry };
		storages.set(key, ref);
		return ref;
	};

	const pickleEntry = archive.get(`${prefix}data.pkl`)!;
	const root = unpickle(archive.read(pickleEntry), { globals, persistentLoad, forbiddenHint: FORBIDDEN_HINT });
	const { dict, found } = findStateDict(root);

	const names = [...dict.keys()] as string[];
	const strip = names.length > 0 && names.every((n) => n.startsWith(DATA_PARALLEL_PREFIX));
	const outputLimit = 2 * bytes.length;
	let outputBytes = 0;
	const tensors = new Map<string, Tensor>();
	const ignored: string[] = [];
	for (const [key, value] of dict) {
		const name = strip ? (key as string).slice(DATA_PARALLEL_PREFIX.length) : (key as string);
		const t = value as TensorRecord;
		if (!FLOAT_DTYPES.has(t.storage.type.dtype)) {
			ignored.push(name);
			continue;
		}
		outputBytes += 4 * t.numel;
		if (outputBytes > outputLimit) {
			throw new WeightsError('too-large', `the tensors would take more than twice the file's ${bytes.length} bytes as float32 (views sharing storage?)`);
		}
		if (tensors.has(name)) bad(`two tensors are named ${quote(name)}`);
		tensors.set(name, { shape: [...t.shape], data: gather(t, archive.read(t.storage.entry)) });
	}
	return { tensors, ignored, found };
}

/** The folder holding data.pkl: torch names it after the file, so any single top folder will do. */
function findPrefix(archive: ZipArchive): string {
	const pickles = archive.entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
	if (pickles.length === 0) throw new WeightsError('bad-zip', 'the zip archive holds no <folder>/data.pkl, so torch.save did not write it');
	if (pickles.length > 1) throw new WeightsError('bad-zip', `the zip archive holds ${pickles.length} data.pkl files; torch.save writes one`);
	const prefix = pickles[0].name.slice(0, -'data.pkl'.length);
	if (archive.get(`${prefix}constants.pkl`) || archive.entries.some((e) => e.name.startsWith(`${prefix}code/`))) {
		throw new WeightsError(
			'no-state-dict',
			'this is a TorchScript archive (torch.jit.save), which holds code; save the weights with torch.save(model.state_dict(), f) instead'
		);
	}
	return prefix;
}

/** torch ≥ 2.1 records the byte order of the machine that saved; older files are little-endian. */
function checkByteOrder(archive: ZipArchive, prefix: string): void {
	const entry = archive.get(`${prefix}byteorder`);
	if (!entry) return;
	const order = new TextDecoder().decode(archive.read(entry));
	if (order === 'little') return;
	if (order === 'big') {
		throw new WeightsError('big-endian', 'the checkpoint was saved on a big-endian machine; load it in PyTorch on this kind of machine and save it again');
	}
	throw new WeightsError('bad-zip', `the byteorder entry says ${quote(order)}, not "little" or "big"`);
}

/** A plain boolean, not a type guard: a dict that fails it is still a dict. */
function isStateDict(v: PyValue | undefined): boolean {
	if (v === undefined || !isDict(v)) return false;
	for (const [key, value] of v) if (typeof key !== 'string' || !isTensor(value)) return false;
	return true;
}

function findStateDict(root: PyValue): { dict: PyDict; found: string } {
	if (!isDict(root)) throw new WeightsError('no-state-dict', `the checkpoint holds ${describePy(root)}, not a state dict (a dict of tensors)`);
	if (isStateDict(root)) return { dict: root, found: 'top level' };
	for (const key of STATE_DICT_KEYS) {
		const inner = root.get(key);
		if (isStateDict(inner)) return { dict: inner as PyDict, found: key };
	}
	const keys = [...root.keys()].slice(0, 8).map((k) => (typeof k === 'string' ? quote(k) : describePy(k)));
	throw new WeightsError(
		'no-state-dict',
		`no state dict in the checkpoint: its top level is a dict with keys ${keys.join(', ')}${root.size > 8 ? ', …' : ''}, ` +
			`and none of ${STATE_DICT_KEYS.join(', ')} holds a dict of tensors`
	);
}

// ---------------------------------------------------------------------------------------------
// Decoding: storage bytes to float32, following the view's offset and strides.

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

function elementReader(dtype: Dtype, view: DataView): (index: number) => number {
	switch (dtype) {
		case 'float32':
			return (i) => view.getFloat32(i * 4, true);
		case 'float16':
			return (i) => halfToFloat(view.getUint16(i * 2, true));
		case 'bfloat16':
			// bfloat16 is the top half of a float32's bits.
			return (i) => {
				scratchBits[0] = view.getUint16(i * 2, true) << 16;
				return scratch[0];
			};
		case 'float64':
			return (i) => view.getFloat64(i * 8, true); // rounded once, on store, as tensor.float() does
		default:
			throw new WeightsError('unknown-dtype', `cannot decode ${dtype} as float`);
	}
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
	let expected = 1;
	for (let d = shape.length - 1; d >= 0; d--) {
		if (shape[d] !== 1 && stride[d] !== expected) return false;
		expected *= shape[d];
	}
	return true;
}

function gather(t: TensorRecord, raw: Uint8Array): Float32Array {
	const { shape, stride, offset, numel } = t;
	if (t.storage.type.dtype === 'float32' && HOST_IS_LITTLE_ENDIAN && isContiguous(shape, stride)) {
		// One copy into a fresh buffer: aligned, and it no longer keeps the whole file alive.
		return new Float32Array(raw.slice(offset * 4, (offset + numel) * 4).buffer);
	}
	const out = new Float32Array(numel);
	if (numel === 0) return out;
	const read = elementReader(t.storage.type.dtype, new DataView(raw.buffer, raw.byteOffset, raw.byteLength));
	if (isContiguous(shape, stride)) {
		for (let i = 0; i < numel; i++) out[i] = read(offset + i);
		return out;
	}
	// An odometer over the indices, last dimension fastest; `at` is the storage element under it.
	const dims = shape.length;
	const counter = new Array<number>(dims).fill(0);
	let at = offset;
	for (let i = 0; i < numel; i++) {
		out[i] = read(at);
		for (let d = dims - 1; d >= 0; d--) {
			if (++counter[d] < shape[d]) {
				at += stride[d];
				break;
			}
			at -= stride[d] * (shape[d] - 1);
			counter[d] = 0;
		}
	}
	return out;
}
