// The SD-JWT VC bench suite (bench/suites/sd-jwt.mjs) in quick mode, on the verifier's
// TypeScript sources: it must produce its rows, alternating and judged as the harness
// requires. It checks what the suite reports, never how fast anything was.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness } from '../bench/lib/harness.mjs';
import { evaluate } from '../bench/lib/report.mjs';
import runSuite, { RAW_ROW, SD_JWT_VC_LIBRARY, TRADEWIND_CREDENTIAL, TRADEWIND_PRESENTATION } from '../bench/suites/sd-jwt.mjs';

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

describe('bench suite: SD-JWT VC', () => {
  it('measures our presentation verification beside raw Ed25519 and @sd-jwt/sd-jwt-vc, in alternating rounds', async () => {
    vi.stubEnv('BENCH_QUICK', '1');
    const { h, dispose } = await createHarness('sd-jwt-smoke');
    try {
      expect(h.quick).toBe(true);
      const rows: Row[] = evaluate(await runSuite(h));
      expect(rows.map((r) => r.name)).toEqual([RAW_ROW, SD_JWT_VC_LIBRARY, TRADEWIND_PRESENTATION, TRADEWIND_CREDENTIAL]);
      const paired = rows[0]?.paired;
      expect(paired).toEqual(expect.any(String));
      for (const row of rows) {
        expect(row.unit).toBe('ops/s');
        expect(row.value).toBeGreaterThan(0);
        expect(row.rounds).toHaveLength(3);
        expect(row.paired).toBe(paired);
      }
      const ours = rows.find((r) => r.name === TRADEWIND_PRESENTATION);
      // Judged against raw (the target), and its ratio to the library shown.
      expect(ours?.compare).toEqual([
        expect.objectContaining({ against: RAW_ROW, target: { min: 0.3 }, paired: true, pass: expect.any(Boolean) }),
        expect.objectContaining({ against: SD_JWT_VC_LIBRARY, paired: true }),
      ]);
      for (const c of ours?.compare ?? []) expect(c.ratio).toBeGreaterThan(0);
      expect(rows.find((r) => r.name === SD_JWT_VC_LIBRARY)?.compare).toEqual([
        expect.objectContaining({ against: RAW_ROW, paired: true }),
      ]);
    } finally {
      await dispose();
    }
  }, 120_000);
});
