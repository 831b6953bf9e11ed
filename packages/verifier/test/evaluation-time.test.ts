// What a verifier decides at one evaluation time is never reused at another where it
// would not hold: the recognition lists in force follow each call's `now` (a list
// applies from its validFrom), and a status list's signer is judged again when the lists
// in force change or, for a list that claims no issuance time, when the time does.
import { createList } from '@digitalbazaar/vc-bitstring-status-list';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier } from '../src/index.js';
import { didKey, lowS, NOW, recognitionListJwt, type TestKey, vcJwt } from './helpers/producers.js';

const DID = 'did:web:registry.gov.tt';
const KID = `${DID}#key-1`;
const URL = 'https://registry.gov.tt/status/1';
const LATER = '2026-06-03T00:00:00Z';
const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

const recognitionList = (anchor: TestKey, sequence: number, entries: unknown[], validFrom: string) =>
  recognitionListJwt(anchor, entries, { sequence }, { validFrom });

const entry = (key: TestKey, window: Record<string, unknown> = {}, keyExtra: Record<string, unknown> = {}) => ({
  id: DID,
  country: 'TT',
  name: 'TT Registry',
  credentialTypes: ['NationalIdCredential'],
  assuranceLevel: 'high',
  ...window,
  keys: [{ ...key.publicJwk, kid: '#key-1', ...keyExtra }],
});

async function statusList(key: TestKey, claims: Record<string, unknown>) {
  const list = await createList({ length: 131_072 });
  return lowS(
    await new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: URL,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: DID,
      credentialSubject: { id: `${URL}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: await list.encode() },
      ...claims,
    })
      .setProtectedHeader({ alg: key.alg, kid: KID, typ: 'vc+jwt' })
      .sign(key.privateKey),
  );
}

const statusEntry = {
  id: `${URL}#3`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: '3',
  statusListCredential: URL,
};

describe('future-dated recognition lists follow each call’s now', () => {
  let anchor: TestKey;
  let key: TestKey;
  beforeAll(() => {
    [anchor, key] = [didKey(), didKey()];
  });

  it('a list that one call’s later now admits is not applied to a call at the verifier’s own now', async () => {
    const future = await recognitionList(anchor, 2, [entry(key)], '2026-06-02T00:00:00Z');
    const jwt = await vcJwt({ ...key, did: DID, kid: KID }, { issuer: DID });
    const v = createVerifier({ now: NOW, policy: { anchors: [anchor.did] }, recognitionLists: [future] });
    // First a call at a later time (the list is valid then), then one at the verifier's now.
    expect((await v.verifyCredential(jwt, { now: LATER })).verified).toBe(true);
    expect(codes(await v.verifyCredential(jwt))).toEqual(['TRUST_LIST_INVALID']);
    expect((await v.recognitionStatus())?.lists).toEqual([]);
  });

  it('a list in force at the verifier’s now is not applied to a call dated before its validFrom', async () => {
    const current = await recognitionList(anchor, 2, [entry(key)], '2026-05-01T00:00:00Z');
    const jwt = await vcJwt({ ...key, did: DID, kid: KID }, { issuer: DID, validFrom: '2026-01-01T00:00:00Z' });
    const v = createVerifier({ now: NOW, policy: { anchors: [anchor.did] }, recognitionLists: [current] });
    expect((await v.verifyCredential(jwt)).verified).toBe(true);
    expect(codes(await v.verifyCredential(jwt, { now: '2026-04-01T00:00:00Z' }))).toEqual(['TRUST_LIST_INVALID']);
  });

  it('a verifier without a fixed now takes up a newer list once its validFrom is reached', async () => {
    const soon = new Date(Date.now() + 120_000).toISOString();
    const v1 = await recognitionList(anchor, 1, [entry(key)], '2026-01-01T00:00:00Z');
    const v2 = await recognitionList(anchor, 2, [entry(key, {}, { revoked: true })], soon);
    const jwt = await vcJwt({ ...key, did: DID, kid: KID }, { issuer: DID, validFrom: '2026-01-01T00:00:00Z' });
    const v = createVerifier({ policy: { anchors: [anchor.did], recognitionListGraceSeconds: 1e9 }, recognitionLists: [v1, v2] });
    expect((await v.verifyCredential(jwt)).verified).toBe(true);
    expect(codes(await v.verifyCredential(jwt, { now: new Date(Date.now() + 300_000) }))).toEqual(['UNTRUSTED_ISSUER']);
  });
});

describe('cached status lists are judged again when what judged them changes', () => {
  let anchor: TestKey;
  let oldKey: TestKey;
  let newKey: TestKey;
  beforeAll(() => {
    [anchor, oldKey, newKey] = [didKey(), didKey(), didKey()];
  });

  it('a status list without issuance time, cached while its key was current, is refused once the key is retired', async () => {
    const retiredAt = '2026-06-01T13:00:00Z';
    const list = await recognitionList(
      anchor,
      1,
      [entry(oldKey, { validUntil: retiredAt }), entry(newKey, { validFrom: retiredAt })],
      '2026-05-01T00:00:00Z',
    );
    const dateless = await statusList(oldKey, {});
    const v = createVerifier({
      now: NOW,
      policy: { anchors: [anchor.did] },
      recognitionLists: [list],
      status: { lists: { [URL]: dateless } },
    });
    const before = await vcJwt(
      { ...oldKey, did: DID, kid: KID },
      { issuer: DID, validFrom: '2026-06-01T11:00:00Z', credentialStatus: statusEntry },
    );
    expect((await v.verifyCredential(before)).verified).toBe(true);
    const after = await vcJwt(
      { ...newKey, did: DID, kid: KID },
      { issuer: DID, validFrom: '2026-06-01T13:30:00Z', credentialStatus: statusEntry },
    );
    expect(codes(await v.verifyCredential(after, { now: '2026-06-01T14:00:00Z' }))).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('a status list cached under older lists is refused when a newer list in force revokes its signing key', async () => {
    const v1 = await recognitionList(anchor, 1, [entry(oldKey), entry(newKey)], '2026-05-01T00:00:00Z');
    const v2 = await recognitionList(anchor, 2, [entry(oldKey, {}, { revoked: true }), entry(newKey)], '2026-06-02T00:00:00Z');
    const published = await statusList(oldKey, { validFrom: '2026-05-15T00:00:00Z' });
    const v = createVerifier({
      now: NOW,
      policy: { anchors: [anchor.did], recognitionListGraceSeconds: 1e9 },
      recognitionLists: [v1, v2],
      status: { lists: { [URL]: published } },
    });
    const jwt = await vcJwt({ ...newKey, did: DID, kid: KID }, { issuer: DID, credentialStatus: statusEntry });
    expect((await v.verifyCredential(jwt)).verified).toBe(true);
    // Once the newer list is in force, the key that signed the status list is revoked.
    expect(codes(await v.verifyCredential(jwt, { now: LATER }))).toEqual(['STATUS_UNAVAILABLE']);
  });
});
