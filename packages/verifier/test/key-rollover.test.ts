// Key rollover and compromised keys under a recognition list: a key is its material
// (RFC 7638 thumbprint), not its kid; a window judges the latest claimed issuance time;
// `revoked` keys verify nothing again; status lists meet the same key rules.
import { createList } from '@digitalbazaar/vc-bitstring-status-list';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier, type RecognitionPolicy, verifyCredential } from '../src/index.js';
import { didKey, lowS, NOW, recognitionListJwt, type TestKey, vcJwt } from './helpers/producers.js';

const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const DID = 'did:web:registry.gov.tt';
const KID = `${DID}#key-1`;
const RETIRED_AT = '2026-03-01T00:00:00Z';
const LIST_URL = 'https://registry.gov.tt/status/1';
const ID = 'NationalIdCredential';

const recognitionList = (
  anchor: TestKey,
  entries: unknown[],
  subject: Record<string, unknown> = {},
  claims: Record<string, unknown> = {},
) => recognitionListJwt(anchor, entries, { sequence: 7, ...subject }, claims);

/** An entry for one key period of the did:web registry. */
const period = (key: TestKey, kid: string, window: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: DID,
  country: 'TT',
  name: `TT Registry (${kid} ${JSON.stringify(window)})`,
  credentialTypes: [ID],
  assuranceLevel: 'high',
  ...window,
  keys: [{ ...key.publicJwk, kid }],
  ...extra,
});

/** A credential of the did:web registry signed with `key` under `kid`. */
const signed = (key: TestKey, overrides: Record<string, unknown> = {}, kid = KID) => vcJwt({ ...key, did: DID, kid }, overrides);

async function statusList(key: TestKey, set: number[], claims: Record<string, unknown> = {}, kid = KID) {
  const list = await createList({ length: 131_072 });
  for (const i of set) list.setStatus(i, true);
  const jws = await new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: LIST_URL,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: DID,
    validFrom: '2026-05-15T00:00:00Z',
    credentialSubject: {
      id: `${LIST_URL}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: await list.encode(),
    },
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, kid, typ: 'vc+jwt' })
    .sign(key.privateKey);
  return lowS(jws);
}

const statusEntry = (index: number) => ({
  id: `${LIST_URL}#${index}`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: String(index),
  statusListCredential: LIST_URL,
});

