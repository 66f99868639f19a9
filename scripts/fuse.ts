/**
 * npm run fuse -- IN.{safetensors,pth,pth.tar,pt,onnx} OUT.{safetensors,onnx}
 * Fuses a train-time MobileOne (a state dict under Apple's key names, or any ONNX graph with
 * parallel linear branches) into its inference form, proves the two agree on a seeded input, and
 * writes the result only if they do. The logic is src/lib/fuse-file.ts, shared with the browser.
 */
import { writeFileSync } from 'node:fs';
import { BLOCK_STRIDE_NOTE, describeBlockCounts, describeCheck, FuseError, FUSED_METADATA, fuseNetworkFile, type FuseFileResult } from '../src/lib/fuse-file';
import type { BlockCheck } from '../src/lib/families/fuse-blocks';
import { formatDelta, formatValue } from '../src/lib/format';
import { mergeNotes } from '../src/lib/graph/plan-expr';
import { DEFAULT_CHECK_SIZE } from '../src/lib/mobileone/verify';
import { describeSpec, formatBytes, formatInt, intOption, nodeOnnxRunner, parseArgs, printReport, readInput, runCli, UsageError } from './cli';

const USAGE = `usage: npm run fuse -- IN OUT [--seed N] [--size PIXELS]
  IN   a safetensors or PyTorch (.pth, .pth.tar, .pt) state dict under Apple's ml-mobileone key
       names, plain or inside a training checkpoint, or an ONNX graph; recognised from its bytes.
       Any other state dict holding blocks of RepVGG, ACNet, DBB, RepViT RepVGGDW, FastViT
       RepMixer/RepCPE, PP-LCNetV3 LearnableRepLayer or MobileOne (original key names, any prefix)
       has each block fused in place, every other tensor kept (safetensors out only)
  OUT  .onnx (the fused network) or .safetensors (the fused state dict, Apple's fused key names;
       state-dict inputs only)
  Fuses every group of parallel branches into one conv, checks on a random input that the fused
  network computes what the original does (state dicts in the engine, ONNX in onnxruntime-node),
  and only then writes OUT. An ONNX graph with no parallel branches is an error: nothing to fuse.
  --seed N       seed of the random input used for the check (default 0)
  --size PIXELS  side of that input (default: the spec's input size or the graph's fixed H×W,
                 else at most ${DEFAULT_CHECK_SIZE})`;

/** Groups listed one a line, up to this many; the rest are counted. */
const MAX_GROUP_LINES = 12;

function recognisedLines(inPath: string, size: number, r: FuseFileResult): [string, string][] {
	const rec = r.recognised;
	if (rec.kind === 'checkpoint') {
		const where = rec.found ? `, state dict found at ${rec.found}` : '';
		return [
			['input', `${inPath} (${formatBytes(size)}, ${rec.form}, spec ${rec.specSource === 'metadata' ? 'from metadata' : 'recognised from keys and shapes'})`],
			['format', `${rec.format === 'pytorch' ? 'PyTorch checkpoint' : 'safetensors'}${where}`],
			['spec', `${rec.spec.name}: ${describeSpec(rec.spec)}`]
		];
	}
	if (rec.kind === 'family')
		return [
			['input', `${inPath} (${formatBytes(size)}, ${rec.form}, strides ${rec.specSource === 'metadata' ? 'from metadata' : 'recognised from keys'})`],
			['format', 'safetensors'],
			['spec', `RepVGG (repvgg.py's keys): ${formatInt(rec.blocks)} blocks, ${formatInt(rec.numClasses)} classes`]
		];
	if (rec.kind === 'blocks')
		return [
			['input', `${inPath} (${formatBytes(size)}, ${rec.format === 'pytorch' ? `PyTorch checkpoint, state dict found at ${rec.found}` : 'safetensors'})`],
			['found', `${describeBlockCounts(rec.counts)} (original key names, any prefix); ${formatInt(rec.passedThrough)} other tensors passed through`]
		];
	const groups = rec.groups.slice(0, MAX_GROUP_LINES).map((g): [string, string] => {
		const branches = g.branches.map((b) => (b.kernel ? `${b.kind} ${b.kernel.join('×')}` : b.kind)).join(' + ');
		const outcome = g.merged ? `merged into one ${g.kernel?.join('×') ?? ''} conv${mergeNotes(g)}` : `left as it is: ${g.reason}`;
		return ['group', `"${g.output}" ← ${branches}: ${outcome}`];
	});
	if (rec.groups.length > MAX_GROUP_LINES) groups.push(['group', `… and ${formatInt(rec.groups.length - MAX_GROUP_LINES)} more`]);
	return [['input', `${inPath} (${formatBytes(size)}, ONNX graph, input "${rec.input}", output "${rec.output}")`], ['format', 'ONNX'], ...groups];
}

