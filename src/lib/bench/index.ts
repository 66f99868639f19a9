/**
 * The latency benchmark, shared by the latency lab's worker and `npm run bench:latency`. Import
 * from here; the files behind it are split by idea and may move:
 *   forms     what is timed: (a) (b) (c) and the torch.onnx.export reference
 *   design    the Williams order of each round
 *   stats     median, quantiles, IQR, bootstrap interval of a ratio
 *   protocol  warm-up, budget, rounds
 *   graphs    graph sizes, and the unfused graph as ORT folds it
 *   result    the result record, its headline ratio
 *   export    Markdown, CSV, JSON
 *   summary   the headline speed-ups said the natural way round, history rows
 *   file-graphs  the forms of a visitor's own network file (state dict or ONNX)
 *   repvgg-graphs  the forms of RepVGG-A0 (the families' weights and fusion, the zoo's builder)
 *   session   building the graphs, opening sessions in an injected runtime, checking the outputs
 *             agree, measuring: the whole run, for the worker and the CLI alike
 */
export * from './forms';
export * from './design';
export * from './stats';
export * from './protocol';
export * from './graphs';
export * from './result';
export * from './export';
export * from './session';
export * from './file-graphs';
export * from './repvgg-graphs';
export * from './summary';
// The number formats the latency pages have always taken from here; they live in lib/format.ts.
export { formatDiff, formatInterval, formatMs, formatRatio } from '../format';
