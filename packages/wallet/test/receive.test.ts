import { existsSync, readFileSync } from 'node:fs';
import { TradewindError } from '@tradewind/core';
import { CredentialRejectedError, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, jwtVc, SECRET, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
let wallet: Wallet;
let holder: string;
const tt = issuer('key');
const jm = issuer('jwk');

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('w.db'), secret: SECRET, kdf: TEST_KDF });
  holder = (await wallet.createDid()).did;
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TradewindError);
    return (e as TradewindError).code;
  }
  throw new Error('expected a TradewindError');
}

describe('receive', () => {
  it('stores a vc+jwt exactly as received, with the metadata to find it', async () => {
    const jwt = await vcJwt(tt, holder, {
      type: 'NationalIdCredential',
      validUntil: new Date('2030-01-01T00:00:00Z'),
      status: {
        id: 'https://tt.example/status/1#77',
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '77',
        statusListCredential: 'https://tt.example/status/1',
      },
    });
    expect(await codeOf(wallet.receive(jwt))).toBe('STATUS_UNAVAILABLE');
    const { added, credential, warnings } = await wallet.receive(jwt, { status: { onUnavailable: 'warn' } });
    expect(added).toBe(true);
    expect(warnings.map((w) => w.code)).toEqual(['STATUS_UNAVAILABLE']);
    expect(credential.credential).toBe(jwt);
    expect(credential.raw).toBe(jwt);
    expect(credential.format).toBe('vc+jwt');
    expect(credential.types).toEqual(['VerifiableCredential', 'NationalIdCredential']);
    expect(credential.issuer).toBe(tt.did);
    expect(credential.subject).toBe(holder);
    expect(credential.validUntil?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(credential.status).toEqual([
      {
        type: 'BitstringStatusListEntry',
        id: 'https://tt.example/status/1#77',
        statusPurpose: 'revocation',
        statusListIndex: '77',
        statusListCredential: 'https://tt.example/status/1',
      },
    ]);
    expect((await wallet.get(credential.id)).raw).toBe(jwt);
  });

  it('stores a jwt_vc made by did-jwt-vc', async () => {
    const jwt = await jwtVc(jm, holder, { type: 'BirthCertificateCredential' });
    const { credential } = await wallet.receive(jwt);
    expect(credential.format).toBe('jwt_vc');
    expect(credential.issuer).toBe(jm.did);
    expect(credential.types).toContain('BirthCertificateCredential');
  });

  it('keeps JSON input as JSON and treats an enveloped JWT as the same credential', async () => {
    const jwt = await vcJwt(tt, holder, { type: 'DrivingPermit' });
    const enveloped = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: `data:application/vc+jwt,${jwt}`,
      type: 'EnvelopedVerifiableCredential',
    };
    const first = await wallet.receive(enveloped);
    expect(first.added).toBe(true);
    expect(first.credential.credential).toEqual(enveloped);
    const again = await wallet.receive(jwt);
    expect(again.added).toBe(false);
    expect(again.credential.id).toBe(first.credential.id);
    expect(await wallet.find({ type: 'DrivingPermit' })).toHaveLength(1);
  });

  it('de-duplicates a credential received twice', async () => {
    const jwt = await vcJwt(tt, holder, { type: 'ResidencePermit' });
    const before = await wallet.count();
    expect((await wallet.receive(jwt)).added).toBe(true);
    expect((await wallet.receive(jwt)).added).toBe(false);
    expect(await wallet.count()).toBe(before + 1);
  });

  it('refuses an expired credential with EXPIRED and does not store it', async () => {
    const jwt = await vcJwt(tt, holder, {
      type: 'ExpiredThing',
      validFrom: new Date('2020-01-01T00:00:00Z'),
      validUntil: new Date('2021-01-01T00:00:00Z'),
    });
    const before = await wallet.count();
    const error = await wallet.receive(jwt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialRejectedError);
    expect((error as CredentialRejectedError).code).toBe('EXPIRED');
    expect((error as CredentialRejectedError).errors[0]?.code).toBe('EXPIRED');
    expect(await wallet.count()).toBe(before);
    expect(await wallet.find({ type: 'ExpiredThing' })).toEqual([]);
  });

  it('refuses a tampered signature with SIGNATURE_INVALID', async () => {
    const jwt = await vcJwt(tt, holder, { type: 'Tampered' });
    const [h, p] = jwt.split('.');
    const other = (await vcJwt(tt, holder, { type: 'Tampered' })).split('.')[2];
    expect(await codeOf(wallet.receive(`${h}.${p}.${other}`))).toBe('SIGNATURE_INVALID');
    expect(await wallet.find({ type: 'Tampered' })).toEqual([]);
  });

  it('refuses an issuer outside the caller policy with UNTRUSTED_ISSUER', async () => {
    const jwt = await vcJwt(jm, holder, { type: 'Untrusted' });
    expect(await codeOf(wallet.receive(jwt, { trustedIssuers: [tt.did] }))).toBe('UNTRUSTED_ISSUER');
    expect(await wallet.find({ type: 'Untrusted' })).toEqual([]);
  });

  it('refuses garbage with MALFORMED and non-credentials with INVALID_ARGUMENT', async () => {
    expect(await codeOf(wallet.receive('not a jwt'))).toBe('MALFORMED');
    expect(await codeOf(wallet.receive({ hello: 'world' }))).toBe('MALFORMED');
    expect(await codeOf(wallet.receive(42 as unknown as string))).toBe('INVALID_ARGUMENT');
  });

  it("refuses a malformed envelope with the verifier's reason and its path, and stores nothing", async () => {
    const jwt = await vcJwt(tt, holder, { type: 'EnvelopeShapes' });
    const good = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/vc+jwt,${jwt}`,
    };
    for (const [bad, path] of [
      [{ ...good, '@context': [] }, '/@context'],
      [{ ...good, type: 'VerifiableCredential' }, '/type'],
      [{ ...good, id: `data:application/vp+jwt,${jwt}` }, '/id'],
    ] as const) {
      const error = await wallet.receive(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CredentialRejectedError);
      const [rejected] = (error as CredentialRejectedError).rejected;
      expect(rejected?.errors.map((e) => [e.code, e.path])).toEqual([['MALFORMED', path]]);
    }
    expect(await wallet.find({ type: 'EnvelopeShapes' })).toEqual([]);
  });

  it('refuses an envelope whose media type contradicts the JWT inside, in one and in a batch', async () => {
    const legacy = await jwtVc(tt, holder, { type: 'EnvelopeMediaType' });
    const envelope = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/vc+jwt,${legacy}`,
    };
    for (const attempt of [() => wallet.receive(envelope), () => wallet.receiveAll([envelope])]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CredentialRejectedError);
      const [rejected] = (error as CredentialRejectedError).rejected;
      expect(rejected?.errors.map((e) => [e.code, e.path])).toEqual([['MALFORMED', '/id']]);
    }
    // The same JWT as itself, or in an envelope that names its media type rightly, is accepted.
    expect((await wallet.receive({ ...envelope, id: `data:application/jwt,${legacy}` })).added).toBe(true);
    expect(await wallet.find({ type: 'EnvelopeMediaType' })).toHaveLength(1);
  });
});