/** One line per block (up to MAX_GROUP_LINES), the worst overall, and what the check could not know. */
function blockCheckLines(checks: BlockCheck[]): [string, string][] {
	const lines = checks.slice(0, MAX_GROUP_LINES).map((c): [string, string] => ['block', `${c.block || '(top level)'} (${c.family}): max |Δ| = ${formatDelta(c.maxDelta, 3)} (max |y| = ${formatValue(c.maxOutput)})`]);
	if (checks.length > MAX_GROUP_LINES) lines.push(['block', `… and ${formatInt(checks.length - MAX_GROUP_LINES)} more`]);
	const worst = Math.max(...checks.map((c) => c.maxDelta / (c.maxOutput || 1)));
	lines.push(['check', `every block's fused conv = its train-time form, engine in float64 on seeded inputs; worst max |Δ| / max |y| = ${formatDelta(worst, 3)}`]);
	lines.push(['note', BLOCK_STRIDE_NOTE]);
	return lines;
}

await runCli(USAGE, async (argv) => {
	const { flags, positional } = parseArgs(argv, ['seed', 'size']);
	if (positional.length !== 2) throw new UsageError('expected IN and OUT');
	const [inPath, outPath] = positional;
	if (!/\.(safetensors|onnx)$/.test(outPath)) throw new UsageError('OUT must end in .safetensors or .onnx');
	const seed = intOption(flags.seed, 'seed', 0, 0, 2 ** 32 - 1);
	const size = intOption(flags.size, 'size', 0, 8, 1024);
	const out = outPath.endsWith('.onnx') ? 'onnx' : 'safetensors';

	const bytes = readInput(inPath);
	let r: FuseFileResult;
	try {
		r = await fuseNetworkFile(bytes, { seed, size, out, runOnnx: nodeOnnxRunner, metadata: { ...FUSED_METADATA } });
	} catch (e) {
		if (e instanceof FuseError && e.code === 'usage') throw new UsageError(e.message);
		throw e;
	}
	if (r.status === 'nothing-to-fuse') throw new Error(`nothing to fuse: ${inPath} is ${r.summary}`);

	writeFileSync(outPath, r.bytes);
	const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
	const lines: [string, string][] = [
		...recognisedLines(inPath, bytes.length, r),
		['merged', `${formatInt(r.branches.before)} branches into ${formatInt(r.branches.after)} convs in ${r.fuseMs.toFixed(0)} ms`],
		['operators', `${formatInt(r.operators.before)} → ${formatInt(r.operators.after)}`],
		['parameters', `${formatInt(r.parameters.before)} → ${formatInt(r.parameters.after)} (${pct(r.parameters.before, r.parameters.after)})`],
		...(r.blockChecks ? blockCheckLines(r.blockChecks) : [['check', `${describeCheck(r.check)}${r.check.by === 'onnx-runtime' ? ', both graphs in onnxruntime-node' : ''}`] as [string, string]]),
		['wrote', `${outPath} (${r.out === 'onnx' ? 'fused ONNX' : r.recognised.kind === 'family' ? 'fused state dict, rbr_reparam keys' : r.recognised.kind === 'blocks' ? "fused state dict, each family's deploy keys in place" : "fused state dict, Apple's keys"}, ${formatBytes(r.bytes.length)})`]
	];
	if ((r.recognised.kind === 'checkpoint' || r.recognised.kind === 'family') && r.recognised.unusedKeys.length)
		lines.push(['note', `${r.recognised.unusedKeys.length} tensors not part of a ${r.recognised.kind === 'family' ? 'RepVGG' : 'MobileOne'} were left out, e.g. "${r.recognised.unusedKeys[0]}"`]);
	printReport(lines);
});
