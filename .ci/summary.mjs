#!/usr/bin/env node
// Sum vitest JSON reports into the one closing line CI reads: "N passed, N failed, N skipped".
// Usage: node .ci/summary.mjs test-results/unit.json test-results/e2e.json
// Exits 1 if any report is missing or unreadable, any test or test file failed, or no test ran.
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
	console.error('usage: node .ci/summary.mjs REPORT.json...');
	process.exit(2);
}

let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;

for (const file of files) {
	let report;
	try {
		report = JSON.parse(readFileSync(file, 'utf8'));
	} catch (err) {
		// A run that never wrote its report (crashed, or skipped after an earlier failure) counts as
		// one failure, so the closing line never looks green.
		console.error(`summary: no usable report at ${file} (${err.code ?? err.message}); counted as 1 failed`);
		ok = false;
		failed += 1;
		continue;
	}
	const p = report.numPassedTests ?? 0;
	let f = report.numFailedTests ?? 0;
	const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
	// A test file that failed to load or crashed in a hook has no failed test in it: count it once.
	for (const suite of report.testResults ?? []) {
		const anyFailed = (suite.assertionResults ?? []).some((a) => a.status === 'failed');
		if (suite.status === 'failed' && !anyFailed) {
			console.error(`summary: ${suite.name}: ${String(suite.message ?? 'failed').split('\n')[0]}`);
			f += 1;
		}
	}
	if (report.success === false && f === 0) f = 1; // vitest said it failed; never report green
	console.error(`summary: ${file}: ${p} passed, ${f} failed, ${s} skipped`);
	passed += p;
	failed += f;
	skipped += s;
}

if (passed + failed === 0) console.error('summary: no test was executed');
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 && passed > 0 ? 0 : 1);
