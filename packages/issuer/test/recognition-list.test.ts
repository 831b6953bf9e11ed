import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from './helpers/temp-issuer.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const NOW = '2026-06-01T00:00:00Z';
let dir: string;
let anchor: Issuer;
let registry: Issuer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-recognition-'));
  anchor = await openIssuer({ database: await testDatabase(dir, 'anchor'), secret: 'anchor secret', kdf });
  registry = await openIssuer({
    database: await testDatabase(dir, 'tt'),
    secret: 'registry secret',
    kdf,
    statusListBaseUrl: 'https://registry.gov.tt/status',
  });
});
afterAll(async () => {
  await anchor.close();
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('signing recognition lists', () => {
  it('signs a list that the verifier accepts, with the keys a did:web issuer needs', async () => {
    const caricom = await anchor.createDid();
    const tt = await registry.createDid({ method: 'web', domain: 'registry.gov.tt' });
    const list = await anchor.signRecognitionList({
      sequence: 1,
      nextUpdate: '2026-12-01T00:00:00Z',
      name: 'CARICOM mutual recognition',
      validFrom: '2026-05-01T00:00:00Z',
      entries: [
        {
          id: tt.did,
          country: 'TT',
          name: 'Registrar General, Trinidad and Tobago',
          credentialTypes: ['NationalIdCredential'],
          assuranceLevel: 'substantial',
          keys: await registry.recognitionKeys(tt.did),
        },
      ],
    });
    const { jwt: credential } = await registry.issue({
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      validFrom: '2026-05-15T00:00:00Z',
      credentialSubject: { id: 'did:example:asha', givenName: 'Asha' },
    });
    const lists = await registry.statusListCredentials({ now: new Date('2026-05-31T12:00:00Z') });
    const status = { lists: Object.fromEntries(lists.map((l) => [l.url, l.jwt])) };
    const verifier = createVerifier({ now: NOW, policy: { anchors: [caricom.did] }, recognitionLists: [list], status });
    const r = await verifier.verifyCredential(credential);
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified)
      expect(r.recognition).toMatchObject({ source: 'list', country: 'TT', assuranceLevel: 'substantial', anchor: caricom.did });
  });

  it('signs a list that revokes a compromised key: verifiers refuse it from then on, whatever the dates', async () => {
    const caricom = await anchor.createDid();
    const did = 'did:web:registry.gov.tt';
    const keys = await registry.recognitionKeys(did);
    // The verification method id names the key itself (RFC 7638 thumbprint), not a counter.
    expect(keys[0]?.kid).toMatch(/^did:web:registry\.gov\.tt#[A-Za-z0-9_-]{43}$/);
    const entry = {
      id: did,
      country: 'TT',
      name: 'Registrar General, Trinidad and Tobago',
      credentialTypes: ['NationalIdCredential'],
      assuranceLevel: 'substantial' as const,
      validUntil: '2026-05-20T00:00:00Z',
    };
    const { jwt: credential } = await registry.issue({
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      status: [],
      validFrom: '2026-05-15T00:00:00Z',
      credentialSubject: { id: 'did:example:asha', givenName: 'Asha' },
    });
    const sign = (entries: unknown[]) =>
      anchor.signRecognitionList({
        issuer: caricom.did,
        sequence: 2,
        nextUpdate: '2026-12-01T00:00:00Z',
        validFrom: '2026-05-01T00:00:00Z',
        entries: entries as never,
      });
    const retired = await sign([{ ...entry, keys }]);
    const before = await createVerifier({ now: NOW, policy: { anchors: [caricom.did] }, recognitionLists: [retired] }).verifyCredential(
      credential,
    );
    expect(before.verified, JSON.stringify(before)).toBe(true);
    for (const revoked of [[{ ...entry, keys, revoked: true }], [{ ...entry, keys: keys.map((k) => ({ ...k, revoked: true })) }]]) {
      const list = await sign(revoked);
      const r = await createVerifier({ now: NOW, policy: { anchors: [caricom.did] }, recognitionLists: [list] }).verifyCredential(
        credential,
      );
      expect(r.verified ? [] : r.errors.map((e) => e.code)).toEqual(['UNTRUSTED_ISSUER']);
    }
  });

  it('refuses to sign a list that verifiers would refuse (INVALID_ARGUMENT)', async () => {
    await anchor.createDid();
    const entry = {
      id: 'did:web:registry.gov.tt',
      country: 'TT',
      name: 'x',
      credentialTypes: ['NationalIdCredential'],
      assuranceLevel: 'high' as const,
    };
    await expect(anchor.signRecognitionList({ sequence: 1, nextUpdate: '2026-12-01T00:00:00Z', entries: [entry] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(anchor.signRecognitionList({ sequence: -3, nextUpdate: '2026-12-01T00:00:00Z', entries: [] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
