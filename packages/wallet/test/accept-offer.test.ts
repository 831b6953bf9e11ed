// acceptOffer's own checks and its reading of the issuer's answers, through a fetch
// given by the test (no network). The flow against a real issuer over 127.0.0.1 is
// tested with the example issuer service (examples/issuer-service/test/oid4vci.test.ts).
import { TradewindError } from '@tradewind/core';
import { didWebOfIssuer, type OfferError, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, TEST_KDF, tempDir } from './fixtures.js';

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

  it('metadata that names another credential issuer, or offers no jwt_vc_json, is refused', async () => {
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
    const sdJwt = await failure(
      wallet.acceptOffer(byValue(offer()), {
        fetch: answers({
          credential_configurations_supported: { NationalIdCredential: { format: 'dc+sd-jwt', vct: 'https://x.example/nid' } },
        }),
      }),
    );
    expect(sdJwt.code).toBe('UNSUPPORTED_FORMAT');
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
