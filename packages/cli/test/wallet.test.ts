import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyPresentation } from '@tradewind/verifier';
import { afterAll, describe, expect, it } from 'vitest';
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

  it('add stores a credential from a file and a batch from stdin', async () => {
    const file = join(dir, 'id.jwt');
    writeFileSync(file, await vcJwt(issuer, { credentialSubject: { id: holder, givenName: 'Asha' } }));
    const one = await run(['add', file, '--json']);
    expect(one.code).toBe(0);
    ids = JSON.parse(one.stdout).stored;
    const batch = [
      await vcJwt(issuer, { id: 'urn:uuid:1', type: ['VerifiableCredential', 'DrivingPermit'], credentialSubject: { id: holder } }),
      await vcJwt(issuer, { id: 'urn:uuid:2', type: ['VerifiableCredential', 'BirthCertificate'], credentialSubject: { id: holder } }),
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
      credentialSubject: { id: holder },
    });
    const good = await vcJwt(issuer, { id: 'urn:uuid:3', credentialSubject: { id: holder } });
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
