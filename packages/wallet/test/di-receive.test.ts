// Data Integrity credentials from an independent producer (@digitalbazaar/vc): verified
// before they are stored, stored as their JSON with the material they needed, found,
// and refused when they do not verify.
import { type JsonObject, TradewindError } from '@tradewind/core';
import { CredentialRejectedError, openWallet, type Wallet } from '@tradewind/wallet';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackup } from '../src/backup/container.js';
import { type DiIssuer, diIssuer, PERMIT_CONTEXT, PERMIT_CONTEXT_URL, workPermit } from './di-fixtures.js';
import { issuer as jwtIssuer, SECRET, TEST_BACKUP_KDF, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
let wallet: Wallet;
let holder: string;
const dataIntegrity = { contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT } };

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('di.db'), secret: SECRET, kdf: TEST_KDF });
  holder = (await wallet.createDid()).did;
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

async function rejection(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CredentialRejectedError);
  return (e as CredentialRejectedError).rejected.flatMap((r) => r.errors.map((x) => x.code));
}

describe.each(['eddsa-rdfc-2022', 'Ed25519Signature2020'] as const)('a %s credential from a did:key issuer', (suite) => {
  let issuer: DiIssuer;
  let permit: JsonObject;

  beforeAll(async () => {
    issuer = await diIssuer(suite);
    permit = await workPermit(issuer, holder);
  });

  it('is verified and stored as the JSON received, format di, with its types, issuer, subject and dates', async () => {
    const { credential, added } = await wallet.receive(permit, { dataIntegrity });
    expect(added).toBe(true);
    expect(credential.format).toBe('di');
    expect(credential.credential).toEqual(permit);
    expect(JSON.parse(credential.raw)).toEqual(permit);
    expect(credential.types).toEqual(['VerifiableCredential', 'WorkPermitCredential']);
    expect(credential.issuer).toBe(issuer.did);
    expect(credential.subject).toBe(holder);
    expect(credential.credentialId).toBe(permit.id);
    expect(credential.validFrom?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(await wallet.get(credential.id)).toEqual(credential);
    expect((await wallet.find({ type: 'WorkPermitCredential', issuer: issuer.did })).map((c) => c.id)).toEqual([credential.id]);
    expect((await wallet.find({ format: 'di', issuer: issuer.did })).map((c) => c.id)).toEqual([credential.id]);
  });

  it('received again — as JSON text, with its members in another order — is held once', async () => {
    const reordered = Object.fromEntries(Object.entries(permit).reverse());
    const again = await wallet.receive(JSON.stringify(reordered), { dataIntegrity });
    expect(again.added).toBe(false);
    expect((await wallet.find({ issuer: issuer.did })).length).toBe(1);
  });

  it('is refused when a claim was changed after signing: SIGNATURE_INVALID, nothing stored', async () => {
    const forged = structuredClone(permit) as { credentialSubject: { permitNumber: string } } & JsonObject;
    forged.credentialSubject.permitNumber = 'GY-WP-2026-9999';
    expect(await rejection(wallet.receive(forged, { dataIntegrity }))).toEqual(['SIGNATURE_INVALID']);
    const other = await workPermit(issuer, holder, { number: 'GY-WP-2026-0043' });
    const tampered = { ...other, proof: permit.proof };
    expect(await rejection(wallet.receiveAll([tampered], { dataIntegrity }))).toEqual(['SIGNATURE_INVALID']);
    expect((await wallet.find({ issuer: issuer.did })).length).toBe(1);
  });

  it('is refused without its context, which is never fetched: MALFORMED naming the URL', async () => {
    const other = await workPermit(issuer, holder, { number: 'GY-WP-2026-0044' });
    const e = await wallet.receive(other).then(
      () => undefined,
      (err: unknown) => err as CredentialRejectedError,
    );
    expect(e).toBeInstanceOf(CredentialRejectedError);
    const [error] = e?.rejected[0]?.errors ?? [];
    expect(error?.code).toBe('MALFORMED');
    expect(error?.message).toContain(`context not available offline: ${PERMIT_CONTEXT_URL}`);
  });
});

describe('contexts given when the wallet is opened', () => {
  it('serve every receive that gives none of its own, and are kept with the credentials that need them', async () => {
    const path = tmp.file('di-open.db');
    const w = await openWallet({ path, secret: SECRET, kdf: TEST_KDF, verify: { dataIntegrity } });
    try {
      const me = (await w.createDid()).did;
      const { credential } = await w.receive(await workPermit(await diIssuer('eddsa-rdfc-2022'), me));
      expect(credential.format).toBe('di');
      // A call's dataIntegrity replaces the wallet's wholesale: without the context, refused.
      const web = await diIssuer('eddsa-rdfc-2022', { did: 'did:web:ports.gov.example.gy' });
      const permit = await workPermit(web, me);
      expect(await rejection(w.receive(permit, { dataIntegrity: { documents: [web.document] } }))).toEqual(['MALFORMED']);
      const both = { dataIntegrity: { ...dataIntegrity, documents: [web.document] } };
      const second = (await w.receive(permit, both)).credential;
      expect(second.issuer).toBe(web.did);
      const rows = (await openBackup(await w.exportBackup('p', { kdf: TEST_BACKUP_KDF }), 'p')) as {
        credentials: Array<{ id: string; material: string | null }>;
      };
      const materialOf = (id: string) => JSON.parse(rows.credentials.find((c) => c.id === id)?.material ?? 'null');
      expect(materialOf(credential.id)).toEqual({ contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT } });
      expect(materialOf(second.id)).toEqual({ contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT }, documents: [web.document] });
    } finally {
      await w.close();
    }
  });
});

