// A credential made the way MOSIP Inji Certify makes it (test/data-integrity/fixtures/inji:
// proof options canonicalised under security v3, the DID itself in assertionMethod), held
// by the wallet: refused spec-strict, stored when the holder names the issuer's MOSIP
// compatibility, and a backup restores it under that compatibility only.
import { readFileSync } from 'node:fs';
import { type JsonObject, TradewindError } from '@tradewind/core';
import { CredentialRejectedError, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackup, sealBackup } from '../src/backup/container.js';
import { SECRET, TEST_BACKUP_KDF, TEST_KDF, tempDir } from './fixtures.js';

const INJI = new URL('../../../test/data-integrity/fixtures/inji/', import.meta.url);
const read = (name: string) => JSON.parse(readFileSync(new URL(name, INJI), 'utf8')) as JsonObject;
const ISSUER = 'did:web:certify.inji.example';
const NATIONAL_ID_CONTEXT = 'https://tradewind-interop.github.io/inji-contexts/national-id-v2.json';
const credential = read('national-id-vcdm2-ed25519signature2020.json');
const material = { contexts: { [NATIONAL_ID_CONTEXT]: read('contexts/national-id-v2.json') }, documents: [read('did-web.json')] };
const PASS = 'backup passphrase';

const tmp = tempDir();
let n = 0;
const fresh = () => openWallet({ path: tmp.file(`m-${n++}.db`), secret: SECRET, kdf: TEST_KDF });
let wallet: Wallet;

beforeAll(async () => {
  wallet = await fresh();
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

describe('an Inji Certify credential (Ed25519Signature2020, proof options under security v3, did:web)', () => {
  it('is refused spec-strict (its key is not under assertionMethod, its proof options not under its own context): nothing stored', async () => {
    const e = await wallet.receive(credential, { dataIntegrity: material }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CredentialRejectedError);
    const [error] = (e as CredentialRejectedError).rejected[0]?.errors ?? [];
    // The DID itself in assertionMethod is refused before the signature is looked at.
    expect(['KEY_NOT_FOUND', 'SIGNATURE_INVALID']).toContain(error?.code);
    expect(await wallet.count()).toBe(0);
  });

  it('is stored under the compatibility named for its issuer, with COMPATIBILITY warnings; a backup restores it under that compatibility only', async () => {
    const options = { dataIntegrity: { ...material, compatibility: { [ISSUER]: 'mosip' as const } } };
    const received = await wallet.receive(credential, options);
    expect(received.added).toBe(true);
    expect(received.credential).toMatchObject({ format: 'di', issuer: ISSUER, types: ['VerifiableCredential', 'NationalIdCredential'] });
    expect(received.warnings.map((w) => w.code)).toContain('COMPATIBILITY');
    const backup = await wallet.exportBackup(PASS, { kdf: TEST_BACKUP_KDF });
    const contents = (await openBackup(backup, PASS)) as { credentials: Array<Record<string, unknown>> } & JsonObject;
    const row = contents.credentials[0] as Record<string, unknown>;
    expect(JSON.parse(row.material as string)).toEqual({ ...material, compatibility: 'mosip' });

    const restored = await fresh();
    try {
      expect((await restored.importBackup(backup, PASS)).credentials).toBe(1);
      expect((await restored.get(received.credential.id)).credential).toEqual(credential);
    } finally {
      await restored.close();
    }
    const strict = { ...material };
    const hostile = await sealBackup({ ...contents, credentials: [{ ...row, material: JSON.stringify(strict) }] }, PASS, TEST_BACKUP_KDF);
    const refused = await fresh();
    try {
      const e = await refused.importBackup(hostile, PASS).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(TradewindError);
      expect((e as TradewindError).code).toBe('BACKUP_INVALID');
      expect(await refused.count()).toBe(0);
    } finally {
      await refused.close();
    }
  });
});
