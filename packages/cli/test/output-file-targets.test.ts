// Threat: `--out` naming a folder, or a file in a folder that does not exist, made
// `wallet export` and `wallet present` fail with a raw EISDIR / ENOENT reported as
// UNEXPECTED — indistinguishable from a bug for a script — while `recognition-list
// sign` reported the same mistake as a usage error. Every `--out` file is now written
// through one helper: the caller's mistake is a usage error, a failing disk
// STORAGE_ERROR, both exit 2 and naming the file, and nothing is left behind.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOutputFile } from '../src/write-output.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-out-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = {
  TRADEWIND_SECRET: 'wallet secret',
  TRADEWIND_WALLET_DB: join(dir, 'wallet.db'),
  TRADEWIND_BACKUP_PASSPHRASE: 'backup passphrase',
};
const folder = join(dir, 'a-folder');

beforeAll(async () => {
  mkdirSync(folder);
  expect((await runMain(['wallet', 'init'], { env })).code).toBe(0);
});

describe('an --out that cannot be written is reported, never UNEXPECTED', () => {
  it.each([
    ['a folder', () => folder, 'it is a folder'],
    ['a file in a missing folder', () => join(dir, 'missing', 'backup.twbackup'), 'its folder does not exist'],
    ['a path through a file', () => join(dir, 'wallet.db', 'backup.twbackup'), 'a part of its path is not a folder'],
  ])('wallet export --out %s: usage error, exit 2, names the file', async (_name, target, reason) => {
    const out = target();
    const r = await runMain(['wallet', 'export', '--out', out], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('UNEXPECTED');
    expect(r.stderr).toContain(`cannot write ${out}: ${reason}`);
    const json = await runMain(['wallet', 'export', '--out', out, '--json'], { env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr).error.code).toBe('INVALID_ARGUMENT');
  });

  it('the helper behind every --out (wallet present, recognition-list sign) gives the same codes', async () => {
    await expect(writeOutputFile(folder, 'x')).rejects.toMatchObject({ name: 'UsageError', code: 'INVALID_ARGUMENT' });
    await expect(writeOutputFile(join(dir, 'missing', 'vp.jwt'), 'x')).rejects.toThrow(/its folder does not exist/);
  });

  it('the failed write leaves no temporary file in the folder', async () => {
    writeFileSync(join(folder, 'keep'), 'x');
    await expect(writeOutputFile(folder, 'content')).rejects.toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
