// The benchmark harness decides PASS and MISS; these tests hold its arithmetic to the
// contract in bench/README.md. They check structure and ratios, never timings.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coldStart, measureInterleaved, perCallMs } from '../bench/lib/measure.mjs';
import { evaluate, formatTable } from '../bench/lib/report.mjs';
import { END, renderTable, replaceBetweenMarkers, START } from '../bench/readme-table.mjs';

const opsRow = (name: string, value: number, extra: Record<string, unknown> = {}) => ({ name, value, unit: 'ops/s', ...extra });
/** A row from one round of the alternating rounds `p`, as measureInterleaved returns them. */
const pairedRow = (name: string, value: number, extra: Record<string, unknown> = {}) =>
  opsRow(name, value, { rounds: [value], paired: 'p', ...extra });

describe('bench report', () => {
  it('computes ratios against another row and judges min targets', () => {
    const rows = evaluate([
      pairedRow('raw', 1000),
      pairedRow('fast', 700, { compare: [{ against: 'raw', target: { min: 0.6 } }] }),
      pairedRow('slow', 500, { compare: [{ against: 'raw', target: { min: 0.6 } }] }),
    ]);
    expect(rows[1].compare[0]).toMatchObject({ ratio: 0.7, pass: true });
    expect(rows[1].pass).toBe(true);
    expect(rows[2].compare[0]).toMatchObject({ ratio: 0.5, pass: false });
    expect(rows[2].pass).toBe(false);
  });

  it('judges absolute max targets of rows in ms', () => {
    const rows = evaluate([
      { name: 'cold', value: 62, unit: 'ms', target: { max: 50 } },
      { name: 'warm', value: 40, unit: 'ms', target: { max: 50 } },
    ]);
    expect(rows.map((r: { pass: boolean }) => r.pass)).toEqual([false, true]);
    expect(formatTable('T', rows)).toContain('MISS (24% over)');
  });

  it('gives each row its own ratios when rows share one comparison list', () => {
    const shared = [{ against: 'raw', target: { min: 0.6 } }];
    const rows = evaluate([pairedRow('raw', 100), pairedRow('a', 50, { compare: shared }), pairedRow('b', 80, { compare: shared })]);
    expect(rows[1].compare[0].ratio).toBe(0.5);
    expect(rows[2].compare[0].ratio).toBe(0.8);
    expect([rows[1].pass, rows[2].pass]).toEqual([false, true]);
  });

  it('takes paired rows round by round', () => {
    // Load doubled between round 1 and 2 for both: round ratios are 0.5, 0.5, 0.5.
    const rows = evaluate([
      opsRow('raw', 200, { rounds: [200, 100, 400], paired: 'p1' }),
      opsRow('x', 100, { rounds: [100, 50, 200], paired: 'p1', compare: [{ against: 'raw' }] }),
    ]);
    expect(rows[1].compare[0].ratio).toBe(0.5);
  });

  it('refuses a judged ratio between rows that were not measured in the same alternating rounds', () => {
    const judged = { compare: [{ against: 'raw', target: { min: 0.6 } }] };
    expect(() => evaluate([opsRow('raw', 1000), opsRow('x', 700, judged)])).toThrow(/alternating rounds/);
    // Same values, but from two different measureInterleaved calls.
    expect(() => evaluate([pairedRow('raw', 1000), pairedRow('x', 700, { ...judged, paired: 'q' })])).toThrow(/alternating rounds/);
    // A plain ratio without a target is shown, and flagged in the table.
    const rows = evaluate([opsRow('raw', 1000), opsRow('x', 700, { compare: [{ against: 'raw' }] })]);
    expect(rows[1].compare[0]).toMatchObject({ ratio: 0.7, paired: false });
    expect(formatTable('T', rows)).toContain('vs raw (not alternating)');
  });

  it('judges counts (errors) against a target of zero by how many there were', () => {
    const rows = evaluate([
      { name: 'errors', value: 3, unit: 'count', target: { max: 0 } },
      { name: 'none', value: 0, unit: 'count', target: { max: 0 } },
    ]);
    expect(rows.map((r: { pass: boolean }) => r.pass)).toEqual([false, true]);
    const table = formatTable('T', rows);
    expect(table).toContain('MISS (3 over)');
    expect(table).toMatch(/none +0 count/);
    const readme = renderTable({ date: '2026-12-01T23:12:34.567Z', machine: {}, suites: [{ title: 'S', rows }] }).replace(/ {2,}/g, ' ');
    expect(readme).toContain('| S | errors | 3 count | ≤ 0 count | **missed** (3 over) |');
    expect(readme).toContain('| S | none | 0 count | ≤ 0 count | met |');
  });

  it('never reports a near miss as 0%', () => {
    const rows = evaluate([{ name: 'cold', value: 50.04, unit: 'ms', target: { max: 50 } }]);
    expect(formatTable('T', rows)).toContain('MISS (0.1% over)');
  });

  it('keeps the pairing when turning ops/s into ms per call, so ratios stay round by round', () => {
    const a = perCallMs({ value: 100, unit: 'ops/s', rounds: [100, 50], paired: 'p' });
    const b = perCallMs({ value: 200, unit: 'ops/s', rounds: [200, 100], paired: 'p' });
    expect(a).toMatchObject({ value: 10, unit: 'ms', rounds: [10, 20], paired: 'p' });
    const rows = evaluate([
      { name: 'b', ...b },
      { name: 'a', ...a, compare: [{ against: 'b', target: { max: 1 } }] },
    ]);
    expect(rows[1].compare[0]).toMatchObject({ ratio: 2, paired: true, pass: false });
  });

  it('rejects rows that break the contract', () => {
    expect(() => evaluate([opsRow('a', 1, { compare: [{ against: 'missing' }] })])).toThrow(/unknown row/);
    expect(() => evaluate([opsRow('a', 1), opsRow('a', 2)])).toThrow(/two rows/);
    expect(() => evaluate([opsRow('a', 1), { name: 'b', value: 1, unit: 'ms', compare: [{ against: 'a' }] }])).toThrow(
      /compares ms with ops\/s/,
    );
    expect(() => evaluate([{ name: 'a', value: 1, unit: 'furlongs' }])).toThrow(/unit/);
  });
});

