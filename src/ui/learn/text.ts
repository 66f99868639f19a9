/**
 * Every word the lesson shows, in one place, so that translating it is one file's work. Numbers
 * are formatted by `$lib/format` and passed in; nothing here computes anything but text.
 * Facts follow ../shared/reference/mobileone.md and reparam-family.md; each users' confusion
 * listed there has its place in one chapter's `confusions`.
 */
import type { ChapterId } from '$lib/lesson/chapters';
import type { Given } from '$lib/lesson/exercises';
import { formatInt, formatPrecise, formatScientific } from '$lib/format';

/** What a chapter's words can refer to: the student's own block and channel. */
export interface Facts {
	block: string;
	channel: number;
	k: number;
	pointwiseBlock: string;
	pointwiseChannel: number;
	pointwiseIn: number;
}

export interface Confusion {
	q: string;
	a: string;
	/** Where users asked it. */
	source: string;
}

export interface ChapterText {
	title: string;
	/** For the chapter list and the pager. */
	short: string;
	idea: (f: Facts) => string[];
	figureTitle: string;
	confusions: Confusion[];
	question: (g: Given, f: Facts) => string;
	/** The worked answer, shown after two tries or once solved. */
	worked: (g: Given, answer: number | boolean, f: Facts) => string;
	notes: { idea: string; figure: string; confusions: string; question: string };
}

const v = (x: number) => formatPrecise(x, 4);