describe('query', () => {
  it('finds by type, issuer, subject and validity at a time', async () => {
    const w = await openWallet({ path: tmp.file('q.db'), secret: SECRET, kdf: TEST_KDF });
    try {
      const a = await vcJwt(tt, 'did:example:a', {
        type: 'NationalIdCredential',
        validFrom: new Date('2026-01-01T00:00:00Z'),
        validUntil: new Date('2027-01-01T00:00:00Z'),
      });
      const b = await vcJwt(jm, 'did:example:b', {
        type: 'DrivingPermit',
        validFrom: new Date('2026-01-01T00:00:00Z'),
        validUntil: new Date('2032-01-01T00:00:00Z'),
      });
      const c = await jwtVc(jm, 'did:example:a', { type: 'DrivingPermit' });
      const [ia, ib, ic] = await w.receiveAll([a, b, c]);
      const ids = (q: Parameters<Wallet['find']>[0]) => w.find(q).then((r) => r.map((x) => x.id));
      expect(await ids({ type: 'DrivingPermit' })).toEqual([ib, ic]);
      expect(await ids({ type: 'VerifiableCredential' })).toEqual([ia, ib, ic]);
      expect(await ids({ issuer: jm.did })).toEqual([ib, ic]);
      expect(await ids({ subject: 'did:example:a' })).toEqual([ia, ic]);
      expect(await ids({ type: 'DrivingPermit', issuer: jm.did, subject: 'did:example:b' })).toEqual([ib]);
      expect(await ids({ validAt: '2028-06-01T00:00:00Z' })).toEqual([ib, ic]);
      expect(await ids({ validAt: new Date('2026-06-01T00:00:00Z') })).toEqual([ia, ib, ic]);
      expect(await ids({ validAt: Date.parse('2025-06-01T00:00:00Z') })).toEqual([]);
      expect(await ids({ type: 'Nothing' })).toEqual([]);
      expect((await w.list({ limit: 2, offset: 1 })).map((x) => x.id)).toEqual([ib, ic]);
      expect(await w.count()).toBe(3);
    } finally {
      await w.close();
    }
  });

  it('rejects bad queries with INVALID_ARGUMENT', async () => {
    expect(await codeOf(wallet.find({ validAt: 'yesterday' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(wallet.find({ type: '' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(wallet.find({ limit: -1 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(wallet.find({ offset: 1.5 }))).toBe('INVALID_ARGUMENT');
  });

  it('gets and deletes by id; NOT_FOUND for an unknown one', async () => {
    const { credential } = await wallet.receive(await vcJwt(tt, holder, { type: 'ToDelete' }));
    await wallet.delete(credential.id);
    expect(await codeOf(wallet.get(credential.id))).toBe('NOT_FOUND');
    expect(await codeOf(wallet.delete(credential.id))).toBe('NOT_FOUND');
    expect(await wallet.find({ type: 'ToDelete' })).toEqual([]);
    expect(await codeOf(wallet.get(''))).toBe('INVALID_ARGUMENT');
  });
});

describe('database', () => {
  it('keeps credentials and DIDs across reopening', async () => {
    const path = tmp.file('reopen.db');
    const w1 = await openWallet({ path, secret: SECRET, kdf: TEST_KDF });
    const did = await w1.createDid({ method: 'jwk', keyType: 'P-256' });
    const { credential } = await w1.receive(await vcJwt(tt, did.did));
    await w1.close();
    const w2 = await openWallet({ path, secret: SECRET, create: false });
    try {
      expect((await w2.get(credential.id)).raw).toBe(credential.raw);
      expect((await w2.listDids()).map((d) => d.did)).toEqual([did.did]);
      expect(await w2.integrityCheck()).toBe('ok');
    } finally {
      await w2.close();
    }
  });

  it('refuses a wrong secret with WRONG_SECRET', async () => {
    const path = tmp.file('secret.db');
    await (await openWallet({ path, secret: SECRET, kdf: TEST_KDF })).close();
    expect(await codeOf(openWallet({ path, secret: 'not the secret' }))).toBe('WRONG_SECRET');
  });

  it('creates holder DIDs: did:key Ed25519 and P-256, did:jwk; refuses did:web', async () => {
    const k1 = await wallet.createDid({ method: 'key', keyType: 'Ed25519' });
    const k2 = await wallet.createDid({ method: 'key', keyType: 'P-256' });
    const j = await wallet.createDid({ method: 'jwk' });
    expect(k1.did).toMatch(/^did:key:z6Mk/);
    expect(k2.did).toMatch(/^did:key:zDn/);
    expect(j.did).toMatch(/^did:jwk:/);
    expect(await codeOf(wallet.createDid({ method: 'web' as 'key' }))).toBe('INVALID_ARGUMENT');
  });

  it('stores no plaintext private key bytes in the database', async () => {
    const path = tmp.file('keys.db');
    const w = await openWallet({ path, secret: SECRET, kdf: TEST_KDF });
    await w.createDid({ method: 'key', keyType: 'Ed25519' });
    await w.createDid({ method: 'jwk', keyType: 'P-256' });
    const backup = await w.exportBackup('pass', { kdf: { log2N: 10, r: 8, p: 1 } });
    // The private keys, obtained through the one path that decrypts them.
    const { exportDids } = await import('../src/holder-keys.js');
    const exported = await exportDids(w.agent);
    const keys = exported.flatMap((d) => d.keys.map((k) => k.privateKeyHex));
    // Control: the same search does find the keys in their plaintext form.
    const plaintext = Buffer.from(JSON.stringify(exported));
    for (const hex of keys) expect(plaintext.includes(Buffer.from(hex.slice(0, 64)))).toBe(true);
    // The files while the wallet is open (WAL not yet checkpointed) and after closing.
    const walOpen = existsSync(`${path}-wal`) ? [readFileSync(`${path}-wal`)] : [];
    const dbOpen = readFileSync(path);
    await w.close();
    expect(keys).toHaveLength(2);
    const files = [dbOpen, ...walOpen, readFileSync(path), backup];
    for (const hex of keys) {
      const raw = Buffer.from(hex, 'hex').subarray(0, 32);
      for (const bytes of files) {
        expect(bytes.includes(raw)).toBe(false);
        expect(bytes.includes(Buffer.from(hex.slice(0, 64)))).toBe(false);
        expect(bytes.includes(Buffer.from(hex.slice(0, 64).toUpperCase()))).toBe(false);
        expect(bytes.includes(Buffer.from(raw.toString('base64url')))).toBe(false);
        expect(bytes.includes(Buffer.from(raw.toString('base64')))).toBe(false);
      }
    }
  });
});
