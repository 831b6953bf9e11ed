import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openWallet, type Wallet } from '@tradewind/wallet';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, TEST_BACKUP_KDF, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

// Kills a child process with SIGKILL in the middle of batch imports, many times, and
// checks after each kill that the file is sound, that no batch is partly visible and
// that every batch the child reported as committed is still there.
const KILLS = 10;
const BATCHES = 60;
const BATCH_SIZE = 150;
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./crash-worker.mjs', import.meta.url));
const RESTORE_WORKER = fileURLToPath(new URL('./restore-worker.mjs', import.meta.url));

const tmp = tempDir();
const path = tmp.file('crash.db');
const batchesFile = tmp.file('batches.json');
let reader: Wallet;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const iss = issuer('key');
  const batches: string[][] = [];
  for (let b = 0; b < BATCHES; b++) {
    batches.push(
      await Promise.all(Array.from({ length: BATCH_SIZE }, (_, i) => vcJwt(iss, `did:example:holder-${b}-${i}`, { type: `Batch${b}` }))),
    );
  }
  writeFileSync(batchesFile, JSON.stringify(batches));
  // Created here so the child and this reader share the file from the start.
  reader = await openWallet({ path, secret: 'crash-test-secret', kdf: TEST_KDF });
}, 120_000);

afterAll(async () => {
  await reader?.close();
  tmp.cleanup();
});

/** Runs the worker from batch `start`, kills it a random moment after its `after`-th commit; returns the batches it reported. */
function runAndKill(start: number, after: number): Promise<{ committed: number[]; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [WORKER, path, batchesFile, String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const committed: number[] = [];
    let finished = false;
    let buffered = '';
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.stdout?.on('data', (d) => {
      buffered += d;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('committed ')) {
          committed.push(Number(line.slice(10)));
          if (committed.length === after) setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 40));
        }
        if (line === 'done') finished = true;
        nl = buffered.indexOf('\n');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`worker failed (${code}): ${stderr}`));
      else resolve({ committed, finished });
    });
  });
}

async function batchCounts(): Promise<number[]> {
  const counts: number[] = [];
  for (let b = 0; b < BATCHES; b++) counts.push((await reader.find({ type: `Batch${b}` })).length);
  return counts;
}

describe('crash safety', () => {
  it(`keeps the file sound and batches whole across ${KILLS} SIGKILLs during imports`, async () => {
    const reported = new Set<number>();
    let next = 0;
    let kills = 0;
    // A reader in this process queries all the time while the child writes (WAL).
    let reading = true;
    let reads = 0;
    const readLoop = (async () => {
      while (reading) {
        const seen = await reader.find({ type: `Batch${next}` });
        expect([0, BATCH_SIZE]).toContain(seen.length);
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    try {
      for (let round = 0; round < KILLS && next < BATCHES; round++) {
        const { committed, finished } = await runAndKill(next, 1 + (round % 3));
        if (!finished) kills++;
        for (const b of committed) reported.add(b);
        expect(await reader.integrityCheck()).toBe('ok');
        const counts = await batchCounts();
        for (const [b, n] of counts.entries()) {
          expect([0, BATCH_SIZE], `batch ${b} is partly visible`).toContain(n);
          if (reported.has(b)) expect(n, `committed batch ${b} was lost`).toBe(BATCH_SIZE);
        }
        const present = counts.flatMap((n, b) => (n > 0 ? [b] : []));
        // Batches commit in order: what is present is a prefix.
        expect(present).toEqual(present.map((_, i) => i));
        next = present.length;
      }
    } finally {
      reading = false;
      await readLoop;
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS - 1);
    expect(reads).toBeGreaterThan(0);
    expect(await reader.count()).toBe(next * BATCH_SIZE);
  }, 120_000);
});

// Kills a child restoring a backup of 2 DIDs and 6,000 credentials: at the moment a DID
// becomes visible to another connection (where a restore in several transactions leaves
// a wallet with DIDs and no credentials), and at random moments. Every time the wallet
// is empty — and restoring again completes it — or complete.
describe('a restore killed midway', () => {
  const CREDENTIALS = 6_000;
  const PASSPHRASE = 'restore passphrase';
  const backupFile = tmp.file('restore.twbackup');
  let dids: string[];

  beforeAll(async () => {
    const source = await openWallet({ path: tmp.file('restore-source.db'), secret: 'source secret', kdf: TEST_KDF });
    try {
      dids = [(await source.createDid()).did, (await source.createDid({ method: 'jwk', keyType: 'P-256' })).did];
      const iss = issuer('key');
      const jwts = await Promise.all(
        Array.from({ length: CREDENTIALS }, (_, i) => vcJwt(iss, dids[i % 2] as string, { type: `Restored${i % 7}` })),
      );
      await source.receiveAll(jwts);
      writeFileSync(backupFile, await source.exportBackup(PASSPHRASE, { kdf: TEST_BACKUP_KDF }));
    } finally {
      await source.close();
    }
  }, 120_000);

  /** DIDs visible to a separate read-only connection, or 0 while the file or its tables do not exist yet. */
  function visibleDids(path: string): Promise<number> {
    if (!existsSync(path)) return Promise.resolve(0);
    return new Promise((resolve) => {
      const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => {
        if (err) return resolve(0);
        db.get('SELECT count(*) AS n FROM identifier', (e, row: { n: number } | undefined) => {
          db.close(() => resolve(e ? 0 : (row?.n ?? 0)));
        });
      });
    });
  }

  function restoreAndKill(path: string, when: 'did-visible' | number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [RESTORE_WORKER, path, backupFile, PASSPHRASE], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let stderr = '';
      let watching = false;
      const kill = () => child.kill('SIGKILL');
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      child.stdout?.on('data', async (d) => {
        out += d;
        if (!out.includes('ready') || watching) return;
        watching = true;
        if (typeof when === 'number') {
          setTimeout(kill, when);
          return;
        }
        while (child.exitCode === null && child.signalCode === null) {
          if ((await visibleDids(path)) > 0) return kill();
          await new Promise((r) => setTimeout(r, 1));
        }
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`restore worker failed (${code}): ${stderr}`));
        else resolve(out.includes('restored'));
      });
    });
  }

  it('leaves an empty wallet that restores again, or a complete one — never DIDs without their credentials', async () => {
    const outcomes: string[] = [];
    for (const [round, when] of (['did-visible', 40, 'did-visible', 120, 250, 'did-visible'] as const).entries()) {
      const path = tmp.file(`restored-${round}.db`);
      const finished = await restoreAndKill(path, when);
      const w = await openWallet({ path, secret: 'crash-test-secret', create: false });
      try {
        expect(await w.integrityCheck()).toBe('ok');
        const held = { dids: (await w.listDids()).length, credentials: await w.count() };
        if (held.dids === 0 && held.credentials === 0) {
          outcomes.push('empty');
          expect(finished).toBe(false);
          expect(await w.importBackup(readFileSync(backupFile), PASSPHRASE)).toMatchObject({ credentials: CREDENTIALS });
        } else {
          outcomes.push('complete');
          expect(held).toEqual({ dids: 2, credentials: CREDENTIALS });
        }
        expect((await w.listDids()).map((d) => d.did).sort()).toEqual([...dids].sort());
        expect(await w.count()).toBe(CREDENTIALS);
      } finally {
        await w.close();
      }
    }
    expect(outcomes).toHaveLength(6);
    // The random kills land inside the restore (it takes far longer than 40 ms).
    expect(outcomes).toContain('empty');
  }, 180_000);
});
