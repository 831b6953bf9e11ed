// Threat: a process killed (SIGKILL) while it held the init lock of a database left a
// `<db>.init-lock` file behind, and every later open waited 30 s and failed with
// STORAGE_ERROR until the file was two minutes old. The lock is now one the operating
// system releases when its holder dies.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAgent } from '@tradewind/agent';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInitLock } from '../src/init-lock.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const agentDir = fileURLToPath(new URL('..', import.meta.url));
// The child runs the real src/init-lock.ts, compiled here, next to the package so that
// it resolves sqlite3 as the package does.
const tmp = join(agentDir, '.tmp');
const holder = join(tmp, `init-lock-holder-${process.pid}.mjs`);
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-init-lock-'));
  mkdirSync(tmp, { recursive: true });
  const entry = join(tmp, `init-lock-holder-${process.pid}.entry.mjs`);
  writeFileSync(
    entry,
    `import { withInitLock } from ${JSON.stringify(join(agentDir, 'src/init-lock.ts'))};
await withInitLock(process.argv[2], 60_000, async () => {
  process.stdout.write('held\\n');
  await new Promise(() => setInterval(() => {}, 1000));
});`,
  );
  await build({
    entryPoints: [entry],
    outfile: holder,
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['sqlite3'],
    alias: { '@tradewind/core': join(agentDir, '../core/src/index.ts') },
    logLevel: 'error',
  });
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(tmp, `init-lock-holder-${process.pid}.entry.mjs`), { force: true });
  rmSync(holder, { force: true });
});

/** Starts a process that takes the init lock of `db` and holds it until killed; resolves once it holds it. */
function holdLockInChild(db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [holder, db], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    child.stdout?.on('data', (d) => {
      if (String(d).includes('held')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited (${code}): ${err}`)));
  });
}

describe('the init lock of a database', () => {
  it('a process killed with SIGKILL while holding the init lock does not block later opens', async () => {
    const db = join(dir, 'killed.db');
    const child = await holdLockInChild(db);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const started = Date.now();
    const agent = await openAgent({ path: db, secret: 's', kdf, busyTimeoutMs: 5_000 });
    await agent.close();
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('an open waits while a live process holds the lock, and goes on once it is killed', async () => {
    const db = join(dir, 'waiting.db');
    const child = await holdLockInChild(db);
    let opened = false;
    const opening = openAgent({ path: db, secret: 's', kdf, busyTimeoutMs: 20_000 }).then((agent) => {
      opened = true;
      return agent;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(opened).toBe(false);
    child.kill('SIGKILL');
    const agent = await opening;
    await agent.close();
    expect(opened).toBe(true);
  });

  it('a lock file left by a killed process of an earlier version (an empty <db>.init-lock) does not block', async () => {
    const db = join(dir, 'stale.db');
    writeFileSync(`${db}.init-lock`, '');
    const started = Date.now();
    const agent = await openAgent({ path: db, secret: 's', kdf, busyTimeoutMs: 3_000 });
    await agent.close();
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('times out with STORAGE_ERROR while a live holder keeps it, and serialises holders in one process', async () => {
    const db = join(dir, 'held.db');
    const order: string[] = [];
    let release!: () => void;
    const first = withInitLock(db, 5_000, async () => {
      order.push('first in');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      order.push('first out');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(withInitLock(db, 200, async () => order.push('never'))).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    const second = withInitLock(db, 5_000, async () => {
      order.push('second');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second']);
  });
});
