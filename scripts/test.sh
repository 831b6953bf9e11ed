#!/usr/bin/env bash
# The whole test suite from a fresh checkout: setup, build, every vitest test. Ends
# with one line "N passed, N failed" read from vitest's JSON report; exits non-zero
# when a test failed, vitest itself failed, or no test ran at all.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/install-chromium.sh
pnpm build

report=test-results/vitest.json
mkdir -p test-results
rm -f "$report"
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?

node - "$report" "$status" <<'JS'
const { existsSync, readFileSync } = require('node:fs');
const [report, status] = process.argv.slice(2);
let r = { numPassedTests: 0, numFailedTests: 0, numTotalTests: 0 };
if (existsSync(report)) r = JSON.parse(readFileSync(report, 'utf8'));
else console.log(`vitest wrote no report to ${report}`);
if (status !== '0') console.log(`vitest exited with status ${status}`);
if (r.numTotalTests === 0) console.log('no test ran');
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
process.exitCode = status !== '0' || r.numFailedTests > 0 || r.numTotalTests === 0 ? 1 : 0;
JS