export const CHAPTERS: Record<ChapterId, ChapterText> = {
	1: {
		title: 'A convolution is linear',
		short: 'Linear',
		idea: (f) => [
			'A convolution slides a small grid of numbers, the kernel, over the image: at every pixel it multiplies the neighbourhood by the kernel and adds the products up.',
			'Because it only multiplies and adds, it is linear: applying two kernels and adding the results gives exactly what applying their sum gives. That single fact is what lets a network trained with several parallel convolutions run with one.',
			`Below, A and B are two real branches (rbr_conv.0 and rbr_conv.1) of block ${f.block}, output channel ${f.channel}, of our trained CIFAR-10 MobileOne. Change a value of A and watch both sides move together.`
		],
		figureTitle: 'Two kernels applied and added = their sum applied',
		confusions: [
			{
				q: 'So can any block with parallel branches be merged into one convolution?',
				a: 'Only if every branch is linear all the way to the sum. A ReLU (or any other nonlinearity) inside a branch breaks it: chapter 9 shows it live.',
				source: 'RepVGG #89'
			}
		],
		question: (g) =>
			`On this patch, kernel A gives ${v(g.withA)} at the centre pixel and kernel B gives ${v(g.withB)}. What does the kernel A + B give at that pixel?`,
		worked: (g, a) => `A + B gives ${v(g.withA)} + ${v(g.withB)} = ${v(a as number)}: adding kernels adds their outputs.`,
		notes: {
			idea: 'Start from what a convolution does: multiply and add. Ask the room what happens if you double the kernel.',
			figure: 'Drag one value of A. The two output grids on the right change together, always equal up to float32 rounding.',
			confusions: 'Foreshadow chapter 9: the sum has to come before any nonlinearity.',
			question: 'Let them add the two numbers. The point is that no convolution needs to be redone.'
		}
	},
	2: {
		title: 'BatchNorm at inference is a scale and a shift',
		short: 'BatchNorm',
		idea: (f) => [
			'BatchNorm computes y = γ·(x − μ)/√(σ² + ε) + β for each channel. At inference μ and σ² are the running mean and variance frozen at the end of training, γ and β are learned, and ε = 10⁻⁵. All four are fixed numbers.',
			'So at inference BatchNorm is y = t·x + s per channel, with t = γ/√(σ² + ε) and s = β − μ·t: a fixed scale and shift.',
			'In training mode it is not: μ and σ² are then the mean and variance of the current batch, so a pixel’s output depends on the other images in the batch. No fixed kernel can copy that.',
			`The numbers below are rbr_conv.0’s BatchNorm in block ${f.block}, channel ${f.channel}.`
		],
		figureTitle: 'The same x in two different batches',
		confusions: [
			{
				q: 'My fused model gives different outputs from the unfused one.',
				a: 'Almost always BatchNorm was still in training mode when the outputs were compared or the fusion was done. Put the model in eval mode (model.eval() in PyTorch) first.',
				source: 'ml-mobileone #8; RepVGG #9, #19, #35, #100'
			},
			{
				q: 'In eval mode my model is much worse than in training mode.',
				a: 'The running statistics were never calibrated on data like yours: eval mode uses them, training mode does not. Run some training batches (or a calibration pass) so μ and σ² are right.',
				source: 'ml-mobileone #19'
			}
		],
		question: (g) => `For this channel γ = ${v(g.gamma)}, σ² = ${v(g.variance)} and ε = 10⁻⁵. What is t?`,
		worked: (g, a) => `t = γ / √(σ² + ε) = ${v(g.gamma)} / √(${v(g.variance)} + 0.00001) = ${v(a as number)}.`,
		notes: {
			idea: 'Write the BatchNorm formula and circle which letters are fixed after training.',
			figure: 'Move x. In eval mode both batches give the same y; in training mode they differ: the batch leaks in.',
			confusions: 'This is the single most reported fusion bug. Ask who has forgotten model.eval() before.',
			question: 'A calculator is fine. ε barely matters unless σ² is tiny.'
		}
	},
	3: {
		title: 'Folding BatchNorm into the convolution',
		short: 'Fold',
		idea: () => [
			'A scale and shift right after a convolution can move into it. Multiply every tap of the output channel’s kernel by t, and the shift becomes the convolution’s bias: W′ = W·t and b′ = β − μ·t.',
			'The convolution with W′ and b′ computes exactly conv-then-BatchNorm, with one operation instead of two.',
			'Each branch has its own BatchNorm, so each branch is folded with its own t, before any adding.'
		],
		figureTitle: 'One branch, before and after folding',
		confusions: [
			{
				q: 'Should I add the branches first and fold one BatchNorm after?',
				a: 'No: each branch has its own γ, β, μ and σ², so fold each into its own kernel, then add. (QARepVGG does have one BatchNorm after the sum; then you fold it once into the summed kernel.)',
				source: 'ACNet #2, #4'
			},
			{
				q: 'What happens to a convolution’s own bias?',
				a: 'It goes through the BatchNorm like any output: b′ = β + (b − μ)·t. MobileOne’s branch convolutions have no bias, so b = 0 and b′ = β − μ·t.',
				source: 'ACNet #43'
			}
		],
		question: (g) => `For this channel β = ${v(g.beta)}, μ = ${v(g.mean)} and t = ${v(g.t)}. What is the folded bias b′?`,
		worked: (g, a) => `b′ = β − μ·t = ${v(g.beta)} − ${v(g.mean)} × ${v(g.t)} = ${v(a as number)}.`,
		notes: {
			idea: 'One line of algebra: t·(W∗x) + s = (t·W)∗x + s.',
			figure: 'Every tap is multiplied by the same t, so the picture keeps its pattern and changes its strength.',
			confusions: 'Fold per branch, then add. The order matters because the t differ.',
			question: 'Watch the sign of μ.'
		}
	},
	4: {
		title: 'A 1×1 kernel is a 3×3 kernel with zeros around it',
		short: 'Pad 1×1',
		idea: () => [
			'The scale branch is a 1×1 convolution: it looks only at the pixel itself. A 3×3 kernel whose only non-zero tap is the centre does the same: with padding 1, its centre tap reads exactly the pixel the 1×1 reads, and the zeros add nothing.',
			'So once folded, the 1×1 kernel is written as a 3×3 kernel with zeros around it, and it can be added to the 3×3 branches.'
		],
		figureTitle: 'The folded 1×1, padded to 3×3',
		confusions: [
			{
				q: 'Why a 1×1 branch, and not another 3×3?',
				a: 'It is a different, cheap path that only sees the pixel itself. It merges because it fits at the centre of a 3×3. A 1×3 fits as a row (ACNet), but a 1×1 cannot absorb a 1×3: the bigger kernel must hold the smaller one.',
				source: 'RepVGG #119; ACNet #3, #39'
			},
			{
				q: 'Does it matter where the zeros go?',
				a: 'Yes: the 1×1 must sit at the centre. Anywhere else the fused kernel reads a neighbouring pixel, and the outputs shift (chapter 9 shows it).',
				source: 'ACNet #39'
			},
			{
				q: 'A 1×1 followed by a 3×3 (Diverse Branch Block): pad with zeros too?',
				a: 'No. Composing them is exact only if the border is padded with what the 1×1 layer outputs for a zero input (its BatchNorm bias), not with zeros.',
				source: 'DBB #9, #39'
			}
		],
		question: (g) => `The folded 1×1 value of this channel is ${v(g.value)}. Click the cell of the 3×3 kernel where it goes.`,
		worked: () => 'The centre: with padding 1, the centre tap reads the same pixel as the 1×1. Every other cell is 0.',
		notes: {
			idea: 'Draw a 3×3 grid with one number in the middle. Ask: what does this kernel do?',
			figure: 'Left the 1×1 as trained and folded; right the same number, centred in zeros.',
			confusions: 'The Diverse Branch Block border case is the subtle one: zero padding is not a zero output.',
			question: 'Anyone can click this one; ask them why not the corner.'
		}
	},
	5: {
		title: 'Doing nothing is a convolution too',
		short: 'Identity',
		idea: (f) => [
			'The skip passes its input through unchanged (through its own BatchNorm). Passing through is a convolution with a kernel that copies each pixel.',
			'In a depthwise block each output channel sees only its own input channel: the copying kernel is a 3×3 with a single 1 in the centre. In a dense 1×1 block output channel i must take 1 × input channel i and 0 × every other: the identity matrix.',
			'Apple’s code writes both with one rule: for output channel i, a 1 at input position i mod (in/groups), centre tap. Depthwise: in/groups = 1, so i mod 1 = 0, the only plane there is. Dense: groups = 1, so i mod in = i, the diagonal.',
			`Then the skip’s BatchNorm is folded into this kernel like any other. Below: block ${f.block} (depthwise) and block ${f.pointwiseBlock} (1×1, ${f.pointwiseIn} channels).`
		],
		figureTitle: 'The identity as a kernel',
		confusions: [
			{
				q: 'Why is the identity a 1 in the middle of a 3×3? The paper says “identity matrix”.',
				a: 'Both are right: for a dense 1×1 convolution the kernel is a matrix, and the identity matrix copies; for a 3×3 each input–output pair has a 3×3 tap grid, and a centred 1 copies the pixel.',
				source: 'RepVGG #39, #78, #97'
			},
			{
				q: 'And with groups, where does the 1 go?',
				a: 'Each filter sees only in/groups input channels, numbered from 0 inside its group, so the 1 sits at position i mod (in/groups).',
				source: 'ACNet #39'
			},
			{
				q: 'Can average pooling be a branch too?',
				a: 'Yes: K×K average pooling is a convolution whose kernel is 1/K² on its own channel, and it merges like any other linear branch, provided stride and padding match.',
				source: 'DBB #21'
			}
		],
		question: (g, f) =>
			`Block ${f.pointwiseBlock} is a 1×1 convolution with ${formatInt(g.cin)} input channels and groups = ${g.groups}. Click the input channel where its identity kernel has the 1 for output channel ${g.channel}.`,
		worked: (g) => `Input channel ${g.channel} mod (${g.cin}/${g.groups}) = ${Number(g.channel) % (g.cin / g.groups)}: the diagonal of the identity matrix.`,
		notes: {
			idea: 'Ask: which kernel leaves an image unchanged? Then ask the same for a 1×1 with many channels.',
			figure: 'Depthwise: one plane, one centred 1. Pointwise: one row of the identity matrix.',
			confusions: 'i mod (in/groups) covers both cases; spend a minute on it.',
			question: 'The grid is the input channels of one output channel’s filter, wrapped into rows.'
		}
	},
	6: {
		title: 'Add the branches: the proof on a real image',
		short: 'Sum',
		idea: (f) => [
			'Every branch is now a 3×3 kernel and a bias, all reading the same input with the same stride and padding. By chapter 1, convolving with each and adding equals convolving once with their sum.',
			'So the fused kernel is the sum of the kernels and the fused bias the sum of the biases. The engine adds in float64 and rounds once to float32.',
			`Then the proof: a picture runs through every earlier block, and through block ${f.block} both ways, the ${f.k + 2} branches and the one fused convolution.`
		],
		figureTitle: 'Every branch added into one',
		confusions: [
			{
				q: 'My fused outputs differ from the unfused ones by about 10⁻⁶. Did it fail?',
				a: 'No: that is float32 rounding, because the two forms add in a different order. Done right the difference stays at that level (a squared error near 10⁻¹⁰); a real mistake moves outputs by percents.',
				source: 'RepVGG #9, #19'
			},
			{
				q: 'My fused model quantizes badly to int8.',
				a: 'The summed kernel has a wider range than any branch, which hurts int8. QARepVGG moves BatchNorm after the sum and recovers standard post-training quantization (70.4 % vs 52.2 % top-1 in its paper).',
				source: 'RepVGG #59, #85'
			}
		],
		question: (g) =>
			`The folded biases of this channel’s branches are ${Object.entries(g)
				.map(([k, x]) => `${k}: ${v(x)}`)
				.join(', ')}. What is the fused bias?`,
		worked: (g, a) => `Their sum: ${Object.values(g).map(v).join(' + ')} = ${v(a as number)}.`,
		notes: {
			idea: 'This is the whole trick: every branch has become a 3×3 kernel, so they add.',
			figure: 'Read the max |Δ|: it sits at float32 rounding. That is the proof, on real weights.',
			confusions: 'Rounding-level differences are expected; percent-level ones are a bug.',
			question: 'Just add; then point at the fused kernel’s bias in the figure.'
		}
	},
	7: {
		title: 'Why train with branches at all?',
		short: 'Why branches',
		idea: (f) => [
			'If the fused block computes exactly the same function, why not train the single convolution? Because training is not computing: the branches write the same kind of function with more parameters, each branch with its own BatchNorm, and gradient descent takes a different, easier path through them. The paper calls them over-parameterized branches.',
			`The paper ablates k, the number of conv+BN branches, from 1 to 5. MobileOne-S0 trains with k = 4; S1 to S4 with k = 1. Our model trains with k = ${f.k}.`,
			'Our own k ablation on CIFAR-10 is being trained; its numbers will appear here once it has finished.'
		],
		figureTitle: 'This block’s parameters for each k',
		confusions: [
			{
				q: 'S0 has more parameters than S1, and is slower. Is that right?',
				a: 'Only for the train-time model: S0 has k = 4 branches. Fused, S0 has 2.08 M parameters against S1’s 4.76 M. Compare fused with fused.',
				source: 'timm PR #1925'
			},
			{
				q: 'The parameter counts in the paper and in my code disagree.',
				a: 'Train-time and deploy-time counts differ, by a lot when k = 4. Say which one you count.',
				source: 'ml-mobileone #10'
			}
		],
		question: (g) => `Block with k = ${g.k} branches: would its fused kernel have more parameters than if it had been trained with k = 1?`,
		worked: (g) =>
			`No. Fused, it has ${formatInt(g.fusedK)} parameters with k = ${g.k} and ${formatInt(g.fused1)} with k = 1: the branches add into one kernel. Only training pays: ${formatInt(g.trainK)} against ${formatInt(g.train1)}.`,
		notes: {
			idea: 'The function class is the same; the optimization landscape is not.',
			figure: 'The fused column never moves; the train-time column grows with k.',
			confusions: 'Make the room compare fused numbers only.',
			question: 'A good check of the whole idea.'
		}
	},
	8: {
		title: 'Why bother: what branches cost at inference',
		short: 'Why fuse',
		idea: () => [
			'The paper measured many mobile networks on an iPhone 12: FLOPs and parameter counts predict latency poorly. Besides arithmetic, two costs dominate: memory traffic and synchronization.',
			'In the train-time form every branch writes a full output map to memory, and the sum waits for all of them and reads them back. Each branch is also an operator of its own to launch. The fused block writes one map with one operator.'
		],
		figureTitle: 'One block’s memory traffic and operators',
		confusions: [
			{
				q: 'I converted my model and it was barely faster.',
				a: 'Runtimes already fold each Conv+BatchNorm pair themselves (torch.onnx.export in eval mode does it, and so does ONNX Runtime). What fusion adds is removing the extra branches: their memory traffic and launches.',
				source: 'RepVGG #47; pytorch #49226'
			},
			{
				q: 'Is the fused model always faster?',
				a: 'It depends on the device and the runtime. Measure on yours.',
				source: 'ml-mobileone #9, #22; RepViT #50'
			},
			{
				q: 'I timed it once (or in a simulator) and got odd numbers.',
				a: 'One timed run means little: warm up first, interleave the two forms, take many runs and report medians and spread. The Latency lab does exactly that.',
				source: 'ml-mobileone #22'
			}
		],
		question: (g) =>
			`This block outputs ${formatInt(g.cout)} channels of ${g.side}×${g.side} pixels and trains with k = ${g.k}. How many output-sized maps does its train-time form write to memory before the sum?`,
		worked: (g, a) => `${a}: one per branch, k = ${g.k} conv branches + the scale branch + the skip. The fused block writes 1.`,
		notes: {
			idea: 'Latency is not FLOPs. Ask who has seen a “smaller” model run slower.',
			figure: 'Then start the 10-second run in the Latency lab and read the ratio.',
			confusions: 'Conv+BN folding is free in every runtime; branch merging is not.',
			question: 'Count the branches on the diagram.'
		}
	},
	9: {
		title: 'The classic mistakes, broken live',
		short: 'Mistakes',
		idea: (f) => [
			'Fusion is exact only when every step of this lesson holds. Break one and the proof fails on the same block, the same picture.',
			`Switch each mistake on below, on block ${f.block}: BatchNorm in training mode (chapter 2), a ReLU inside each branch (chapter 1), a 1×1 padded off-centre (chapter 4).`
		],
		figureTitle: 'Break the proof',
		confusions: [
			{
				q: 'Can any multi-branch block be merged?',
				a: 'Not with a nonlinearity before the sum: ReLU(a) + ReLU(b) ≠ ReLU(a + b) whenever a branch goes negative.',
				source: 'RepVGG #89'
			},
			{
				q: 'Fused ≠ unfused, by a lot.',
				a: 'BatchNorm in training mode, almost always; then a kernel padded off-centre or a branch left out.',
				source: 'ml-mobileone #8; RepVGG #9, #35'
			}
		],
		question: () => 'If a ReLU sat at the end of each branch, before the sum, would this block still fuse exactly?',
		worked: (g, a) =>
			a
				? 'Yes.'
				: `No. With the ReLUs inside, the largest difference is ${formatScientific(g.relative)} of the largest output, far beyond float32 rounding: ReLU(a) + ReLU(b) ≠ ReLU(a + b).`,
		notes: {
			idea: 'A recap: each mistake breaks one chapter.',
			figure: 'Switch them on one by one; watch max |Δ| jump from rounding level to percents.',
			confusions: 'These are the bug reports people actually file.',
			question: 'The figure gives it away if they have played with it; that is fine.'
		}
	}
};

