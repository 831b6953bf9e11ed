import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyPresentation } from '@tradewind/verifier';
import { openWallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletCommands } from '../src/commands/wallet.js';
import { didJwk, vcJwt } from './helpers/credentials.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-wallet-'));
const db = join(dir, 'wallet.db');
const env = { TRADEWIND_SECRET: 'wallet secret', TRADEWIND_WALLET_DB: db, TRADEWIND_BACKUP_PASSPHRASE: 'backup passphrase' };
const run = (argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
  runMain(['wallet', ...argv], {
    env: options.env ?? env,
    commands: [walletCommands],
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
const issuer = didJwk();

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradewind wallet', () => {
  let holder: string;
  let ids: string[] = [];

  it('init creates the wallet and a holder DID', async () => {
    const r = await run(['init', '--method', 'jwk', '--json']);
    expect(r.code).toBe(0);
    holder = JSON.parse(r.stdout).did;
    expect(holder).toMatch(/^did:jwk:/);
  });

  it('init on an existing wallet is ALREADY_EXISTS (exit 2) unless --add asks for another holder DID', async () => {
    const again = await run(['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/ALREADY_EXISTS|already/);
    const added = await run(['init', '--add', '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout).did).not.toBe(holder);
    const nowhere = await run(['init', '--add'], { env: { ...env, TRADEWIND_WALLET_DB: join(dir, 'none.db') } });
    expect(nowhere.code).toBe(2);
    expect(existsSync(join(dir, 'none.db'))).toBe(false);
  });

  it('add stores a credential from a file and a batch from stdin', async () => {
    const file = join(dir, 'id.jwt');
    writeFileSync(file, await vcJwt(issuer, { credentialSubject: { id: holder, givenName: 'Asha' } }));
    const one = await run(['add', file, '--json']);
    expect(one.code).toBe(0);
    ids = JSON.parse(one.stdout).stored;
    const batch = [
      await vcJwt(issuer, {
        id: 'urn:uuid:1',
        type: ['VerifiableCredential', 'DrivingPermit'],
        credentialSubject: { id: holder, givenName: 'Asha' },
      }),
      await vcJwt(issuer, {
        id: 'urn:uuid:2',
        type: ['VerifiableCredential', 'BirthCertificate'],
        credentialSubject: { id: holder, givenName: 'Asha' },
      }),
    ];
    const two = await run(['add', '-'], { stdin: batch.join('\n') });
    expect(two.code).toBe(0);
    ids.push(...two.stdout.trim().split('\n'));
    expect(ids).toHaveLength(3);
  });

  it('add refuses a credential that does not verify, stores nothing and reports the code', async () => {
    const expired = await vcJwt(issuer, {
      validFrom: '2020-01-01T00:00:00Z',
      validUntil: '2021-01-01T00:00:00Z',
      credentialSubject: { id: holder, givenName: 'Asha' },
    });
    const good = await vcJwt(issuer, { id: 'urn:uuid:3', credentialSubject: { id: holder, givenName: 'Asha' } });
    const r = await run(['add', '-', '--json'], { stdin: JSON.stringify([good, expired]) });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).rejected[0]).toMatchObject({ index: 1, errors: [{ code: 'EXPIRED' }] });
    const list = await run(['list', '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(3);
  });

  it('list filters by type and validity; show prints the credential as received', async () => {
    const permits = JSON.parse((await run(['list', '--type', 'DrivingPermit', '--json'])).stdout);
    expect(permits).toHaveLength(1);
    expect(JSON.parse((await run(['list', '--valid-at', '1999-01-01T00:00:00Z', '--json'])).stdout)).toEqual([]);
    const human = await run(['list']);
    expect(human.stdout).toContain('DrivingPermit');
    const shown = await run(['show', ids[0] as string]);
    expect(shown.stdout.trim()).toBe(readFileSync(join(dir, 'id.jwt'), 'utf8'));
  });

  it('present writes a VP that verifies for its audience and nonce only', async () => {
    const out = join(dir, 'vp.jwt');
    const r = await run(['present', ...ids, '--audience', 'https://border.example.lc', '--nonce', 'n-123', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const vp = readFileSync(out, 'utf8').trim();
    expect((await verifyPresentation(vp, { audience: 'https://border.example.lc', nonce: 'n-123' })).verified).toBe(true);
    expect((await verifyPresentation(vp, { audience: 'https://border.example.lc', nonce: 'other' })).verified).toBe(false);
    expect((await run(['present', ids[0] as string, '--nonce', 'n'])).code).toBe(2);
  });

  it('export and import restore the wallet; a wrong passphrase is BACKUP_INVALID', async () => {
    const backup = join(dir, 'wallet.twbackup');
    expect((await run(['export', '--out', backup])).code).toBe(0);
    const restored = { ...env, TRADEWIND_WALLET_DB: join(dir, 'restored.db') };
    const wrong = await run(['import', backup, '--json'], { env: { ...restored, TRADEWIND_BACKUP_PASSPHRASE: 'nope' } });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stderr).error.code).toBe('BACKUP_INVALID');
    const ok = await run(['import', backup, '--json'], { env: restored });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ credentials: 3 });
    expect(JSON.parse((await run(['list', '--json'], { env: restored })).stdout).map((c: { id: string }) => c.id)).toEqual(ids);
  });

  it('a refused import (wrong passphrase, damaged backup, not a backup) leaves no wallet file at --db', async () => {
    const backup = join(dir, 'wallet.twbackup');
    const good = readFileSync(backup);
    const damaged = Buffer.from(good);
    damaged[damaged.length - 5] = (damaged[damaged.length - 5] as number) ^ 1;
    const cases = [
      { file: backup, passphrase: 'wrong passphrase' },
      { file: join(dir, 'damaged.twbackup'), passphrase: env.TRADEWIND_BACKUP_PASSPHRASE },
      { file: join(dir, 'id.jwt'), passphrase: env.TRADEWIND_BACKUP_PASSPHRASE },
    ];
    writeFileSync(cases[1]?.file as string, damaged);
    for (const [i, c] of cases.entries()) {
      const target = join(dir, `refused-${i}.db`);
      const r = await run(['import', c.file, '--json'], {
        env: { ...env, TRADEWIND_WALLET_DB: target, TRADEWIND_BACKUP_PASSPHRASE: c.passphrase },
      });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stderr).error.code).toBe('BACKUP_INVALID');
      for (const f of [target, `${target}-wal`, `${target}-shm`, `${target}.init-lock`]) expect(existsSync(f), f).toBe(false);
    }
  });

  it('delete removes a credential; deleting it again is NOT_FOUND', async () => {
    expect((await run(['delete', ids[2] as string])).code).toBe(0);
    const again = await run(['delete', ids[2] as string, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error.code).toBe('NOT_FOUND');
  });

  it('usage errors exit 2: no database, no secret, missing wallet', async () => {
    expect((await run(['list'], { env: { TRADEWIND_SECRET: 's' } })).code).toBe(2);
    expect((await run(['list'], { env: { TRADEWIND_WALLET_DB: db } })).code).toBe(2);
    expect((await run(['list'], { env: { ...env, TRADEWIND_WALLET_DB: join(dir, 'missing.db') } })).code).toBe(2);
    expect((await run(['init', '--method', 'web'])).code).toBe(2);
  });
});

// The built `tradewind` (packages/cli/dist, built by `pnpm build` / scripts/test.sh before
// the tests) killed or starved while it writes a backup over a previous one.
describe('tradewind wallet export, interrupted', () => {
  const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  const work = mkdtempSync(join(tmpdir(), 'tw-cli-export-'));
  const wallet = join(work, 'big.db');
  const target = join(work, 'wallet.twbackup');
  const exportEnv = { ...env, TRADEWIND_WALLET_DB: wallet };
  let previous: Buffer;

  beforeAll(async () => {
    // About 3.5 MB of backup: 400 credentials, each with an incompressible 8 KB photo.
    const holder = JSON.parse((await run(['init', '--json'], { env: exportEnv })).stdout).did;
    const credentials = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        vcJwt(issuer, { id: `urn:uuid:photo-${i}`, credentialSubject: { id: holder, photo: randomBytes(6 * 1024).toString('base64') } }),
      ),
    );
    const added = await run(['add', '-'], { stdin: JSON.stringify(credentials), env: exportEnv });
    expect(added.code, added.stderr).toBe(0);
    expect((await run(['export', '--out', target], { env: exportEnv })).code).toBe(0);
    previous = readFileSync(target);
    expect(previous.length).toBeGreaterThan(2 * 1024 * 1024);
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function spawnExport(prefix: string[] = []): ChildProcess {
    const argv = [BIN, 'wallet', 'export', '--out', target];
    return prefix.length > 0
      ? spawn('bash', ['-c', `${prefix.join(' ')}; exec "$0" "$@"`, process.execPath, ...argv], { env: exportEnv, stdio: 'pipe' })
      : spawn(process.execPath, argv, { env: exportEnv, stdio: 'pipe' });
  }

  const exited = (child: ChildProcess) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );

  /** The target is the previous backup byte for byte, or a whole new one that restores. */
  async function expectIntactBackup(): Promise<'previous' | 'new'> {
    const now = readFileSync(target);
    if (now.equals(previous)) return 'previous';
    const check = await openWallet({ path: join(work, `check-${randomBytes(4).toString('hex')}.db`), secret: 'check' });
    try {
      expect((await check.importBackup(now, env.TRADEWIND_BACKUP_PASSPHRASE)).credentials).toBe(400);
    } finally {
      await check.close();
    }
    previous = now;
    return 'new';
  }

  it('leaves the previous backup byte-identical when the disk fills (ulimit -f) during the write', async () => {
    const child = spawnExport(['ulimit -f 1024']);
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const { code, signal } = await exited(child);
    expect(code !== 0 || signal !== null, stderr).toBe(true);
    expect(readFileSync(target).equals(previous)).toBe(true);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('never leaves a truncated backup when killed (SIGKILL) as the write starts or at a random moment', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      const before = statSync(target);
      const entries = new Set(readdirSync(work));
      const child = spawnExport();
      const done = exited(child);
      if (round % 2 === 0) {
        // Kill at the first sign of writing: the target changes, or a new file appears beside it.
        let running = true;
        void done.then(() => {
          running = false;
        });
        while (running) {
          const st = statSync(target, { throwIfNoEntry: false });
          const changed = !st || st.ino !== before.ino || st.size !== before.size || st.mtimeMs !== before.mtimeMs;
          if (changed || readdirSync(work).some((f) => !entries.has(f) && !f.startsWith('big.db'))) {
            child.kill('SIGKILL');
            break;
          }
          await new Promise((r) => setImmediate(r));
        }
      } else {
        setTimeout(() => child.kill('SIGKILL'), 200 + Math.floor(Math.random() * 1200));
      }
      await done;
      outcomes.push(await expectIntactBackup());
    }
    expect(outcomes).toHaveLength(6);
  }, 120_000);
});
