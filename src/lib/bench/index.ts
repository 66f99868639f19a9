/**
 * The latency benchmark: the protocol shared by the latency lab's worker and `npm run bench:latency`
 * (forms, interleaving design, statistics, results and their exports). Import from here; the files
 * behind it are split by idea and may move.
 */
export * from './protocol';