describe('bench measuring', () => {
  it('measures interleaved entries with one value per round and a shared pairing id', async () => {
    let calls = 0;
    const m = await measureInterleaved(
      { sync: () => calls++, batch: { fn: async () => undefined, batch: 10 } },
      { minTimeMs: 5, warmupMs: 5, rounds: 3 },
    );
    expect(m.sync.rounds).toHaveLength(3);
    expect(m.batch.rounds).toHaveLength(3);
    expect(m.sync.paired).toBe(m.batch.paired);
    expect(m.sync.unit).toBe('ops/s');
    expect(calls).toBeGreaterThan(3);
  });

  it('reads a cold start script’s total and parts', async () => {
    const r = await coldStart('console.log(JSON.stringify({ total: performance.now(), import: 1.5, verify: 2.5 }))', { runs: 1 });
    expect(r.unit).toBe('ms');
    expect(r.value).toBeGreaterThan(0);
    expect(r.parts).toEqual({ import: 1.5, verify: 2.5 });
    await expect(coldStart("console.log('not a number')", { runs: 1 })).rejects.toThrow(/not milliseconds/);
  });
});

describe('README performance table', () => {
  const results = {
    date: '2026-12-01T23:12:34.567Z',
    machine: {
      node: 'v20.20.2',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'Test CPU',
      totalMemMB: 4096,
      loadavg: [0.1, 0.2, 0.3],
    },
    quick: false,
    filters: [],
    suites: [
      {
        file: 'verifier.mjs',
        title: 'Verifier',
        rows: evaluate([
          pairedRow('raw node:crypto Ed25519 verify', 1000),
          pairedRow('raw node:crypto Ed25519 verify, all in flight', 1700, { compare: [{ against: 'raw node:crypto Ed25519 verify' }] }),
          pairedRow('batch', 1200, {
            compare: [
              { against: 'raw node:crypto Ed25519 verify', target: { min: 1.5 } },
              { against: 'raw node:crypto Ed25519 verify, all in flight', target: { min: 0.6 } },
            ],
          }),
          { name: 'cold start', value: 62, unit: 'ms', target: { max: 50 } },
          { name: 'plain', value: 3, unit: 'ms' },
        ]),
      },
      { file: 'wallet.mjs', title: 'Wallet', error: 'Error: disk full\n    at …' },
    ],
  };

  it('shows every target beside its result and marks each missed one', () => {
    // Columns are padded for the formatter; compare with single spaces.
    const table = renderTable(results).replace(/ {2,}/g, ' ');
    expect(table).toContain('| suite | what | result | target | verdict |');
    expect(table).toContain('| Verifier | batch | 1.20× raw (1,200 ops/s) | ≥ 1.5× raw | **missed** (20% short) |');
    expect(table).toContain('| Verifier | batch | 0.71× raw, all in flight (1,200 ops/s) | ≥ 0.6× raw, all in flight | met |');
    expect(table).toContain('| Verifier | cold start | 62.0 ms | ≤ 50 ms | **missed** (24% over) |');
    expect(table).toContain('**2 of 3 targets missed**');
    // Rows without a target are in the printed tables, not in the README.
    expect(table).not.toContain('| plain |');
  });

  it('says when and where the run was, and which suites failed', () => {
    const table = renderTable(results);
    expect(table).toContain('run of 2026-12-01 23:12 UTC on 2 × Test CPU, 4 GiB, Node v20.20.2 (linux/x64), load average 0.1 / 0.2 / 0.3');
    expect(table).toContain('Suites that failed: Wallet (Error: disk full)');
    expect(table).not.toContain('Quick run');
    expect(renderTable({ ...results, quick: true })).toContain('**Quick run** (`BENCH_QUICK=1`)');
  });

  it('replaces only what lies between the markers', () => {
    const text = `# T\n\nbefore\n${START}\nold table\n${END}\nafter\n`;
    expect(replaceBetweenMarkers(text, 'new')).toBe(`# T\n\nbefore\n${START}\nnew\n${END}\nafter\n`);
    expect(() => replaceBetweenMarkers('# no markers', 'new')).toThrow(/section/);
  });

  it('the root README has the generated section', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme.indexOf(START)).toBeGreaterThan(readme.indexOf('## Performance'));
    expect(readme.indexOf(END)).toBeGreaterThan(readme.indexOf(START));
    expect(readme.slice(readme.indexOf(START), readme.indexOf(END))).toContain('Generated by `node bench/readme-table.mjs`');
  });
});
