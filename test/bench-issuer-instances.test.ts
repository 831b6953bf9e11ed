// The bench of several issuer-service instances on one PostgreSQL database
// (bench/suites/issuer-instances.mjs) runs end to end in its smallest plan: a real
// PostgreSQL server (scripts/postgres.mjs, fsync on), five processes of the built
// service command (`pnpm build` first), real HTTP on 127.0.0.1. It checks what the suite
// reports (rows, pairing, counts, durability), never how fast anything was.
import { describe, expect, it } from 'vitest';
import { createHarness } from '../bench/lib/harness.mjs';
import { evaluate } from '../bench/lib/report.mjs';
import {
  CONFIGURATIONS,
  checkStatusEntries,
  DURABILITY_PG,
  DURABILITY_SQLITE,
  ERRORS,
  PG_1,
  runInstancesLoad,
  SQLITE_1,
  STATUS_ENTRIES,
} from '../bench/suites/issuer-instances.mjs';

interface Row {
  name: string;
  value: number;
  unit: string;
  rounds?: number[];
  paired?: string;
  target?: { min?: number; max?: number };
  compare?: Array<{ against: string; ratio: number; paired: boolean; target?: { min?: number } }>;
  pass?: boolean;
  note?: string;
  cpu?: { cores: number; wallMs: number; ms: Record<string, number>; mainThreadMs: number[] };
  postgres?: { transactions: number; walBytes: number };
}

