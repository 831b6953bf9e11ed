// Key rotation of a did:web issuer, end to end on real databases and real signatures:
// issue with key 1 → rotate → issue with key 2 → the anchor signs the updated entries →
// verifiers accept both credentials and refuse what the retired key signs later.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStatusBitstring, VCDM_2_CONTEXT } from '@tradewind/core';
import { encodeStatusList } from '@tradewind/core/status-list';
import { type Issuer, openIssuer, type RecognitionEntryTemplate, recognitionEntriesFor, type SigningKey } from '@tradewind/issuer';
import { type CredentialVerificationResult, createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from './helpers/temp-issuer.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const DAY = 86_400_000;
const t0 = new Date('2026-03-01T00:00:00Z');
const day = (n: number) => new Date(t0.getTime() + n * DAY);
const kidOf = (jwt: string | undefined) => JSON.parse(Buffer.from(String(jwt).split('.')[0] as string, 'base64url').toString()).kid;
const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

let dir: string;
let anchor: Issuer;
let anchorDid: string;
let tt: Issuer;
let ttDid: string;
let ttDatabase: string;

const template: RecognitionEntryTemplate = {
  country: 'TT',
  name: 'Registrar General, Trinidad and Tobago',
  credentialTypes: ['NationalIdCredential'],
  assuranceLevel: 'substantial',
  validFrom: t0.toISOString(),
};

function statusLists(folder: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(folder, 'status-lists.json'), 'utf8')) as Array<{ url: string; file: string }>;
  return Object.fromEntries(manifest.map((m) => [m.url, readFileSync(join(folder, m.file), 'utf8')]));
}

