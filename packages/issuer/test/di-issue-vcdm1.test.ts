import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@tradewind/core';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Issuer, type ManagedDid, openIssuer } from '../src/index.js';
import { dbVerify, didKeyDocument, staticLoader } from './helpers/di-digitalbazaar.js';
import { TEST_KDF, testDatabase } from './helpers/temp-issuer.js';

// VCDM 1.1 documents secured with Data Integrity: the 1.1 data model (issuanceDate,
// expirationDate), the Data Integrity context for the proof terms and the Bitstring
// Status List context for the status entries, both added by the issuer.

const BASE = 'https://registry.gov.example/status';
const V1 = 'https://www.w3.org/2018/credentials/v1';
const DI = 'https://w3id.org/security/data-integrity/v2';
const STATUS_V1 = 'https://www.w3.org/ns/credentials/status/v1';
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const AGENCY_CONTEXT_URL = 'https://registry.gov.example/contexts/v1';
const CONTEXTS = { [AGENCY_CONTEXT_URL]: { '@context': { '@vocab': 'https://registry.gov.example/vocab#' } } };

let dir: string;
let issuer: Issuer;
let ed: ManagedDid;
let p256: ManagedDid;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-di-v1-'));
  issuer = await openIssuer({
    database: await testDatabase(dir, 'di-v1'),
    secret: 'di-v1',
    kdf: TEST_KDF,
    statusListBaseUrl: BASE,
    dataIntegrity: { contexts: CONTEXTS },
  });
  ed = await issuer.createDid();
  p256 = await issuer.createDid({ keyType: 'P-256' });
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

const v1Document = (extra: Record<string, unknown> = {}): JsonObject => ({
  '@context': [V1, AGENCY_CONTEXT_URL],
  type: ['VerifiableCredential', 'NationalIdCredential'],
  credentialSubject: { id: HOLDER, givenName: 'Ana', familyName: 'Joseph' },
  ...extra,
});

async function diLists(): Promise<Record<string, JsonObject>> {
  const lists = await issuer.statusListCredentials({ format: 'di' });
  return { ...CONTEXTS, ...Object.fromEntries(lists.map((l) => [l.url, l.credential as unknown as JsonObject])) };
}

const ours = async (credential: JsonObject) =>
  verifyCredential(credential, { dataIntegrity: { contexts: CONTEXTS }, status: { lists: await diLists() } });

