/**
 * The training runs shipped with the site, read at build time: every `models/ablation/*.json`
 * (written by `models/train_cifar10.py --run NAME --k K`) and the shipped k = 4 model's metrics.
 */
import { ablationRun, shippedRun, type TrainingRun } from '$lib/analyses/ablation';
import metrics from '../../../models/mobileone-cifar10.metrics.json';

const files = import.meta.glob('../../../models/ablation/*.json', { eager: true, import: 'default' });

export const TRAINING_RUNS: readonly TrainingRun[] = [
	...[shippedRun(metrics)],
	...Object.keys(files)
		.sort()
		.map((path) => ablationRun(files[path]))
].filter((r): r is TrainingRun => r !== null);
