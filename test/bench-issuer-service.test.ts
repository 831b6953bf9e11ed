// The issuer service's load test (bench/suites/issuer-service.mjs) runs end to end on the
// service's TypeScript sources, in its smallest plan: real HTTP on 127.0.0.1, real
// signatures, real SQLite. It checks what the suite reports (rows, targets, pairing,
// counts), never how fast anything was.
import { describe, expect, it } from 'vitest';
import { createHarness } from '../bench/lib/harness.mjs';
import { evaluate } from '../bench/lib/report.mjs';
import { checkDurability, DURABILITY, HTTP_ISSUE, HTTP_VERIFY, IN_PROCESS, runServiceLoad } from '../bench/suites/issuer-service.mjs';
import * as service from '../examples/issuer-service/src/index.js';

describe('bench suite: issuer service', () => {
  it('counts answered credentials missing from the log, logged twice or never asked for; not those whose answer was cut off', () => {
    const subject = (n: number) => `did:example:citizen-${n}`;
    // Asked for 0…5; answered 0, 1, 2, 3; logged 0, 1, 1 (twice), 3, 4 (answer cut off), 9 (never asked).
    const result = checkDurability([0, 1, 2, 3].map(subject), 6, [0, 1, 1, 3, 4, 9].map(subject));
    expect(result).toEqual({ answered: 4, logged: 6, missing: 1, duplicates: 1, unknown: 1, unanswered: 1, problems: 3 });
    // An answer that came twice for one credential counts as a problem too.
    expect(checkDurability([subject(0), subject(0)], 1, [subject(0)]).problems).toBe(1);
    expect(checkDurability([0, 1].map(subject), 3, [0, 1, 2].map(subject))).toMatchObject({ problems: 0, unanswered: 1 });
  });

  it('loads verify and issue over HTTP and reports rows the harness judges', async () => {
    const { h, dispose } = await createHarness('issuer-service-smoke');
    try {
      const result = await runServiceLoad(h, service, 'smoke');
      const rows = evaluate(result.rows);
      const byName = new Map(rows.map((r: { name: string }) => [r.name, r]));

      // Verify: alternating rounds, the HTTP row judged against the in-process one.
      const http = byName.get(HTTP_VERIFY);
      expect(byName.get(IN_PROCESS).rounds).toHaveLength(2);
      expect(http.rounds).toHaveLength(2);
      expect(http.compare).toEqual([expect.objectContaining({ against: IN_PROCESS, target: { min: 0.5 }, paired: true })]);
      expect(http.compare[0].ratio).toBeGreaterThan(0);
      // Every answer was a 200 verified: the warm-up run and both rounds.
      expect(result.verify.errors).toBe(0);
      expect(result.verify.statuses).toEqual([{ 200: 64 }, { 200: 64 }]);

      // Issue: every request a 201, each in the issuance log after close.
      expect(byName.get(HTTP_ISSUE)).toMatchObject({ unit: 'ops/s', target: { min: 1000 } });
      expect(result.issue.errors).toBe(0);
      expect(result.issue.statuses).toEqual([{ 201: 32 }, { 201: 64 }]);
      // The first credential (checked before the load), the warm-up and the timed run.
      expect(result.durability).toEqual({ answered: 97, logged: 97, missing: 0, duplicates: 0, unknown: 0, unanswered: 0, problems: 0 });
      expect(byName.get(DURABILITY)).toMatchObject({ unit: 'count', value: 0, pass: true });
      for (const name of ['POST /credentials/verify, errors', 'POST /credentials/issue, errors'])
        expect(byName.get(name)).toMatchObject({ unit: 'count', value: 0, target: { max: 0 }, pass: true });
    } finally {
      await dispose();
    }
  }, 150_000);
});
