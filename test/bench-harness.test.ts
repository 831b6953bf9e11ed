// The benchmark harness decides PASS and MISS; these tests hold its arithmetic to the
// contract in bench/README.md. They check structure and ratios, never timings.
import { describe, expect, it } from 'vitest';
import { coldStart, measureInterleaved } from '../bench/lib/measure.mjs';
import { evaluate, formatTable } from '../bench/lib/report.mjs';

const opsRow = (name: string, value: number, extra: Record<string, unknown> = {}) => ({ name, value, unit: 'ops/s', ...extra });

describe('bench report', () => {
  it('computes ratios against another row and judges min targets', () => {
    const rows = evaluate([
      opsRow('raw', 1000),
      opsRow('fast', 700, { compare: [{ against: 'raw', target: { min: 0.6 } }] }),
      opsRow('slow', 500, { compare: [{ against: 'raw', target: { min: 0.6 } }] }),
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
    const rows = evaluate([opsRow('raw', 100), opsRow('a', 50, { compare: shared }), opsRow('b', 80, { compare: shared })]);
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