describe('key rollover: a key is its material, not its kid', () => {
  let anchor: TestKey;
  let oldKey: TestKey;
  let newKey: TestKey;
  let policy: RecognitionPolicy;
  beforeAll(() => {
    [anchor, oldKey, newKey] = [didKey(), didKey(), didKey('P-256')];
    policy = { anchors: [anchor.did] };
  });

  // Both orders: the verifier once kept whichever key came first under a kid.
  for (const order of ['retired entry first', 'current entry first'] as const) {
    it(`rejects a credential signed by a retired key after its window, even with the same kid (${order})`, async () => {
      const entries = [period(oldKey, KID, { validUntil: RETIRED_AT }), period(newKey, '#key-1', { validFrom: RETIRED_AT })];
      if (order === 'current entry first') entries.reverse();
      const v = createVerifier({ now: NOW, policy, recognitionLists: [await recognitionList(anchor, entries)] });

      const lateOld = await signed(oldKey, { validFrom: '2026-04-01T00:00:00Z' });
      const r = await v.verifyCredential(lateOld);
      expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
      if (!r.verified) expect(r.errors[0]?.message).toMatch(/issuance time/);

      const current = await v.verifyCredential(await signed(newKey, { validFrom: '2026-04-01T00:00:00Z' }));
      expect(current.verified, JSON.stringify(current)).toBe(true);
      if (current.verified) expect(current.recognition?.name).toMatch(/validFrom/);

      const earlyOld = await v.verifyCredential(await signed(oldKey, { validFrom: '2026-02-01T00:00:00Z' }));
      expect(earlyOld.verified, JSON.stringify(earlyOld)).toBe(true);
      // The new key cannot sign for the old key's period either.
      expect(codes(await v.verifyCredential(await signed(newKey, { validFrom: '2026-02-01T00:00:00Z' })))).toEqual(['UNTRUSTED_ISSUER']);
    });
  }

  it('rejects a key that is listed under a kid but signs under another listed kid of a different key', async () => {
    const entries = [period(oldKey, '#key-1', { validUntil: RETIRED_AT }), period(newKey, '#key-2', { validFrom: RETIRED_AT })];
    const v = createVerifier({ now: NOW, policy, recognitionLists: [await recognitionList(anchor, entries)] });
    const r = await v.verifyCredential(await signed(oldKey, { validFrom: '2026-04-01T00:00:00Z' }, `${DID}#key-2`));
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
  });

  it('judges the window by the latest claimed issuance time: a backdated iat does not reopen a retired key', async () => {
    const entries = [period(oldKey, KID, { validUntil: RETIRED_AT }), period(newKey, KID, { validFrom: RETIRED_AT })];
    const v = createVerifier({ now: NOW, policy, recognitionLists: [await recognitionList(anchor, entries)] });
    const backdated = await signed(oldKey, { validFrom: '2026-04-01T00:00:00Z', iat: Date.parse('2026-02-01T00:00:00Z') / 1000 });
    expect(codes(await v.verifyCredential(backdated))).toEqual(['UNTRUSTED_ISSUER']);
    const nbfLater = await signed(oldKey, { validFrom: '2026-02-01T00:00:00Z', nbf: Date.parse('2026-04-01T00:00:00Z') / 1000 });
    expect(codes(await v.verifyCredential(nbfLater))).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('rejects a credential that claims to be issued in the future (NOT_YET_VALID), with or without a policy', async () => {
    const entries = [period(newKey, KID, {})];
    const v = createVerifier({ now: NOW, policy, recognitionLists: [await recognitionList(anchor, entries)] });
    const future = Math.floor(NOW.getTime() / 1000) + 86_400;
    expect(codes(await v.verifyCredential(await signed(newKey, { iat: future })))).toEqual(['NOT_YET_VALID']);
    const plain = didKey();
    expect(codes(await verifyCredential(await vcJwt(plain, { iat: future }), { now: NOW }))).toEqual(['NOT_YET_VALID']);
    // Within the clock skew it is still accepted.
    expect((await verifyCredential(await vcJwt(plain, { iat: future - 86_400 + 30 }), { now: NOW })).verified).toBe(true);
  });

  it('a key marked revoked verifies nothing again, whatever the dates', async () => {
    const cases: Array<[string, unknown[]]> = [
      ['on the key', [{ ...period(oldKey, KID, { validUntil: RETIRED_AT }), keys: [{ ...oldKey.publicJwk, kid: KID, revoked: true }] }]],
      ['on the entry', [period(oldKey, KID, { validUntil: RETIRED_AT }, { revoked: true })]],
      // Another anchor's list, or another entry, still listing the key does not save it.
      ['beside an entry that still lists it', [period(oldKey, '#old', {}), period(oldKey, KID, {}, { revoked: true })]],
    ];
    for (const [where, entries] of cases) {
      const v = createVerifier({
        now: NOW,
        policy,
        recognitionLists: [await recognitionList(anchor, [...entries, period(newKey, '#key-2', {})])],
      });
      for (const kid of [KID, `${DID}#old`]) {
        const r = await v.verifyCredential(await signed(oldKey, { validFrom: '2026-02-01T00:00:00Z' }, kid));
        if (kid.endsWith('#old') && where !== 'beside an entry that still lists it') continue;
        expect(codes(r), where).toEqual(['UNTRUSTED_ISSUER']);
        if (!r.verified) expect(r.errors[0]?.message).toMatch(/revoked/);
      }
      expect((await v.verifyCredential(await signed(newKey, {}, `${DID}#key-2`))).verified, where).toBe(true);
    }
  });

  it('a revoked did:key issuer verifies nothing, not even when the policy trusts it locally', async () => {
    const stolen = didKey();
    const entry = { id: stolen.did, country: 'TT', name: 'x', credentialTypes: [ID], assuranceLevel: 'high', revoked: true };
    const list = await recognitionList(anchor, [entry]);
    for (const p of [policy, { ...policy, trustedIssuers: [stolen.did] }]) {
      const r = await verifyCredential(await vcJwt(stolen), { now: NOW, policy: p, recognitionLists: [list] });
      expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
    }
  });

  it('refuses a status list signed by a retired key after its window: a retired key cannot un-revoke', async () => {
    const entries = [period(oldKey, KID, { validUntil: RETIRED_AT }), period(newKey, KID, { validFrom: RETIRED_AT })];
    const recognitionLists = [await recognitionList(anchor, entries)];
    const credential = await signed(newKey, { validFrom: '2026-04-01T00:00:00Z', credentialStatus: statusEntry(5) });
    const verify = async (list: string) =>
      verifyCredential(credential, { now: NOW, policy, recognitionLists, status: { lists: { [LIST_URL]: list } } });

    expect(codes(await verify(await statusList(newKey, [5])))).toEqual(['REVOKED']);
    const unrevoked = await verify(await statusList(oldKey, []));
    expect(codes(unrevoked)).toEqual(['STATUS_UNAVAILABLE']);
    if (!unrevoked.verified) expect(unrevoked.errors[0]?.message).toMatch(/UNTRUSTED_ISSUER/);
    // Backdating the list into the old key's window is what `revoked` answers.
    const backdated = await statusList(oldKey, [], { validFrom: '2026-02-01T00:00:00Z' });
    expect(codes(await verify(backdated))).toEqual([]);
    const revokedLists = [await recognitionList(anchor, [period(oldKey, KID, { validUntil: RETIRED_AT }, { revoked: true }), entries[1]])];
    const r = await verifyCredential(credential, {
      now: NOW,
      policy,
      recognitionLists: revokedLists,
      status: { lists: { [LIST_URL]: backdated } },
    });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    if (!r.verified) expect(r.errors[0]?.message).toMatch(/revoked/);
  });

  it('a status list that claims a future issuance time is not used', async () => {
    const list = await recognitionList(anchor, [period(newKey, KID, {})]);
    const credential = await signed(newKey, { credentialStatus: statusEntry(5) });
    const future = await statusList(newKey, [], { iat: Math.floor(NOW.getTime() / 1000) + 86_400 });
    const r = await verifyCredential(credential, { now: NOW, policy, recognitionLists: [list], status: { lists: { [LIST_URL]: future } } });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
  });
});

describe('recognition lists dated in the future', () => {
  it('does not apply a recognition list whose validFrom is in the future (TRUST_LIST_INVALID)', async () => {
    const [anchor, tt] = [didKey(), didKey()];
    const policy = { anchors: [anchor.did] };
    const ttEntry = { id: tt.did, country: 'TT', name: 'TT', credentialTypes: [ID], assuranceLevel: 'high' };
    const credential = await vcJwt(tt);
    for (const claims of [{ validFrom: '2026-06-02T12:00:00Z' }, { iat: Date.parse('2026-06-02T12:00:00Z') / 1000 }]) {
      const future = await recognitionList(anchor, [ttEntry], { sequence: 8 }, claims);
      const v = createVerifier({ now: NOW, policy, recognitionLists: [future] });
      expect(codes(await v.verifyCredential(credential))).toEqual(['TRUST_LIST_INVALID']);
      const report = await v.recognitionStatus();
      expect(report?.lists).toEqual([]);
      expect(report?.problems[0]?.message).toMatch(/not valid before/);
      expect(report?.sequences).toEqual({});
      // It does not supersede the list in force either.
      const current = await recognitionList(anchor, [], { sequence: 7 });
      const both = createVerifier({ now: NOW, policy, recognitionLists: [current, future] });
      expect(codes(await both.verifyCredential(credential))).toEqual(['UNTRUSTED_ISSUER']);
      expect((await both.recognitionStatus())?.sequences).toEqual({ [anchor.did]: 7 });
    }
    // Within the clock skew it applies.
    const soon = await recognitionList(anchor, [ttEntry], {}, { validFrom: '2026-06-01T12:00:30Z' });
    expect((await verifyCredential(credential, { now: NOW, policy, recognitionLists: [soon] })).verified).toBe(true);
  });
});
