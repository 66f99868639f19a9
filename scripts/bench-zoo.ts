/**
 * npm run bench:zoo [-- --analyses zoo,activations,branches] [--networks id,…] [--seconds N] [--size N] [--runtimes node,web] [--threads N] [--json]
 *
 * The analyses page's three timed analyses (src/lib/analyses, the same code the page's worker
 * runs) from the command line, in onnxruntime-node (native CPU) and onnxruntime-web's WebAssembly
 * build under Node: (1) latency vs MACs vs parameters over the network zoo, with Spearman ρ and
 * bootstrap 95 % intervals; (2) the 30-layer plain net with each activation; (3) MobileOne-S0 with
 * k = 1…5 branches unfused vs fused, and a plain chain vs the same chain with residual adds.
 */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { analysesJson, analysesMarkdown } from '../src/lib/analyses/export';
import { analysisNetworks, ANALYSIS_IDS, NETWORKS, type AnalysisId } from '../src/lib/analyses/networks';
import { analysesRecord, type AnalysesRecord } from '../src/lib/analyses/record';
import { runAnalysis } from '../src/lib/analyses/run';
import { ZOO_INPUT_SIZE } from '../src/lib/zoo/catalogue';
import { parseArgs, runCli, UsageError } from './cli';
import { RUNTIMES, runtimeFor, type Runtime } from './lib/bench-runtime';


const USAGE = `usage: npm run bench:zoo -- [--analyses ${ANALYSIS_IDS.join(',')}] [--networks id,…] [--seconds N] [--size N] [--runtimes node,web] [--threads N] [--json]
  --analyses  which analyses; default all three
  --networks  only these zoo networks (analysis 1), e.g. resnet-18,mobileone-s0-deploy; ids: ${NETWORKS.zoo.map((n) => n.id).join(', ')}
  --seconds   measuring time per analysis and runtime, shared by its networks; default 30
  --size      input side in pixels; default ${ZOO_INPUT_SIZE}
  --runtimes  node = onnxruntime-node (native), web = onnxruntime-web (WebAssembly) under Node; default both
  --threads   intra-op threads; default 1
  --json      print the records (every sample) as JSON instead of Markdown tables`;

const log = (s: string) => process.stderr.write(s + '\n');


await runCli(USAGE, async (argv) => {
	const json = argv.includes('--json');
	const { flags, positional } = parseArgs(
		argv.filter((a) => a !== '--json'),
		['analyses', 'networks', 'seconds', 'size', 'runtimes', 'threads']
	);
	if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
	const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
	const analyses = list(flags.analyses ?? ANALYSIS_IDS.join(','));
	for (const a of analyses) if (!(ANALYSIS_IDS as readonly string[]).includes(a)) throw new UsageError(`unknown analysis "${a}" (choose from ${ANALYSIS_IDS.join(', ')})`);
	const networkIds = flags.networks ? list(flags.networks) : undefined;
	for (const id of networkIds ?? []) if (!NETWORKS.zoo.some((n) => n.id === id)) throw new UsageError(`unknown network "${id}"`);
	const seconds = Number(flags.seconds ?? 30);
	if (!(seconds > 0 && seconds <= 3600)) throw new UsageError('--seconds must be a number of seconds in (0, 3600]');
	const size = Number(flags.size ?? ZOO_INPUT_SIZE);
	if (!Number.isInteger(size) || size < 32 || size > 512) throw new UsageError('--size must be an integer from 32 to 512');
	const threads = Number(flags.threads ?? 1);
	if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new UsageError('--threads must be an integer from 1 to 64');
	const runtimes = list(flags.runtimes ?? RUNTIMES.join(','));
	for (const r of runtimes) if (!(RUNTIMES as readonly string[]).includes(r)) throw new UsageError(`unknown runtime "${r}" (node or web)`);

	ortWeb.env.wasm.numThreads = threads;
	ortWeb.env.logLevel = 'error';
	ortNode.env.logLevel = 'error';
	const records: AnalysesRecord[] = [];
	for (const rt of runtimes as Runtime[]) {
		const runtime = runtimeFor(rt, threads);
		const results = [];
		for (const a of analyses as AnalysisId[]) {
			const networks = analysisNetworks(a, a === 'zoo' ? networkIds : undefined);
			let last = 0;
			const result = await runAnalysis(runtime, a, networks, { budgetMs: seconds * 1000, inputSize: size, interleave: a !== 'zoo' }, {
				onProgress: (step, fraction) => {
					const now = performance.now();
					if (now - last < 2000 && fraction < 1) return;
					last = now;
					const what = 'network' in step ? `${step.stage} ${step.network.label}` : step.stage === 'round' ? `round ${step.round}` : step.stage;
					log(`  ${rt} ${a}: ${what} (${Math.round(fraction * 100)}%)`);
				}
			});
			results.push(result);
		}
		records.push(analysesRecord(`${rt === 'node' ? 'onnxruntime-node' : 'onnxruntime-web (wasm)'}, ${threads} thread${threads === 1 ? '' : 's'}`, { ...runtime.environment, timerResolutionMs: 0 }, results));
	}
	if (json) {
		process.stdout.write(records.length === 1 ? analysesJson(records[0]) : '[\n' + records.map((r) => analysesJson(r).trimEnd()).join(',\n') + '\n]\n');
		return;
	}
	for (const r of records) console.log(analysesMarkdown(r));
});
