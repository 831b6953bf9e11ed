// SD-JWT VCs in backups and in wallets made before schema 3: a backup carries them and a
// restore verifies them again; a hostile backup cannot slip in a presentation or a
// credential under another format; schema 1 and 2 wallets upgrade and then hold them.
import { copyFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TradewindError } from '@tradewind/core';
import { verifyPresentation } from '@tradewind/verifier';
import { type HolderDid, openWallet, restoreWallet, type Wallet } from '@tradewind/wallet';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackup, sealBackup } from '../src/backup/container.js';
import { issuer, SECRET, TEST_BACKUP_KDF, TEST_KDF, tempDir, vcJwt } from './fixtures.js';
import { issueSdJwt, referenceVerifier, sdJwtIssuer } from './sd-jwt-fixtures.js';

const tmp = tempDir();
const PASS = 'backup passphrase';
const tt = sdJwtIssuer('EdDSA');
const bb = sdJwtIssuer('ES256');
let n = 0;
const fresh = () => openWallet({ path: tmp.file(`w-${n++}.db`), secret: SECRET, kdf: TEST_KDF });
let source: Wallet;
let ed: HolderDid;
let es: HolderDid;
let sdIds: string[];
let backup: Buffer;

beforeAll(async () => {
  source = await fresh();
  ed = await source.createDid();
  es = await source.createDid({ method: 'jwk', keyType: 'P-256' });
  sdIds = await source.receiveAll([await issueSdJwt(tt, ed), await issueSdJwt(bb, es, { binding: 'kid', vct: 'urn:eudi:pid:1' })]);
  await source.receive(await vcJwt(issuer('key'), ed.did));
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

describe('backups with SD-JWT VCs', () => {
  it('restore them with their ids, vct and disclosable claims, and the restored wallet presents them', async () => {
    const { wallet, restored } = await restoreWallet(
      { path: tmp.file('restored.db'), secret: 'other secret', kdf: TEST_KDF },
      backup,
      PASS,
    );
    try {
      expect(restored.credentials).toBe(3);
      expect(await wallet.list()).toEqual(await source.list());
      const [pid] = await wallet.find({ type: 'urn:eudi:pid:1' });
      expect(pid).toMatchObject({ id: sdIds[1], format: 'dc+sd-jwt', vct: 'urn:eudi:pid:1', issuer: bb.did });
      expect(await wallet.disclosableClaims(sdIds[0] as string)).toEqual(await source.disclosableClaims(sdIds[0] as string));
      for (const [i, iss] of [tt, bb].entries()) {
        const { presentation } = await wallet.presentSdJwt({
          credential: sdIds[i] as string,
          disclose: ['family_name'],
          nonce: 'n-restored',
          audience: 'https://a.example',
        });
        const result = await verifyPresentation(presentation, { nonce: 'n-restored', audience: 'https://a.example' });
        expect(result.verified, JSON.stringify(result)).toBe(true);
        await referenceVerifier(iss).verify(presentation, { keyBindingNonce: 'n-restored' });
      }
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
    const withRow = (i: number, change: (row: Record<string, unknown>) => Record<string, unknown>) =>
      contents.credentials.map((c, j) => (j === i ? change(structuredClone(c)) : structuredClone(c)));
    const sdRow = () => contents.credentials.findIndex((c) => c.format === 'dc+sd-jwt');

    it('rebuilds the claims of an SD-JWT VC from what the issuer signed, never from the file', async () => {
      const w = await fresh();
      try {
        await w.importBackup(
          await seal(
            withRow(sdRow(), (r) => ({
              ...r,
              claims: JSON.stringify({ disclosable: [{ path: '/passport', name: 'passport', value: 'X' }], alwaysShown: [] }),
              types: JSON.stringify(['Passport']),
            })),
          ),
          PASS,
        );
        const claims = (await w.disclosableClaims(sdIds[0] as string)).map((c) => c.path);
        expect(claims).toContain('/given_name');
        expect(claims).not.toContain('/passport');
        expect((await w.get(sdIds[0] as string)).types).toEqual(['NationalIdCredential']);
      } finally {
        await w.close();
      }
    });

    it('an SD-JWT VC held twice, first with one disclosure: restored once, with the union of the disclosures; a copy with a forged disclosure: BACKUP_INVALID', async () => {
      const i = sdRow();
      const row = contents.credentials[i] as Record<string, unknown>;
      const parts = (row.raw as string).split('~');
      // A top-level claim's disclosure alone (a nested one needs its parent's).
      const one = parts.find((d) => Buffer.from(d, 'base64url').toString().includes('"given_name"')) as string;
      const stripped = { ...structuredClone(row), raw: `${parts[0]}~${one}~` };
      const w = await fresh();
      try {
        const restored = await w.importBackup(await seal([stripped, ...structuredClone(contents.credentials)]), PASS);
        expect(restored.credentials).toBe(contents.credentials.length);
        expect(await w.disclosableClaims(sdIds[0] as string)).toEqual(await source.disclosableClaims(sdIds[0] as string));
        expect((await w.get(sdIds[0] as string)).raw).toBe(
          `${parts[0]}~${one}~${parts
            .slice(1, -1)
            .filter((d) => d !== one)
            .join('~')}~`,
        );
      } finally {
        await w.close();
      }
      const forged = Buffer.from('["c2FsdHNhbHRzYWx0","given_name","Mallory"]').toString('base64url');
      const planted = { ...structuredClone(row), raw: `${parts[0]}~${forged}~` };
      const w2 = await fresh();
      try {
        expect(await codeOf(w2.importBackup(await seal([...structuredClone(contents.credentials), planted]), PASS))).toBe('BACKUP_INVALID');
        expect(await w2.count()).toBe(0);
      } finally {
        await w2.close();
      }
    });

    it('refuses an SD-JWT bound to a key none of its DIDs holds, one with a key-binding JWT, one with a tampered disclosure, and one stored under another format: BACKUP_INVALID', async () => {
      const i = sdRow();
      const raw = contents.credentials[i]?.raw as string;
      const kb = (
        await source.presentSdJwt({ credential: sdIds[0] as string, disclose: ['given_name'], nonce: 'n', audience: 'https://a.example' })
      ).presentation;
      const parts = raw.split('~');
      const tampered = [parts[0], Buffer.from('["salt","given_name","Mallory"]').toString('base64url'), ...parts.slice(2)].join('~');
      const foreignHolder = { ...ed, publicJwk: sdJwtIssuer('ES256').publicJwk as never };
      const foreign = await issueSdJwt(tt, foreignHolder);
      const w0 = await fresh();
      const refused = await w0.importBackup(await seal(withRow(i, (r) => ({ ...r, raw: foreign }))), PASS).catch((e: unknown) => e);
      await w0.close();
      expect(refused).toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringContaining('bound (cnf) to a key') });
      for (const change of [
        (r: Record<string, unknown>) => ({ ...r, raw: foreign }),
        (r: Record<string, unknown>) => ({ ...r, raw: kb }),
        (r: Record<string, unknown>) => ({ ...r, raw: tampered }),
        (r: Record<string, unknown>) => ({ ...r, format: 'vc+jwt' }),
      ]) {
        const w = await fresh();
        try {
          expect(await codeOf(w.importBackup(await seal(withRow(i, change)), PASS))).toBe('BACKUP_INVALID');
          expect(await w.count()).toBe(0);
        } finally {
          await w.close();
        }
      }
    });
  });
});

function run(path: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (err) => {
      if (err) return reject(err);
      db.exec(sql, (e) => db.close(() => (e ? reject(e) : resolve())));
    });
  });
}

