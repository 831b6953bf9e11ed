// Data Integrity credentials in backups: a backup carries them with the contexts they
// needed, a restore verifies each again with that material (a wallet opened without it
// restores them all the same), and a hostile backup cannot slip in a changed credential,
// metadata of its own, or material that is not what it claims to be.
import { type JsonObject, TradewindError } from '@tradewind/core';
import { openWallet, restoreWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackup, sealBackup } from '../src/backup/container.js';
import { diIssuer, PERMIT_CONTEXT, PERMIT_CONTEXT_URL, workPermit } from './di-fixtures.js';
import { issuer, SECRET, TEST_BACKUP_KDF, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
const PASS = 'backup passphrase';
let n = 0;
const fresh = () => openWallet({ path: tmp.file(`w-${n++}.db`), secret: SECRET, kdf: TEST_KDF });
let source: Wallet;
let diIds: string[];
let backup: Buffer;
const dataIntegrity = { contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT } };

beforeAll(async () => {
  source = await fresh();
  const me = (await source.createDid()).did;
  const rdfc = await diIssuer('eddsa-rdfc-2022');
  const ed2020 = await diIssuer('Ed25519Signature2020');
  diIds = await source.receiveAll(
    [await workPermit(rdfc, me), await workPermit(ed2020, me, { vcdm: 1 }), await workPermit(rdfc, me, { ownContext: false })],
    { dataIntegrity },
  );
  await source.receive(await vcJwt(issuer('key'), me));
  backup = await source.exportBackup(PASS, { kdf: TEST_BACKUP_KDF });
});
afterAll(async () => {
  await source.close();
  tmp.cleanup();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

describe('backups with Data Integrity credentials', () => {
  it('carry each with the contexts it needed (only those), and a wallet opened without them restores every one as it was', async () => {
    const contents = (await openBackup(backup, PASS)) as { credentials: Array<Record<string, unknown>> };
    const di = contents.credentials.filter((c) => c.format === 'di');
    expect(di.length).toBe(3);
    const materials = di.map((c) => (c.material === null ? null : JSON.parse(c.material as string)));
    expect(materials.filter((m) => m !== null)).toEqual([
      { contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT } },
      { contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT } },
    ]);
    const { wallet, restored } = await restoreWallet(
      { path: tmp.file('restored.db'), secret: 'other secret', kdf: TEST_KDF },
      backup,
      PASS,
    );
    try {
      expect(restored.credentials).toBe(4);
      expect(await wallet.list()).toEqual(await source.list());
      for (const id of diIds) expect((await wallet.get(id)).credential).toEqual((await source.get(id)).credential);
    } finally {
      await wallet.close();
    }
  });

  describe('a hostile backup', () => {
    let contents: { credentials: Array<Record<string, unknown>> } & Record<string, unknown>;
    beforeAll(async () => {
      contents = (await openBackup(backup, PASS)) as typeof contents;
    });
    const seal = (credentials: Array<Record<string, unknown>>) =>
      sealBackup({ ...structuredClone(contents), credentials }, PASS, TEST_BACKUP_KDF);
    const diRowAt = () => contents.credentials.findIndex((c) => c.format === 'di' && c.material !== null);
    const withRow = (change: (row: Record<string, unknown>) => Record<string, unknown>) =>
      contents.credentials.map((c, j) => (j === diRowAt() ? change(structuredClone(c)) : structuredClone(c)));

    it('rebuilds the metadata of a Data Integrity credential from what its issuer signed, never from the file', async () => {
      const w = await fresh();
      try {
        await w.importBackup(
          await seal(withRow((r) => ({ ...r, types: JSON.stringify(['Passport']), issuer: 'did:web:mallory.example', subject: null }))),
          PASS,
        );
        const row = contents.credentials[diRowAt()] as Record<string, unknown>;
        const restored = await w.get(row.id as string);
        expect(restored.types).toEqual(['VerifiableCredential', 'WorkPermitCredential']);
        expect(restored.issuer).toBe(row.issuer);
        expect(restored.subject).toBe(row.subject);
      } finally {
        await w.close();
      }
    });

    it('refuses a changed claim, a row that is not JSON, a credential stored under another format, and material that is not contexts and documents: BACKUP_INVALID, nothing restored', async () => {
      const changed = (r: Record<string, unknown>) => {
        const vc = JSON.parse(r.raw as string) as { credentialSubject: JsonObject } & JsonObject;
        vc.credentialSubject.permitNumber = 'GY-WP-2026-9999';
        return { ...r, raw: JSON.stringify(vc) };
      };
      const hostile: Array<(r: Record<string, unknown>) => Record<string, unknown>> = [
        changed,
        (r) => ({ ...r, raw: 'not json' }),
        (r) => ({ ...r, raw_kind: 'jwt' }),
        (r) => ({ ...r, format: 'vc+jwt' }),
        (r) => ({ ...r, material: '{"contexts":[]}' }),
        (r) => ({ ...r, material: '{"scripts":{}}' }),
        (r) => ({ ...r, material: '{"compatibility":"lenient"}' }),
        (r) => ({ ...r, material: 42 }),
        // Without the context it needs the credential cannot be read: it does not verify.
        (r) => ({ ...r, material: null }),
      ];
      for (const [k, change] of hostile.entries()) {
        const w = await fresh();
        try {
          expect(await codeOf(w.importBackup(await seal(withRow(change)), PASS)), `change ${k}`).toBe('BACKUP_INVALID');
          expect(await w.count()).toBe(0);
        } finally {
          await w.close();
        }
      }
    });

    it('a context the file swaps for another one under the same URL: the signature no longer verifies, BACKUP_INVALID', async () => {
      const swapped = {
        '@context': {
          '@protected': true,
          permitNumber: 'https://mallory.example/vocab#permitNumber',
          employer: 'https://schemas.example.gy/vocab#employer',
          WorkPermitCredential: 'https://schemas.example.gy/vocab#WorkPermitCredential',
        },
      };
      const w = await fresh();
      try {
        const change = (r: Record<string, unknown>) => ({
          ...r,
          material: JSON.stringify({ contexts: { [PERMIT_CONTEXT_URL]: swapped } }),
        });
        expect(await codeOf(w.importBackup(await seal(withRow(change)), PASS))).toBe('BACKUP_INVALID');
        expect(await w.count()).toBe(0);
      } finally {
        await w.close();
      }
    });
  });
});
