/**
 * npm run export -- --variant s0 --seed 7 --form unfused OUT.onnx
 * npm run export -- --weights FILE --form unfused|fused OUT.onnx
 */
import { writeFileSync } from 'node:fs';
import { loadCheckpoint } from '../src/lib/io/checkpoint';
import { buildOnnx, summarizeGraph } from '../src/lib/io/onnx/build';
import { fuseModel } from '../src/lib/mobileone/reparam';
import { isVariantName, variantSpec, VARIANTS } from '../src/lib/mobileone/spec';
import { syntheticModel } from '../src/lib/mobileone/synthetic';
import type { FusedModel, UnfusedModel } from '../src/lib/mobileone/model';
import { describeSpec, formatBytes, intOption, parseArgs, printReport, readInput, runCli, UsageError } from './cli';

const USAGE = `usage: npm run export -- (--variant ${VARIANTS.join('|')} [--seed N] | --weights FILE.safetensors) --form unfused|fused OUT.onnx
  Writes a MobileOne as ONNX (input "input" [N,3,H,W] float32, output "logits").
  --variant  Apple's S0–S4 with seeded synthetic weights (realistic BatchNorm statistics)
  --weights  a checkpoint with Apple's key names; the spec is read from its metadata or recognised
  --form     unfused: every branch its own Conv → BatchNormalization, summed; fused: one Conv per block`;

await runCli(USAGE, (argv) => {
	const { flags, positional } = parseArgs(argv, ['variant', 'seed', 'weights', 'form']);
	if (positional.length !== 1 || !positional[0].endsWith('.onnx')) throw new UsageError('expected one OUT.onnx');
	const form = flags.form;
	if (form !== 'unfused' && form !== 'fused') throw new UsageError('--form must be unfused or fused');
	if (!!flags.variant === !!flags.weights) throw new UsageError('give exactly one of --variant and --weights');

	let model: UnfusedModel | FusedModel;
	let origin: string;
	if (flags.variant) {
		const v = flags.variant.toLowerCase();
		if (!isVariantName(v)) throw new UsageError(`unknown variant "${flags.variant}" (choose from ${VARIANTS.join(', ')})`);
		const seed = intOption(flags.seed, 'seed', 0, 0, 2 ** 32 - 1);
		model = syntheticModel(variantSpec(v), seed);
		origin = `${v.toUpperCase()}, synthetic weights (seed ${seed})`;
	} else {
		const ck = loadCheckpoint(readInput(flags.weights));
		model = ck.model;
		origin = `${flags.weights} (${ck.form})`;
	}
	if (form === 'fused' && model.blocks[0].form === 'unfused') model = fuseModel(model as UnfusedModel);
	if (form === 'unfused' && model.blocks[0].form === 'fused')
		throw new Error('the weights are already fused; the multi-branch form cannot be recovered from them');

	const bytes = buildOnnx(model);
	writeFileSync(positional[0], bytes);
	const g = summarizeGraph(model);
	const ops = Object.entries(g.byType)
		.sort((a, b) => b[1] - a[1])
		.map(([t, n]) => `${n} ${t}`)
		.join(', ');
	printReport([
		['model', origin],
		['spec', describeSpec(model.spec)],
		['graph', `${form}: ${g.nodes} nodes (${ops})`],
		['wrote', `${positional[0]} (${formatBytes(bytes.length)})`]
	]);
});
