// acceptOffer for a dc+sd-jwt credential configuration, against an issuer behind a fetch
// given by the test (no network): the credential is requested with a proof JWT, and the
// SD-JWT VC in the response ({ credentials: [{ credential }] }) is verified and stored
// only when its issuer is the host's did:web and its cnf names the key of the proof.
// The flow against the example issuer service is tested with the service.
import { TradewindError } from '@tradewind/core';
import { type HolderDid, type OfferError, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, TEST_KDF, tempDir } from './fixtures.js';
import { decodePart, issueSdJwt, type SdJwtIssuer, sdJwtIssuer } from './sd-jwt-fixtures.js';

const tmp = tempDir();
const ISSUER = 'https://registry.gov.example.tt';
const WEB_DID = 'did:web:registry.gov.example.tt';
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const offer = `openid-credential-offer://?credential_offer=${encodeURIComponent(
  JSON.stringify({
    credential_issuer: ISSUER,
    credential_configuration_ids: ['NationalIdCredential_sd'],
    grants: { [PRE_AUTH]: { 'pre-authorized_code': 'c0de' } },
  }),
)}`;
const key = sdJwtIssuer('EdDSA');
const web: SdJwtIssuer = { ...key, did: WEB_DID, kid: `${WEB_DID}#key-1` };
let wallet: Wallet;
let me: HolderDid;
let other: HolderDid;

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('o.db'), secret: SECRET, kdf: TEST_KDF });
  me = await wallet.createDid({ method: 'jwk', keyType: 'P-256' });
  other = await wallet.createDid();
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

async function failure(p: Promise<unknown>): Promise<OfferError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return e as OfferError;
}

