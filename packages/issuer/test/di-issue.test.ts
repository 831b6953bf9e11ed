import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@tradewind/core';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Issuer, type ManagedDid, openIssuer } from '../src/index.js';
import { dbVerify, didKeyDocument, staticLoader } from './helpers/di-digitalbazaar.js';
import { TEST_KDF, testDatabase } from './helpers/temp-issuer.js';

const BASE = 'https://registry.gov.example/status';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

/**
 * The agency's own context, known to the issuer through `dataIntegrity.contexts`: it
 * defines the terms of its credentials (JSON-LD safe mode refuses undefined ones).
 */
const AGENCY_CONTEXT_URL = 'https://registry.gov.example/contexts/v1';
const AGENCY_CONTEXT = { '@context': { '@vocab': 'https://registry.gov.example/vocab#' } };
const RESIDENCE_CONTEXT_URL = 'https://registry.gov.example/contexts/residence/v1';
const RESIDENCE_CONTEXT = {
  '@context': {
    '@protected': true,
    ResidencePermit: 'https://registry.gov.example/vocab#ResidencePermit',
    parish: 'https://registry.gov.example/vocab#parish',
  },
};
const CONTEXTS = { [AGENCY_CONTEXT_URL]: AGENCY_CONTEXT, [RESIDENCE_CONTEXT_URL]: RESIDENCE_CONTEXT };

