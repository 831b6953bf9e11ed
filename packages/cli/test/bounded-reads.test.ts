// Threat: a command pointed at /dev/zero, an endless pipe or a huge file reads until
// memory runs out (`wallet import /dev/zero` reached 18 GB). Every read is capped by
// what the file is for, counted while reading, since devices and pipes have no size.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from '../src/io.js';
import { main } from '../src/main.js';
import { READ_LIMITS, readInput } from '../src/read-input.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-reads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { TRADEWIND_SECRET: 'secret', TRADEWIND_BACKUP_PASSPHRASE: 'passphrase' };
const credential = join(dir, 'x.jwt');
writeFileSync(credential, 'x');
// A status folder whose manifest is /dev/zero, and one whose manifest names /dev/zero as a list.
const zeroManifest = join(dir, 'zero-manifest');
mkdirSync(zeroManifest);
symlinkSync('/dev/zero', join(zeroManifest, 'status-lists.json'));
const zeroList = join(dir, 'zero-list');
mkdirSync(zeroList);
writeFileSync(join(zeroList, 'status-lists.json'), JSON.stringify([{ url: 'https://id.gov.tt/status/1', file: '1' }]));
symlinkSync('/dev/zero', join(zeroList, '1'));

function limitError(r: { code: number; stderr: string }): void {
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stderr).error.code).toBe('LIMIT_EXCEEDED');
}