/** An issuer offering NationalIdCredential as dc+sd-jwt; the credential endpoint answers `credential(proofJwt)`. */
function fakeIssuer(credential: (proof: string) => Promise<string>, configuration: Record<string, unknown> = {}) {
  const requests: Array<Record<string, unknown>> = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const reply = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (url === `${ISSUER}/.well-known/openid-credential-issuer`)
      return reply({
        credential_issuer: ISSUER,
        credential_endpoint: `${ISSUER}/credential`,
        nonce_endpoint: `${ISSUER}/nonce`,
        credential_configurations_supported: {
          NationalIdCredential_sd: {
            format: 'dc+sd-jwt',
            vct: 'NationalIdCredential',
            cryptographic_binding_methods_supported: ['jwk', 'did:key', 'did:jwk'],
            proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA', 'ES256'] } },
            ...configuration,
          },
        },
      });
    if (url === `${ISSUER}/.well-known/oauth-authorization-server`) return reply({ issuer: ISSUER, token_endpoint: `${ISSUER}/token` });
    if (url === `${ISSUER}/token`) return reply({ access_token: 't0ken', token_type: 'Bearer', expires_in: 300 });
    if (url === `${ISSUER}/nonce`) return reply({ c_nonce: 'n-1' });
    if (url === `${ISSUER}/credential`) {
      const body = JSON.parse(String(init?.body)) as { proofs: { jwt: string[] } } & Record<string, unknown>;
      requests.push(body);
      return reply({ credentials: [{ credential: await credential(body.proofs.jwt[0] as string) }] });
    }
    if (url === `${ISSUER}/.well-known/did.json`)
      return reply({
        '@context': ['https://www.w3.org/ns/did/v1'],
        id: WEB_DID,
        verificationMethod: [{ id: web.kid, type: 'JsonWebKey2020', controller: WEB_DID, publicKeyJwk: key.publicJwk }],
        assertionMethod: [web.kid],
      });
    return reply({}, 404);
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

describe('acceptOffer of a dc+sd-jwt credential', () => {
  it('requests it with a proof of the holder key and stores the SD-JWT VC bound (cnf) to that key', async () => {
    const fake = fakeIssuer(async () => issueSdJwt(web, me));
    const received = await wallet.acceptOffer(offer, { fetch: fake.fetch, holderDid: me.did });
    expect(received.added).toBe(true);
    expect(received.credential).toMatchObject({ format: 'dc+sd-jwt', vct: 'NationalIdCredential', issuer: WEB_DID });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.credential_configuration_id).toBe('NationalIdCredential_sd');
    const proof = fake.requests[0]?.proofs as { jwt: string[] };
    expect(decodePart((proof.jwt[0] as string).split('.')[0] as string)).toMatchObject({
      typ: 'openid4vci-proof+jwt',
      alg: 'ES256',
      kid: me.verificationMethod,
    });
    expect((await wallet.disclosableClaims(received.credential.id)).map((c) => c.path)).toContain('/nationality');
    await wallet.delete(received.credential.id);
  });

  it('takes a cnf.kid naming the holder DID too', async () => {
    const fake = fakeIssuer(async () => issueSdJwt(web, me, { binding: 'kid' }));
    const received = await wallet.acceptOffer(offer, { fetch: fake.fetch, holderDid: me.did });
    expect(received.credential.format).toBe('dc+sd-jwt');
    await wallet.delete(received.credential.id);
  });

  it('refuses one bound to another key than the proof’s, even one of this wallet (HOLDER_BINDING), and one from another issuer (UNTRUSTED_ISSUER)', async () => {
    const before = await wallet.count();
    const elsewhere = fakeIssuer(async () => issueSdJwt(web, other));
    const e = await failure(wallet.acceptOffer(offer, { fetch: elsewhere.fetch, holderDid: me.did }));
    expect(e.code).toBe('HOLDER_BINDING');
    const foreign = fakeIssuer(async () => issueSdJwt(sdJwtIssuer('EdDSA'), me));
    expect((await failure(wallet.acceptOffer(offer, { fetch: foreign.fetch, holderDid: me.did }))).code).toBe('UNTRUSTED_ISSUER');
    expect(await wallet.count()).toBe(before);
  });

  it('refuses a response that is not an SD-JWT, or one with a key-binding JWT (MALFORMED)', async () => {
    const before = await wallet.count();
    const jwtOnly = fakeIssuer(async () => (await issueSdJwt(web, me)).split('~')[0] as string);
    expect((await failure(wallet.acceptOffer(offer, { fetch: jwtOnly.fetch, holderDid: me.did }))).code).toBe('MALFORMED');
    const sdjwt = await issueSdJwt(web, me);
    const withKb = fakeIssuer(async () => `${sdjwt}${sdjwt.split('~')[0]}`);
    expect((await failure(wallet.acceptOffer(offer, { fetch: withKb.fetch, holderDid: me.did }))).code).toBe('MALFORMED');
    expect(await wallet.count()).toBe(before);
  });

  it('refuses an SD-JWT VC of another vct than the configuration’s (MALFORMED at verify), and a configuration without vct (MALFORMED at metadata)', async () => {
    const before = await wallet.count();
    const pid = fakeIssuer(async () => issueSdJwt(web, me, { vct: 'urn:eudi:pid:1' }));
    const e = await failure(wallet.acceptOffer(offer, { fetch: pid.fetch, holderDid: me.did }));
    expect(e).toMatchObject({ code: 'MALFORMED', step: 'verify' });
    expect(e.message).toContain('urn:eudi:pid:1');
    const noVct = fakeIssuer(async () => issueSdJwt(web, me), { vct: undefined });
    expect(await failure(wallet.acceptOffer(offer, { fetch: noVct.fetch, holderDid: me.did }))).toMatchObject({
      code: 'MALFORMED',
      step: 'metadata',
    });
    expect(noVct.requests).toHaveLength(0);
    expect(await wallet.count()).toBe(before);
    const asked = fakeIssuer(async () => issueSdJwt(web, me, { vct: 'urn:eudi:pid:1' }), { vct: 'urn:eudi:pid:1' });
    const received = await wallet.acceptOffer(offer, { fetch: asked.fetch, holderDid: me.did });
    expect(received.credential.vct).toBe('urn:eudi:pid:1');
    await wallet.delete(received.credential.id);
  });

  it('an offer of a credential the wallet holds with fewer disclosures gives it the rest (added false, updated true)', async () => {
    const issued = await issueSdJwt(web, me);
    const parts = issued.split('~');
    const didWeb = async (url: string): Promise<unknown> => (await fakeIssuer(async () => '').fetch(url)).json();
    const { credential } = await wallet.receive(
      `${parts[0]}~${parts.find((d) => Buffer.from(d, 'base64url').toString().includes('"given_name"'))}~`,
      {
        trustedIssuers: [WEB_DID],
        didResolver: { didWebFetcher: didWeb },
      },
    );
    expect(credential.disclosable).toHaveLength(1);
    const fake = fakeIssuer(async () => issued);
    const received = await wallet.acceptOffer(offer, { fetch: fake.fetch, holderDid: me.did });
    expect(received).toMatchObject({ added: false, updated: true });
    expect(received.credential.id).toBe(credential.id);
    expect(received.credential.disclosable).toHaveLength(parts.length - 2);
    await wallet.delete(credential.id);
  });
});
