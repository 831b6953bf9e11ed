// The Data Integrity bench suite (bench/suites/data-integrity.mjs) in quick mode, on the
// verifier's TypeScript sources: it must produce its rows, alternating and judged as the
// harness requires. It checks what the suite reports, never how fast anything was.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness } from '../bench/lib/harness.mjs';
import { evaluate } from '../bench/lib/report.mjs';
import runSuite, {
  DB_2020,
  DB_EDDSA,
  JSONLD_CANONIZE,
  OURS_2020,
  OURS_EDDSA,
  oursBatch,
  oursBatchRefused,
  RAW_ROW,
  RDF_CANONIZE,
} from '../bench/suites/data-integrity.mjs';

interface Row {
  name: string;
  value: number;
  unit: string;
  rounds: number[];
  paired?: string;
  compare?: Array<{ against: string; ratio: number; paired: boolean; target?: { min?: number }; pass?: boolean }>;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('bench suite: Data Integrity', () => {
  it('measures our verification beside raw Ed25519, @digitalbazaar/vc and canonicalisation alone, in alternating rounds', async () => {
    vi.stubEnv('BENCH_QUICK', '1');
    const { h, dispose } = await createHarness('data-integrity-smoke');
    try {
      expect(h.quick).toBe(true);
      const rows: Row[] = evaluate(await runSuite(h));
      const batch = oursBatch(100);
      const refused = oursBatchRefused(100);
      expect(rows.map((r) => r.name)).toEqual([
        RAW_ROW,
        DB_EDDSA,
        DB_2020,
        OURS_EDDSA,
        OURS_2020,
        batch,
        refused,
        RDF_CANONIZE,
        JSONLD_CANONIZE,
      ]);
      const timed = rows.filter((r) => r.name !== refused);
      const paired = rows[0]?.paired;
      expect(paired).toEqual(expect.any(String));
      for (const row of timed) {
        expect(row.unit).toBe('ops/s');
        expect(row.value).toBeGreaterThan(0);
        expect(row.rounds).toHaveLength(3);
        expect(row.paired).toBe(paired);
      }
      for (const name of [DB_EDDSA, DB_2020, RDF_CANONIZE]) {
        expect(rows.find((r) => r.name === name)?.compare).toEqual([expect.objectContaining({ against: RAW_ROW, paired: true })]);
      }
      expect(rows.find((r) => r.name === JSONLD_CANONIZE)?.compare).toEqual([
        expect.objectContaining({ against: RAW_ROW, paired: true }),
        expect.objectContaining({ against: RDF_CANONIZE, paired: true }),
      ]);
      // Ours judged against @digitalbazaar/vc on the same credentials (the target),
      // its ratio to raw shown.
      for (const [ours, theirs] of [
        [OURS_EDDSA, DB_EDDSA],
        [OURS_2020, DB_2020],
      ]) {
        expect(rows.find((r) => r.name === ours)?.compare).toEqual([
          expect.objectContaining({ against: RAW_ROW, paired: true }),
          expect.objectContaining({ against: theirs, target: { min: 3 }, paired: true, pass: expect.any(Boolean) }),
        ]);
      }
      expect(rows.find((r) => r.name === batch)?.compare).toEqual([
        expect.objectContaining({ against: RAW_ROW, paired: true }),
        expect.objectContaining({ against: DB_EDDSA, paired: true }),
        expect.objectContaining({ against: OURS_EDDSA, paired: true }),
      ]);
      for (const row of rows) for (const c of row.compare ?? []) expect(c.ratio).toBeGreaterThan(0);
      // Refusals at the default concurrency are counted against a target of none.
      expect(rows.find((r) => r.name === refused)).toEqual(
        expect.objectContaining({ unit: 'count', value: expect.any(Number), target: { max: 0 }, pass: expect.any(Boolean) }),
      );
    } finally {
      await dispose();
    }
  }, 120_000);
});
