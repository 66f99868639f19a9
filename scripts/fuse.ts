/**
 * npm run fuse -- IN.safetensors OUT.safetensors|OUT.onnx
 * Fuses a train-time MobileOne checkpoint (Apple's key names) into its inference form.
 */
import { writeFileSync } from 'node:fs';
import { saveCheckpoint, loadCheckpoint } from '../src/lib/io/checkpoint';
import { collapseByStage, collapseTotal } from '../src/lib/mobileone/collapse';
import { forwardModel } from '../src/lib/mobileone/forward';
import { buildOnnx } from '../src/lib/io/onnx/build';
import { fuseModel } from '../src/lib/mobileone/reparam';
import { randomInput } from '../src/lib/mobileone/synthetic';
import { maxAbs, maxAbsDiff } from '../src/lib/core/tensor';
import { describeSpec, formatBytes, formatInt, parseArgs, readInput, runCli, UsageError } from './cli';

const USAGE = `usage: npm run fuse -- IN.safetensors OUT.safetensors|OUT.onnx [--seed N] [--size PIXELS]
  Fuses every MobileOne block of IN (train-time weights, Apple's ml-mobileone key names) into one
  conv and writes the fused state dict (Apple's fused key names) or, for .onnx, the fused network.
  --seed N       seed of the random input used to check unfused = fused (default 0)
  --size PIXELS  side of that input (default: the spec's input size)`;

await runCli(USAGE, (argv) => {
	const { flags, positional } = parseArgs(argv, ['seed', 'size']);
	if (positional.length !== 2) throw new UsageError('expected IN and OUT');
	const [inPath, outPath] = positional;
	if (!/\.(safetensors|onnx)$/.test(outPath)) throw new UsageError('OUT must end in .safetensors or .onnx');
	const bytes = readInput(inPath);
	const ck = loadCheckpoint(bytes);
	if (ck.form !== 'unfused') throw new Error(`${inPath} is already fused (it has reparam_conv weights); nothing to merge`);

	const t0 = performance.now();
	const fused = fuseModel(ck.model);
	const fuseMs = performance.now() - t0;

	const size = flags.size ? Number(flags.size) : ck.spec.inputSize;
	if (!Number.isInteger(size) || size < 8 || size > 1024) throw new UsageError('--size must be an integer from 8 to 1024');
	const x = randomInput(ck.spec, Number(flags.seed ?? 0), 1, size);
	const yUnfused = forwardModel(ck.model, x);
	const yFused = forwardModel(fused, x);
	const delta = maxAbsDiff(yUnfused.data, yFused.data);

	const out = outPath.endsWith('.onnx')
		? buildOnnx(fused)
		: saveCheckpoint(fused, { ...ck.metadata, fused_by: 'mobileone-lab npm run fuse' });
	writeFileSync(outPath, out);

	const total = collapseTotal(collapseByStage(ck.spec));
	const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
	const lines = [
		['input', `${inPath} (${formatBytes(bytes.length)}, unfused, spec ${ck.specSource === 'metadata' ? 'from metadata' : 'recognised from keys and shapes'})`],
		['spec', `${ck.spec.name}: ${describeSpec(ck.spec)}`],
		['merged', `${formatInt(total.unfused.branches)} branches into ${formatInt(total.fused.branches)} convs in ${fuseMs.toFixed(0)} ms`],
		['operators', `${formatInt(total.unfused.operators)} → ${formatInt(total.fused.operators)}`],
		['parameters', `${formatInt(total.unfused.parameters)} → ${formatInt(total.fused.parameters)} (${pct(total.unfused.parameters, total.fused.parameters)})`],
		['check', `max |Δ| between unfused and fused logits = ${delta.toExponential(2)} (max |y| = ${maxAbs(yUnfused.data).toPrecision(3)}) on a random 1×${ck.spec.inChannels}×${size}×${size} input`],
		['wrote', `${outPath} (${outPath.endsWith('.onnx') ? 'fused ONNX' : "fused state dict, Apple's keys"}, ${formatBytes(out.length)})`]
	];
	if (ck.unusedKeys.length) lines.push(['note', `${ck.unusedKeys.length} tensors not used by the spec, e.g. "${ck.unusedKeys[0]}"`]);
	for (const [k, v] of lines) console.log(`  ${k.padEnd(11)}${v}`);
});
