// Status rules only ever tighten: a policy without anchors still requires status and
// keeps its maximum age, and a caller's maximum age is never widened by a policy or by a
// recognition list entry (nor the other way round).
import { createList } from '@digitalbazaar/vc-bitstring-status-list';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier, verifyCredential } from '../src/index.js';
import { didKey, NOW, recognitionListJwt, type TestKey, vcJwt } from './helpers/producers.js';

const URL = 'https://registry.gov.tt/status/1';
const DAY = 86_400;
const codes = (r: CredentialVerificationResult) => (r.verified ? [] : [...new Set(r.errors.map((e) => e.code))]);

async function statusList(issuer: TestKey, validFrom: string) {
  const list = await createList({ length: 131_072 });
  return new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: URL,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuer.did,
    validFrom,
    credentialSubject: { id: `${URL}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: await list.encode() },
  })
    .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'vc+jwt' })
    .sign(issuer.privateKey);
}

const recognitionList = (anchor: TestKey, entries: unknown[]) => recognitionListJwt(anchor, entries);

const statusEntry = {
  id: `${URL}#3`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: '3',
  statusListCredential: URL,
};

describe('required status under a policy without anchors', () => {
  let issuer: TestKey;
  beforeAll(() => {
    issuer = didKey();
  });

  // [] and an entry without a type break the data model before any status rule applies.
  for (const [name, credentialStatus, code] of [
    ['missing', undefined, 'STATUS_UNAVAILABLE'],
    ['[]', [], 'MALFORMED'],
    ['[{}]', [{}], 'MALFORMED'],
  ] as const) {
    it(`a policy of trusted issuers that requires status rejects credentialStatus ${name} (${code})`, async () => {
      const jwt = await vcJwt(issuer, credentialStatus === undefined ? {} : { credentialStatus });
      const policy = { trustedIssuers: [issuer.did], status: { required: true } };
      expect(codes(await verifyCredential(jwt, { now: NOW, policy }))).toEqual([code]);
      // Also when the policy names no issuers at all, and per call on a verifier.
      expect(codes(await verifyCredential(jwt, { now: NOW, policy: { status: { required: true } } }))).toEqual([code]);
      const v = createVerifier({ now: NOW, policy });
      expect(codes(await v.verifyCredential(jwt, { trustedIssuers: [issuer.did] }))).toEqual([code]);
    });
  }

  it('still verifies a credential whose status is checked', async () => {
    const jwt = await vcJwt(issuer, { credentialStatus: statusEntry });
    const lists = { [URL]: await statusList(issuer, '2026-06-01T00:00:00Z') };
    const r = await verifyCredential(jwt, {
      now: NOW,
      policy: { trustedIssuers: [issuer.did], status: { required: true } },
      status: { lists },
    });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });
});

describe('status maxAgeSeconds is the strictest of the caller, the policy and the list entry', () => {
  let anchor: TestKey;
  let issuer: TestKey;
  let jwt: string;
  let lists: Record<string, string>;
  beforeAll(async () => {
    [anchor, issuer] = [didKey(), didKey()];
    jwt = await vcJwt(issuer, { credentialStatus: statusEntry });
    lists = { [URL]: await statusList(issuer, '2026-05-01T00:00:00Z') }; // a month old at NOW
  });
  const entry = (extra: Record<string, unknown> = {}) => ({
    id: issuer.did,
    country: 'TT',
    name: 'TT Registry',
    credentialTypes: ['*'],
    assuranceLevel: 'high',
    ...extra,
  });

  it("a lenient list entry does not widen the caller's maxAgeSeconds", async () => {
    const recognitionLists = [await recognitionList(anchor, [entry({ status: { maxAgeSeconds: 100 * DAY } })])];
    const policy = { anchors: [anchor.did] };
    const r = await verifyCredential(jwt, { now: NOW, policy, recognitionLists, status: { lists, maxAgeSeconds: DAY } });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    const ok = await verifyCredential(jwt, { now: NOW, policy, recognitionLists, status: { lists, maxAgeSeconds: 100 * DAY } });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
  });

  it("a lenient policy does not widen the caller's maxAgeSeconds, verifier-wide or per call", async () => {
    const recognitionLists = [await recognitionList(anchor, [entry()])];
    const policy = { anchors: [anchor.did], status: { maxAgeSeconds: 100 * DAY } };
    const r = await verifyCredential(jwt, { now: NOW, policy, recognitionLists, status: { lists, maxAgeSeconds: DAY } });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    const v = createVerifier({ now: NOW, policy, recognitionLists, status: { lists } });
    expect((await v.verifyCredential(jwt)).verified).toBe(true);
    expect(codes(await v.verifyCredential(jwt, { status: { maxAgeSeconds: DAY } }))).toEqual(['STATUS_UNAVAILABLE']);
  });

  it("a caller's lenient maxAgeSeconds does not widen a policy without anchors", async () => {
    const v = createVerifier({ now: NOW, policy: { trustedIssuers: [issuer.did], status: { maxAgeSeconds: DAY } }, status: { lists } });
    expect(codes(await v.verifyCredential(jwt))).toEqual(['STATUS_UNAVAILABLE']);
    expect(codes(await v.verifyCredential(jwt, { status: { maxAgeSeconds: 100 * DAY } }))).toEqual(['STATUS_UNAVAILABLE']);
  });
});
