/** Shared bits of the command-line tools: one clear line on failure, never a stack trace. */
import { readFileSync, statSync } from 'node:fs';
import { WeightsError } from '../src/lib/core/errors';
import type { MobileOneSpec } from '../src/lib/mobileone/spec';

export class UsageError extends Error {}

export async function runCli(usage: string, body: (argv: string[]) => Promise<void> | void): Promise<void> {
	const argv = process.argv.slice(2);
	if (argv.includes('--help') || argv.includes('-h')) {
		console.log(usage);
		return;
	}
	try {
		await body(argv);
	} catch (e) {
		if (e instanceof UsageError) {
			console.error(`error: ${e.message}\n${usage}`);
			process.exit(2);
		}
		const err = e as NodeJS.ErrnoException;
		const msg = e instanceof WeightsError ? `${e.message} (${e.code})` : err.code === 'ENOENT' ? `no such file: ${err.path}` : (err.message ?? String(e));
		console.error(`error: ${msg}`);
		process.exit(1);
	}
}

/** `--name value` flags and positional arguments. */
export function parseArgs(argv: string[], flags: string[]): { flags: Record<string, string>; positional: string[] } {
	const out: Record<string, string> = {};
	const positional: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a.startsWith('--')) {
			const name = a.slice(2);
			if (!flags.includes(name)) throw new UsageError(`unknown option ${a}`);
			const v = argv[++i];
			if (v === undefined) throw new UsageError(`${a} needs a value`);
			out[name] = v;
		} else positional.push(a);
	}
	return { flags: out, positional };
}

const MAX_INPUT_BYTES = 2 ** 31 - 1;

export function readInput(path: string): Uint8Array {
	const size = statSync(path).size;
	if (size > MAX_INPUT_BYTES) throw new Error(`${path} is ${size} bytes; files over 2 GiB are not supported`);
	return new Uint8Array(readFileSync(path));
}

export function formatInt(n: number): string {
	return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
	return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

export function describeSpec(spec: MobileOneSpec): string {
	const stem = `stem ${spec.inChannels}→${spec.stem.width} s${spec.stem.stride} k${spec.stem.k}`;
	const stages = spec.stages.map(
		(s, i) => `stage${i + 1} ${s.width}×${s.blocks} s${s.stride} k${s.k}${s.seBlocks ? ` se${s.seBlocks}` : ''}`
	);
	return [stem, ...stages, `${spec.numClasses} classes`].join(' · ');
}