describe('input the wallet refuses', () => {
  it('a credential under a cryptosuite or proof type no one defined: UNSUPPORTED_FORMAT, never stored', async () => {
    const issuer = await diIssuer('eddsa-rdfc-2022');
    const permit = await workPermit(issuer, holder, { ownContext: false });
    const odd = { ...permit, proof: { ...(permit.proof as JsonObject), cryptosuite: 'eddsa-rdfc-2099' } };
    expect(await rejection(wallet.receive(odd))).toEqual(['UNSUPPORTED_FORMAT']);
    const unknownType = { ...permit, proof: { ...(permit.proof as JsonObject), type: 'NoSuchProof2099' } };
    expect(await rejection(wallet.receive(unknownType))).toEqual(['UNSUPPORTED_FORMAT']);
    expect(await wallet.find({ issuer: issuer.did })).toEqual([]);
  });

  it('a JSON text too deeply nested to be a credential: refused before it is verified', async () => {
    const deep = `{"@context":"${'['.repeat(200)}${']'.repeat(200)}","proof":{}}`;
    const e = await wallet.receive(deep).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(TradewindError);
  });
});

describe('material kept with a credential', () => {
  it('is the context and the did:web document it reaches, not the others given with it', async () => {
    const web = await diIssuer('eddsa-rdfc-2022', { did: 'did:web:labour.gov.example.gy' });
    const other = await diIssuer('eddsa-rdfc-2022', { did: 'did:web:unrelated.example' });
    const unusedContext = { '@context': { unused: 'https://unrelated.example/vocab#unused' } };
    const options = {
      dataIntegrity: {
        contexts: { [PERMIT_CONTEXT_URL]: JSON.stringify(PERMIT_CONTEXT), 'https://unrelated.example/context/v1': unusedContext },
        documents: [other.document, web.document],
      },
    };
    const { credential } = await wallet.receive(await workPermit(web, holder), options);
    const backup = (await openBackup(await wallet.exportBackup('p', { kdf: TEST_BACKUP_KDF }), 'p')) as {
      credentials: Array<{ id: string; material: string | null }>;
    };
    const row = backup.credentials.find((c) => c.id === credential.id);
    expect(JSON.parse(row?.material ?? 'null')).toEqual({ contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT }, documents: [web.document] });
  });

  it('is none for a credential that needs only bundled contexts and a did:key', async () => {
    const { credential } = await wallet.receive(await workPermit(await diIssuer('eddsa-rdfc-2022'), holder, { ownContext: false }), {
      dataIntegrity,
    });
    const backup = (await openBackup(await wallet.exportBackup('p', { kdf: TEST_BACKUP_KDF }), 'p')) as {
      credentials: Array<{ id: string; material: string | null }>;
    };
    expect(backup.credentials.find((c) => c.id === credential.id)?.material).toBeNull();
  });
});

describe('status', () => {
  it("keeps a credential's BitstringStatusListEntry (list URL, index, purpose) for later checks; unchecked status is refused by default", async () => {
    const list = 'https://labour.gov.example.gy/status/3';
    const status = {
      id: `${list}#94567`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: list,
    };
    const permit = await workPermit(await diIssuer('eddsa-rdfc-2022'), holder, { status });
    const { credential, warnings } = await wallet.receive(permit, { dataIntegrity, status: { onUnavailable: 'warn' } });
    expect(warnings.map((w) => w.code)).toContain('STATUS_UNAVAILABLE');
    expect(credential.status).toEqual([status]);
    // Without a status list, and without leave to only warn, it is not stored.
    const other = await workPermit(await diIssuer('eddsa-rdfc-2022'), holder, { status });
    expect(await rejection(wallet.receive(other, { dataIntegrity }))).toEqual(['STATUS_UNAVAILABLE']);
  });
});

describe('verifyAll and storeVerified', () => {
  it('store the Data Integrity credentials that verified, as verified — a change to the input afterwards changes nothing', async () => {
    const issuer = await diIssuer('Ed25519Signature2020');
    const good = await workPermit(issuer, holder, { number: 'GY-WP-2026-0200' });
    const forged = structuredClone(await workPermit(issuer, holder, { number: 'GY-WP-2026-0201' })) as JsonObject & {
      credentialSubject: JsonObject;
    };
    forged.credentialSubject.employer = 'Mallory Ltd';
    const input = structuredClone(good);
    const checked = await wallet.verifyAll([input, forged], { dataIntegrity });
    expect(checked.map((c) => c.verification.verified)).toEqual([true, false]);
    (input.credentialSubject as JsonObject).permitNumber = 'changed after verifying';
    const [id] = await wallet.storeVerified(checked.filter((c) => c.verification.verified));
    expect((await wallet.get(id as string)).credential).toEqual(good);
  });
});

describe('a schema 3 wallet', () => {
  it('upgrades to schema 4 (column material), keeps its credentials and then holds Data Integrity ones', async () => {
    const path = tmp.file('schema-3.db');
    const old = await openWallet({ path, secret: SECRET, kdf: TEST_KDF });
    const me = (await old.createDid()).did;
    const { credential: jwt } = await old.receive(await vcJwt(jwtIssuer('key'), me));
    await old.close();
    await run(path, 'ALTER TABLE wallet_credential DROP COLUMN material; UPDATE wallet_schema SET version = 3;');
    const upgraded = await openWallet({ path, secret: SECRET });
    try {
      expect(await upgraded.integrityCheck()).toBe('ok');
      expect(await upgraded.get(jwt.id)).toEqual(jwt);
      const { credential } = await upgraded.receive(await workPermit(await diIssuer('eddsa-rdfc-2022'), me), { dataIntegrity });
      expect(credential.format).toBe('di');
      expect(await upgraded.count()).toBe(2);
    } finally {
      await upgraded.close();
    }
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
