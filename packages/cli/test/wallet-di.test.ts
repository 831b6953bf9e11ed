// tradewind wallet with Data Integrity credentials: add with --context and
// --did-document (nothing is fetched), list and show them, present them as vp+jwt and
// with --format di, and back them up and restore them without those flags.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@tradewind/core';
import { verifyPresentation } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diIssuer, PERMIT_CONTEXT, PERMIT_CONTEXT_URL, workPermit } from '../../wallet/test/di-fixtures.js';
import { walletCommands } from '../src/commands/wallet.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-wallet-di-'));
const db = join(dir, 'wallet.db');
const env = { TRADEWIND_SECRET: 'wallet secret', TRADEWIND_WALLET_DB: db, TRADEWIND_BACKUP_PASSPHRASE: 'backup passphrase' };
const run = (argv: string[], options: { env?: Record<string, string> } = {}) =>
  runMain(['wallet', ...argv], { env: options.env ?? env, commands: [walletCommands] });
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const AUD = 'https://labour.gov.example.gy';
const NONCE = 'n-4f0c9a';
const WEB_DID = 'did:web:immigration.gov.example.gy';
const dataIntegrity = { contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT } };

let holder: string;
let permitFile: string;
let contextFlag: string;
let webPermitFile: string;
let didDocumentFlag: string;
let ids: string[] = [];

beforeAll(async () => {
  const init = await run(['init', '--json']);
  expect(init.code, init.stderr).toBe(0);
  holder = JSON.parse(init.stdout).did;
  permitFile = file('permit.json', await workPermit(await diIssuer('eddsa-rdfc-2022'), holder));
  contextFlag = `${PERMIT_CONTEXT_URL}=${file('permit-context.json', PERMIT_CONTEXT)}`;
  const web = await diIssuer('Ed25519Signature2020', { did: WEB_DID });
  webPermitFile = file('web-permit.json', await workPermit(web, holder, { number: 'GY-WP-2026-0100' }));
  didDocumentFlag = `${WEB_DID}=${file('did.json', web.document)}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradewind wallet with Data Integrity credentials', () => {
  it('add refuses a credential whose context is not given (MALFORMED, exit 1) and one of a did:web issuer without its document', async () => {
    const noContext = await run(['add', permitFile]);
    expect(noContext.code).toBe(1);
    expect(noContext.stdout).toContain('MALFORMED');
    expect(noContext.stdout).toContain(PERMIT_CONTEXT_URL);
    const noDocument = await run(['add', webPermitFile, '--context', contextFlag, '--json']);
    expect(noDocument.code).toBe(1);
    const codes = JSON.parse(noDocument.stdout).rejected[0].errors.map((e: { code: string }) => e.code);
    expect(
      codes.some((c: string) => c === 'DID_UNRESOLVABLE' || c === 'KEY_NOT_FOUND'),
      codes.join(),
    ).toBe(true);
    const list = await run(['list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('add stores them with --context URL=FILE and --did-document ID=FILE; list and show give them back', async () => {
    const one = await run(['add', permitFile, '--context', contextFlag, '--json']);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    const two = await run(['add', webPermitFile, '--context', contextFlag, '--did-document', didDocumentFlag, '--json']);
    expect(two.code, two.stdout + two.stderr).toBe(0);
    ids = [...JSON.parse(one.stdout).stored, ...JSON.parse(two.stdout).stored];
    const list = await run(['list', '--format', 'di', '--json']);
    const listed = JSON.parse(list.stdout) as JsonObject[];
    expect(listed.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(listed.find((c) => c.id === ids[1])?.issuer).toBe(WEB_DID);
    const show = await run(['show', ids[0] as string]);
    expect(JSON.parse(show.stdout)).toEqual(JSON.parse(readFileSync(permitFile, 'utf8')));
  });

  it('add refuses a malformed --context or --did-document flag as a usage error (exit 2)', async () => {
    for (const flags of [
      ['--context', 'no-equals-sign'],
      ['--context', `not a url=${join(dir, 'permit-context.json')}`],
      ['--did-document', `did:web:other.example=${join(dir, 'did.json')}`],
    ]) {
      const r = await run(['add', permitFile, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
    }
  });

  it('present --format di prints a Data Integrity presentation the verifier accepts for that nonce and audience', async () => {
    const r = await run(['present', ...ids, '--audience', AUD, '--nonce', NONCE, '--format', 'di']);
    expect(r.code, r.stderr).toBe(0);
    const vp = JSON.parse(r.stdout) as JsonObject;
    expect(vp.proof).toMatchObject({ type: 'DataIntegrityProof', challenge: NONCE, domain: AUD, proofPurpose: 'authentication' });
    const web = JSON.parse(readFileSync(join(dir, 'did.json'), 'utf8')) as JsonObject;
    const options = { nonce: NONCE, audience: AUD, dataIntegrity: { ...dataIntegrity, documents: [web] } };
    const ok = await verifyPresentation(vp, options);
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
    expect((await verifyPresentation(vp, { ...options, nonce: 'other' })).verified).toBe(false);
    const json = await run(['present', ids[0] as string, '--audience', AUD, '--nonce', NONCE, '--format', 'di', '--json']);
    expect(JSON.parse(json.stdout).presentation.holder).toBe(holder);
  });

  it('present (vp+jwt by default) carries them as their JSON objects', async () => {
    const r = await run(['present', ids[0] as string, '--audience', AUD, '--nonce', NONCE]);
    expect(r.code, r.stderr).toBe(0);
    const payload = JSON.parse(Buffer.from(r.stdout.trim().split('.')[1] as string, 'base64url').toString());
    expect(payload.verifiableCredential).toEqual([JSON.parse(readFileSync(permitFile, 'utf8'))]);
    const ok = await verifyPresentation(r.stdout.trim(), { nonce: NONCE, audience: AUD, dataIntegrity });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
  });

  it('present --format takes jwt_vp, vp+jwt or di only (exit 2)', async () => {
    const r = await run(['present', ids[0] as string, '--audience', AUD, '--nonce', NONCE, '--format', 'ldp_vp']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('jwt_vp, vp+jwt or di');
  });

  it('export and import: the restored wallet holds them, verified again without any flag', async () => {
    const backupFile = join(dir, 'wallet.twbackup');
    const exported = await run(['export', '--out', backupFile]);
    expect(exported.code, exported.stderr).toBe(0);
    const restoredEnv = { ...env, TRADEWIND_WALLET_DB: join(dir, 'restored.db') };
    const imported = await run(['import', backupFile], { env: restoredEnv });
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    const list = await run(['list', '--json'], { env: restoredEnv });
    expect((JSON.parse(list.stdout) as JsonObject[]).map((c) => c.id).sort()).toEqual([...ids].sort());
  });
});
