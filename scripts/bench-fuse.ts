/**
 * npm run bench:fuse — how long reparameterizing a whole MobileOne takes in Node, against the
 * floor of merely copying the same train-time weight bytes once. Target: ratio ≤ 3.
 */
import { median } from '../src/lib/bench';
import { fuseModel } from '../src/lib/mobileone/reparam';
import { variantSpec, VARIANTS } from '../src/lib/mobileone/spec';
import { syntheticModel } from '../src/lib/mobileone/synthetic';
import { toStateDict } from '../src/lib/io/statedict';
import { type UnfusedModel } from '../src/lib/mobileone/model';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);

function copyAll(model: UnfusedModel): number {
	let n = 0;
	for (const t of toStateDict(model).values()) n += t.data.slice().length;
	return n;
}

const rows: string[][] = [['variant', 'weights (MB)', 'fuse median (ms)', 'copy median (ms)', 'ratio', 'target ≤ 3']];
for (const v of VARIANTS) {
	const model = syntheticModel(variantSpec(v), 0);
	const bytes = [...toStateDict(model).values()].reduce((s, t) => s + t.data.byteLength, 0);
	const fuseTimes: number[] = [];
	const copyTimes: number[] = [];
	for (let i = 0; i < RUNS + 3; i++) {
		// interleaved so both see the same machine state; the first 3 rounds warm the JIT
		let t = performance.now();
		fuseModel(model);
		const f = performance.now() - t;
		t = performance.now();
		copyAll(model);
		const c = performance.now() - t;
		if (i >= 3) {
			fuseTimes.push(f);
			copyTimes.push(c);
		}
	}
	const fm = median(fuseTimes);
	const cm = median(copyTimes);
	rows.push([v.toUpperCase(), (bytes / 1e6).toFixed(1), fm.toFixed(1), cm.toFixed(1), (fm / cm).toFixed(2), fm / cm <= 3 ? 'met' : 'missed']);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, r] of rows.entries()) {
	console.log(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
	if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log(`\n${RUNS} interleaved runs each after 3 warm-up rounds; Node ${process.version}; synthetic weights (timing does not depend on values).`);