describe('wallets made before SD-JWT VCs', () => {
  it('a schema 2 wallet upgrades to schema 3, keeps its credentials and then holds SD-JWT VCs', async () => {
    const path = tmp.file('schema-2.db');
    const old = await openWallet({ path, secret: SECRET, kdf: TEST_KDF });
    const holder = await old.createDid();
    const { credential: jwt } = await old.receive(await vcJwt(issuer('key'), holder.did));
    await old.close();
    // What schema 2 had: no claims column, no format index.
    await run(
      path,
      `DROP INDEX wallet_credential_format; ALTER TABLE wallet_credential DROP COLUMN claims; UPDATE wallet_schema SET version = 2;`,
    );
    const upgraded = await openWallet({ path, secret: SECRET });
    try {
      expect(await upgraded.integrityCheck()).toBe('ok');
      expect(await upgraded.get(jwt.id)).toEqual(jwt);
      const { credential } = await upgraded.receive(await issueSdJwt(tt, holder));
      expect((await upgraded.find({ format: 'dc+sd-jwt' })).map((c) => c.id)).toEqual([credential.id]);
      const { presentation } = await upgraded.presentSdJwt({
        credential: credential.id,
        disclose: ['age_over_18'],
        nonce: 'n',
        audience: 'https://a.example',
      });
      expect((await verifyPresentation(presentation, { nonce: 'n', audience: 'https://a.example' })).verified).toBe(true);
    } finally {
      await upgraded.close();
    }
  });

  it('the schema 1 test wallet upgrades through schema 2 and 3 and then holds an SD-JWT VC for its holder', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/wallet-schema-1.sqlite', import.meta.url));
    const facts = JSON.parse(readFileSync(`${fixture}.json`, 'utf8')) as { secret: string };
    const path = tmp.file('schema-1.db');
    copyFileSync(fixture, path);
    const w = await openWallet({ path, secret: facts.secret, create: false });
    try {
      expect(await w.count()).toBe(4);
      const [holder] = await w.listDids();
      const { credential } = await w.receive(await issueSdJwt(tt, holder as HolderDid));
      expect(await w.count()).toBe(5);
      expect((await w.find({ format: 'dc+sd-jwt' })).map((c) => c.id)).toEqual([credential.id]);
    } finally {
      await w.close();
    }
  });
});
