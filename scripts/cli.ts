/**
 * Shared bits of the command-line tools: options parsed by `node:util`'s `parseArgs`, input files
 * read safely, every untrusted string escaped before it reaches the terminal, and one clear
 * `error: …` line on failure — never a stack trace, and output drained before the exit code is set.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { parseArgs as parseNodeArgs } from 'node:util';
import { WeightsError } from '../src/lib/core/errors';
import { printable } from '../src/lib/core/printable';
import type { OnnxRunner } from '../src/lib/fuse-file';
import type { MobileOneSpec } from '../src/lib/mobileone/spec';

export { formatBytes, formatInt } from '../src/lib/format';

export class UsageError extends Error {}

/** A pipe closed by the reader (`… | head`) is not an error: stop writing and exit quietly. */
function quietOnBrokenPipe(stream: NodeJS.WriteStream): void {
	stream.on('error', (e: NodeJS.ErrnoException) => {
		if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
		throw e;
	});
}

/** One line, with anything from a file escaped: `error: …`. */
export function errorLine(message: string): string {
	return `error: ${printable(message, 400)}`;
}

/**
 * Runs a tool's body and turns any failure into one `error: …` line (exit 1), or for a usage error
 * one line pointing at `--help` (exit 2). The usage text goes to stdout on `--help` only.
 */
export async function runCli(usage: string, body: (argv: string[]) => Promise<void> | void): Promise<void> {
	quietOnBrokenPipe(process.stdout);
	quietOnBrokenPipe(process.stderr);
	const argv = process.argv.slice(2);
	if (argv.includes('--help') || argv.includes('-h')) {
		console.log(usage);
		return;
	}
	try {
		await body(argv);
	} catch (e) {
		// process.exitCode rather than process.exit(): stderr on a pipe is asynchronous, and exiting at
		// once would cut a long message short.
		if (e instanceof UsageError) {
			console.error(errorLine(`${e.message} (--help shows the usage)`));
			process.exitCode = 2;
			return;
		}
		const err = e as NodeJS.ErrnoException;
		const msg =
			e instanceof WeightsError
				? `${e.message} (${e.code})`
				: err.code === 'ENOENT'
					? `no such file: ${err.path}`
					: err.code === 'EISDIR'
						? `${err.path} is a directory`
						: (err.message ?? String(e));
		console.error(errorLine(msg));
		process.exitCode = 1;
	}
}

/**
 * `--name value` options and positional arguments, parsed by `node:util`'s `parseArgs` (strict:
 * an unknown option, or one without its value, is a usage error).
 */
export function parseArgs(argv: string[], names: string[], booleans: string[] = []): { flags: Record<string, string>; positional: string[] } {
	const options: Record<string, { type: 'string' | 'boolean' }> = {};
	for (const n of names) options[n] = { type: 'string' };
	for (const n of booleans) options[n] = { type: 'boolean' };
	try {
		const { values, positionals } = parseNodeArgs({ args: argv, options, allowPositionals: true, strict: true });
		const flags: Record<string, string> = {};
		for (const [k, v] of Object.entries(values)) flags[k] = typeof v === 'boolean' ? String(v) : (v as string);
		return { flags, positional: positionals };
	} catch (e) {
		// Node's messages name the option and say what is wrong; keep their first sentence.
		throw new UsageError(printable((e as Error).message.split('. ')[0].replace(/\.$/, ''), 200));
	}
}

/** An integer option: absent → `fallback`; anything but a whole number in [min, max] is a usage error. */
export function intOption(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
	if (raw === undefined) return fallback;
	const v = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
	if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${printable(raw, 40)}"`);
	return v;
}

/** The largest input file read: a little over an unfused S4 in float64. */
export const MAX_INPUT_BYTES = 2 ** 31 - 1;

/**
 * A whole regular file, read once into one buffer sized from fstat on the same descriptor. Devices,
 * FIFOs and sockets are refused (`/dev/zero` reports size 0 and never ends; a FIFO can block
 * forever), and a file that grows while being read is read only up to the size it had.
 */
export function readInput(path: string): Uint8Array {
	// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
	const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
	try {
		const st = fstatSync(fd);
		if (st.isDirectory()) throw new Error(`${path} is a directory`);
		if (!st.isFile()) throw new Error(`${path} is not a regular file (a device, pipe or socket); save it to a file first`);
		if (st.size > MAX_INPUT_BYTES) throw new Error(`${path} is ${st.size} bytes; files over 2 GiB are not supported`);
		const out = new Uint8Array(st.size);
		let read = 0;
		while (read < out.length) {
			const n = readSync(fd, out, read, out.length - read, read);
			if (n === 0) break;
			read += n;
		}
		if (read !== out.length) throw new Error(`${path} shrank while it was being read`);
		return out;
	} finally {
		closeSync(fd);
	}
}

export function describeSpec(spec: MobileOneSpec): string {
	const stem = `stem ${spec.inChannels}→${spec.stem.width} s${spec.stem.stride} k${spec.stem.k}`;
	const stages = spec.stages.map((s, i) => `stage${i + 1} ${s.width}×${s.blocks} s${s.stride} k${s.k}${s.seBlocks ? ` se${s.seBlocks}` : ''}`);
	return [stem, ...stages, `${spec.numClasses} classes`].join(' · ');
}

/** Aligned `  label     value` lines, every value escaped (names and paths can come from a file). */
export function printReport(lines: [string, string][]): void {
	for (const [k, v] of lines) console.log(`  ${k.padEnd(11)}${printable(v, 2000)}`);
}

/**
 * fuseNetworkFile's ONNX runtime in Node: onnxruntime-node, loaded only when a graph is checked,
 * one thread, no graph optimisation (its own Conv+BN folding must not hide what the file holds)
 * and no native log lines (a failure is reported once, as the tool's `error:` line).
 */
export const nodeOnnxRunner: OnnxRunner = async (bytes, input, output) => {
	const ort = await import('onnxruntime-node');
	const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 4 });
	try {
		const result = await session.run({ [input.name]: new ort.Tensor('float32', input.data, input.shape) });
		const y = result[output];
		if (!y || y.type !== 'float32') throw new Error(`output "${output}" is not float32`);
		return y.data as Float32Array;
	} finally {
		await session.release();
	}
};
