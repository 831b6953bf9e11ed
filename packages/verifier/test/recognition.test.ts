import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier, parsePolicy, type RecognitionPolicy, verifyCredential } from '../src/index.js';
import { didKey, NOW, recognitionListJwt, type TestKey, vcJwt } from './helpers/producers.js';

const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

/** A RecognitionList credential signed with jose, as a regional trust anchor publishes it. */
const recognitionList = (
  anchor: TestKey,
  entries: unknown[],
  subject: Record<string, unknown> = {},
  claims: Record<string, unknown> = {},
) => recognitionListJwt(anchor, entries, { sequence: 7, name: 'CARICOM mutual recognition', ...subject }, claims);

const ID = 'NationalIdCredential';

describe('recognition lists and policies', () => {
  let anchor: TestKey;
  let tt: TestKey;
  let bb: TestKey;
  let jm: TestKey;
  let list: string;
  let policy: RecognitionPolicy;
  let ttId: string;

  beforeAll(async () => {
    [anchor, tt, bb, jm] = [didKey(), didKey(), didKey('P-256'), didKey()];
    list = await recognitionList(anchor, [
      {
        id: tt.did,
        country: 'TT',
        name: 'Registrar General, Trinidad and Tobago',
        credentialTypes: [ID, 'BirthCertificateCredential'],
        assuranceLevel: 'high',
      },
      { id: bb.did, country: 'BB', name: 'Barbados Registration Department', credentialTypes: [ID], assuranceLevel: 'substantial' },
      {
        id: jm.did,
        country: 'JM',
        name: 'Jamaica Registrar General',
        credentialTypes: ['BirthCertificateCredential'],
        assuranceLevel: 'low',
      },
    ]);
    policy = { anchors: [anchor.did] };
    ttId = await vcJwt(tt);
  });

  it('recognises a listed issuer and reports country, name and assurance', async () => {
    const verifier = createVerifier({ now: NOW, policy, recognitionLists: [list] });
    const r = await verifier.verifyCredential(ttId);
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) {
      expect(r.recognition).toEqual({
        source: 'list',
        country: 'TT',
        name: 'Registrar General, Trinidad and Tobago',
        assuranceLevel: 'high',
        anchor: anchor.did,
        listSequence: 7,
      });
    }
    const report = await verifier.recognitionStatus();
    expect(report?.lists).toHaveLength(1);
    expect(report?.sequences).toEqual({ [anchor.did]: 7 });
  });

  it('rejects an issuer on no list (UNTRUSTED_ISSUER)', async () => {
    const r = await verifyCredential(await vcJwt(didKey()), { now: NOW, policy, recognitionLists: [list] });
    expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('rejects a list not signed by an accepted anchor (TRUST_LIST_INVALID)', async () => {
    const forged = await recognitionList(didKey(), [
      { id: tt.did, country: 'TT', name: 'x', credentialTypes: [ID], assuranceLevel: 'high' },
    ]);
    const verifier = createVerifier({ now: NOW, policy, recognitionLists: [forged] });
    expect(codes(await verifier.verifyCredential(ttId))).toEqual(['TRUST_LIST_INVALID']);
    expect((await verifier.recognitionStatus())?.problems.map((p) => p.code)).toEqual(['TRUST_LIST_INVALID']);
  });

  it('rejects a tampered list (TRUST_LIST_INVALID)', async () => {
    const [h, p, s] = list.split('.');
    const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    payload.credentialSubject.entries[2].assuranceLevel = 'high';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(codes(await verifyCredential(ttId, { now: NOW, policy, recognitionLists: [tampered] }))).toEqual(['TRUST_LIST_INVALID']);
  });

  it('rejects a rollback to a lower sequence than one already seen (TRUST_LIST_INVALID)', async () => {
    const r = await verifyCredential(ttId, { now: NOW, policy, recognitionLists: [list], seenSequences: { [anchor.did]: 8 } });
    expect(codes(r)).toEqual(['TRUST_LIST_INVALID']);
  });

  it('uses the newest of several lists from one anchor, refusing the older', async () => {
    const newer = await recognitionList(
      anchor,
      [{ id: bb.did, country: 'BB', name: 'Barbados', credentialTypes: [ID], assuranceLevel: 'substantial' }],
      { sequence: 9 },
    );
    const verifier = createVerifier({ now: NOW, policy, recognitionLists: [newer, list] });
    expect(codes(await verifier.verifyCredential(ttId))).toEqual(['UNTRUSTED_ISSUER']);
    expect((await verifier.verifyCredential(await vcJwt(bb))).verified).toBe(true);
    expect((await verifier.recognitionStatus())?.sequences).toEqual({ [anchor.did]: 9 });
  });

  it('refuses a stale list past nextUpdate plus grace (TRUST_LIST_STALE), or warns when the policy says so', async () => {
    const later = '2026-07-02T00:00:00Z';
    expect(codes(await verifyCredential(ttId, { now: later, policy, recognitionLists: [list] }))).toEqual(['TRUST_LIST_STALE']);
    expect(
      (
        await verifyCredential(ttId, {
          now: later,
          policy: { ...policy, recognitionListGraceSeconds: 2 * 86_400 },
          recognitionLists: [list],
        })
      ).verified,
    ).toBe(true);
    const warned = await verifyCredential(ttId, {
      now: later,
      policy: { ...policy, onStaleRecognitionList: 'warn' },
      recognitionLists: [list],
    });
    expect(warned.verified).toBe(true);
    if (warned.verified) expect(warned.warnings.map((w) => w.code)).toEqual(['TRUST_LIST_STALE']);
  });

  it('refuses a credential type the issuer is not accredited for (NOT_RECOGNIZED)', async () => {
    const r = await verifyCredential(await vcJwt(jm), { now: NOW, policy, recognitionLists: [list] });
    expect(codes(r)).toEqual(['NOT_RECOGNIZED']);
  });

  it('applies the policy: countries, types and minimum assurance (NOT_RECOGNIZED)', async () => {
    const highOnly: RecognitionPolicy = { ...policy, accept: [{ countries: '*', credentialTypes: [ID], minAssurance: 'high' }] };
    const v = createVerifier({ now: NOW, policy: highOnly, recognitionLists: [list] });
    expect((await v.verifyCredential(ttId)).verified).toBe(true);
    expect(codes(await v.verifyCredential(await vcJwt(bb)))).toEqual(['NOT_RECOGNIZED']);
    const caribbeanIds = createVerifier({
      now: NOW,
      policy: { ...policy, accept: [{ countries: ['BB', 'JM'], credentialTypes: '*' }] },
      recognitionLists: [list],
    });
    expect(codes(await caribbeanIds.verifyCredential(ttId))).toEqual(['NOT_RECOGNIZED']);
    expect((await caribbeanIds.verifyCredential(await vcJwt(bb))).verified).toBe(true);
  });

  it('requires every type of a credential to be accepted: a second type no rule accepts is NOT_RECOGNIZED', async () => {
    // TT is accredited for both types; this verifier recognises TT's birth certificates only.
    const birthOnly = createVerifier({
      now: NOW,
      policy: { ...policy, accept: [{ countries: ['TT'], credentialTypes: ['BirthCertificateCredential'] }] },
      recognitionLists: [list],
    });
    const both = await vcJwt(tt, { type: ['VerifiableCredential', 'BirthCertificateCredential', ID] });
    const r = await birthOnly.verifyCredential(both);
    expect(codes(r)).toEqual(['NOT_RECOGNIZED']);
    expect(r.verified ? '' : r.errors[0]?.message).toContain(ID);
    // The honest twin: a birth certificate alone is recognised; both types under rules for each are too.
    const birth = await vcJwt(tt, { type: ['VerifiableCredential', 'BirthCertificateCredential'] });
    expect((await birthOnly.verifyCredential(birth)).verified).toBe(true);
    const eachRule = createVerifier({
      now: NOW,
      policy: {
        ...policy,
        accept: [
          { countries: ['TT'], credentialTypes: ['BirthCertificateCredential'] },
          { countries: '*', credentialTypes: [ID], minAssurance: 'high' },
        ],
      },
      recognitionLists: [list],
    });
    expect((await eachRule.verifyCredential(both)).verified).toBe(true);
  });

  it('verifies a did:web issuer offline from the keys in the list, across a key rollover', async () => {
    const did = 'did:web:registry.gov.tt';
    const [oldKey, newKey] = [didKey(), didKey()];
    const webList = await recognitionList(anchor, [
      {
        id: did,
        country: 'TT',
        name: 'TT Registry (2025 key)',
        credentialTypes: [ID],
        assuranceLevel: 'high',
        validUntil: '2026-03-01T00:00:00Z',
        keys: [{ ...oldKey.publicJwk, kid: '#2025' }],
      },
      {
        id: did,
        country: 'TT',
        name: 'TT Registry (2026 key)',
        credentialTypes: [ID],
        assuranceLevel: 'high',
        validFrom: '2026-03-01T00:00:00Z',
        keys: [{ ...newKey.publicJwk, kid: `${did}#2026` }],
      },
    ]);
    const v = createVerifier({ now: NOW, policy, recognitionLists: [webList] });
    const before = await vcJwt({ ...oldKey, did, kid: `${did}#2025` }, { validFrom: '2026-02-01T00:00:00Z' });
    const r = await v.verifyCredential(before);
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) expect(r.recognition?.name).toBe('TT Registry (2025 key)');
    const after = await vcJwt({ ...oldKey, did, kid: `${did}#2025` }, { validFrom: '2026-04-01T00:00:00Z' });
    expect(codes(await v.verifyCredential(after))).toEqual(['UNTRUSTED_ISSUER']);
    const current = await v.verifyCredential(await vcJwt({ ...newKey, did, kid: `${did}#2026` }, { validFrom: '2026-04-01T00:00:00Z' }));
    expect(current.verified && current.recognition?.name).toBe('TT Registry (2026 key)');
    // The listed keys serve this verifier only; elsewhere did:web still needs a fetcher.
    expect(codes(await verifyCredential(before, { now: NOW }))).toEqual(['DID_UNRESOLVABLE']);
  });

  it('refuses a list whose did:web entry carries no keys (TRUST_LIST_INVALID)', async () => {
    const bad = await recognitionList(anchor, [
      { id: 'did:web:registry.gov.tt', country: 'TT', name: 'x', credentialTypes: [ID], assuranceLevel: 'high' },
    ]);
    const r = await verifyCredential(ttId, { now: NOW, policy, recognitionLists: [bad] });
    expect(codes(r)).toEqual(['TRUST_LIST_INVALID']);
    if (!r.verified) expect(r.errors[0]?.path).toBe('/recognitionLists/0/credentialSubject/entries/0/keys');
  });

  it('refuses malformed entries (TRUST_LIST_INVALID)', async () => {
    for (const entry of [
      { id: tt.did, country: 'Trinidad', name: 'x', credentialTypes: [ID], assuranceLevel: 'high' },
      { id: tt.did, country: 'TT', name: 'x', credentialTypes: [ID], assuranceLevel: 'very high' },
      { id: 'not a did', country: 'TT', name: 'x', credentialTypes: [ID], assuranceLevel: 'high' },
    ]) {
      expect(codes(await verifyCredential(ttId, { now: NOW, policy, recognitionLists: [await recognitionList(anchor, [entry])] }))).toEqual(
        ['TRUST_LIST_INVALID'],
      );
    }
    expect(
      codes(await verifyCredential(ttId, { now: NOW, policy, recognitionLists: [await recognitionList(anchor, [], { sequence: -1 })] })),
    ).toEqual(['TRUST_LIST_INVALID']);
  });

  it('accepts locally trusted issuers beside the lists', async () => {
    const local = didKey();
    const r = await verifyCredential(await vcJwt(local), {
      now: NOW,
      policy: { ...policy, trustedIssuers: [local.did] },
      recognitionLists: [list],
    });
    expect(r.verified && r.recognition).toEqual({ source: 'local' });
  });

  it('requires status when the policy says so (STATUS_UNAVAILABLE)', async () => {
    const r = await verifyCredential(ttId, { now: NOW, policy: { ...policy, status: { required: true } }, recognitionLists: [list] });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('checks policies and names what is wrong (INVALID_ARGUMENT)', () => {
    expect(parsePolicy({ trustedIssuers: [tt.did] })).toEqual({ trustedIssuers: [tt.did] });
    for (const [bad, path] of [
      [{ trustedIssuer: [] }, '/trustedIssuer'],
      [{ anchors: ['x'] }, '/anchors'],
      [{ accept: [{ countries: 'TT', credentialTypes: '*' }] }, '/accept/0/countries'],
      [{ accept: [{ countries: '*', credentialTypes: '*', minAssurance: 'medium' }] }, '/accept/0/minAssurance'],
      [{ status: { requried: true } }, '/status/requried'],
      [[], '/'],
    ] as const) {
      expect(() => parsePolicy(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', path }));
    }
  });
});
