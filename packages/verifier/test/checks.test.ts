// `checks` on every result: the checks that ran, a failed one included, none that was
// skipped (no status entry, no policy, no expected nonce).
import { createList } from '@digitalbazaar/vc-bitstring-status-list';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, verifyCredential, verifyCredentials, verifyPresentation } from '../src/index.js';
import { didKey, NOW, recognitionListJwt, type TestKey, vcJwt, vpJwt, withSegment } from './helpers/producers.js';

const LIST_URL = 'https://registry.gov.tt/status/1';

async function statusList(issuer: TestKey, revoked: number[]): Promise<string> {
  const list = await createList({ length: 131_072 });
  for (const i of revoked) list.setStatus(i, true);
  return new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: LIST_URL,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuer.did,
    validFrom: '2026-05-01T00:00:00Z',
    credentialSubject: {
      id: `${LIST_URL}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: await list.encode(),
    },
  })
    .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'vc+jwt' })
    .sign(issuer.privateKey);
}

const statusEntry = (index: number) => ({
  id: `${LIST_URL}#${index}`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: String(index),
  statusListCredential: LIST_URL,
});

describe('checks on credential results', () => {
  let issuer: TestKey;
  let holder: TestKey;
  let jwt: string;
  let lists: Record<string, string>;
  beforeAll(async () => {
    [issuer, holder] = [didKey(), didKey()];
    jwt = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
    lists = { [LIST_URL]: await statusList(issuer, [7]) };
  });

  it('lists data model, proof and validity for a plain credential; nothing it did not do', async () => {
    const r = await verifyCredential(jwt, { now: NOW });
    expect(r.verified).toBe(true);
    expect(r.checks).toEqual(['dataModel', 'proof', 'validity']);
  });

  it('adds trustedIssuers, status and recognition when they apply', async () => {
    const withStatus = await vcJwt(issuer, { credentialStatus: statusEntry(3) });
    const r = await verifyCredential(withStatus, { now: NOW, trustedIssuers: [issuer.did], status: { lists } });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    expect(r.checks).toEqual(['dataModel', 'trustedIssuers', 'proof', 'validity', 'status']);
    const anchor = didKey();
    const list = await recognitionListJwt(anchor, [
      { id: issuer.did, country: 'TT', name: 'Registrar General', credentialTypes: ['NationalIdCredential'], assuranceLevel: 'high' },
    ]);
    const recognised = await createVerifier({ now: NOW, policy: { anchors: [anchor.did] }, recognitionLists: [list] }).verifyCredential(
      jwt,
    );
    expect(recognised.verified, JSON.stringify(recognised)).toBe(true);
    expect(recognised.checks).toEqual(['dataModel', 'recognition', 'proof', 'validity']);
  });

  it('lists the check that failed and none after it', async () => {
    const cases: Array<[string | object, object, string, string[]]> = [
      ['not a credential', {}, 'MALFORMED', ['dataModel']],
      [await vcJwt(issuer, { type: ['NationalIdCredential'] }), {}, 'MALFORMED', ['dataModel']],
      [withSegment(jwt, 0, { alg: 'none', typ: 'vc+jwt' }), {}, 'UNSUPPORTED_ALGORITHM', ['dataModel', 'proof']],
      [`${jwt.slice(0, -4)}AAAA`, {}, 'SIGNATURE_INVALID', ['dataModel', 'proof']],
      [jwt, { trustedIssuers: ['did:example:other'] }, 'UNTRUSTED_ISSUER', ['dataModel', 'trustedIssuers']],
      [jwt, { now: new Date('2032-01-01T00:00:00Z') }, 'EXPIRED', ['dataModel', 'proof', 'validity']],
      [
        await vcJwt(issuer, { credentialStatus: statusEntry(7) }),
        { status: { lists } },
        'REVOKED',
        ['dataModel', 'proof', 'validity', 'status'],
      ],
    ];
    for (const [input, options, code, checks] of cases) {
      const r = await verifyCredential(input, { now: NOW, ...options });
      expect(r.verified ? [] : r.errors.map((e) => e.code), String(input).slice(0, 40)).toEqual([code]);
      expect(r.checks, code).toEqual(checks);
    }
  });

  it('lists them on every result of a batch', async () => {
    const results = await verifyCredentials([jwt, withSegment(jwt, 1, { hello: 'world' })], { now: NOW });
    expect(results.map((r) => [r.verified, r.checks])).toEqual([
      [true, ['dataModel', 'proof', 'validity']],
      [false, ['dataModel']],
    ]);
  });
});

describe('checks on presentation results', () => {
  let issuer: TestKey;
  let holder: TestKey;
  let credential: string;
  beforeAll(async () => {
    [issuer, holder] = [didKey(), didKey()];
    credential = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
  });

  it('lists the presentation checks; each credential carries its own', async () => {
    const vp = await vpJwt(holder, [credential], { nonce: 'n', aud: 'https://bank.example.bb' });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n', audience: 'https://bank.example.bb' });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    expect(r.checks).toEqual(['dataModel', 'proof', 'nonce', 'audience', 'validity', 'credentials', 'holderBinding']);
    expect(r.verified && r.credentials[0]?.checks).toEqual(['dataModel', 'proof', 'validity']);
    // No expected nonce or audience, holderBinding none: those checks are not listed.
    const relaxed = await verifyPresentation(vp, { now: NOW, holderBinding: 'none' });
    expect(relaxed.checks).toEqual(['dataModel', 'proof', 'validity', 'credentials']);
  });

  it('lists failed checks too', async () => {
    const vp = await vpJwt(holder, [credential], { nonce: 'n' });
    const wrongNonce = await verifyPresentation(vp, { now: NOW, nonce: 'other' });
    expect(wrongNonce.verified ? [] : wrongNonce.errors.map((e) => e.code)).toEqual(['NONCE_MISMATCH']);
    expect(wrongNonce.checks).toEqual(['dataModel', 'proof', 'nonce', 'validity', 'credentials', 'holderBinding']);
    const stranger = await vcJwt(issuer, { credentialSubject: { id: 'did:example:someone', givenName: 'K' } });
    const bound = await verifyPresentation(await vpJwt(holder, [stranger]), { now: NOW });
    expect(bound.verified ? [] : bound.errors.map((e) => e.code)).toEqual(['HOLDER_BINDING']);
    expect(bound.checks).toContain('holderBinding');
    const malformed = await verifyPresentation(await vpJwt(holder, [credential], { type: ['VerifiableCredential'] }), { now: NOW });
    expect(malformed.checks).toEqual(['dataModel']);
  });
});
