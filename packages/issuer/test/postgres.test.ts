// Several issuer instances on one PostgreSQL database: each Issuer below has its own
// connection pool (as separate processes would), and the worker processes run the built
// package. Runs in the issuer-postgres project only.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getStatusBit, TradewindError } from '@tradewind/core';
import { decodeStatusList } from '@tradewind/core/status-list';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredentials } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveIndexes } from '../src/status-store.js';
import { relay } from './helpers/tcp-relay.js';
import { TEST_KDF as kdf, testDatabase, testEngine } from './helpers/temp-issuer.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const worker = join(here, 'workers/issuer-worker.mjs');
const BASE = 'https://registry.gov.example/status';
const secret = 'shared database secret';
let dir: string;
const opened: Issuer[] = [];

async function open(database: string, extra: Record<string, unknown> = {}): Promise<Issuer> {
  const issuer = await openIssuer({ database, secret, kdf, statusListBaseUrl: BASE, ...extra });
  opened.push(issuer);
  return issuer;
}

function run(options: object): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [worker, JSON.stringify(options)], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

type Rows = Array<Record<string, number | string>>;

/** Per list: its number, issuer, purpose, length, counter, and how many entries it has. */
async function listStats(
  issuer: Issuer,
): Promise<Array<{ id: string; number: number; purpose: string; length: number; used: number; entries: number }>> {
  return (
    (await issuer.agent.query(
      `SELECT l."id", l."number", l."purpose", l."length", l."used", (SELECT COUNT(*) FROM "tw_status_entry" e WHERE e."list_id" = l."id") AS "entries"
       FROM "tw_status_list" l ORDER BY l."number"`,
    )) as Rows
  ).map((r) => ({
    id: String(r.id),
    number: Number(r.number),
    purpose: String(r.purpose),
    length: Number(r.length),
    used: Number(r.used),
    entries: Number(r.entries),
  }));
}

