/**
 * One benchmark run, from a multi-branch model to a result record: build the forms' ONNX graphs,
 * open one session per form, check that their outputs agree, run the protocol and assemble the
 * result. The latency lab's worker (onnxruntime-web, `performance.now()`) and `npm run
 * bench:latency` (onnxruntime-node or -web under Node) both run exactly this; each injects its
 * runtime, its clock and where it is, and reports progress its own way.
 */
import type * as OrtModule from 'onnxruntime-web';
import { maxAbs, maxAbsDiff, type Tensor } from '../core/tensor';
import { buildOnnx, onnxGraph, OUTPUT_NAME, INPUT_NAME, summarizeGraph } from '../io/onnx/build';
import { AGREEMENT_TOLERANCE } from '../mobileone/explain';
import type { UnfusedModel } from '../mobileone/model';
import { fuseModel } from '../mobileone/reparam';
import { randomInput } from '../mobileone/synthetic';
import { SYNTHETIC_SEED, type ModelChoice } from '../models';
import { FORMS, REFERENCE_FORM, type BenchFormId, type FormDef, type FormId } from './forms';
import { ortFoldedSize, type GraphSize } from './graphs';
import { DEFAULT_PROTOCOL, runProtocol, TICKS_PER_SAMPLE, timerResolution, type ProtocolOptions, type ProtocolProgress } from './protocol';
import { buildResult, type EnvironmentInfo, type LatencyResult, type ModelInfo } from './result';

/** onnxruntime-web's or onnxruntime-node's module: both export onnxruntime-common's API. */
export type OrtApi = Pick<typeof OrtModule, 'InferenceSession' | 'Tensor'>;
type Session = OrtModule.InferenceSession;
type SessionOptions = OrtModule.InferenceSession.SessionOptions;

export interface BenchRuntime {
	ort: OrtApi;
	/** The clock, in ms. */
	now(): number;
	/** Session options besides the optimization level: execution providers, threads, logging. */
	sessionOptions: SessionOptions;
	/** Where the run happens; the clock's resolution is measured and added. */
	environment: Omit<EnvironmentInfo, 'timerResolutionMs'>;
}

/** A graph made outside MobileOne Lab, timed alongside our forms (the CLI's torch.onnx.export). */
export interface ReferenceGraph {
	bytes: Uint8Array;
	/** Who made it, e.g. "torch 2.4.1, torch.onnx.export, eval mode, opset 17". */
	source: string;
}

export type PreparePhase = 'build' | 'session' | 'check';

/**
 * A step of building and opening the forms, as a record with its numbers: the page says it in its
 * own language (the engine has no words for a progress line).
 *   fuse, onnx-unfused, onnx-fused      our MobileOne: fold the branches, write both graphs
 *   repvgg-weights, repvgg-fuse          RepVGG: generate its weights, fuse three branches per block
 *   file-fuse, file-write                a visitor's ONNX file: fuse its parallel branches, write it
 */
export type PrepareStep =
	| { phase: 'build'; step: 'fuse' | 'onnx-unfused' | 'onnx-fused' | 'repvgg-fuse' | 'file-fuse' | 'file-write' }
	| { phase: 'build'; step: 'repvgg-weights'; network: string }
	| { phase: 'session'; step: 'session'; index: number; count: number; form: BenchFormId }
	| { phase: 'check'; step: 'check'; count: number };

export interface PrepareHooks {
	/** What is happening, for a progress bar; `fraction` of the phase done, or null when unknown. */
	onStep?(step: PrepareStep, fraction: number | null): void;
	/** Awaited between steps, so a worker can read its messages. */
	pause?(): Promise<void>;
}

/** The forms' graphs and the input they all run on, ready to open in any runtime. */
export interface BenchGraphs {
	model: ModelInfo;
	onnx: Record<FormDef['graph'], Uint8Array | null>;
	/** Sizes of our forms' graphs; (b) as ORT's basic level folds it. */
	graphs: Record<FormId, GraphSize>;
	input: Tensor;
	/** The graphs' input and output names (our builder's `input` and `logits`, or a visitor's file's own). */
	io: { input: string; output: string };
	referenceSource: string | null;
}

/** The record of a model for the result: the catalogue's name, and where its weights came from. */
export function benchModelInfo(choice: ModelChoice<string>): ModelInfo {
	return { id: choice.id, label: choice.name, inputSize: choice.inputSize, weights: choice.trained ? 'trained' : `synthetic (seed ${SYNTHETIC_SEED})` };
}

export async function buildBenchGraphs(model: ModelInfo, unfused: UnfusedModel, reference: ReferenceGraph | null = null, hooks: PrepareHooks = {}): Promise<BenchGraphs> {
	const step = async (step: 'fuse' | 'onnx-unfused' | 'onnx-fused', fraction: number) => {
		hooks.onStep?.({ phase: 'build', step }, fraction);
		await hooks.pause?.();
	};
	await step('fuse', 0);
	const fused = fuseModel(unfused);
	await step('onnx-unfused', 1 / 3);
	const unfusedOnnx = buildOnnx(unfused, { size: model.inputSize });
	await step('onnx-fused', 2 / 3);
	const fusedOnnx = buildOnnx(fused, { size: model.inputSize });
	return {
		model,
		onnx: { unfused: unfusedOnnx, fused: fusedOnnx, reference: reference?.bytes ?? null },
		graphs: { 'unfused-raw': summarizeGraph(unfused), 'unfused-ort': ortFoldedSize(onnxGraph(unfused)), fused: summarizeGraph(fused) },
		input: randomInput(unfused.spec, 1),
		io: { input: INPUT_NAME, output: OUTPUT_NAME },
		referenceSource: reference?.source ?? null
	};
}

