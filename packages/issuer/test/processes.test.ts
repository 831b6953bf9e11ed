import { execFile, execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIssuer } from '@tradewind/issuer';
import { verifyCredentials } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, testEngine } from './helpers/temp-issuer.js';

// These tests run real child processes against the built package (dist), the way
// several issuing services would share one database (a SQLite file, or one PostgreSQL
// database when the tests run on PostgreSQL).
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const worker = join(here, 'workers/issuer-worker.mjs');
const kdf = { N: 2 ** 10, r: 8, p: 1 };
const secret = 'process test secret';
let dir: string;

beforeAll(() => {
  // Under the build lock: the test projects of both engines build at the same time.
  execFileSync('flock', ['/tmp/tw-build.lock', process.execPath, 'scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'tradewind-proc-'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(
  options: object,
  nodeArgs: string[] = [],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, worker, JSON.stringify(options)],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
        resolve({ code: e ? (e.code ?? null) : 0, signal: e?.signal ?? null, stdout, stderr });
      },
    );
  });
}

async function counts(path: string) {
  const issuer = await openIssuer({ path, secret });
  try {
    const q = (sql: string) => issuer.agent.query(sql) as Promise<Array<Record<string, number>>>;
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
      keys: ((await issuer.agent.query('SELECT record_key FROM tw_issuance_log')) as Array<{ record_key: string }>).map(
        (r) => r.record_key,
      ),
    };
  } finally {
    await issuer.close();
  }
}

describe('several processes on one issuer database', () => {
  it('4 processes issuing concurrently: no duplicate status index, no lost log entry', async () => {
    const path = await testDatabase(dir, 'concurrent');
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
    expect(c.used).toBe(positions.length); // nothing rolled back, so no reservation went unused
    expect(c.orphanEntries).toBe(0);
  }, 60_000);

  it('4 processes creating the same new database at once all succeed', async () => {
    const path = await testDatabase(dir, 'fresh');
    const open = { kdf, statusListBaseUrl: 'https://registry.gov.example/status' };
    const results = await Promise.all([0, 1, 2, 3].map((w) => run({ mode: 'create', path, secret, worker: w, open })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const c = await counts(path);
    expect(c.log).toBe(4);
    expect(c.used).toBe(4);
  }, 60_000);

  it('a batch killed mid-transaction (SIGKILL) and resumed issues every record exactly once', async () => {
    const path = await testDatabase(dir, 'killed');
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
    if (testEngine() === 'sqlite')
      expect(afterKill.used).toBe(100); // no index consumed for an unrecorded credential
    // PostgreSQL: the fifth transaction's 25 indexes were reserved before it began; the
    // kill leaves them unused for ever (never handed out again, their bits 0).
    else expect(afterKill.used).toBe(125);

    const resumed = await run({ mode: 'batch', path, secret, input, transactionSize: 25 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as { issued: number; skipped: number; invalid: unknown[] };
    expect(result).toMatchObject({ issued: 140, skipped: 100, invalid: [] });

    const done = await counts(path);
    expect(done.log).toBe(240);
    expect(done.distinctKeys).toBe(240);
    expect(done.entries).toBe(240);
    expect(done.used).toBe(testEngine() === 'sqlite' ? 240 : 265);
    expect(done.orphanEntries).toBe(0);
    expect(new Set(done.keys)).toEqual(new Set(records.map((_, i) => `birth-${i}`)));
  }, 60_000);

  it('a batch killed in the middle of writing --out (a torn line) resumes with every credential exactly once, all readable', async () => {
    const path = await testDatabase(dir, 'torn-out');
    const setup = await openIssuer({ path, secret, kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
    await setup.createDid();
    await setup.close();
    const keys = Array.from({ length: 120 }, (_, i) => `torn-${i}`);
    const input = join(dir, 'torn.jsonl');
    writeFileSync(input, `${keys.map((k) => JSON.stringify({ recordKey: k, subjectId: `did:example:${k}`, name: k })).join('\n')}\n`);
    const output = join(dir, 'torn.issued.jsonl');

    // Killed halfway through writing the lines of the 3rd transaction, after its commit.
    const killed = await run({ mode: 'batch', path, secret, input, output, transactionSize: 25, killDuringOutputWrite: 3 });
    expect(killed.signal).toBe('SIGKILL');
    expect((await counts(path)).log).toBe(75);
    const torn = readFileSync(output, 'utf8');
    expect(torn.endsWith('\n')).toBe(false);
    const whole = torn.split('\n').length - 1; // the two first transactions and half of the third, then a torn line
    expect(whole).toBeGreaterThan(50);
    expect(whole).toBeLessThan(75);

    const resumed = await run({ mode: 'batch', path, secret, input, output, transactionSize: 25 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ issued: 45, skipped: 75, reemitted: 75 - whole, invalid: [] });
    const lines = readFileSync(output, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { recordKey: string; id: string; jwt: string });
    expect(lines.map((l) => l.recordKey).sort()).toEqual([...keys].sort());
    expect(new Set(lines.map((l) => l.id)).size).toBe(120);
    const issuer = await openIssuer({ path, secret });
    try {
      const lists = Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt]));
      const verified = await verifyCredentials(
        lines.map((l) => l.jwt),
        { status: { lists } },
      );
      expect(verified.every((v) => v.verified)).toBe(true);
      expect((await issuer.log({ limit: 1000 })).filter((l) => l.reemissions > 0)).toHaveLength(75 - whole);
    } finally {
      await issuer.close();
    }
  }, 60_000);

  it('streams a 120 MB batch file with a 64 MB heap (the file is never read whole)', async () => {
    const path = await testDatabase(dir, 'memory');
    const setup = await openIssuer({ path, secret, kdf, statusListBaseUrl: 'https://registry.gov.example/status' });
    await setup.createDid();
    await setup.close();
    const input = join(dir, 'huge.jsonl');
    const fd = openSync(input, 'w');
    const filler = Buffer.from(`{"recordKey":"huge","name":"${'x'.repeat(3 * 1024 * 1024)}"}\n`);
    for (let i = 0; i < 40; i++) writeSync(fd, filler);
    for (let i = 0; i < 20; i++) writeSync(fd, `${JSON.stringify({ recordKey: `small-${i}`, name: `S${i}` })}\n`);
    closeSync(fd);
    const started = performance.now();
    const result = await run({ mode: 'batch', path, secret, input, dryRun: true }, ['--max-old-space-size=64']);
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(result.stdout) as { total: number; invalid: Array<{ code: string }> };
    expect(summary.total).toBe(20);
    expect(summary.invalid).toHaveLength(40);
    expect(summary.invalid.every((i) => i.code === 'LIMIT_EXCEEDED')).toBe(true);
    expect(performance.now() - started).toBeLessThan(20_000);
    rmSync(input);
  }, 60_000);
});