describe('bench suite: issuer service instances on PostgreSQL and SQLite', () => {
  it('counts answers without one status entry, entries given twice and entries not stored', () => {
    const list = 'http://127.0.0.1:1/status/1';
    // Three credentials: one entry each, the third shares the first's index; one answered entry (#9) was never stored.
    const answered = [[`${list}#5`], [`${list}#9`], [`${list}#5`]];
    expect(checkStatusEntries(answered, [`${list}#5`, `${list}#7`])).toEqual({
      credentials: 3,
      entries: 3,
      stored: 2,
      missing: 0,
      duplicates: 1,
      unstored: 1,
      problems: 2,
    });
    // A credential answered without a status entry.
    expect(checkStatusEntries([[], [`${list}#1`]], [`${list}#1`])).toMatchObject({ missing: 1, problems: 1 });
    expect(checkStatusEntries([[`${list}#1`], [`${list}#2`]], [`${list}#1`, `${list}#2`]).problems).toBe(0);
  });

  it('fails at once, naming what is missing, when no PostgreSQL server can be started', async () => {
    const { h, dispose } = await createHarness('issuer-instances-no-postgres');
    try {
      // What scripts/postgres.mjs throws on a machine without the server binaries.
      const startPostgres = async () => {
        throw new Error('PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) not found. Install the postgresql package.');
      };
      await expect(runInstancesLoad(h, { plan: 'smoke', startPostgres })).rejects.toThrow(
        /needs a PostgreSQL server .*binaries \(initdb, pg_ctl, postgres, psql\) not found/,
      );
    } finally {
      await dispose();
    }
  });

  it('loads 1 SQLite and 1, 2, 4 PostgreSQL instances in alternating rounds and reports rows the harness judges', async () => {
    const { h, dispose } = await createHarness('issuer-instances-smoke');
    try {
      const result = await runInstancesLoad(h, { plan: 'smoke' });
      const rows: Row[] = evaluate(result.rows);
      const byName = new Map(rows.map((r) => [r.name, r]));

      // One throughput row per configuration, each from both rounds, all from the same alternating rounds.
      const throughput = CONFIGURATIONS.map((c) => byName.get(c.name) as Row);
      for (const row of throughput) {
        expect(row).toMatchObject({ unit: 'ops/s', paired: throughput[0]?.paired });
        expect(row.rounds).toHaveLength(2);
        expect(row.value).toBeGreaterThan(0);
      }
      expect(byName.get(PG_1)?.compare).toEqual([expect.objectContaining({ against: SQLITE_1, target: { min: 0.5 }, paired: true })]);
      for (const c of CONFIGURATIONS.filter((x) => x.instances > 1)) {
        const compare = byName.get(c.name)?.compare ?? [];
        expect(compare.map((x) => [x.against, x.paired])).toEqual([
          [PG_1, true],
          [SQLITE_1, true],
        ]);
        for (const x of compare) expect(x.ratio).toBeGreaterThan(0);
      }

      // Every request of every run was a 201: warm-ups of 32 per instance, two rounds of 64 per configuration.
      for (const c of CONFIGURATIONS) {
        const runs = result.runs[c.key];
        expect(runs.warmup.statuses).toEqual({ 201: 32 * c.instances });
        expect(runs.timed.map((r: { statuses: unknown }) => r.statuses)).toEqual([{ 201: 64 }, { 201: 64 }]);
      }
      // SQLite: its check credential, one configuration's warm-up and rounds. PostgreSQL: a check
      // credential from each of the 4 instances, three configurations' warm-ups (1, 2 and 4 instances) and rounds.
      const sqlite = 1 + 32 + 2 * 64;
      const postgres = 4 + 32 * (1 + 2 + 4) + 3 * 2 * 64;
      expect(result.durability.sqlite).toEqual({
        answered: sqlite,
        logged: sqlite,
        missing: 0,
        duplicates: 0,
        unknown: 0,
        unanswered: 0,
        problems: 0,
      });
      expect(result.durability.postgres).toEqual({
        answered: postgres,
        logged: postgres,
        missing: 0,
        duplicates: 0,
        unknown: 0,
        unanswered: 0,
        problems: 0,
      });
      // One revocation entry per credential, none given twice, each stored.
      expect(result.status.sqlite).toEqual({
        credentials: sqlite,
        entries: sqlite,
        stored: sqlite,
        missing: 0,
        duplicates: 0,
        unstored: 0,
        problems: 0,
      });
      expect(result.status.postgres).toEqual({
        credentials: postgres,
        entries: postgres,
        stored: postgres,
        missing: 0,
        duplicates: 0,
        unstored: 0,
        problems: 0,
      });
      for (const name of [ERRORS, DURABILITY_SQLITE, DURABILITY_PG, STATUS_ENTRIES])
        expect(byName.get(name)).toMatchObject({ unit: 'count', value: 0, target: { max: 0 }, pass: true });

      // Where the CPU went during each configuration's rounds: every part read, on this machine's cores.
      for (const row of throughput) {
        expect(row.cpu?.cores).toBeGreaterThan(0);
        expect(row.cpu?.wallMs).toBeGreaterThan(0);
        expect(Object.keys(row.cpu?.ms ?? {}).sort()).toEqual([
          'idle',
          'idleInstances',
          'instances',
          'interrupts',
          'load',
          'other',
          'postgres',
          'steal',
        ]);
        // The serving instances and the load generator did work; PostgreSQL too when it served.
        expect(row.cpu?.ms.instances).toBeGreaterThan(0);
        expect(row.cpu?.ms.load).toBeGreaterThan(0);
        expect(row.note).toMatch(/CPU of \d+ cores: instances \d+%, PostgreSQL \d+%, load generator \d+%/);
        expect(row.note).toMatch(/the busiest instance's main thread \d+% busy/);
        // One main thread per serving instance, each busy for some of the time.
        const config = CONFIGURATIONS.find((c) => c.name === row.name);
        expect(row.cpu?.mainThreadMs).toHaveLength(config?.instances ?? 0);
        for (const ms of row.cpu?.mainThreadMs ?? []) expect(ms).toBeGreaterThan(0);
      }
      // What PostgreSQL wrote while serving: write transactions (commits) and WAL, read from the server itself.
      for (const c of CONFIGURATIONS.filter((x) => x.engine === 'postgres')) {
        const row = byName.get(c.name);
        expect(row?.cpu?.ms.postgres).toBeGreaterThan(0);
        expect(row?.postgres?.transactions).toBeGreaterThan(0);
        expect(row?.postgres?.walBytes).toBeGreaterThan(0);
        expect(row?.note).toMatch(
          /PostgreSQL committed \d+ write transactions \([\d.]+ credentials per commit\), [\d.]+ kB of WAL per credential/,
        );
      }
      expect(byName.get(SQLITE_1)?.postgres).toBeUndefined();
    } finally {
      await dispose();
    }
  }, 120_000);
});
