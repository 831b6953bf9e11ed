import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// These tests run real child processes against the built package (dist), the way
// several issuing services would share one database file.
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const worker = join(here, 'workers/issuer-worker.mjs');
const kdf = { N: 2 ** 10, r: 8, p: 1 };
const secret = 'process test secret';
let dir: string;

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'tradewind-proc-'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(options: object): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [worker, JSON.stringify(options)], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (e.code ?? null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

async function counts(path: string) {
  const issuer = await openIssuer({ path, secret });
  try {
    const q = (sql: string) => issuer.agent.dataSource.query(sql) as Promise<Array<Record<string, number>>>;
    return {
      log: (await q('SELECT COUNT(*) AS n FROM tw_issuance_log'))[0]?.n,
      entries: (await q('SELECT COUNT(*) AS n FROM tw_status_entry'))[0]?.n,
      used: (await q('SELECT COALESCE(SUM(used), 0) AS n FROM tw_status_list'))[0]?.n,
      distinctKeys: (await q('SELECT COUNT(DISTINCT record_key) AS n FROM tw_issuance_log'))[0]?.n,
      orphanEntries: (
        await q(
          'SELECT COUNT(*) AS n FROM tw_status_entry e WHERE NOT EXISTS (SELECT 1 FROM tw_issuance_log l WHERE l.credential_id = e.credential_id)',
        )
      )[0]?.n,
      keys: ((await issuer.agent.dataSource.query('SELECT record_key FROM tw_issuance_log')) as Array<{ record_key: string }>).map(
        (r) => r.record_key,
      ),
    };
  } finally {
    await issuer.close();
  }
}

describe('several processes on one issuer database', () => {
  it('4 processes issuing concurrently: no duplicate status index, no lost log entry', async () => {
    const path = join(dir, 'concurrent.db');
    const setup = await openIssuer({ path, secret, kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
    await setup.createDid();
    await setup.close();

    const perWorker = 60;
    const many = 40;
    const results = await Promise.all(
      [0, 1, 2, 3].map((w) => run({ mode: 'issue', path, secret, worker: w, count: perWorker, manyCount: many })),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const issued = results.flatMap(
      (r) => (JSON.parse(r.stdout) as { issued: Array<{ id: string; status: Array<{ id: string }> }> }).issued,
    );
    expect(issued).toHaveLength(4 * (perWorker + many));
    // Every status entry handed out, across processes, names a different list position.
    const positions = issued.flatMap((c) => c.status.map((s) => s.id));
    expect(positions).toHaveLength(4 * (2 * perWorker + many));
    expect(new Set(positions).size).toBe(positions.length);
    expect(new Set(issued.map((c) => c.id)).size).toBe(issued.length);

    const c = await counts(path);
    expect(c.log).toBe(issued.length);
    expect(c.entries).toBe(positions.length);
    expect(c.used).toBe(positions.length);
    expect(c.orphanEntries).toBe(0);
  }, 60_000);

  it('4 processes creating the same new database at once all succeed', async () => {
    const path = join(dir, 'fresh.db');
    const open = { kdf, statusListBaseUrl: 'https://registry.gov.example/status' };
    const results = await Promise.all([0, 1, 2, 3].map((w) => run({ mode: 'create', path, secret, worker: w, open })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const c = await counts(path);
    expect(c.log).toBe(4);
    expect(c.used).toBe(4);
  }, 60_000);

  it('a batch killed mid-transaction (SIGKILL) and resumed issues every record exactly once', async () => {
    const path = join(dir, 'killed.db');
    const setup = await openIssuer({ path, secret, kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
    await setup.createDid();
    await setup.close();
    const records = Array.from({ length: 240 }, (_, i) =>
      JSON.stringify({ recordKey: `birth-${i}`, subjectId: `did:example:child-${i}`, name: `Child ${i}` }),
    );
    const input = join(dir, 'births.jsonl');
    writeFileSync(input, `${records.join('\n')}\n`);

    // Killed while signing the 3rd credential of the 5th transaction of 25.
    const killed = await run({ mode: 'batch', path, secret, input, transactionSize: 25, killAfterSignatures: 103 });
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = await counts(path);
    expect(afterKill.log).toBe(100); // the four committed transactions, nothing of the fifth
    expect(afterKill.entries).toBe(100);
    expect(afterKill.used).toBe(100); // no index consumed for an unrecorded credential

    const resumed = await run({ mode: 'batch', path, secret, input, transactionSize: 25 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as { issued: number; skipped: number; invalid: unknown[] };
    expect(result).toMatchObject({ issued: 140, skipped: 100, invalid: [] });

    const done = await counts(path);
    expect(done.log).toBe(240);
    expect(done.distinctKeys).toBe(240);
    expect(done.entries).toBe(240);
    expect(done.used).toBe(240);
    expect(done.orphanEntries).toBe(0);
    expect(new Set(done.keys)).toEqual(new Set(records.map((_, i) => `birth-${i}`)));
  }, 60_000);
});