/** Sessions open in one runtime, checked to agree, ready to time. Release them when done. */
export interface BenchSessions {
	graphs: BenchGraphs;
	forms: BenchFormId[];
	sessions: Map<BenchFormId, Session>;
	feeds: Record<string, OrtModule.Tensor>;
	/** Largest |difference| of each form's output from (a)'s on the benchmark input. */
	maxAbsDiff: Partial<Record<BenchFormId, number>>;
	release(): Promise<void>;
}

/** A form whose output strays from (a)'s by more than this share of (a)'s largest |logit| is not the same network. */
export function agreementBound(reference: ArrayLike<number>): number {
	return AGREEMENT_TOLERANCE * maxAbs(reference);
}

export async function openBenchSessions(runtime: BenchRuntime, graphs: BenchGraphs, hooks: PrepareHooks = {}): Promise<BenchSessions> {
	const defs: FormDef<BenchFormId>[] = graphs.onnx.reference ? [...FORMS, REFERENCE_FORM] : [...FORMS];
	const sessions = new Map<BenchFormId, Session>();
	const release = async () => {
		for (const s of sessions.values()) await s.release();
		sessions.clear();
	};
	try {
		for (const [i, f] of defs.entries()) {
			hooks.onStep?.({ phase: 'session', step: 'session', index: i, count: defs.length, form: f.id }, i / defs.length);
			await hooks.pause?.();
			const bytes = graphs.onnx[f.graph];
			if (!bytes) throw new Error(`no graph for (${f.letter})`);
			sessions.set(f.id, await runtime.ort.InferenceSession.create(bytes, { ...runtime.sessionOptions, graphOptimizationLevel: f.optimization }));
		}

		hooks.onStep?.({ phase: 'check', step: 'check', count: defs.length }, null);
		// One input tensor, made once and fed to every run of every form.
		const x = graphs.input;
		const feeds = { [graphs.io.input]: new runtime.ort.Tensor('float32', x.data, [...x.shape]) };
		const outputs = new Map<BenchFormId, Float32Array>();
		for (const [f, s] of sessions) outputs.set(f, (await s.run(feeds))[graphs.io.output].data as Float32Array);
		const a = outputs.get('unfused-raw')!;
		const diffs: Partial<Record<BenchFormId, number>> = {};
		for (const [f, out] of outputs) if (f !== 'unfused-raw') diffs[f] = maxAbsDiff(a, out);
		// Our own forms' differences are results the page shows; a reference that disagrees is not
		// the same network, and timing it would compare nothing.
		const ref = diffs[REFERENCE_FORM.id];
		if (ref !== undefined && !(ref <= agreementBound(a)))
			throw new Error(`${REFERENCE_FORM.short} disagrees with our graph: max |Δ| ${ref.toExponential(2)} > ${AGREEMENT_TOLERANCE} × max |y|`);
		return { graphs, forms: defs.map((f) => f.id), sessions, feeds, maxAbsDiff: diffs, release };
	} catch (e) {
		await release();
		throw e;
	}
}

export interface MeasureHooks {
	shouldStop?(): boolean;
	pause?(): Promise<void>;
	onProgress?(p: ProtocolProgress<BenchFormId>, protocol: ProtocolOptions): void;
}

/**
 * Times the open sessions with the protocol; a sample spans at least TICKS_PER_SAMPLE ticks of the
 * runtime's clock. Null when stopped before two measured rounds (too few for a result).
 */
export async function measureBench(
	runtime: BenchRuntime,
	s: BenchSessions,
	options: Partial<ProtocolOptions> = {},
	hooks: MeasureHooks = {}
): Promise<LatencyResult | null> {
	const resolution = timerResolution(runtime.now);
	const protocol: ProtocolOptions = { ...DEFAULT_PROTOCOL, ...options, minSampleMs: TICKS_PER_SAMPLE * resolution };
	const outcome = await runProtocol(
		s.forms,
		{
			run: (f) => s.sessions.get(f)!.run(s.feeds),
			now: runtime.now,
			shouldStop: hooks.shouldStop,
			pause: hooks.pause,
			onProgress: hooks.onProgress && ((p) => hooks.onProgress!(p, protocol))
		},
		protocol
	);
	if (outcome.rounds < 2) return null;
	return buildResult({
		model: s.graphs.model,
		environment: { ...runtime.environment, timerResolutionMs: resolution },
		protocol,
		outcome,
		graphs: s.graphs.graphs,
		maxAbsDiff: s.maxAbsDiff,
		referenceSource: s.graphs.referenceSource ?? undefined
	});
}