describe('every read the CLI makes is bounded', () => {
  it('verify /dev/zero ends quickly with LIMIT_EXCEEDED, exit 2', async () => {
    const started = Date.now();
    const r = await runMain(['verify', '/dev/zero', '--json']);
    limitError(r);
    expect(JSON.parse(r.stderr).error.message).toMatch(/input \/dev\/zero is larger than 4 MiB/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const human = await runMain(['verify', '/dev/zero']);
    expect(human.stderr).toBe('tradewind verify: input /dev/zero is larger than 4 MiB, the most tradewind reads for it\n');
  });

  it('wallet import /dev/zero ends quickly with LIMIT_EXCEEDED and creates no wallet', async () => {
    const db = join(dir, 'imported.db');
    const started = Date.now();
    const r = await runMain(['wallet', 'import', '/dev/zero', '--db', db, '--json'], { env });
    limitError(r);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(db)).toBe(false);
  });

  it.each([
    ['--policy', ['verify', credential, '--policy', '/dev/zero']],
    ['--status-list', ['verify', credential, '--status-list', 'https://id.gov.tt/status/1=/dev/zero']],
    ['--status-dir manifest', ['verify', credential, '--status-dir', zeroManifest]],
    ['--status-dir list', ['verify', credential, '--status-dir', zeroList]],
    ['--secret-file', ['wallet', 'list', '--db', '/dev/null', '--secret-file', '/dev/zero']],
    ['wallet add input', ['wallet', 'add', '/dev/zero', '--db', '/dev/null']],
    ['recognition-list inspect', ['recognition-list', 'inspect', '/dev/zero']],
    ['recognition-list sign list file', ['recognition-list', 'sign', '/dev/zero', '--db', '/dev/null']],
    ['issue --subject', ['issue', '--type', 'T', '--subject', '/dev/zero', '--db', '/dev/null']],
  ])('%s from /dev/zero: LIMIT_EXCEEDED, exit 2', async (_name, argv) => {
    limitError(await runMain([...argv, '--json'], { env }));
  });

  it('a file one byte over the cap is refused; one at the cap is read', async () => {
    const big = join(dir, 'big.jwt');
    writeFileSync(big, Buffer.alloc(READ_LIMITS.credential + 1, 0x61));
    limitError(await runMain(['verify', big, '--json']));
    const fits = join(dir, 'fits.jwt');
    writeFileSync(fits, Buffer.alloc(READ_LIMITS.credential, 0x61));
    const r = await runMain(['verify', fits, '--json']);
    expect(r.code).toBe(1); // read, then refused by the verifier's own, lower limit
    expect(JSON.parse(r.stdout).verified).toBe(false);
  });

  it('many files at their own cap still stop at the total for their kind (policy lists, status lists)', async () => {
    const listFile = join(dir, 'list-at-cap.jwt');
    writeFileSync(listFile, Buffer.alloc(READ_LIMITS.recognitionList, 0x61));
    const count = READ_LIMITS.recognitionListsTotal / READ_LIMITS.recognitionList + 1;
    const names = Array.from({ length: count }, (_, i) => `list-${i}.jwt`);
    for (const name of names) symlinkSync(listFile, join(dir, name));
    const policy = join(dir, 'many-lists.json');
    writeFileSync(
      policy,
      JSON.stringify({ anchors: ['did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'], recognitionLists: names }),
    );
    const r = await runMain(['verify', credential, '--policy', policy, '--json']);
    limitError(r);
    expect(JSON.parse(r.stderr).error.message).toMatch(/recognition lists of policy .* together are larger than 64 MiB/);

    const statusDir = join(dir, 'many-status-lists');
    mkdirSync(statusDir);
    const statusFile = join(dir, 'status-at-cap.jwt');
    writeFileSync(statusFile, Buffer.alloc(READ_LIMITS.statusList, 0x61));
    const lists = Array.from({ length: READ_LIMITS.statusListsTotal / READ_LIMITS.statusList + 1 }, (_, i) => ({
      url: `https://id.gov.tt/status/${i}`,
      file: String(i),
    }));
    for (const l of lists) symlinkSync(statusFile, join(statusDir, l.file));
    writeFileSync(join(statusDir, 'status-lists.json'), JSON.stringify(lists));
    const s = await runMain(['verify', credential, '--status-dir', statusDir, '--json']);
    limitError(s);
    expect(JSON.parse(s.stderr).error.message).toMatch(/status lists together are larger than 64 MiB/);
  });

  it('stops reading an endless stdin just past the cap', async () => {
    let consumed = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    const io: Io = {
      stdout: () => undefined,
      stderr: () => undefined,
      async *stdin() {
        for (;;) {
          consumed += chunk.byteLength;
          yield chunk;
        }
      },
      env: {},
    };
    expect(await main(['verify', '-'], io)).toBe(2);
    expect(consumed).toBeLessThanOrEqual(READ_LIMITS.credential + chunk.byteLength);
    await expect(readInput('-', io, { what: 'input', maxBytes: 1000 })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });
});

// Threat: the byte cap of `wallet add` (64 MiB) still let 64 MiB of one-character lines
// through as 32 million "credentials", each verified and reported: gigabytes of memory
// and minutes of work. The number of credentials is capped too, before any is verified.
describe('wallet add: at most MAX_ADD_CREDENTIALS credentials per call', () => {
  it('more lines, or a longer JSON array, is LIMIT_EXCEEDED (exit 2) at once; the cap itself still goes to verification', async () => {
    const { MAX_ADD_CREDENTIALS } = await import('../src/commands/wallet.js');
    const env = { TRADEWIND_SECRET: 's', TRADEWIND_WALLET_DB: '/nonexistent/wallet.db' };
    const started = Date.now();
    const lines = await runMain(['wallet', 'add', '-'], { stdin: 'a\n'.repeat(MAX_ADD_CREDENTIALS + 1), env });
    expect(lines.code).toBe(2);
    expect(lines.stderr).toMatch(/more than 10000 credentials, the most one wallet add takes/);
    const array = await runMain(['wallet', 'add', '-', '--json'], {
      stdin: `[${Array(MAX_ADD_CREDENTIALS + 1)
        .fill('1')
        .join(',')}]`,
      env,
    });
    expect(array.code).toBe(2);
    expect(JSON.parse(array.stderr).error.code).toBe('LIMIT_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(5_000);
    // At the cap the input is accepted as input (here: no wallet at that path, a different usage error).
    const atCap = await runMain(['wallet', 'add', '-', '--json'], { stdin: 'a\n'.repeat(MAX_ADD_CREDENTIALS), env });
    expect(JSON.parse(atCap.stderr).error.code).toBe('NOT_FOUND');
  });
});

// Threat: a --subject file of nested brackets (well under the 16 MiB cap) overflowed the
// stack of the claim-name check: RangeError, reported as UNEXPECTED. Nesting is bounded
// before the file is parsed.
describe('issue --subject: nesting is bounded before parsing', () => {
  it('a deeply nested subject file is LIMIT_EXCEEDED, exit 2, never UNEXPECTED', async () => {
    const n = 200_000;
    const r = await runMain(['issue', '--type', 'T', '--subject', '-', '--db', '/nonexistent/issuer.db'], {
      stdin: `{"a":${'['.repeat(n)}${']'.repeat(n)}}`,
      env: { TRADEWIND_SECRET: 's' },
    });
    expect(r.stderr).not.toContain('UNEXPECTED');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/subject file - nests deeper than 32 levels/);
  });
});

// Threat: a FIFO placed in a --status-dir folder (named by its manifest) or named by a
// policy as a recognition list blocked `verify` for ever: opening a FIFO waits for a
// writer. Files named inside other files must be regular files, checked without opening.
describe('files named by a manifest or a policy: never a FIFO', () => {
  it('a FIFO as a status list of --status-dir or a recognition list of --policy is a usage error at once', async () => {
    const fifoDir = mkdtempSync(join(tmpdir(), 'tw-cli-fifo-'));
    try {
      const fifo = join(fifoDir, '1');
      if (spawnSync('mkfifo', [fifo]).status !== 0) return;
      writeFileSync(join(fifoDir, 'status-lists.json'), JSON.stringify([{ url: 'https://status.example/1', file: '1' }]));
      writeFileSync(join(fifoDir, 'cred.jwt'), 'x.y.z');
      writeFileSync(
        join(fifoDir, 'policy.json'),
        JSON.stringify({ anchors: ['did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'], recognitionLists: ['1'] }),
      );
      const started = Date.now();
      const dirRun = await runMain(['verify', join(fifoDir, 'cred.jwt'), '--status-dir', fifoDir]);
      expect(dirRun.code).toBe(2);
      expect(dirRun.stderr).toMatch(/status list file .*1: a FIFO or socket/);
      const policyRun = await runMain(['verify', join(fifoDir, 'cred.jwt'), '--policy', join(fifoDir, 'policy.json')]);
      expect(policyRun.code).toBe(2);
      expect(policyRun.stderr).toMatch(/recognition list .*1: a FIFO or socket/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      rmSync(fifoDir, { recursive: true, force: true });
    }
  }, 20_000);
});
