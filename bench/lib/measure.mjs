// Measuring loops. The bench machine is shared and has two cores, so every figure is
// the median of several rounds: one slow round (a neighbour's build, a GC) moves the
// mean a lot and the median hardly at all.
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const round3 = (x) => Math.round(x * 1000) / 1000;

/**
 * Makes `fn` ready for timed rounds: finds out whether it is async, warms it up so the
 * JIT has settled, and picks how many calls go between two clock reads (enough that
 * reading the clock is negligible for fast functions). Returns one timed round.
 */
async function prepare(fn, warmupMs) {
  const first = fn();
  const isAsync = typeof first?.then === 'function';
  if (isAsync) await first;
  let chunk = 1;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    const t0 = performance.now();
    if (isAsync) for (let i = 0; i < chunk; i++) await fn();
    else for (let i = 0; i < chunk; i++) fn();
    if (performance.now() - t0 < 1) chunk *= 2;
  }
  /** Calls `fn` for at least `minTimeMs`; returns calls per second. */
  return async function round(minTimeMs) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      if (isAsync) for (let i = 0; i < chunk; i++) await fn();
      else for (let i = 0; i < chunk; i++) fn();
      n += chunk;
      elapsed = performance.now() - start;
    } while (elapsed < minTimeMs);
    return (n * 1000) / elapsed;
  };
}

const summary = (results) => ({ value: round3(median(results)), unit: 'ops/s', rounds: results.map(round3) });

/**
 * Operations per second of `fn`, called one at a time (awaited when it returns a
 * promise). Warm-up first, then `rounds` rounds of at least `minTimeMs` each; the
 * result is the median round.
 */
export async function measure(fn, { minTimeMs = 400, warmupMs = 250, rounds = 5 } = {}) {
  const round = await prepare(fn, warmupMs);
  const results = [];
  for (let r = 0; r < rounds; r++) results.push(await round(minTimeMs));
  return summary(results);
}

/**
 * Items per second of `fn`, which processes `n` items per call (for example a batch
 * verification of `n` credentials). One warm-up call, then the median of `rounds` calls.
 */
export async function measureBatch(fn, n, { rounds = 3, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const results = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    await fn();
    results.push((n * 1000) / (performance.now() - start));
  }
  return summary(results);
}

/**
 * Measures several operations in alternating rounds: round 1 of each, then round 2 of
 * each, and so on (the order rotating). On a shared machine the load changes over
 * seconds; interleaving spreads that change over every operation alike, so ratios
 * between them hold even when absolute figures move. Each entry is either a function
 * (one operation per call, as in {@link measure}) or `{ fn, batch: n }` (n items per
 * call, as in {@link measureBatch}; one call per round). Returns `{ [name]: result }`.
 */
export async function measureInterleaved(entries, { minTimeMs = 400, warmupMs = 250, rounds = 5 } = {}) {
  const names = Object.keys(entries);
  const rounders = {};
  for (const name of names) {
    const entry = entries[name];
    if (typeof entry === 'function') {
      rounders[name] = await prepare(entry, warmupMs);
    } else {
      await entry.fn(); // warm-up call
      rounders[name] = async () => {
        const start = performance.now();
        await entry.fn();
        return (entry.batch * 1000) / (performance.now() - start);
      };
    }
  }
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      results[name].push(await rounders[name](minTimeMs));
    }
  }
  // Rows from the same alternating rounds share a `paired` id: ratios between them are
  // then taken round by round (neighbours in time) before the median.
  const paired = `interleaved-${++interleavedRuns}`;
  return Object.fromEntries(names.map((n) => [n, { ...summary(results[n]), paired }]));
}

let interleavedRuns = 0;

/**
 * An operations-per-second result as milliseconds per operation (for rows whose unit is
 * ms), rounds and pairing kept, so its ratios are still taken round by round.
 */
export function perCallMs(result) {
  const ms = (opsPerSecond) => round3(1000 / opsPerSecond);
  return { ...result, value: ms(result.value), unit: 'ms', rounds: result.rounds.map(ms) };
}

/**
 * Cold start: runs `script` (ES module source) in `runs` fresh `node` processes, one
 * after another, with `cwd` as the module resolution base. The script's last stdout
 * line is `performance.now()` when it is done (milliseconds since the process started,
 * so module loading counts), or a JSON object `{ "total": ms, "<part>": ms, ... }` to
 * also report parts (for example import and first call). Returns medians.
 *
 * `NODE_EXTRA_CA_CERTS` is removed from the child's environment unless `inheritEnv`:
 * with it Node parses the whole CA bundle before any user code runs (about 35 ms on
 * the bench machine), which says nothing about the code being measured.
 */
export async function coldStart(script, { runs = 7, cwd = process.cwd(), env = {}, inheritEnv = false } = {}) {
  const base = { ...process.env };
  if (!inheritEnv) delete base.NODE_EXTRA_CA_CERTS;
  const totals = [];
  const parts = {};
  for (let r = 0; r < runs; r++) {
    const stdout = await new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '--eval', script],
        { cwd, env: { ...base, ...env }, timeout: 30_000 },
        (err, out, errOut) => (err ? reject(new Error(`cold start script failed: ${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    const reported = last.startsWith('{') ? JSON.parse(last) : { total: Number(last) };
    if (!Number.isFinite(reported.total)) throw new Error(`cold start script printed ${JSON.stringify(last)}, not milliseconds`);
    totals.push(reported.total);
    for (const [k, v] of Object.entries(reported)) {
      if (k === 'total') continue;
      parts[k] ??= [];
      parts[k].push(v);
    }
  }
  const medians = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round3(median(v))]));
  return { value: round3(median(totals)), unit: 'ms', rounds: totals.map(round3), parts: medians };
}
