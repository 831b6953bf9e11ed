// `pnpm bench [filter...]`: runs bench/suites/*.mjs (those whose file name contains a
// filter, when given) one after another in this process, prints one table per suite
// and writes every row to bench/results/latest.json, then (when every suite ran) the
// README's performance table from it. Missed targets are reported, not fatal: the exit
// code is non-zero only when a suite throws. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHarness } from './lib/harness.mjs';
import { evaluate, formatTable } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));

const files = (await readdir(join(here, 'suites')))
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no suite in bench/suites matches ${filters.join(', ')}`);
  process.exit(1);
}

const machine = {
  node: process.version,
  platform: process.platform,
  arch: process.arch,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  totalMemMB: Math.round(totalmem() / 2 ** 20),
  loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
};
console.log(`Tradewind bench — node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadavg.join(' ')}`);

const suites = [];
let failed = false;
for (const file of files) {
  const name = file.replace(/\.mjs$/, '');
  const mod = await import(pathToFileURL(join(here, 'suites', file)).href);
  const title = mod.title ?? name;
  console.error(`running ${file} …`);
  const { h, dispose } = await createHarness(name);
  const start = performance.now();
  try {
    if (typeof mod.default !== 'function') throw new Error(`${file} has no default export function run(h)`);
    const rows = evaluate(await mod.default(h));
    const durationMs = Math.round(performance.now() - start);
    suites.push({ file, title, durationMs, loadavg: loadavg().map((x) => Math.round(x * 100) / 100), rows });
    console.log(`\n${formatTable(title, rows)}\n  (${(durationMs / 1000).toFixed(1)} s, load average ${loadavg()[0].toFixed(2)})`);
  } catch (e) {
    failed = true;
    suites.push({ file, title, error: String(e?.stack ?? e) });
    console.error(`\n${title}: ERROR\n${e?.stack ?? e}`);
  } finally {
    await dispose();
  }
}

const results = join(here, 'results');
await mkdir(results, { recursive: true });
const quick = process.env.BENCH_QUICK === '1';
await writeFile(
  join(results, 'latest.json'),
  `${JSON.stringify({ date: new Date().toISOString(), machine, quick, filters, suites }, null, 2)}\n`,
);
console.log(`\nwritten: bench/results/latest.json`);
// A run of every suite rewrites the README's performance table; a partial run does not,
// so the table never mixes runs.
if (filters.length === 0) {
  execFileSync(process.execPath, [join(here, 'readme-table.mjs')], { stdio: 'inherit' });
} else {
  console.log('(only some suites ran: README.md left as it was; `node bench/readme-table.mjs` writes it from this run)');
}
process.exitCode = failed ? 1 : 0;
