/** Running the command-line tools as a user does, from tests: exit status, output, and a time limit. */
import { spawn } from 'node:child_process';

export interface ToolRun {
	status: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	/** True if the limit ran out and the process was killed. */
	timedOut: boolean;
}

/** `npx tsx scripts/NAME.ts ARGS…`, killed after `limitMs`. Output kept to the first 4 MB of each stream. */
export function runTool(script: string, args: string[], { limitMs = 90_000, shell }: { limitMs?: number; shell?: string } = {}): Promise<ToolRun> {
	return new Promise((resolve) => {
		const child = shell ? spawn('bash', ['-c', shell]) : spawn('npx', ['tsx', `scripts/${script}.ts`, ...args]);
		let stdout = '';
		let stderr = '';
		let timedOut = false;
		child.stdout.on('data', (d: Buffer) => (stdout.length < 4e6 ? (stdout += d.toString('utf8')) : undefined));
		child.stderr.on('data', (d: Buffer) => (stderr.length < 4e6 ? (stderr += d.toString('utf8')) : undefined));
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, limitMs);
		child.on('close', (status, signal) => {
			clearTimeout(timer);
			resolve({ status, signal, stdout, stderr, timedOut });
		});
	});
}

/** Control characters a terminal would act on (ESC, CR, BEL, …), other than the newlines between lines. */
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
