/**
 * npm run fuse -- IN.safetensors OUT.safetensors|OUT.onnx
 * Fuses a train-time MobileOne checkpoint (Apple's key names) into its inference form, proves the
 * two agree on a seeded input, and writes the result only if they do.
 */
import { writeFileSync } from 'node:fs';
import { loadCheckpoint, saveCheckpoint } from '../src/lib/io/checkpoint';
import { buildOnnx } from '../src/lib/io/onnx/build';
import { collapseByStage, collapseTotal } from '../src/lib/mobileone/collapse';
import { fuseModel } from '../src/lib/mobileone/reparam';
import { randomInput } from '../src/lib/mobileone/synthetic';
import { checkCost, checkFusion, DEFAULT_CHECK_SIZE, MAX_CHECK_MACS } from '../src/lib/mobileone/verify';
import { formatDelta, formatValue } from '../src/lib/format';
import { describeSpec, formatBytes, formatInt, intOption, parseArgs, printReport, readInput, runCli, UsageError } from './cli';

const USAGE = `usage: npm run fuse -- IN.safetensors OUT.safetensors|OUT.onnx [--seed N] [--size PIXELS]
  Fuses every MobileOne block of IN (train-time weights, Apple's ml-mobileone key names) into one
  conv, checks on a random input that the fused network computes what the train-time one does, and
  only then writes the fused state dict (Apple's fused key names) or, for .onnx, the fused network.
  --seed N       seed of the random input used for the check (default 0)
  --size PIXELS  side of that input (default: the spec's input size, at most ${DEFAULT_CHECK_SIZE})`;

await runCli(USAGE, (argv) => {
	const { flags, positional } = parseArgs(argv, ['seed', 'size']);
	if (positional.length !== 2) throw new UsageError('expected IN and OUT');
	const [inPath, outPath] = positional;
	if (!/\.(safetensors|onnx)$/.test(outPath)) throw new UsageError('OUT must end in .safetensors or .onnx');
	const seed = intOption(flags.seed, 'seed', 0, 0, 2 ** 32 - 1);
	const size = intOption(flags.size, 'size', 0, 8, 1024);

	const bytes = readInput(inPath);
	const ck = loadCheckpoint(bytes);
	if (ck.form !== 'unfused') throw new Error(`${inPath} is already fused (it has reparam_conv weights); nothing to merge`);
	const unfused = ck.model;

	// The check's size is the user's when they ask, else small: a file must not choose how long it runs.
	const checkSize = size || Math.min(ck.spec.inputSize, DEFAULT_CHECK_SIZE);
	const cost = checkCost(ck.spec, checkSize);
	if (cost > MAX_CHECK_MACS)
		throw new Error(`checking this network at ${checkSize}×${checkSize} would take ${(cost / 1e9).toFixed(0)} G multiply-adds, more than this tool spends (${MAX_CHECK_MACS / 1e9} G); pass a smaller --size`);

	const t0 = performance.now();
	const fused = fuseModel(unfused);
	const fuseMs = performance.now() - t0;
	const check = checkFusion(unfused, fused, randomInput(ck.spec, seed, 1, checkSize));
	const checkLine = `max |Δ| between unfused and fused logits = ${formatDelta(check.maxDelta, 3)} (max |y| = ${formatValue(check.maxOutput)}) on a random 1×${ck.spec.inChannels}×${checkSize}×${checkSize} input`;
	if (!check.agrees) throw new Error(`nothing written: ${check.problem} (${checkLine})`);

	const out = outPath.endsWith('.onnx') ? buildOnnx(fused) : saveCheckpoint(fused, { ...ck.metadata, fused_by: 'mobileone-lab npm run fuse' });
	writeFileSync(outPath, out);

	const total = collapseTotal(collapseByStage(ck.spec));
	const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
	const lines: [string, string][] = [
		['input', `${inPath} (${formatBytes(bytes.length)}, unfused, spec ${ck.specSource === 'metadata' ? 'from metadata' : 'recognised from keys and shapes'})`],
		['spec', `${ck.spec.name}: ${describeSpec(ck.spec)}`],
		['merged', `${formatInt(total.unfused.branches)} branches into ${formatInt(total.fused.branches)} convs in ${fuseMs.toFixed(0)} ms`],
		['operators', `${formatInt(total.unfused.operators)} → ${formatInt(total.fused.operators)}`],
		['parameters', `${formatInt(total.unfused.parameters)} → ${formatInt(total.fused.parameters)} (${pct(total.unfused.parameters, total.fused.parameters)})`],
		['check', checkLine],
		['wrote', `${outPath} (${outPath.endsWith('.onnx') ? 'fused ONNX' : "fused state dict, Apple's keys"}, ${formatBytes(out.length)})`]
	];
	if (ck.unusedKeys.length) lines.push(['note', `${ck.unusedKeys.length} tensors not part of a MobileOne were left out, e.g. "${ck.unusedKeys[0]}"`]);
	printReport(lines);
});
