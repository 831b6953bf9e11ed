// acceptOffer's own checks and its reading of the issuer's answers, through a fetch
// given by the test (no network). The flow against a real issuer over 127.0.0.1 is
// tested with the example issuer service (examples/issuer-service/test/oid4vci.test.ts).
import { TradewindError } from '@tradewind/core';
import { didWebOfIssuer, type OfferError, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, jwtVc, SECRET, TEST_KDF, tempDir } from './fixtures.js';

const tmp = tempDir();
let wallet: Wallet;
let empty: Wallet;
const ISSUER = 'https://registry.gov.example.tt';
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const byValue = (offer: unknown) => `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(offer))}`;
const offer = (grants: unknown = { [PRE_AUTH]: { 'pre-authorized_code': 'c0de' } }) => ({
  credential_issuer: ISSUER,
  credential_configuration_ids: ['NationalIdCredential'],
  grants,
});

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('a.db'), secret: SECRET, kdf: TEST_KDF });
  await wallet.createDid();
  empty = await openWallet({ path: tmp.file('empty.db'), secret: SECRET, kdf: TEST_KDF });
});
afterAll(async () => {
  await wallet.close();
  await empty.close();
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

/** A fetch that answers from a table of URLs, and records what was asked. */
function fakeFetch(answers: Record<string, () => Response>, asked: string[] = []): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    asked.push(url);
    const answer = answers[url];
    if (!answer) return new Response('{"errors":[]}', { status: 404, headers: { 'content-type': 'application/json' } });
    return answer();
  }) as typeof fetch;
}
const json =
  (body: unknown, status = 200) =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('acceptOffer arguments', () => {
  it('refuses what is not an offer URI or options it cannot use (INVALID_ARGUMENT), before any request', async () => {
    const asked: string[] = [];
    const fetch = fakeFetch({}, asked);
    expect((await failure(wallet.acceptOffer('', { fetch }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(wallet.acceptOffer(`openid-credential-offer://?x=${'a'.repeat(20_000)}`, { fetch }))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect((await failure(wallet.acceptOffer(byValue(offer()), { fetch, now: new Date('x') }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(wallet.acceptOffer(byValue(offer()), { fetch, txCode: '' }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(wallet.acceptOffer(byValue(offer()), { fetch, holderDid: 'did:key:z6MkNotMine' }))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect((await failure(empty.acceptOffer(byValue(offer()), { fetch }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(wallet.acceptOffer(byValue(offer()), 'options' as never))).code).toBe('INVALID_ARGUMENT');
    expect(asked).toEqual([]);
  });

  it('needs the transaction code an offer asks for', async () => {
    const e = await failure(
      wallet.acceptOffer(byValue(offer({ [PRE_AUTH]: { 'pre-authorized_code': 'c0de', tx_code: { length: 6 } } })), {
        fetch: fakeFetch({}),
      }),
    );
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.step).toBe('offer');
  });
});

describe('acceptOffer reading the issuer', () => {
  it('takes pre-authorized offers only, from https issuers', async () => {
    const noGrant = await failure(wallet.acceptOffer(byValue(offer({})), { fetch: fakeFetch({}) }));
    expect(noGrant.code).toBe('MALFORMED');
    const http = await failure(
      wallet.acceptOffer(byValue({ ...offer(), credential_issuer: 'http://registry.gov.example.tt' }), { fetch: fakeFetch({}) }),
    );
    expect(http.code).toBe('MALFORMED');
    expect(http.message).not.toContain('c0de');
  });

  it('an offer by reference that is gone is NOT_FOUND; one that cannot be fetched UNREACHABLE', async () => {
    const uri = `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${ISSUER}/offers/abc`)}`;
    const gone = await failure(wallet.acceptOffer(uri, { fetch: fakeFetch({}) }));
    expect(gone.code).toBe('NOT_FOUND');
    expect(gone.status).toBe(404);
    const down = await failure(
      wallet.acceptOffer(uri, {
        fetch: (async () => {
          throw new TypeError('fetch failed');
        }) as typeof fetch,
      }),
    );
    expect(down.code).toBe('UNREACHABLE');
    expect(down.step).toBe('offer');
    const sick = await failure(wallet.acceptOffer(uri, { fetch: fakeFetch({ [`${ISSUER}/offers/abc`]: json({ error: 'x' }, 503) }) }));
    expect(sick.code).toBe('UNREACHABLE');
  });

  it('metadata that names another credential issuer, or offers neither jwt_vc_json nor dc+sd-jwt, is refused', async () => {
    const asMetadata = json({ issuer: ISSUER, token_endpoint: `${ISSUER}/token`, grant_types_supported: [PRE_AUTH] });
    const metadata = (over: Record<string, unknown>) =>
      json({
        credential_issuer: ISSUER,
        credential_endpoint: `${ISSUER}/credential`,
        nonce_endpoint: `${ISSUER}/nonce`,
        credential_configurations_supported: {
          NationalIdCredential: {
            format: 'jwt_vc_json',
            credential_definition: { type: ['VerifiableCredential', 'NationalIdCredential'] },
          },
        },
        ...over,
      });
    const answers = (over: Record<string, unknown>) =>
      fakeFetch({
        [`${ISSUER}/.well-known/openid-credential-issuer`]: metadata(over),
        [`${ISSUER}/.well-known/oauth-authorization-server`]: asMetadata,
      });
    const other = await failure(
      wallet.acceptOffer(byValue(offer()), { fetch: answers({ credential_issuer: 'https://elsewhere.example' }) }),
    );
    expect(other.code).toBe('MALFORMED');
    expect(other.step).toBe('metadata');
    const mdoc = await failure(
      wallet.acceptOffer(byValue(offer()), {
        fetch: answers({
          credential_configurations_supported: { NationalIdCredential: { format: 'mso_mdoc', doctype: 'org.iso.18013.5.1.mDL' } },
        }),
      }),
    );
    expect(mdoc.code).toBe('UNSUPPORTED_FORMAT');
    const algs = await failure(
      wallet.acceptOffer(byValue(offer()), {
        fetch: answers({
          credential_configurations_supported: {
            NationalIdCredential: {
              format: 'jwt_vc_json',
              credential_definition: { type: ['VerifiableCredential', 'NationalIdCredential'] },
              proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES384'] } },
            },
          },
        }),
      }),
    );
    expect(algs.code).toBe('UNSUPPORTED_ALGORITHM');
    for (const configuration of [{ format: 'jwt_vc_json' }, { format: 'jwt_vc_json', credential_definition: { type: [] } }]) {
      const untyped = await failure(
        wallet.acceptOffer(byValue(offer()), {
          fetch: answers({ credential_configurations_supported: { NationalIdCredential: configuration } }),
        }),
      );
      expect(untyped).toMatchObject({ code: 'MALFORMED', step: 'metadata' });
    }
  });

  it('a refused token request is REFUSED with the issuer OAuth error', async () => {
    const fetch = fakeFetch({
      [`${ISSUER}/.well-known/openid-credential-issuer`]: json({
        credential_issuer: ISSUER,
        credential_endpoint: `${ISSUER}/credential`,
        nonce_endpoint: `${ISSUER}/nonce`,
        credential_configurations_supported: {
          NationalIdCredential: {
            format: 'jwt_vc_json',
            credential_definition: { type: ['VerifiableCredential', 'NationalIdCredential'] },
          },
        },
      }),
      [`${ISSUER}/.well-known/oauth-authorization-server`]: json({ issuer: ISSUER, token_endpoint: `${ISSUER}/token` }),
      [`${ISSUER}/token`]: json({ error: 'invalid_grant', error_description: 'the pre-authorized code was already used' }, 400),
    });
    const e = await failure(wallet.acceptOffer(byValue(offer()), { fetch }));
    expect(e.code).toBe('REFUSED');
    expect(e.step).toBe('token');
    expect(e.oauthError).toBe('invalid_grant');
    expect(e.message).toContain('already used');
    expect(await wallet.count()).toBe(0);
  });
});

describe('didWebOfIssuer', () => {
  it('is the did:web of the credential issuer host and path', () => {
    expect(didWebOfIssuer('https://registry.gov.example.tt')).toBe('did:web:registry.gov.example.tt');
    expect(didWebOfIssuer('https://registry.gov.example.tt/')).toBe('did:web:registry.gov.example.tt');
    expect(didWebOfIssuer('http://127.0.0.1:8080/issuers/civil')).toBe('did:web:127.0.0.1%3A8080:issuers:civil');
  });
});

describe('acceptOffer verifying what the issuer sends', () => {
  const WEB_DID = 'did:web:registry.gov.example.tt';
  const webKey = issuer('key');
  const web = { ...webKey, did: WEB_DID, kid: `${WEB_DID}#key-1` };
  const didDocument = () => {
    const jwk = { ...webKey.privateKey.export({ format: 'jwk' }) } as Record<string, unknown>;
    delete jwk.d;
    return {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: WEB_DID,
      verificationMethod: [{ id: `${WEB_DID}#key-1`, type: 'JsonWebKey2020', controller: WEB_DID, publicKeyJwk: jwk }],
      assertionMethod: [`${WEB_DID}#key-1`],
    };
  };

  /** A whole issuer behind a fetch: it hands out `credential()` (after `nonceRefusals` invalid_nonce answers). */
  function fakeIssuer(credential: () => Promise<string>, nonceRefusals = 0) {
    const asked: string[] = [];
    const proofs: string[] = [];
    let refusals = nonceRefusals;
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      asked.push(url);
      const reply = (body: unknown, status = 200) =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (url === `${ISSUER}/.well-known/openid-credential-issuer`)
        return reply({
          credential_issuer: ISSUER,
          credential_endpoint: `${ISSUER}/credential`,
          nonce_endpoint: `${ISSUER}/nonce`,
          credential_configurations_supported: {
            NationalIdCredential: {
              format: 'jwt_vc_json',
              cryptographic_binding_methods_supported: ['did:key'],
              proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA'] } },
              credential_definition: { type: ['VerifiableCredential', 'NationalIdCredential'] },
            },
          },
        });
      if (url === `${ISSUER}/.well-known/oauth-authorization-server`) return reply({ issuer: ISSUER, token_endpoint: `${ISSUER}/token` });
      if (url === `${ISSUER}/token`) return reply({ access_token: 't0ken', token_type: 'Bearer', expires_in: 300 });
      if (url === `${ISSUER}/nonce`) return reply({ c_nonce: `n${asked.length}` });
      if (url === `${ISSUER}/credential`) {
        proofs.push((JSON.parse(String(init?.body)) as { proofs: { jwt: string[] } }).proofs.jwt[0] as string);
        if (refusals-- > 0) return reply({ error: 'invalid_nonce', error_description: 'stale' }, 400);
        return reply({ credentials: [{ credential: await credential() }] });
      }
      if (url === `${ISSUER}/.well-known/did.json`) return reply(didDocument());
      return reply({}, 404);
    }) as typeof globalThis.fetch;
    return { fetch, asked, proofs };
  }

  it('stores a credential of the issuer host did:web bound to the holder, after one retry with a fresh nonce', async () => {
    const [me] = await wallet.listDids();
    const fake = fakeIssuer(() => jwtVc(web, me?.did as string, { type: 'NationalIdCredential' }), 1);
    const before = await wallet.count();
    const received = await wallet.acceptOffer(byValue(offer()), { fetch: fake.fetch });
    expect(received.credential.issuer).toBe(WEB_DID);
    expect(received.credential.subject).toBe(me?.did);
    expect(await wallet.count()).toBe(before + 1);
    expect(fake.asked).toContain(`${ISSUER}/.well-known/did.json`);
    // Two proofs, for two nonces, both signed by the holder key with the issuer as audience.
    expect(fake.proofs).toHaveLength(2);
    const claims = fake.proofs.map(
      (p) => JSON.parse(Buffer.from(p.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>,
    );
    expect(claims.map((c) => c.aud)).toEqual([ISSUER, ISSUER]);
    expect(claims[0]?.nonce).not.toBe(claims[1]?.nonce);
    const header = JSON.parse(Buffer.from((fake.proofs[0] as string).split('.')[0] as string, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(header).toMatchObject({ typ: 'openid4vci-proof+jwt', alg: 'EdDSA', kid: me?.verificationMethod });
  });

  it('refuses a credential from another issuer than the host did:web (UNTRUSTED_ISSUER), and one bound to someone else (HOLDER_BINDING)', async () => {
    const [me] = await wallet.listDids();
    const before = await wallet.count();
    const foreign = fakeIssuer(() => jwtVc(issuer('key'), me?.did as string));
    expect((await failure(wallet.acceptOffer(byValue(offer()), { fetch: foreign.fetch }))).code).toBe('UNTRUSTED_ISSUER');
    const someoneElse = fakeIssuer(() => jwtVc(web, issuer('key').did));
    const e = await failure(wallet.acceptOffer(byValue(offer()), { fetch: someoneElse.fetch }));
    expect(e.code).toBe('HOLDER_BINDING');
    const twice = fakeIssuer(() => jwtVc(web, me?.did as string), 2);
    const refused = await failure(wallet.acceptOffer(byValue(offer()), { fetch: twice.fetch }));
    expect(refused).toMatchObject({ code: 'REFUSED', step: 'credential', oauthError: 'invalid_nonce' });
    expect(await wallet.count()).toBe(before);
  });

  it('refuses a credential of other types than the configuration asked for (credential_definition.type): MALFORMED, nothing stored', async () => {
    const [me] = await wallet.listDids();
    const before = await wallet.count();
    const other = fakeIssuer(() => jwtVc(web, me?.did as string, { type: 'BirthCertificateCredential' }));
    const e = await failure(wallet.acceptOffer(byValue(offer()), { fetch: other.fetch }));
    expect(e).toMatchObject({ code: 'MALFORMED', step: 'verify' });
    expect(e.message).toContain('BirthCertificateCredential');
    expect(await wallet.count()).toBe(before);
    const asked = fakeIssuer(() => jwtVc(web, me?.did as string, { type: 'NationalIdCredential' }));
    const { credential } = await wallet.acceptOffer(byValue(offer()), { fetch: asked.fetch });
    expect(credential.types).toEqual(['VerifiableCredential', 'NationalIdCredential']);
    await wallet.delete(credential.id);
  });
});
