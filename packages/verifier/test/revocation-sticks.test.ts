import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier } from '../src/index.js';
import { didKey, NOW, recognitionListJwt, type TestKey, vcJwt } from './helpers/producers.js';

const DID = 'did:web:registry.gov.tt';
const KID = `${DID}#key-1`;
const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

const recognitionList = (anchor: TestKey, sequence: number, entries: unknown[]) => recognitionListJwt(anchor, entries, { sequence });

const entry = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  country: 'TT',
  name: 'TT Registry',
  credentialTypes: ['NationalIdCredential'],
  assuranceLevel: 'high',
  ...extra,
});

describe('a revoked key stays revoked', () => {
  let anchor: TestKey;
  let stolen: TestKey;
  beforeAll(() => {
    [anchor, stolen] = [didKey(), didKey()];
  });

  it('when a newer list of the same anchor lists the key again without revoked', async () => {
    const revokedIn6 = await recognitionList(anchor, 6, [entry(DID, { keys: [{ ...stolen.publicJwk, kid: '#key-1', revoked: true }] })]);
    const relistedIn7 = await recognitionList(anchor, 7, [entry(DID, { keys: [{ ...stolen.publicJwk, kid: '#key-1' }] })]);
    const jwt = await vcJwt({ ...stolen, did: DID, kid: KID }, { issuer: DID });
    for (const recognitionLists of [
      [revokedIn6, relistedIn7],
      [relistedIn7, revokedIn6], // the older one refused as a rollback still counts for revocation
    ]) {
      const v = createVerifier({ now: NOW, policy: { anchors: [anchor.did] }, recognitionLists });
      expect(codes(await v.verifyCredential(jwt))).toEqual(['UNTRUSTED_ISSUER']);
      expect((await v.recognitionStatus())?.lists.map((l) => l.sequence)).toEqual([7]);
    }
    // With the newer list alone, the key is what that list says.
    const alone = createVerifier({ now: NOW, policy: { anchors: [anchor.did] }, recognitionLists: [relistedIn7] });
    expect((await alone.verifyCredential(jwt)).verified).toBe(true);
  });

  it('when a did:key revoked without listed keys signs as the did:jwk of the same key', async () => {
    const didJwk = `did:jwk:${Buffer.from(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: stolen.publicJwk.x })).toString('base64url')}`;
    const jwt = await vcJwt({ ...stolen, did: didJwk, kid: `${didJwk}#0` });
    const recognitionLists = [
      await recognitionList(anchor, 1, [entry(stolen.did, { revoked: true }), entry(didJwk, { credentialTypes: ['*'] })]),
    ];
    const v = createVerifier({ now: NOW, policy: { anchors: [anchor.did] }, recognitionLists });
    expect(codes(await v.verifyCredential(jwt))).toEqual(['UNTRUSTED_ISSUER']);
    // Locally trusted too: revoked keys are refused whatever the policy trusts.
    const local = createVerifier({ now: NOW, policy: { anchors: [anchor.did], trustedIssuers: [didJwk] }, recognitionLists });
    expect(codes(await local.verifyCredential(jwt))).toEqual(['UNTRUSTED_ISSUER']);
  });
});