describe.skipIf(testEngine() !== 'postgres')('several instances on one PostgreSQL database', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tradewind-pg-'));
    // The worker processes run the built package (under the build lock: other test projects build too).
    execFileSync('flock', ['/tmp/tw-build.lock', process.execPath, 'scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  }, 180_000);
  afterAll(async () => {
    for (const issuer of opened) await issuer.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('4 instances reserving indexes at once on tiny lists: no (list, index) twice, and every new list opened once', async () => {
    const database = await testDatabase(dir, 'reserve');
    const instances = await Promise.all([0, 1, 2, 3].map(() => open(database)));
    const length = 16;
    const taken: Array<{ listId: string; index: number }> = [];
    let asked = 0;
    await Promise.all(
      instances.map(async (issuer, w) => {
        for (let round = 0; round < 25; round++) {
          const count = 1 + ((w * 7 + round * 3) % 6);
          asked += count;
          const got = await reserveIndexes((fn) => issuer.agent.transaction(fn), {
            issuer: 'did:example:contended',
            purpose: 'revocation',
            count,
            baseUrl: BASE,
            listLength: length,
            now: new Date().toISOString(),
          });
          expect(got).toHaveLength(count);
          taken.push(...got);
        }
      }),
    );
    expect(taken).toHaveLength(asked);
    expect(new Set(taken.map((t) => `${t.listId}#${t.index}`)).size).toBe(asked);
    expect(taken.every((t) => t.index >= 0 && t.index < length)).toBe(true);
    const lists = await listStats(instances[0] as Issuer);
    // Had two instances opened a list each when one filled, a list other than the last
    // would be left with free indexes, and there would be more lists than needed.
    expect(lists).toHaveLength(Math.ceil(asked / length));
    expect(new Set(lists.map((l) => l.number)).size).toBe(lists.length);
    expect(lists.slice(0, -1).every((l) => l.used === length)).toBe(true);
    expect(lists.reduce((n, l) => n + l.used, 0)).toBe(asked);
    for (const l of lists) expect(taken.filter((t) => t.listId === l.id)).toHaveLength(l.used);
  }, 60_000);

  it('4 processes issuing across a list roll-over: one new list per purpose, no duplicate index, entries within the counters', async () => {
    const database = await testDatabase(dir, 'rollover');
    const setup = await open(database);
    await setup.createDid();
    await setup.issue({ type: 'T', credentialSubject: { a: 1 }, status: ['revocation', 'suspension'] });
    // Leave 5 free indexes in each open list, so that the workers fill it and roll over together.
    await setup.agent.query(`UPDATE "tw_status_list" SET "used" = "length" - 5`);
    const results = await Promise.all(
      [0, 1, 2, 3].map((w) => run({ mode: 'issue', path: database, secret, worker: w, count: 10, manyCount: 10 })),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const issued = results.flatMap(
      (r) => (JSON.parse(r.stdout) as { issued: Array<{ id: string; status: Array<{ id: string }> }> }).issued,
    );
    expect(issued).toHaveLength(80);
    const positions = issued.flatMap((c) => c.status.map((s) => s.id));
    expect(positions).toHaveLength(4 * (2 * 10 + 10));
    expect(new Set(positions).size).toBe(positions.length);

    const lists = await listStats(setup);
    for (const purpose of ['revocation', 'suspension']) {
      const mine = lists.filter((l) => l.purpose === purpose);
      expect(mine, purpose).toHaveLength(2);
      expect(mine[0]?.used, purpose).toBe(mine[0]?.length);
    }
    for (const l of lists) {
      expect(l.entries).toBeLessThanOrEqual(l.used);
      expect(l.used).toBeLessThanOrEqual(l.length);
    }
    const [row] = (await setup.agent.query(
      `SELECT COUNT(*) AS "n", COUNT(DISTINCT "list_id" || '#' || CAST("idx" AS text)) AS "d" FROM "tw_status_entry"`,
    )) as Rows;
    expect(Number(row?.n)).toBe(positions.length + 2);
    expect(Number(row?.d)).toBe(Number(row?.n));
    expect(await setup.log({ limit: 1000 })).toHaveLength(81);
  }, 120_000);

  it('a revocation through one instance is in the status lists every other instance signs, and moves the version once', async () => {
    const database = await testDatabase(dir, 'revocation');
    const a = await open(database);
    await a.createDid();
    const b = await open(database);
    const c = await open(database);
    const issued = await a.issue({ type: 'T', credentialSubject: { a: 1 }, status: ['revocation', 'suspension'] });
    const [revocation, suspension] = issued.status as Array<{ statusListCredential: string; statusListIndex: string }>;
    const before = await c.statusListVersions();
    expect(before.get(revocation?.statusListCredential as string)).toBe(0);

    // The same revocation through two instances at once: one changes the bit.
    const changes = await Promise.all([b.revoke(issued.id), c.revoke(issued.id)]);
    expect(changes.map((x) => x.changed).sort()).toEqual([false, true]);
    const versions = await a.statusListVersions();
    expect(versions.get(revocation?.statusListCredential as string)).toBe(1);
    expect(versions.get(suspension?.statusListCredential as string)).toBe(0);

    const bit = async (of: Issuer, entry: { statusListCredential: string; statusListIndex: string } | undefined) => {
      const list = (await of.statusListCredentials()).find((l) => l.url === entry?.statusListCredential);
      if (!list) throw new Error(`no list ${entry?.statusListCredential}`);
      const encoded = (list.credential.credentialSubject as { encodedList: string }).encodedList;
      return { bit: getStatusBit(decodeStatusList(encoded), Number(entry?.statusListIndex)), version: list.version };
    };
    expect(await bit(a, revocation)).toEqual({ bit: true, version: 1 });
    expect((await a.getIssued(issued.id)).revoked).toBe(true);

    await b.suspend(issued.id);
    expect(await bit(c, suspension)).toEqual({ bit: true, version: 1 });
    await c.reinstate(issued.id);
    expect(await bit(a, suspension)).toEqual({ bit: false, version: 2 });
    await a.reinstate(issued.id); // nothing to change: the version stays
    expect((await b.statusListVersions()).get(suspension?.statusListCredential as string)).toBe(2);

    const lists = Object.fromEntries((await b.statusListCredentials()).map((l) => [l.url, l.jwt]));
    const [result] = await verifyCredentials([issued.jwt], { status: { lists } });
    expect(result?.verified).toBe(false);
    expect(result?.verified === false && result.errors.map((e) => e.code)).toContain('REVOKED');
  });

  it('an unreachable server is STORAGE_ERROR naming the database without its password, on open and between issuances, and nothing is issued', async () => {
    const database = await testDatabase(dir, 'unreachable');
    const target = new URL(database);
    // Nothing listens on this port any more.
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const refused = await openIssuer({
      database: `postgres://postgres:s3cret-pw@127.0.0.1:${closedPort}/${target.pathname.slice(1)}`,
      secret,
      kdf,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TradewindError);
    expect(refused).toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining(`postgres://postgres@127.0.0.1:${closedPort}/`),
    });
    expect((refused as Error).message).not.toContain('s3cret-pw');

    const setup = await open(database);
    await setup.createDid();
    const way = await relay(target);
    try {
      const through = `postgres://postgres:s3cret-pw@127.0.0.1:${way.port}${target.pathname}`;
      const issuer = await open(through);
      await issuer.issue({ type: 'T', credentialSubject: { n: 0 } });
      // The database goes away between two issuances: its connections end, its port closes.
      await way.down();
      for (const attempt of [
        () => issuer.issueMany(Array.from({ length: 20 }, (_, n) => ({ type: 'Lost', credentialSubject: { n }, recordKey: `lost-${n}` }))),
        () => issuer.issueBatch({ text: '{"recordKey":"lost-b","name":"B"}', format: 'jsonl' }, { type: 'Lost' }),
        () => issuer.revoke('urn:uuid:00000000-0000-4000-8000-000000000000'),
        () => issuer.log(),
        () => issuer.statusListVersions(),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error, String(attempt)).toBeInstanceOf(TradewindError);
        expect(error).toMatchObject({
          code: 'STORAGE_ERROR',
          message: expect.stringContaining(`postgres://postgres@127.0.0.1:${way.port}/`),
        });
        expect((error as Error).message).not.toContain('s3cret-pw');
      }
      // Nothing of it is in the database: no log row, no status entry, no index reserved.
      expect(await setup.log({ type: 'Lost' })).toHaveLength(0);
      const [row] = (await setup.agent.query(
        `SELECT (SELECT COUNT(*) FROM "tw_status_entry") AS "entries", (SELECT SUM("used") FROM "tw_status_list") AS "used"`,
      )) as Rows;
      expect([Number(row?.entries), Number(row?.used)]).toEqual([1, 1]); // the first credential's revocation entry
      // The same instance issues again once the database answers on that address again.
      await way.up();
      const again = await issuer.issueMany([{ type: 'Lost', credentialSubject: { n: 0 }, recordKey: 'lost-0' }]);
      expect(again).toHaveLength(1);
      expect(await setup.log({ type: 'Lost' })).toHaveLength(1);
    } finally {
      await way.down();
    }
  });
});