let dir: string;
let issuer: Issuer;
let ed: ManagedDid;
let p256: ManagedDid;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-di-'));
  issuer = await openIssuer({
    database: await testDatabase(dir, 'di'),
    secret: 'di',
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

const request = (extra: Record<string, unknown> = {}) => ({
  format: 'di' as const,
  type: 'NationalIdCredential',
  context: [AGENCY_CONTEXT_URL],
  credentialSubject: { id: HOLDER, givenName: 'Ana', familyName: 'Joseph' },
  ...extra,
});

/** The Data Integrity forms of the issuer's current lists, by URL. */
async function diLists(): Promise<Record<string, JsonObject>> {
  const lists = await issuer.statusListCredentials({ format: 'di' });
  return { ...CONTEXTS, ...Object.fromEntries(lists.map((l) => [l.url, l.credential as unknown as JsonObject])) };
}

function entries(credential: JsonObject): Array<Record<string, string>> {
  const status = credential.credentialStatus;
  return (Array.isArray(status) ? status : status === undefined ? [] : [status]) as Array<Record<string, string>>;
}

describe('di credentials (eddsa-rdfc-2022, ecdsa-rdfc-2019)', () => {
  it('issues a VCDM 2.0 credential with an eddsa-rdfc-2022 proof by the did:key Multikey', async () => {
    const issued = await issuer.issue(request({ validUntil: '2036-12-01T00:00:00Z' }));
    const c = issued.credential as unknown as JsonObject;
    expect(issued.format).toBe('di');
    expect(JSON.parse(issued.jwt)).toEqual(c);
    expect(c['@context']).toEqual([V2, AGENCY_CONTEXT_URL]);
    expect(c).toMatchObject({
      id: issued.id,
      type: ['VerifiableCredential', 'NationalIdCredential'],
      issuer: ed.did,
      validUntil: '2036-12-01T00:00:00Z',
      credentialSubject: { id: HOLDER, givenName: 'Ana', familyName: 'Joseph' },
    });
    expect(issued.id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(typeof c.validFrom).toBe('string');
    const proof = c.proof as Record<string, string>;
    expect(proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'assertionMethod',
      verificationMethod: `${ed.did}#${ed.did.slice('did:key:'.length)}`,
    });
    expect(proof.verificationMethod).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+#z6Mk/);
    expect(proof.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // base58btc multibase of a 64-byte signature
    expect(proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]{86,88}$/);
    const [entry] = entries(c);
    expect(entry).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    expect(typeof entry?.statusListIndex).toBe('string');
    expect(entry?.statusListCredential).toMatch(new RegExp(`^${BASE}/\\d+$`));
  });

  it('verifies with @digitalbazaar/vc, status against the Data Integrity list, and shows revocation there', async () => {
    const issued = await issuer.issue(request({ status: ['revocation', 'suspension'] }));
    const c = issued.credential as unknown as JsonObject;
    const check = async () => dbVerify(c, staticLoader([didKeyDocument(ed)], await diLists()));
    const before = await check();
    expect(before.error).toBeUndefined();
    expect(before.verified).toBe(true);
    expect(before.statusResult?.results?.map((r) => r.status)).toEqual([false, false]);
    await issuer.revoke(issued.id);
    const after = await check();
    // DB's checker verifies the list's proof and reads the bit: revoked, not suspended.
    expect(after.statusResult?.results?.map((r) => r.status)).toEqual([true, false]);
  });

  it('a credential changed after signing does not verify with @digitalbazaar/vc', async () => {
    const issued = await issuer.issue(request({ status: [] }));
    const changed = structuredClone(issued.credential) as unknown as JsonObject;
    (changed.credentialSubject as JsonObject).familyName = 'Josephs';
    const loader = staticLoader([didKeyDocument(ed)], CONTEXTS);
    expect((await dbVerify(issued.credential as unknown as JsonObject, loader)).verified).toBe(true);
    expect((await dbVerify(changed, loader)).verified).toBe(false);
  });

  it('signs with a P-256 key as ecdsa-rdfc-2019, verified by @digitalbazaar/vc', async () => {
    const issued = await issuer.issue(request({ issuer: p256.did, status: [] }));
    const c = issued.credential as unknown as JsonObject;
    expect(c.proof).toMatchObject({ cryptosuite: 'ecdsa-rdfc-2019', verificationMethod: p256.verificationMethod });
    expect(p256.verificationMethod).toMatch(/^did:key:zDn[1-9A-HJ-NP-Za-km-z]+#zDn/);
    const result = await dbVerify(c, staticLoader([didKeyDocument(p256)], CONTEXTS));
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('a did:web issuer publishes its keys as Multikey for Data Integrity verifiers, still read by JOSE ones', async () => {
    const web = await issuer.createDid({ method: 'web', domain: 'registry.gov.example' });
    const doc = (await issuer.didWebDocument(web.did, { keyType: 'Multikey' })) as unknown as JsonObject;
    expect(doc['@context']).toContain('https://w3id.org/security/multikey/v1');
    expect(doc.verificationMethod).toEqual([
      expect.objectContaining({ id: web.verificationMethod, type: 'Multikey', publicKeyMultibase: expect.stringMatching(/^z6Mk/) }),
    ]);
    expect(doc.assertionMethod).toEqual([web.verificationMethod]);
    const issued = await issuer.issue(request({ issuer: web.did }));
    const c = issued.credential as unknown as JsonObject;
    expect((c.proof as JsonObject).verificationMethod).toBe(web.verificationMethod);
    const result = await dbVerify(c, staticLoader([doc], await diLists()));
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
    // The same document serves the issuer's vc+jwt credentials.
    const jose = await issuer.issue({ issuer: web.did, type: 'T', credentialSubject: { a: 1 }, status: [] });
    const joseResult = await verifyCredential(jose.jwt, { didResolver: { documents: [doc as never] } });
    expect(joseResult.errors ?? []).toEqual([]);
    await expect(issuer.didWebDocument(web.did, 'Multikey' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(issuer.didWebDocument(web.did, { keyType: 'Ed25519VerificationKey2018' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/keyType',
    });
  });

  it('signs a whole document with a context of the agency given at open', async () => {
    const issued = await issuer.issue({
      format: 'di',
      credential: {
        '@context': [V2, RESIDENCE_CONTEXT_URL],
        type: ['VerifiableCredential', 'ResidencePermit'],
        credentialSubject: { id: HOLDER, parish: 'St. George' },
      },
      status: [],
    });
    const c = issued.credential as unknown as JsonObject;
    expect(c['@context']).toEqual([V2, RESIDENCE_CONTEXT_URL]);
    const loader = staticLoader([didKeyDocument(ed)], CONTEXTS);
    const result = await dbVerify(c, loader);
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('refuses a context that is not available offline, and issues nothing', async () => {
    const before = (await issuer.log()).length;
    const url = 'https://contexts.example/unknown/v1';
    await expect(issuer.issue(request({ context: [AGENCY_CONTEXT_URL, url] }))).rejects.toMatchObject({
      code: 'MALFORMED',
      message: expect.stringContaining(`context not available offline: ${url}`),
    });
    expect(await issuer.log()).toHaveLength(before);
  });

  it('refuses claims and types no context defines (strict JSON-LD: nothing is dropped), saying how to define them', async () => {
    const before = (await issuer.log()).length;
    await expect(issuer.issue(request({ context: [] }))).rejects.toMatchObject({
      code: 'MALFORMED',
      message: expect.stringContaining('every term and type of a di credential must be defined by its @context'),
    });
    expect(await issuer.log()).toHaveLength(before);
  });

  it('refuses a document of neither data model as di, and bad Data Integrity settings at open', async () => {
    // VCDM 1.1 documents are signed too (di-issue-vcdm1.test.ts); another first context is not.
    await expect(
      issuer.issue({
        format: 'di',
        credential: {
          '@context': [AGENCY_CONTEXT_URL],
          type: ['VerifiableCredential'],
          credentialSubject: { id: HOLDER },
        },
      }),
    ).rejects.toMatchObject({ code: 'MALFORMED', path: '/credential/@context/0' });
    await expect(issuer.issue(request({ format: 'ldp_vc' }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: '/format' });
    for (const dataIntegrity of [
      'x',
      { contexts: 'x' },
      { contexts: { 'not a url': {} } },
      { contexts: { [RESIDENCE_CONTEXT_URL]: 3 } },
      { contexts: { [RESIDENCE_CONTEXT_URL]: '{"@context": ' } },
      { contexts: { [RESIDENCE_CONTEXT_URL]: '[1]' } },
      { loader: () => null },
    ]) {
      await expect(
        openIssuer({ database: join(dir, 'never.db'), secret: 'x', kdf: TEST_KDF, dataIntegrity: dataIntegrity as never }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
  });

  it('takes indexes in the same lists as JOSE credentials, in one transaction', async () => {
    const issued = await issuer.issueMany([
      request(),
      { type: 'NationalIdCredential', credentialSubject: { id: HOLDER, givenName: 'Ana' } },
      request(),
    ]);
    expect(issued.map((i) => i.format)).toEqual(['di', 'vc+jwt', 'di']);
    const refs = issued.map((i) => entries(i.credential as unknown as JsonObject)[0] as Record<string, string>);
    expect(new Set(refs.map((r) => r.statusListCredential)).size).toBe(1);
    expect(new Set(refs.map((r) => r.statusListIndex)).size).toBe(3);
    const logged = await Promise.all(issued.map((i) => issuer.getIssued(i.id)));
    expect(logged.map((l) => l.format)).toEqual(['di', 'vc+jwt', 'di']);
    expect(logged.map((l) => l.status[0]?.index)).toEqual(refs.map((r) => Number(r.statusListIndex)));
  });

  it('re-emits a di credential byte for byte (Ed25519), and refuses other content under its id', async () => {
    const first = await issuer.issue(request({ recordKey: 'person-42' }));
    const again = await issuer.reemit(request({ recordKey: 'person-42' }));
    expect(again.jwt).toBe(first.jwt);
    expect((await issuer.getIssued(first.id)).reemissions).toBe(1);
    await expect(
      issuer.reemit(request({ recordKey: 'person-42', credentialSubject: { id: HOLDER, givenName: 'Eve' } })),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('issues a batch as di: every output line holds a credential @digitalbazaar/vc verifies', async () => {
    const input = ['{"recordKey":"b1","givenName":"Ana"}', '{"recordKey":"b2","givenName":"Ben"}'].join('\n');
    const outputPath = join(dir, 'batch.issued.jsonl');
    const result = await issuer.issueBatch(
      { text: input, format: 'jsonl' },
      {
        type: 'NationalIdCredential',
        format: 'di',
        context: [AGENCY_CONTEXT_URL],
        outputPath,
      },
    );
    expect(result).toMatchObject({ issued: 2, invalidCount: 0 });
    const lines = readFileSync(outputPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { format: string; jwt: string });
    const loader = staticLoader([didKeyDocument(ed)], await diLists());
    for (const line of lines) {
      expect(line.format).toBe('di');
      const verified = await dbVerify(JSON.parse(line.jwt) as JsonObject, loader);
      expect(verified.error).toBeUndefined();
      expect(verified.verified).toBe(true);
    }
    // Run again: the file's di lines count as delivered (none re-emitted, none dropped)...
    const options = { type: 'NationalIdCredential', format: 'di' as const, context: [AGENCY_CONTEXT_URL], outputPath };
    const again = await issuer.issueBatch({ text: input, format: 'jsonl' }, options);
    expect(again).toMatchObject({ issued: 0, skipped: 2, reemitted: 0 });
    const text = readFileSync(outputPath, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(2);
    // ...and one lost from the file is re-emitted into it, the same bytes (Ed25519).
    const [kept, lost] = text.trim().split('\n') as [string, string];
    writeFileSync(outputPath, `${kept}\n`);
    const resumed = await issuer.issueBatch({ text: input, format: 'jsonl' }, options);
    expect(resumed).toMatchObject({ issued: 0, skipped: 2, reemitted: 1 });
    expect(readFileSync(outputPath, 'utf8')).toBe(`${kept}\n${lost}\n`);
  });

  it('lists a batch record naming a context not available offline as invalid, and issues the others', async () => {
    const doc = (context: string[], key: string) =>
      JSON.stringify({
        recordKey: key,
        credential: {
          '@context': [V2, ...context],
          type: ['VerifiableCredential', 'NationalIdCredential'],
          credentialSubject: { givenName: 'Ana' },
        },
      });
    const input = [doc([AGENCY_CONTEXT_URL], 'c1'), doc(['https://contexts.example/nowhere/v1'], 'c2')].join('\n');
    const result = await issuer.issueBatch({ text: input, format: 'jsonl' }, { format: 'di' });
    expect(result).toMatchObject({ issued: 1, invalidCount: 1 });
    expect(result.invalid).toEqual([
      expect.objectContaining({
        line: 2,
        code: 'MALFORMED',
        reason: expect.stringContaining('context not available offline: https://contexts.example/nowhere/v1'),
      }),
    ]);
  });

  it('publishes the Data Integrity form of every list beside its JWT, named in the manifest', async () => {
    const issued = await issuer.issue(request());
    await issuer.revoke(issued.id);
    const out = join(dir, 'public');
    const files = await issuer.publishStatusLists(out, { validForSeconds: 3600 });
    const entry = entries(issued.credential as unknown as JsonObject)[0] as Record<string, string>;
    const n = entry.statusListCredential?.slice(BASE.length + 1) as string;
    expect(files).toContainEqual({ url: entry.statusListCredential, file: join(out, `${n}.json`) });
    expect(files).toContainEqual({ url: entry.statusListCredential, file: join(out, n) });
    const manifest = JSON.parse(readFileSync(join(out, 'status-lists.json'), 'utf8')) as Array<Record<string, string>>;
    expect(manifest).toContainEqual(expect.objectContaining({ url: entry.statusListCredential, file: n, dataIntegrityFile: `${n}.json` }));
    const list = JSON.parse(readFileSync(join(out, `${n}.json`), 'utf8')) as JsonObject;
    expect(list).toMatchObject({
      id: entry.statusListCredential,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' },
    });
    const result = await dbVerify(
      issued.credential as unknown as JsonObject,
      staticLoader([didKeyDocument(ed)], { ...CONTEXTS, [entry.statusListCredential as string]: list }),
    );
    expect(result.verified).toBe(true);
    expect(result.statusResult?.results?.[0]?.status).toBe(true);
    // JOSE lists stay as they were: the JWT beside it.
    expect(readFileSync(join(out, n), 'utf8')).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    const without = join(dir, 'public-jwt');
    await issuer.publishStatusLists(without, { dataIntegrity: false });
    expect(existsSync(join(without, `${n}.json`))).toBe(false);
    await expect(issuer.publishStatusLists(without, { dataIntegrity: 'yes' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(issuer.statusListCredentials({ format: 'ldp' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/format',
    });
  });
});

describe("di credentials verified by Tradewind's verifier", () => {
  const options = async (documents: JsonObject[] = []) => ({
    dataIntegrity: { contexts: CONTEXTS, documents },
    status: { lists: await diLists() },
  });

  it('verifies an eddsa-rdfc-2022 credential with its status in the Data Integrity list, and then its revocation', async () => {
    const issued = await issuer.issue(request({ status: ['revocation', 'suspension'] }));
    const first = await verifyCredential(issued.credential as unknown as JsonObject, await options());
    expect(first.errors ?? []).toEqual([]);
    expect(first).toMatchObject({
      verified: true,
      format: 'di',
      issuer: ed.did,
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: ed.verificationMethod },
    });
    await issuer.suspend(issued.id);
    const suspended = await verifyCredential(issued.credential as unknown as JsonObject, await options());
    expect(suspended.verified).toBe(false);
    expect(suspended.errors?.map((e) => e.code)).toEqual(['SUSPENDED']);
    await issuer.revoke(issued.id);
    const revoked = await verifyCredential(issued.credential as unknown as JsonObject, await options());
    expect(revoked.errors?.map((e) => e.code)).toContain('REVOKED');
  });

  it('verifies ecdsa-rdfc-2019 (P-256) and a did:web issuer whose Multikey document it is given', async () => {
    const ecdsa = await issuer.issue(request({ issuer: p256.did }));
    const result = await verifyCredential(ecdsa.credential as unknown as JsonObject, await options());
    expect(result.errors ?? []).toEqual([]);
    expect(result).toMatchObject({ verified: true, proof: { cryptosuite: 'ecdsa-rdfc-2019' } });
    const web = await issuer.createDid({ method: 'web', domain: 'civil.gov.example' });
    const doc = (await issuer.didWebDocument(web.did, { keyType: 'Multikey' })) as unknown as JsonObject;
    const issued = await issuer.issue(request({ issuer: web.did }));
    const byWeb = await verifyCredential(issued.credential as unknown as JsonObject, await options([doc]));
    expect(byWeb.errors ?? []).toEqual([]);
    expect(byWeb.verified).toBe(true);
    // A P-256 did:web key as a Multikey (compressed point), ecdsa-rdfc-2019.
    const webP256 = await issuer.createDid({ method: 'web', domain: 'civil-ec.gov.example', keyType: 'P-256' });
    const ecDoc = (await issuer.didWebDocument(webP256.did, { keyType: 'Multikey' })) as unknown as JsonObject;
    expect(ecDoc.verificationMethod).toEqual([
      expect.objectContaining({ type: 'Multikey', publicKeyMultibase: expect.stringMatching(/^zDn/) }),
    ]);
    const ec = await issuer.issue(request({ issuer: webP256.did }));
    const byEc = await verifyCredential(ec.credential as unknown as JsonObject, await options([ecDoc]));
    expect(byEc.errors ?? []).toEqual([]);
    expect(byEc).toMatchObject({ verified: true, proof: { cryptosuite: 'ecdsa-rdfc-2019' } });
    expect((await dbVerify(ec.credential as unknown as JsonObject, staticLoader([ecDoc], await diLists()))).verified).toBe(true);
  });

  it('reads status from the JWT form of the same list too (what <base>/<n> serves)', async () => {
    const issued = await issuer.issue(request());
    const jwtLists = Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt]));
    const check = () =>
      verifyCredential(issued.credential as unknown as JsonObject, { dataIntegrity: { contexts: CONTEXTS }, status: { lists: jwtLists } });
    expect((await check()).errors ?? []).toEqual([]);
    await issuer.revoke(issued.id);
    Object.assign(jwtLists, Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt])));
    expect((await check()).errors?.map((e) => e.code)).toContain('REVOKED');
  });

  it('verifies a did:jwk issuer (its key a JsonWebKey2020 method, #0)', async () => {
    const jwk = await issuer.createDid({ method: 'jwk' });
    const issued = await issuer.issue(request({ issuer: jwk.did }));
    expect((issued.credential as unknown as JsonObject).proof).toMatchObject({ verificationMethod: `${jwk.did}#0` });
    const result = await verifyCredential(issued.credential as unknown as JsonObject, await options());
    expect(result.errors ?? []).toEqual([]);
    expect(result.verified).toBe(true);
  });

  it('refuses a di credential changed after signing', async () => {
    const issued = await issuer.issue(request());
    const changed = structuredClone(issued.credential) as unknown as JsonObject;
    (changed.credentialSubject as JsonObject).givenName = 'Eve';
    const result = await verifyCredential(changed, await options());
    expect(result.verified).toBe(false);
    expect(result.errors?.map((e) => e.code)).toContain('SIGNATURE_INVALID');
  });
});