describe('di credentials of VCDM 1.1 documents', () => {
  it('signs eddsa-rdfc-2022 with issuanceDate and the contexts it needs; both verifiers read it and its status', async () => {
    const issued = await issuer.issue({
      format: 'di',
      credential: v1Document({ expirationDate: '2036-12-01T00:00:00Z' }),
      status: ['revocation', 'suspension'],
    });
    const c = issued.credential as unknown as JsonObject;
    expect(issued.format).toBe('di');
    expect(JSON.parse(issued.jwt)).toEqual(c);
    expect(c['@context']).toEqual([V1, AGENCY_CONTEXT_URL, DI, STATUS_V1]);
    expect(c.issuanceDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(c.expirationDate).toBe('2036-12-01T00:00:00Z');
    expect(c).not.toHaveProperty('validFrom');
    expect(c.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      verificationMethod: ed.verificationMethod,
    });
    const status = c.credentialStatus as Array<Record<string, string>>;
    expect(status.map((s) => [s.type, s.statusPurpose])).toEqual([
      ['BitstringStatusListEntry', 'revocation'],
      ['BitstringStatusListEntry', 'suspension'],
    ]);

    const mine = await ours(c);
    expect(mine.errors ?? []).toEqual([]);
    expect(mine).toMatchObject({ verified: true, format: 'di', issuer: ed.did, proof: { cryptosuite: 'eddsa-rdfc-2022' } });
    const db = await dbVerify(c, staticLoader([didKeyDocument(ed)], await diLists()));
    expect(db.error).toBeUndefined();
    expect(db.verified).toBe(true);
    expect(db.statusResult?.results?.map((r) => r.status)).toEqual([false, false]);

    await issuer.revoke(issued.id);
    expect((await ours(c)).errors?.map((e) => e.code)).toContain('REVOKED');
    const after = await dbVerify(c, staticLoader([didKeyDocument(ed)], await diLists()));
    expect(after.statusResult?.results?.map((r) => r.status)).toEqual([true, false]);
  });

  it('signs ecdsa-rdfc-2019 with a P-256 key, verified by both', async () => {
    const issued = await issuer.issue({ format: 'di', credential: v1Document({ issuer: { id: p256.did, name: 'Registry' } }) });
    const c = issued.credential as unknown as JsonObject;
    expect(c.proof).toMatchObject({ cryptosuite: 'ecdsa-rdfc-2019', verificationMethod: p256.verificationMethod });
    const mine = await ours(c);
    expect(mine.errors ?? []).toEqual([]);
    expect(mine.verified).toBe(true);
    const db = await dbVerify(c, staticLoader([didKeyDocument(p256)], await diLists()));
    expect(db.error).toBeUndefined();
    expect(db.verified).toBe(true);
  });

  it('keeps contexts the document names already, once, and adds none without status', async () => {
    const issued = await issuer.issue({
      format: 'di',
      credential: v1Document({ '@context': [V1, DI, AGENCY_CONTEXT_URL, STATUS_V1] }),
      status: [],
    });
    const c = issued.credential as unknown as JsonObject;
    expect(c['@context']).toEqual([V1, DI, AGENCY_CONTEXT_URL, STATUS_V1]);
    expect(c).not.toHaveProperty('credentialStatus');
    const bare = await issuer.issue({ format: 'di', credential: v1Document(), status: [] });
    expect((bare.credential as unknown as JsonObject)['@context']).toEqual([V1, AGENCY_CONTEXT_URL, DI]);
    expect((await dbVerify(bare.credential as unknown as JsonObject, staticLoader([didKeyDocument(ed)], CONTEXTS))).verified).toBe(true);
  });

  it('a VCDM 1.1 credential changed after signing verifies with neither', async () => {
    const issued = await issuer.issue({ format: 'di', credential: v1Document(), status: [] });
    const changed = structuredClone(issued.credential) as unknown as JsonObject;
    changed.issuanceDate = '2020-01-01T00:00:00Z';
    const mine = await ours(changed);
    expect(mine.verified).toBe(false);
    expect(mine.errors?.map((e) => e.code)).toContain('SIGNATURE_INVALID');
    expect((await dbVerify(changed, staticLoader([didKeyDocument(ed)], CONTEXTS))).verified).toBe(false);
  });

  it('re-emits a VCDM 1.1 di credential byte for byte (Ed25519)', async () => {
    const request = { format: 'di' as const, credential: v1Document(), recordKey: 'v1-person-7' };
    const first = await issuer.issue(request);
    const again = await issuer.reemit(request);
    expect(again.jwt).toBe(first.jwt);
  });

  it('refuses VCDM 2.0 terms in a VCDM 1.1 document, undefined terms and the data-integrity/v1 context, issuing nothing', async () => {
    const before = (await issuer.log()).length;
    await expect(issuer.issue({ format: 'di', credential: v1Document({ validFrom: '2026-01-01T00:00:00Z' }) })).rejects.toMatchObject({
      code: 'MALFORMED',
      path: '/credential/validFrom',
    });
    await expect(issuer.issue({ format: 'di', credential: v1Document({ issuanceDate: 'yesterday' }) })).rejects.toMatchObject({
      code: 'MALFORMED',
      path: '/credential/issuanceDate',
    });
    await expect(issuer.issue({ format: 'di', credential: v1Document({ '@context': [V1] }) })).rejects.toMatchObject({
      code: 'MALFORMED',
      message: expect.stringContaining('every term and type of a di credential must be defined by its @context'),
    });
    // The first Data Integrity context: its protected terms clash with data-integrity/v2.
    await expect(
      issuer.issue({
        format: 'di',
        credential: v1Document({ '@context': [V1, 'https://w3id.org/security/data-integrity/v1', AGENCY_CONTEXT_URL] }),
      }),
    ).rejects.toMatchObject({
      code: 'MALFORMED',
      path: '/credential/@context/1',
      message: expect.stringContaining(`name ${DI} instead`),
    });
    expect(await issuer.log()).toHaveLength(before);
  });

  it('the request shape stays VCDM 2.0 for di, and vc+jwt still refuses a VCDM 1.1 document', async () => {
    const issued = await issuer.issue({
      format: 'di',
      type: 'NationalIdCredential',
      context: [AGENCY_CONTEXT_URL],
      credentialSubject: { id: HOLDER, givenName: 'Ana' },
      status: [],
    });
    const c = issued.credential as unknown as JsonObject;
    expect(c['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', AGENCY_CONTEXT_URL]);
    expect(typeof c.validFrom).toBe('string');
    await expect(issuer.issue({ format: 'vc+jwt', credential: v1Document() })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/format',
    });
  });
});