async function issueOn(n: number, status: Array<'revocation'> = ['revocation']) {
  const at = day(n);
  const [issued] = await tt.issueMany(
    [{ type: 'NationalIdCredential', format: 'vc+jwt', status, validFrom: at, credentialSubject: { id: HOLDER, givenName: 'Asha' } }],
    at,
  );
  return issued as NonNullable<typeof issued>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-key-rotation-'));
  anchor = await openIssuer({ database: await testDatabase(dir, 'anchor'), secret: 'a', kdf });
  anchorDid = (await anchor.createDid()).did;
  ttDatabase = await testDatabase(dir, 'tt');
  tt = await openIssuer({ database: ttDatabase, secret: 't', kdf, statusListBaseUrl: 'https://registry.gov.tt/status' });
  ttDid = (await tt.createDid({ method: 'web', domain: 'registry.gov.tt' })).did;
});
afterAll(async () => {
  await anchor.close();
  await tt.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('did:web key rotation', () => {
  it('issue with key 1 → rotate → issue with key 2: the updated list accepts both and refuses the retired key afterwards', async () => {
    const key1 = await tt.agent.getDid(ttDid);
    const before = await issueOn(1);
    await expect(tt.rotateKey(ttDid, { now: day(0) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: '/now' });
    const rotation = await tt.rotateKey(ttDid, { now: day(10) });
    expect(rotation).toMatchObject({
      did: ttDid,
      previous: { verificationMethod: key1.verificationMethod, retiredAt: '2026-03-11T00:00:00Z' },
    });
    expect(rotation.verificationMethod).not.toBe(key1.verificationMethod);
    const after = await issueOn(15);
    expect(kidOf(after.jwt)).toBe(rotation.verificationMethod);
    expect(kidOf(before.jwt)).toBe(key1.verificationMethod);

    // A credential the retired key signs after its retirement: forged with the old private key, still in the database.
    const forgedCredential = {
      '@context': [VCDM_2_CONTEXT],
      id: 'urn:uuid:5e0f2b5c-7d0a-4a55-9a57-1c1f3d6d8c01',
      type: ['VerifiableCredential', 'NationalIdCredential'],
      issuer: ttDid,
      validFrom: day(15).toISOString(),
      credentialSubject: { id: HOLDER, givenName: 'Mallory' },
    };
    const forged = await tt.agent.signJwt({ alg: key1.alg, typ: 'vc+jwt', kid: key1.verificationMethod }, forgedCredential, key1.keyId);
    const backdated = await tt.agent.signJwt(
      { alg: key1.alg, typ: 'vc+jwt', kid: key1.verificationMethod },
      { ...forgedCredential, validFrom: day(9).toISOString() },
      key1.keyId,
    );

    const entries = await tt.recognitionEntries(ttDid, template);
    expect(entries.map((e) => [e.keys?.map((k) => k.kid), e.validFrom, e.validUntil])).toEqual([
      [[rotation.verificationMethod], t0.toISOString(), undefined],
      [[key1.verificationMethod], t0.toISOString(), '2026-03-11T00:00:00Z'],
    ]);
    const regional = await anchor.signRecognitionList({ sequence: 1, nextUpdate: day(40), validFrom: day(10), entries });

    const published = join(dir, 'published');
    await tt.publishStatusLists(published, { now: day(16), validForSeconds: 30 * 86_400 });
    const lists = statusLists(published);
    for (const jwt of Object.values(lists)) expect(kidOf(jwt)).toBe(rotation.verificationMethod);
    const options = { now: day(20), policy: { anchors: [anchorDid] }, recognitionLists: [regional], status: { lists } };
    const verifier = createVerifier(options);
    const first = await verifier.verifyCredential(before.jwt);
    expect(first.verified, JSON.stringify(first)).toBe(true);
    const second = await verifier.verifyCredential(after.jwt);
    expect(second.verified, JSON.stringify(second)).toBe(true);
    expect(codes(await verifier.verifyCredential(forged))).toEqual(['UNTRUSTED_ISSUER']);
    // Dated before the retirement, the old key's signature is indistinguishable from an honest one: accepted.
    expect((await verifier.verifyCredential(backdated)).verified).toBe(true);

    // With recognitionKeys alone in one entry, the retired key would be accepted for ever: the periods are what refuse it.
    const naive = await anchor.signRecognitionList({
      sequence: 2,
      nextUpdate: day(40),
      validFrom: day(10),
      entries: [{ ...template, id: ttDid, keys: await tt.recognitionKeys(ttDid) }],
    });
    expect((await createVerifier({ ...options, recognitionLists: [naive] }).verifyCredential(forged)).verified).toBe(true);

    // Revocation of a key-1 credential, published by key 2.
    await tt.revoke(before.id);
    await tt.publishStatusLists(published, { now: day(17), validForSeconds: 30 * 86_400 });
    const revoked = createVerifier({ ...options, status: { lists: statusLists(published) } });
    expect(codes(await revoked.verifyCredential(before.jwt))).toEqual(['REVOKED']);
    expect((await revoked.verifyCredential(after.jwt)).verified).toBe(true);

    // A status list the retired key signs after its retirement (un-revoking) is refused.
    const [list] = await tt.statusListCredentials({ now: day(18), validForSeconds: 30 * 86_400 });
    const stale = await tt.agent.signJwt(
      { alg: key1.alg, typ: 'vc+jwt', kid: key1.verificationMethod },
      {
        ...(list?.credential as object),
        credentialSubject: { ...(list?.credential.credentialSubject as object), encodedList: encodeStatusList(createStatusBitstring()) },
      },
      key1.keyId,
    );
    const replaced = createVerifier({ ...options, status: { lists: { ...statusLists(published), [list?.url as string]: stale } } });
    const unrevoked = await replaced.verifyCredential(before.jwt);
    expect(codes(unrevoked)).toEqual(['STATUS_UNAVAILABLE']);
    expect(JSON.stringify(unrevoked)).toContain(
      `key ${key1.verificationMethod} of ${ttDid} was not recognised at the status list's issuance time`,
    );
    // The same all-clear list signed by the current key would be accepted: it is the retired key that is refused.
    const honest = await tt.agent.signJwt(
      { alg: rotation.rotation.did.alg, typ: 'vc+jwt', kid: rotation.verificationMethod },
      {
        ...(list?.credential as object),
        credentialSubject: { ...(list?.credential.credentialSubject as object), encodedList: encodeStatusList(createStatusBitstring()) },
      },
      rotation.rotation.did.keyId,
    );
    const cleared = createVerifier({ ...options, status: { lists: { ...statusLists(published), [list?.url as string]: honest } } });
    expect((await cleared.verifyCredential(before.jwt)).verified).toBe(true);
  });

  it('re-emits after a rotation with the new key, and the re-emission verifies under the same list entries', async () => {
    const issued = await issueOn(21, []);
    const k2 = await tt.agent.getDid(ttDid);
    await tt.rotateKey(ttDid, { now: day(22) });
    const again = await tt.reemit({
      id: issued.id,
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      status: [],
      validFrom: day(21),
      credentialSubject: { id: HOLDER, givenName: 'Asha' },
    });
    const k3 = await tt.agent.getDid(ttDid);
    expect(k3.verificationMethod).not.toBe(k2.verificationMethod);
    expect(kidOf(again.jwt)).toBe(k3.verificationMethod);
    const entries = await tt.recognitionEntries(ttDid, template);
    expect(entries.map((e) => e.validUntil)).toEqual([undefined, '2026-03-23T00:00:00Z', '2026-03-11T00:00:00Z']);
    const regional = await anchor.signRecognitionList({ sequence: 3, nextUpdate: day(40), validFrom: day(22), entries });
    const verifier = createVerifier({ now: day(25), policy: { anchors: [anchorDid] }, recognitionLists: [regional] });
    for (const jwt of [issued.jwt, again.jwt]) {
      const result = await verifier.verifyCredential(jwt);
      expect(result.verified, JSON.stringify(result)).toBe(true);
    }
  });

  it('the DID document lists every key, and a verifier resolving it accepts what each key signed', async () => {
    const signed = await issueOn(23, []);
    const doc = await tt.didWebDocument(ttDid);
    const keys = await tt.signingKeys(ttDid);
    expect(doc.verificationMethod?.map((vm) => vm.id)).toEqual(keys.map((k) => k.verificationMethod));
    expect(keys.map((k) => k.state)).toEqual(['current', 'retired', 'retired']);
    expect(doc.assertionMethod).toEqual(keys.map((k) => k.verificationMethod));
    expect(doc.authentication).toEqual([keys[0]?.verificationMethod]);
    const verifier = createVerifier({ now: day(25), policy: { trustedIssuers: [ttDid] }, didResolver: { documents: [doc] } });
    const result = await verifier.verifyCredential(signed.jwt);
    expect(result.verified, JSON.stringify(result)).toBe(true);
    // recognitionKeys stays the list of keys, the signing key first.
    expect((await tt.recognitionKeys(ttDid)).map((k) => k.kid)).toEqual(keys.map((k) => k.verificationMethod));
  });

  it('another process on the same database signs with the new key once it rotated', async () => {
    const other = await openIssuer({ database: ttDatabase, secret: 't', kdf });
    try {
      await issueOn(24, []); // this instance has the key cached
      const { verificationMethod } = await other.rotateKey(ttDid, { now: day(24) });
      const issued = await issueOn(24, []);
      expect(kidOf(issued.jwt)).toBe(verificationMethod);
      const [list] = await tt.statusListCredentials({ now: day(24) });
      expect(kidOf(list?.jwt)).toBe(verificationMethod);
    } finally {
      await other.close();
    }
  });

  it('refuses to rotate what is not a did:web DID of this database, and bad options', async () => {
    const own = (await tt.createDid({ method: 'key' })).did;
    await expect(tt.rotateKey(own)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('create a new DID'),
    });
    await expect(tt.rotateKey('did:web:elsewhere.example')).rejects.toMatchObject({ code: 'NOT_FOUND', path: '/did' });
    await expect(tt.rotateKey('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(tt.rotateKey(ttDid, { keyType: 'secp256k1' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/keyType',
    });
    await expect(tt.rotateKey(ttDid, { now: 'tomorrow' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: '/now' });
    await expect(tt.rotateKey(ttDid, { when: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: '/when' });
    await expect(tt.recognitionEntries(ttDid, { ...template, keys: [] } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/keys',
    });
    // What an anchor pulls from an issuer service is untrusted: every bad key or period is INVALID_ARGUMENT with its path.
    const [current] = await tt.signingKeys(ttDid);
    for (const [keys, path] of [
      [[], '/keys'],
      ['keys', '/keys'],
      [[null], '/keys/0'],
      [[{ ...current, retiredAt: 'yesterday' }], '/keys/0/retiredAt'],
      [[{ ...current, publicJwk: { kty: 'RSA', n: 'x', e: 'AQAB' } }], '/keys/0'],
      [[{ ...current, verificationMethod: 'no-fragment' }], '/keys/0/kid'],
    ] as const) {
      expect(() => recognitionEntriesFor(ttDid, keys as never, template), JSON.stringify(keys)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', path }),
      );
    }
    // A key retired before the accreditation starts is left out; paths still name the key as given.
    const early = { ...current, retiredAt: '2020-01-01T00:00:00Z' } as SigningKey;
    expect(recognitionEntriesFor(ttDid, [early, current as SigningKey], template)).toHaveLength(1);
    expect(() => recognitionEntriesFor(ttDid, [early, { ...(current as SigningKey), verificationMethod: 'x' }], template)).toThrow(
      expect.objectContaining({ path: '/keys/1/kid' }),
    );
    expect(() => recognitionEntriesFor('not a did', [current as SigningKey], template)).toThrow(expect.objectContaining({ path: '/did' }));
    await expect(tt.recognitionEntries(ttDid, { ...template, country: 'Trinidad' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/country',
    });
  });
});