/** The interface's own words. */
export const UI = {
	lessonTitle: 'Learn',
	lessonEyebrow: 'A guided lesson in nine short chapters',
	lessonLede:
		'Nine short chapters take you from “a convolution is linear” to the fused kernel of a real MobileOne block. Each has one idea, a small figure on real weights and one question on your own numbers: every student gets a different block and channel. Your progress stays in this browser.',
	start: 'Start with chapter 1',
	resume: (n: number) => `Continue with chapter ${n}`,
	chapterN: (n: number) => `Chapter ${n} of 9`,
	chapterList: 'Chapters',
	status: { new: 'not started', tried: 'tried', solved: 'answered' } as const,
	progress: (solved: number) => `${solved} of 9 questions answered`,
	loading: 'Loading the trained model…',
	loadFailed: (m: string) => `Could not load the model: ${m}`,
	preparing: 'Preparing the picture…',
	figure: 'Figure',
	confusions: 'What people get wrong',
	question: 'Your question',
	tolerance: (t: { relative: number; absolute: number }) =>
		t.relative === 0 && t.absolute === 0 ? 'Give the exact whole number.' : `Answers within ${t.relative * 100} % (or ${t.absolute}) count.`,
	answerLabel: 'Your answer',
	check: 'Check',
	yes: 'Yes',
	no: 'No',
	correct: 'Right.',
	wrong: (tries: number) => (tries >= 2 ? 'Not quite. Here is the worked answer:' : 'Not quite; try again.'),
	unreadable: 'That is not a number I can read: type digits, a point and an optional minus sign.',
	worked: 'Worked answer',
	tries: (n: number) => `${n} ${n === 1 ? 'try' : 'tries'}`,
	previous: 'Previous chapter',
	next: 'Next chapter',
	finish: 'Back to the chapter list',
	explorerLink: 'Open this block in the Fusion explorer',
	resetProgress: 'Forget my progress',
	present: 'Present',
	presentHint: 'Slides for a projector: PageDown or → to advance, Esc to leave.',
	leavePresent: 'Leave presentation (Esc)',
	openNotes: 'Speaker notes window',
	slideN: (n: number, of: number) => `Slide ${n} of ${of}`,
	notesTitle: 'Speaker notes',
	notesWaiting: 'Waiting for the presentation window… Open a chapter with ?present in another window.',
	source: 'asked in',
	// figures
	kernelA: 'kernel A (rbr_conv.0)',
	kernelB: 'kernel B (rbr_conv.1)',
	kernelSum: 'A + B',
	patch: 'input patch (5×5)',
	outA: 'conv(x, A) + conv(x, B)',
	outSum: 'conv(x, A + B)',
	pickTap: 'Pick a value of A to change:',
	tapValue: (tap: number) => `value of A, row ${Math.floor(tap / 3)}, column ${tap % 3}`,
	linearityDelta: (d: string) => `Largest difference between the two sides: ${d} (float32 rounding).`,
	resetA: 'Back to the trained A',
	xLabel: 'x, the value entering BatchNorm',
	evalMode: 'Eval mode (running statistics)',
	trainMode: 'Training mode (batch statistics)',
	batch: (n: number) => `in batch ${n}`,
	bnFormula: (t: string, s: string) => `Here t = ${t} and s = ${s}, so y = ${t}·x + ${s}.`,
	bnTable: 'BatchNorm outputs in both modes',
	paramsTable: 'Parameters of this block for each k',
	trafficTable: 'Memory traffic and operators of this block',
	paramsK: 'k',
	paramsTrain: 'train-time parameters',
	paramsFused: 'fused parameters',
	trafficMaps: 'output-sized maps written',
	trafficBytes: 'bytes of activations written',
	trafficOps: 'operators to launch',
	trafficUnfused: 'train-time',
	trafficFused: 'fused',
	latencyLink: 'Time it yourself: a 10-second run in the Latency lab',
	offCentre: 'A 1×1 padded off-centre (top-left)',
	offCentreResult: (rel: string, ok: boolean) =>
		`With the 1×1 in the top-left corner the fused convolution differs by ${rel} of the largest output: ${ok ? 'still agrees' : 'it reads the neighbouring pixel, so it no longer agrees'}.`,
	cellGrid: (n: number) => `${n} cells; use the arrow keys to move and Enter to choose`,
	cellName: (i: number, size: number) => (size === 1 ? `input channel ${i}` : `row ${Math.floor(i / size)}, column ${i % size}`),
} as const;
