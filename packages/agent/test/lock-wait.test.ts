// Waiting for another connection's SQLite write lock must not occupy a thread of libuv's
// pool (four by default). When SQLite's busy handler did the waiting, a connection waiting
// at BEGIN held a pool thread and its own connection, and its next statements queued on
// the other threads: three reads were enough to leave the lock holder no thread for its
// COMMIT, and the waiter failed with SQLITE_BUSY at its busy timeout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, type TradewindAgent } from '@tradewind/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
let holder: TradewindAgent;
let waiter: TradewindAgent;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-lock-wait-'));
  const database = join(dir, 'shared.db');
  holder = await openAgent({ database, secret: 's', kdf, busyTimeoutMs: 4_000 });
  waiter = await openAgent({ database, secret: 's', kdf, busyTimeoutMs: 4_000 });
  await holder.query('CREATE TABLE IF NOT EXISTS "t" ("n" integer NOT NULL)');
});
afterAll(async () => {
  await waiter?.close();
  await holder?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two connections to one SQLite file in one process', () => {
  it('a holder of the write lock commits while the other connection waits for it with reads queued', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const first = holder.transaction(async (q) => {
      await q('INSERT INTO "t" ("n") VALUES (1)');
      holding();
      await released;
      await q('INSERT INTO "t" ("n") VALUES (2)');
    });
    await held;
    const started = Date.now();
    // The waiter asks for the lock, and reads on its connection while it waits.
    const second = waiter.transaction((q) => q('INSERT INTO "t" ("n") VALUES (3)'));
    const reads = Array.from({ length: 6 }, () => waiter.query('SELECT count(*) AS "c" FROM "t"'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await first;
    await second;
    await Promise.all(reads);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await holder.query('SELECT "n" FROM "t" ORDER BY "n"')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('still gives up with STORAGE_ERROR after the busy timeout when the lock is never released', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const first = holder.transaction(async (q) => {
      await q('INSERT INTO "t" ("n") VALUES (4)');
      holding();
      await released;
    });
    await held;
    const started = Date.now();
    await expect(waiter.transaction((q) => q('INSERT INTO "t" ("n") VALUES (5)'))).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringMatching(/SQLITE_BUSY/),
    });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(3_900);
    release();
    await first;
    expect(await waiter.query('SELECT count(*) AS "c" FROM "t" WHERE "n" = 5')).toEqual([{ c: 0 }]);
  }, 20_000);
});
