/**
 * The benchmark runtime for the command-line tools: onnxruntime-node or onnxruntime-web under
 * Node, with the session options and the environment record the latency protocol writes into
 * every result (the browser's worker builds its own).
 */
import { availableParallelism } from 'node:os';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import type { BenchRuntime } from '../../src/lib/bench';

export const RUNTIMES = ['node', 'web'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export function runtimeFor(runtime: Runtime, threads: number): BenchRuntime {
	const node = runtime === 'node';
	return {
		ort: node ? ortNode : ortWeb,
		now: () => performance.now(),
		sessionOptions: { executionMode: 'sequential', intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 },
		environment: {
			runtime: node ? 'onnxruntime-node' : 'onnxruntime-web',
			ortVersion: node ? (ortNode.env.versions.node ?? ortNode.env.versions.common) : (ortWeb.env.versions.web ?? ortWeb.env.versions.common),
			backend: node ? 'cpu' : 'wasm',
			threads,
			crossOriginIsolated: null,
			userAgent: `Node.js ${process.version} (${process.platform} ${process.arch})`,
			logicalCores: availableParallelism()
		}
	};
}
