// acceptOffer against a malicious issuer: offers, metadata, tokens, credentials and DID
// documents crafted to mislead the wallet, to make it fetch what it should not, or to
// exhaust it. The https issuer lives behind the fetch the test gives (no network); the
// answers that need real sockets (size, slowness, redirects) come from a node:http
// server on 127.0.0.1 under allowInsecureHttp.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TradewindError } from '@tradewind/core';
import { type OfferError, openWallet, type Wallet } from '@tradewind/wallet';
import { compactVerify, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issuer, jwtVc, SECRET, TEST_KDF, tempDir } from './fixtures.js';

const tmp = tempDir();
let wallet: Wallet;
const ISSUER = 'https://registry.gov.example.tt';
const WEB_DID = 'did:web:registry.gov.example.tt';
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const TX_CODE = '493817';
const byValue = (offer: unknown) => `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(offer))}`;
const byReference = (url: string) => `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(url)}`;
const offerOf = (credentialIssuer = ISSUER, grant: Record<string, unknown> = { 'pre-authorized_code': 'c0de' }) => ({
  credential_issuer: credentialIssuer,
  credential_configuration_ids: ['NationalIdCredential'],
  grants: { [PRE_AUTH]: grant },
});

const webKey = issuer('key');
const web = { ...webKey, did: WEB_DID, kid: `${WEB_DID}#key-1` };
const publicJwk = (key = webKey) => {
  const jwk = { ...key.privateKey.export({ format: 'jwk' }) } as Record<string, unknown>;
  delete jwk.d;
  return jwk;
};
const didDocument = (id = WEB_DID, jwk = publicJwk()) => ({
  '@context': ['https://www.w3.org/ns/did/v1'],
  id,
  verificationMethod: [{ id: `${id}#key-1`, type: 'JsonWebKey2020', controller: id, publicKeyJwk: jwk }],
  assertionMethod: [`${id}#key-1`],
});
const reply = (body: unknown, status = 200, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });

type Handler = (url: URL, init: RequestInit | undefined) => Response | Promise<Response>;

/**
 * An issuer at `base` behind a fetch, honest unless a route is overridden. Records every
 * URL asked, the request bodies and the Authorization headers sent.
 */
function maliciousIssuer(over: Record<string, Handler> = {}, base = ISSUER, holder?: () => string) {
  const asked: string[] = [];
  const bodies: Record<string, string> = {};
  const authorizations: Record<string, string> = {};
  const honest: Record<string, Handler> = {
    [`${base}/.well-known/openid-credential-issuer`]: () =>
      reply({
        credential_issuer: base,
        credential_endpoint: `${base}/credential`,
        nonce_endpoint: `${base}/nonce`,
        credential_configurations_supported: {
          NationalIdCredential: {
            format: 'jwt_vc_json',
            cryptographic_binding_methods_supported: ['did:key', 'did:jwk'],
            proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA', 'ES256'] } },
            credential_definition: { type: ['VerifiableCredential', 'NationalIdCredential'] },
          },
        },
      }),
    [`${base}/.well-known/oauth-authorization-server`]: () =>
      reply({ issuer: base, token_endpoint: `${base}/token`, grant_types_supported: [PRE_AUTH] }),
    [`${base}/token`]: () => reply({ access_token: 't0ken', token_type: 'Bearer', expires_in: 300 }),
    [`${base}/nonce`]: () => reply({ c_nonce: `n-${asked.length}` }),
    [`${base}/credential`]: async () =>
      reply({ credentials: [{ credential: await jwtVc(web, holder?.() ?? '', { type: 'NationalIdCredential' }) }] }),
    [`${base}/.well-known/did.json`]: () => reply(didDocument()),
  };
  const routes = { ...honest, ...over };
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    asked.push(url.href);
    if (typeof init?.body === 'string') bodies[url.href] = init.body;
    const auth = new Headers(init?.headers).get('authorization');
    if (auth) authorizations[url.href] = auth;
    const route = routes[url.href] ?? routes[url.href.replace(/\/$/, '')];
    return route ? route(url, init) : reply({ error: 'not_found' }, 404);
  }) as typeof globalThis.fetch;
  return { fetch, asked, bodies, authorizations };
}

async function failure(p: Promise<unknown>): Promise<OfferError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return e as OfferError;
}

let holderDid: string;
/** What the wallet holds between tests: every refusal must leave it so. */
let held = 0;
beforeEach(async () => {
  held = await wallet.count();
});
beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('w.db'), secret: SECRET, kdf: TEST_KDF });
  holderDid = (await wallet.createDid()).did;
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

/** A 127.0.0.1 server whose every answer `handle` writes. */
async function loopback(handle: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, base: string) => void) {
  let base = '';
  const server: Server = createServer((req, res) => handle(req, res, base));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('offer tricks', () => {
  it('an offer by reference is fetched over https only: file:, data:, javascript:, ftp: and plain http are refused unrequested', async () => {
    const evil = maliciousIssuer();
    for (const target of [
      'file:///etc/passwd',
      `data:application/json,${encodeURIComponent(JSON.stringify(offerOf()))}`,
      'javascript:alert(1)',
      'ftp://registry.gov.example.tt/offer',
      'http://registry.gov.example.tt/offer',
    ]) {
      const e = await failure(wallet.acceptOffer(byReference(target), { fetch: evil.fetch }));
      expect(e.code).toBe('MALFORMED');
      expect(e.step).toBe('offer');
    }
    expect(evil.asked).toEqual([]);
    expect(await wallet.count()).toBe(held);
  });

  it('an offer URI with both credential_offer and credential_offer_uri is refused', async () => {
    const evil = maliciousIssuer();
    const uri = `${byValue(offerOf())}&credential_offer_uri=${encodeURIComponent(`${ISSUER}/offer`)}`;
    const e = await failure(wallet.acceptOffer(uri, { fetch: evil.fetch }));
    expect(e.code).toBe('MALFORMED');
    expect(evil.asked).toEqual([]);
  });

  it('a credential_offer_uri that redirects (elsewhere, or to file:) is not followed', async () => {
    let targetHits = 0;
    const target = await loopback((_req, res) => {
      targetHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(offerOf()));
    });
    let location = `${target.base}/offer`;
    const redirector = await loopback((_req, res) => {
      res.writeHead(302, { location }).end();
    });
    try {
      for (const to of [`${target.base}/offer`, 'file:///etc/passwd']) {
        location = to;
        const e = await failure(wallet.acceptOffer(byReference(`${redirector.base}/offer`), { allowInsecureHttp: true }));
        expect(e.step).toBe('offer');
        expect(e.message).not.toContain('c0de');
      }
    } finally {
      await redirector.close();
      await target.close();
    }
    expect(targetHits).toBe(0);
    expect(await wallet.count()).toBe(held);
  });

  it('an enormous offer by reference is refused at the response bound, not read whole', async () => {
    let written = 0;
    const server = await loopback((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // An offer of 8 MiB: valid JSON, a pad member before the real ones.
      const chunk = 'a'.repeat(64 * 1024);
      res.write('{"pad":"');
      const more = () => {
        while (written < 8 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end(`","credential_issuer":"${ISSUER}","credential_configuration_ids":["x"],"grants":{}}`);
      };
      more();
    });
    try {
      const e = await failure(wallet.acceptOffer(byReference(`${server.base}/offer`), { allowInsecureHttp: true }));
      expect(e.code).toBe('MALFORMED');
      expect(e.step).toBe('offer');
      expect(e.message).toMatch(/larger than/);
    } finally {
      await server.close();
    }
  });

  it('an offer carrying __proto__ members pollutes nothing', async () => {
    const evil = maliciousIssuer({}, ISSUER, () => holderDid);
    const raw = `{"__proto__":{"polluted":true},"credential_issuer":"${ISSUER}","credential_configuration_ids":["NationalIdCredential"],"grants":{"${PRE_AUTH}":{"pre-authorized_code":"c0de","__proto__":{"tx_code":{"length":4}}}}}`;
    const received = await wallet.acceptOffer(`openid-credential-offer://?credential_offer=${encodeURIComponent(raw)}`, {
      fetch: evil.fetch,
    });
    expect(received.credential.issuer).toBe(WEB_DID);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).tx_code).toBeUndefined();
    await wallet.delete(received.credential.id);
  });

  it('a credential issuer identifier with userinfo, a query or a fragment is refused before any request', async () => {
    const evil = maliciousIssuer();
    for (const id of [
      'https://user:pw@registry.gov.example.tt',
      'https://registry.gov.example.tt@evil.example',
      'https://registry.gov.example.tt?x=1',
      'https://registry.gov.example.tt#frag',
    ]) {
      const e = await failure(wallet.acceptOffer(byValue(offerOf(id)), { fetch: evil.fetch }));
      expect(e.code).toBe('MALFORMED');
    }
    expect(evil.asked).toEqual([]);
  });

  it('a credential issuer on a loopback, private or link-local address, in any spelling, is refused unrequested', async () => {
    const evil = maliciousIssuer();
    for (const id of [
      'https://169.254.169.254',
      'https://2852039166',
      'https://0xa9.0xfe.0xa9.0xfe',
      'https://0251.0376.0251.0376',
      'https://[::ffff:169.254.169.254]',
      'https://127.1',
      'https://localhost',
      'https://issuer.localhost',
      'https://[::1]',
      'https://[fd00::1]',
      'https://[fe80::1]',
      'https://10.1.2.3',
      'https://172.20.0.1',
      'https://192.168.1.1',
      'https://100.64.0.1',
      'https://0.0.0.0',
      'https://[::]',
    ]) {
      const e = await failure(wallet.acceptOffer(byValue(offerOf(id)), { fetch: evil.fetch }));
      expect(e.code, id).toBe('MALFORMED');
      expect(e.step).toBe('offer');
    }
    expect(evil.asked).toEqual([]);
  });

  it('an offer served by another host than its credential_issuer is fine (OpenID4VCI): the credential must still come from the credential_issuer did:web', async () => {
    const evil = maliciousIssuer({ 'https://offers.example.net/o/1': () => reply(offerOf()) }, ISSUER, () => holderDid);
    const received = await wallet.acceptOffer(byReference('https://offers.example.net/o/1'), { fetch: evil.fetch });
    expect(received.credential.issuer).toBe(WEB_DID);
    await wallet.delete(received.credential.id);
    // The host serving the offer cannot sign for itself.
    const OFFERS = 'https://offers.example.net';
    const OFFERS_DID = 'did:web:offers.example.net';
    const liar = maliciousIssuer(
      {
        [`${OFFERS}/o/1`]: () => reply(offerOf()),
        [`${ISSUER}/credential`]: async () =>
          reply({
            credentials: [
              {
                credential: await jwtVc({ ...webKey, did: OFFERS_DID, kid: `${OFFERS_DID}#key-1` }, holderDid, {
                  type: 'NationalIdCredential',
                }),
              },
            ],
          }),
        [`${OFFERS}/.well-known/did.json`]: () => reply(didDocument(OFFERS_DID)),
      },
      ISSUER,
      () => holderDid,
    );
    const e = await failure(wallet.acceptOffer(byReference(`${OFFERS}/o/1`), { fetch: liar.fetch }));
    expect(e.code).toBe('UNTRUSTED_ISSUER');
    expect(await wallet.count()).toBe(held);
  });
});

describe('metadata tricks', () => {
  const metadataWith = (over: Record<string, unknown>) => () =>
    reply({
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

  it('metadata whose credential_issuer differs from the offer (even by a trailing slash or case) is refused', async () => {
    for (const other of ['https://evil.example', `${ISSUER}/`, 'https://REGISTRY.gov.example.tt', `${ISSUER}/sub`]) {
      const evil = maliciousIssuer({ [`${ISSUER}/.well-known/openid-credential-issuer`]: metadataWith({ credential_issuer: other }) });
      const e = await failure(wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch }));
      expect(e.code, other).toBe('MALFORMED');
      expect(e.step).toBe('metadata');
      expect(evil.asked.some((u) => u.endsWith('/token'))).toBe(false);
    }
  });

  it('credential, nonce and token endpoints on internal addresses are refused: no request, no access token sent there', async () => {
    const internal = ['https://169.254.169.254/latest/meta-data', 'https://localhost/credential', 'https://10.0.0.5/c', 'https://[::1]/c'];
    for (const target of internal) {
      for (const over of [
        { [`${ISSUER}/.well-known/openid-credential-issuer`]: metadataWith({ credential_endpoint: target }) },
        { [`${ISSUER}/.well-known/openid-credential-issuer`]: metadataWith({ nonce_endpoint: target }) },
        { [`${ISSUER}/.well-known/oauth-authorization-server`]: () => reply({ issuer: ISSUER, token_endpoint: target }) },
        {
          [`${ISSUER}/.well-known/openid-credential-issuer`]: metadataWith({
            authorization_servers: [new URL(target).origin],
          }),
        },
      ]) {
        const evil = maliciousIssuer(over, ISSUER, () => holderDid);
        const e = await failure(wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch }));
        expect(e.code, `${target} ${Object.keys(over)}`).toBe('MALFORMED');
        expect(evil.asked.filter((u) => new URL(u).hostname === new URL(target).hostname)).toEqual([]);
      }
    }
    expect(await wallet.count()).toBe(held);
  });

  it('endpoints on another public https origin are used as the metadata says (OpenID4VCI allows it); the token goes there', async () => {
    const OTHER = 'https://api.registry-cdn.example';
    const evil = maliciousIssuer(
      {
        [`${ISSUER}/.well-known/openid-credential-issuer`]: metadataWith({ credential_endpoint: `${OTHER}/credential` }),
        [`${OTHER}/credential`]: async () =>
          reply({ credentials: [{ credential: await jwtVc(web, holderDid, { type: 'NationalIdCredential' }) }] }),
      },
      ISSUER,
      () => holderDid,
    );
    const received = await wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch });
    expect(evil.authorizations[`${OTHER}/credential`]).toMatch(/t0ken/);
    await wallet.delete(received.credential.id);
  });

  it('enormous metadata, slow metadata, non-JSON and a wrong content type are typed errors', async () => {
    let mode = 'huge';
    const server = await loopback((req, res, base) => {
      if (req.url === '/.well-known/openid-credential-issuer') {
        if (mode === 'huge') {
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = ' '.repeat(64 * 1024);
          let n = 0;
          const more = () => {
            while (n++ < 128) if (!res.write(chunk)) return void res.once('drain', more);
            res.end(JSON.stringify({ credential_issuer: base }));
          };
          more();
          return;
        }
        if (mode === 'slow') return; // never answers
        if (mode === 'trickle') return void res.writeHead(200, { 'content-type': 'application/json' }).write('{'); // headers, then nothing
        if (mode === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
        if (mode === 'text-json') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('{"credential_issuer":1}');
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
    try {
      const uri = byValue(offerOf(server.base));
      mode = 'huge';
      const huge = await failure(wallet.acceptOffer(uri, { allowInsecureHttp: true }));
      expect(huge.step).toBe('metadata');
      expect(huge.message).toMatch(/larger than/);
      for (mode of ['slow', 'trickle']) {
        const slow = await failure(wallet.acceptOffer(uri, { allowInsecureHttp: true, timeoutMs: 200 }));
        expect(slow, mode).toMatchObject({ code: 'UNREACHABLE', step: 'metadata' });
      }
      for (mode of ['html', 'text-json']) {
        const e = await failure(wallet.acceptOffer(uri, { allowInsecureHttp: true }));
        expect(e.step, mode).toBe('metadata');
      }
    } finally {
      await server.close();
    }
    expect(await wallet.count()).toBe(held);
  });
});

describe('token, nonce and credential tricks', () => {
  const accept = (over: Record<string, Handler>, options: Record<string, unknown> = {}) => {
    const evil = maliciousIssuer(over, ISSUER, () => holderDid);
    return { evil, result: wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch, ...options }) };
  };
  const credentialIs = (credential: () => Promise<unknown> | unknown) => ({
    [`${ISSUER}/credential`]: async () => reply({ credentials: [{ credential: await credential() }] }),
  });

  it('a token response without access_token, or with an expires_in past the safe integers, is MALFORMED; a long one is harmless', async () => {
    for (const token of [
      { token_type: 'Bearer', expires_in: 300 },
      { access_token: 't', token_type: 'Bearer', expires_in: 1e308 },
    ]) {
      const e = await failure(accept({ [`${ISSUER}/token`]: () => reply(token) }).result);
      expect(e).toMatchObject({ code: 'MALFORMED', step: 'token' });
    }
    expect(await wallet.count()).toBe(held);
    // The token is used once, at once, and never kept: its lifetime does not matter.
    const { result } = accept({ [`${ISSUER}/token`]: () => reply({ access_token: 't', token_type: 'Bearer', expires_in: 2 ** 52 }) });
    const received = await result;
    await wallet.delete(received.credential.id);
  });

  it('credentials that do not verify are refused with a code and never stored', async () => {
    const hs = await new SignJWT({ vc: { type: ['VerifiableCredential'] }, iss: WEB_DID, sub: holderDid })
      .setProtectedHeader({ alg: 'HS256', kid: `${WEB_DID}#key-1` })
      .sign(new TextEncoder().encode('a shared secret the issuer knows'));
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: WEB_DID, sub: holderDid, nbf: 1, vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: {} } })).toString('base64url')}.`;
    const vp = await new SignJWT({
      iss: WEB_DID,
      vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: [] },
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: `${WEB_DID}#key-1` })
      .sign(webKey.privateKey);
    const cases: Array<[string, () => Promise<unknown> | unknown]> = [
      ['another issuer DID', () => jwtVc(issuer('key'), holderDid, { type: 'NationalIdCredential' })],
      ['another holder', () => jwtVc(web, issuer('key').did, { type: 'NationalIdCredential' })],
      [
        'expired',
        () =>
          jwtVc(web, holderDid, { type: 'NationalIdCredential', validFrom: new Date('2020-01-01'), validUntil: new Date('2021-01-01') }),
      ],
      ['HS256', () => hs],
      ['alg none', () => none],
      ['a presentation', () => vp],
      ['not a string', () => ({ '@context': [], type: ['VerifiableCredential'] })],
    ];
    for (const [what, credential] of cases) {
      const e = await failure(accept(credentialIs(credential)).result);
      expect(e.code, what).not.toBe('INTERNAL');
    }
    expect(await wallet.count()).toBe(held);
  });

  it('a deferred answer (transaction_id, no credential) is a typed error and stores nothing', async () => {
    const e = await failure(accept({ [`${ISSUER}/credential`]: () => reply({ transaction_id: 'tx-1', interval: 5 }, 202) }).result);
    expect(e).toMatchObject({ code: 'MALFORMED', step: 'credential' });
    expect(e.message).toMatch(/deferred/);
    expect(await wallet.count()).toBe(held);
  });

  it('a response with many credentials stores the first one only, once verified', async () => {
    const many = await Promise.all(Array.from({ length: 50 }, () => jwtVc(web, holderDid, { type: 'NationalIdCredential' })));
    const received = await accept({ [`${ISSUER}/credential`]: () => reply({ credentials: many.map((credential) => ({ credential })) }) })
      .result;
    expect(received.credential.credential).toBe(many[0]);
    expect(await wallet.count()).toBe(held + 1);
    await wallet.delete(received.credential.id);
  });

  it('a revoked credential (status list served by the same issuer) is refused', async () => {
    const LIST = `${ISSUER}/status/1`;
    const bits = new Uint8Array(16 * 1024);
    bits[0] = 0x80; // index 0 set
    const { gzipSync } = await import('node:zlib');
    const encodedList = `u${gzipSync(bits).toString('base64url')}`;
    const listJwt = await new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: LIST,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: WEB_DID,
      validFrom: '2026-01-01T00:00:00Z',
      credentialSubject: { id: `${LIST}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList },
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: `${WEB_DID}#key-1`, typ: 'vc+jwt' })
      .sign(webKey.privateKey);
    const status = {
      id: `${LIST}#0`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '0',
      statusListCredential: LIST,
    };
    const { result } = accept({
      ...credentialIs(() => jwtVc(web, holderDid, { type: 'NationalIdCredential', status })),
      [LIST]: () => reply(listJwt, 200, { 'content-type': 'application/vc+jwt' }),
    });
    const e = await failure(result);
    expect(e.code).toBe('REVOKED');
    expect(await wallet.count()).toBe(held);
  });
});

describe('did:web of the issuer', () => {
  const didIs = (handler: Handler) => maliciousIssuer({ [`${ISSUER}/.well-known/did.json`]: handler }, ISSUER, () => holderDid);

  it('a DID document with another id, or keys that are not the signer, does not verify', async () => {
    for (const doc of [didDocument('did:web:evil.example'), didDocument(WEB_DID, publicJwk(issuer('key')))]) {
      const evil = didIs(() => reply(doc));
      const e = await failure(wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch }));
      expect(e.code).not.toBe('INTERNAL');
    }
    expect(await wallet.count()).toBe(held);
  });

  it('a DID document behind a redirect is not followed; an enormous one is cut at the bound', async () => {
    let mode = 'redirect';
    const server = await loopback((req, res, base) => {
      const did = `did:web:${encodeURIComponent(new URL(base).host)}`;
      const send = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/.well-known/openid-credential-issuer')
        return send({
          credential_issuer: base,
          credential_endpoint: `${base}/credential`,
          nonce_endpoint: `${base}/nonce`,
          credential_configurations_supported: {
            N: { format: 'jwt_vc_json', credential_definition: { type: ['VerifiableCredential', 'N'] } },
          },
        });
      if (req.url === '/.well-known/oauth-authorization-server') return send({ issuer: base, token_endpoint: `${base}/token` });
      if (req.method === 'POST' && req.url === '/token') return send({ access_token: 't', token_type: 'Bearer' });
      if (req.method === 'POST' && req.url === '/nonce') return send({ c_nonce: 'n' });
      if (req.method === 'POST' && req.url === '/credential') {
        void jwtVc({ ...webKey, did, kid: `${did}#key-1` }, holderDid).then((credential) => send({ credentials: [{ credential }] }));
        return;
      }
      if (req.url === '/.well-known/did.json') {
        if (mode === 'redirect') return void res.writeHead(302, { location: `${base}/real-did.json` }).end();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"id":"${did}","pad":"`);
        const chunk = 'a'.repeat(64 * 1024);
        let n = 0;
        const more = () => {
          while (n++ < 64) if (!res.write(chunk)) return void res.once('drain', more);
          res.end('"}');
        };
        return more();
      }
      if (req.url === '/real-did.json') return send(didDocument(did));
      res.writeHead(404).end();
    });
    try {
      const offer = { ...offerOf(server.base), credential_configuration_ids: ['N'] };
      for (mode of ['redirect', 'huge']) {
        const e = await failure(wallet.acceptOffer(byValue(offer), { allowInsecureHttp: true }));
        expect(e.code, mode).not.toBe('INTERNAL');
        expect(e.code, mode).not.toBe('HOLDER_BINDING');
      }
    } finally {
      await server.close();
    }
    expect(await wallet.count()).toBe(held);
  });

  it('a did:web without the port of the credential issuer is another issuer', async () => {
    const PORTED = 'https://registry.gov.example.tt:8443';
    const evil = maliciousIssuer({}, PORTED, () => holderDid);
    const e = await failure(wallet.acceptOffer(byValue(offerOf(PORTED)), { fetch: evil.fetch }));
    expect(e.code).toBe('UNTRUSTED_ISSUER');
    expect(evil.asked).not.toContain(`${ISSUER}/.well-known/did.json`);
  });
});

describe('holder side', () => {
  it('the proof is signed by the key of the holder DID asked for, with the nonce, the issuer as audience and the time', async () => {
    const second = await wallet.createDid({ method: 'jwk' });
    let nonce = '';
    const evil = maliciousIssuer(
      {
        [`${ISSUER}/nonce`]: () => {
          nonce = `n-${Math.random()}`;
          return reply({ c_nonce: nonce });
        },
      },
      ISSUER,
      () => second.did,
    );
    const now = new Date('2026-06-01T12:00:00Z');
    const received = await wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch, holderDid: second.did, now });
    expect(received.credential.subject).toBe(second.did);
    const proof = (JSON.parse(evil.bodies[`${ISSUER}/credential`] as string) as { proofs: { jwt: string[] } }).proofs.jwt[0] as string;
    const header = JSON.parse(Buffer.from(proof.split('.')[0] as string, 'base64url').toString()) as { kid: string; alg: string };
    expect(header.kid).toBe(second.verificationMethod);
    const { payload } = await compactVerify(proof, await importJWK(second.publicJwk as never, header.alg));
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    expect(claims).toMatchObject({ nonce, aud: ISSUER, iat: now.getTime() / 1000 });
    await wallet.delete(received.credential.id);
  });

  it('a holder DID the wallet does not hold is INVALID_ARGUMENT before any request', async () => {
    const evil = maliciousIssuer();
    const e = await failure(wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch, holderDid: issuer('key').did }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(evil.asked).toEqual([]);
  });

  it('the transaction code never appears in an error, even when the issuer echoes it', async () => {
    const offer = offerOf(ISSUER, { 'pre-authorized_code': 'c0de', tx_code: { length: 6, input_mode: 'numeric' } });
    for (const token of [
      () => reply({ error: 'invalid_grant', error_description: `tx_code ${TX_CODE} is wrong` }, 400),
      () => reply(`tx_code=${TX_CODE}`, 500, { 'content-type': 'text/plain' }),
      () => reply({ access_token: 5, echo: TX_CODE }),
    ]) {
      const evil = maliciousIssuer({ [`${ISSUER}/token`]: token });
      const e = await failure(wallet.acceptOffer(byValue(offer), { fetch: evil.fetch, txCode: TX_CODE }));
      expect(e.step).toBe('token');
      expect(e.message).not.toContain(TX_CODE);
      expect(String(e.stack)).not.toContain(TX_CODE);
      expect(evil.bodies[`${ISSUER}/token`]).toContain(TX_CODE);
    }
  });
});

describe('authorization server and status list tricks', () => {
  it('authorization server metadata naming another issuer (mix-up), or a grant naming an unlisted server, is refused before the token request', async () => {
    const mixUp = maliciousIssuer({
      [`${ISSUER}/.well-known/oauth-authorization-server`]: () =>
        reply({ issuer: 'https://as.evil.example', token_endpoint: 'https://as.evil.example/token' }),
    });
    const e = await failure(wallet.acceptOffer(byValue(offerOf()), { fetch: mixUp.fetch }));
    expect(e.code).toBe('MALFORMED');
    expect(mixUp.asked.filter((u) => u.includes('evil'))).toEqual([]);
    const unlisted = maliciousIssuer({
      'https://as.evil.example/.well-known/oauth-authorization-server': () =>
        reply({ issuer: 'https://as.evil.example', token_endpoint: 'https://as.evil.example/token' }),
    });
    const e2 = await failure(
      wallet.acceptOffer(byValue(offerOf(ISSUER, { 'pre-authorized_code': 'c0de', authorization_server: 'https://as.evil.example' })), {
        fetch: unlisted.fetch,
      }),
    );
    expect(e2.code).not.toBe('INTERNAL');
    expect(unlisted.asked.filter((u) => u.endsWith('/token'))).toEqual([]);
    expect(await wallet.count()).toBe(held);
  });

  it('a status list that is garbage, enormous or on an internal address is a warning (status unavailable), never a crash or a false status', async () => {
    const status = (url: string) => ({
      id: `${url}#0`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '0',
      statusListCredential: url,
    });
    for (const [url, handler] of [
      [`${ISSUER}/status/garbage`, () => reply('{not json', 200, { 'content-type': 'application/json' })],
      [`${ISSUER}/status/empty`, () => reply('', 200, { 'content-type': 'application/vc+jwt' })],
      [`${ISSUER}/status/huge`, () => reply('x'.repeat(2 * 1024 * 1024), 200, { 'content-type': 'application/vc+jwt' })],
      ['https://169.254.169.254/status/1', () => reply('should not be asked', 500)],
    ] as const) {
      const evil = maliciousIssuer(
        {
          [`${ISSUER}/credential`]: async () =>
            reply({ credentials: [{ credential: await jwtVc(web, holderDid, { type: 'NationalIdCredential', status: status(url) }) }] }),
          [url]: handler,
        },
        ISSUER,
        () => holderDid,
      );
      const received = await wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch });
      expect(
        received.warnings.map((w) => w.code),
        url,
      ).not.toEqual([]);
      if (url.includes('169.254')) expect(evil.asked).not.toContain(url);
      await wallet.delete(received.credential.id);
    }
  });
});

describe('issuer strings in error messages', () => {
  it('an offer of thousands of configuration ids, or metadata of thousands of algorithms, gives a short message', async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `Config${i}${'x'.repeat(100)}`);
    const evil = maliciousIssuer({ 'https://offers.example.net/o/1': () => reply({ ...offerOf(), credential_configuration_ids: ids }) });
    const e = await failure(wallet.acceptOffer(byReference('https://offers.example.net/o/1'), { fetch: evil.fetch }));
    expect(e.code).toBe('UNSUPPORTED_FORMAT');
    expect(e.message.length).toBeLessThan(1000);
    const algs = Array.from({ length: 2000 }, (_, i) => `ALG${i}${'y'.repeat(100)}`);
    const evil2 = maliciousIssuer({
      [`${ISSUER}/.well-known/openid-credential-issuer`]: () =>
        reply({
          credential_issuer: ISSUER,
          credential_endpoint: `${ISSUER}/credential`,
          credential_configurations_supported: {
            NationalIdCredential: {
              format: 'jwt_vc_json',
              cryptographic_binding_methods_supported: algs,
              proof_types_supported: { jwt: { proof_signing_alg_values_supported: algs } },
              credential_definition: { type: ['VerifiableCredential', 'NationalIdCredential'] },
            },
          },
        }),
    });
    const e2 = await failure(wallet.acceptOffer(byValue(offerOf()), { fetch: evil2.fetch }));
    expect(e2.code).toBe('UNSUPPORTED_ALGORITHM');
    expect(e2.message.length).toBeLessThan(1000);
  });

  it('the pre-authorized code is not in an error either, when the issuer echoes it', async () => {
    const code = 'SplxlOBeZQQYbYS6WxSbIA-pre-auth';
    const evil = maliciousIssuer({
      [`${ISSUER}/token`]: () => reply({ error: 'invalid_grant', error_description: `${code} was used` }, 400),
    });
    const e = await failure(wallet.acceptOffer(byValue(offerOf(ISSUER, { 'pre-authorized_code': code })), { fetch: evil.fetch }));
    expect(e).toMatchObject({ code: 'REFUSED', oauthError: 'invalid_grant' });
    expect(e.message).not.toContain(code);
  });
});

describe('signatures that are not the issuer', () => {
  it('a credential naming the issuer did:web but signed under another DID kid, or by a key the DID document keeps for authentication only, is refused', async () => {
    const attacker = issuer('key');
    const vc = (kid: string, key = attacker.privateKey, over: Record<string, unknown> = {}) =>
      new SignJWT({
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiableCredential', 'NationalIdCredential'],
        issuer: WEB_DID,
        validFrom: '2026-01-01T00:00:00Z',
        credentialSubject: { id: holderDid },
        ...over,
      })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'vc+jwt' })
        .sign(key);
    const authOnly = () => ({ ...didDocument(WEB_DID, publicJwk(attacker)), assertionMethod: [], authentication: [`${WEB_DID}#key-1`] });
    const cases: Array<[string, Record<string, Handler>]> = [
      ['kid of another DID', { [`${ISSUER}/credential`]: async () => reply({ credentials: [{ credential: await vc(attacker.kid) }] }) }],
      [
        'key for authentication only',
        {
          [`${ISSUER}/credential`]: async () => reply({ credentials: [{ credential: await vc(`${WEB_DID}#key-1`) }] }),
          [`${ISSUER}/.well-known/did.json`]: () => reply(authOnly()),
        },
      ],
      [
        'iss claim of another DID',
        {
          [`${ISSUER}/credential`]: async () =>
            reply({ credentials: [{ credential: await vc(`${WEB_DID}#key-1`, webKey.privateKey, { iss: attacker.did }) }] }),
        },
      ],
    ];
    for (const [what, over] of cases) {
      const evil = maliciousIssuer(over, ISSUER, () => holderDid);
      const e = await failure(wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch }));
      expect(e.code, what).not.toBe('INTERNAL');
      expect(e.code, what).not.toBe('HOLDER_BINDING');
    }
    expect(await wallet.count()).toBe(held);
  });

  it('a credential with several subjects, one of them the holder, is not bound to the holder alone', async () => {
    const evil = maliciousIssuer(
      {
        [`${ISSUER}/credential`]: async () =>
          reply({
            credentials: [
              {
                credential: await new SignJWT({
                  '@context': ['https://www.w3.org/ns/credentials/v2'],
                  type: ['VerifiableCredential', 'NationalIdCredential'],
                  issuer: WEB_DID,
                  validFrom: '2026-01-01T00:00:00Z',
                  credentialSubject: [{ id: issuer('key').did }, { id: holderDid }],
                })
                  .setProtectedHeader({ alg: 'EdDSA', kid: `${WEB_DID}#key-1`, typ: 'vc+jwt' })
                  .sign(webKey.privateKey),
              },
            ],
          }),
      },
      ISSUER,
      () => holderDid,
    );
    const outcome = await wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch }).then(
      (r) => r,
      (e: unknown) => e,
    );
    if (outcome instanceof TradewindError) expect(outcome.code).toBe('HOLDER_BINDING');
    else expect.unreachable('stored a credential whose first subject is someone else');
  });
});

describe('allowInsecureHttp is for an issuer on a loopback or private host', () => {
  it('a public issuer cannot point the wallet at loopback, private or link-local endpoints, even with allowInsecureHttp', async () => {
    for (const target of ['http://127.0.0.1:9/credential', 'https://169.254.169.254/c', 'http://localhost:8080/c']) {
      const evil = maliciousIssuer(
        {
          [`${ISSUER}/.well-known/openid-credential-issuer`]: () =>
            reply({
              credential_issuer: ISSUER,
              credential_endpoint: target,
              credential_configurations_supported: {
                NationalIdCredential: {
                  format: 'jwt_vc_json',
                  credential_definition: { type: ['VerifiableCredential', 'NationalIdCredential'] },
                },
              },
            }),
        },
        ISSUER,
        () => holderDid,
      );
      const e = await failure(wallet.acceptOffer(byValue(offerOf()), { fetch: evil.fetch, allowInsecureHttp: true }));
      expect(e, target).toMatchObject({ code: 'MALFORMED', step: 'metadata' });
      expect(evil.asked.filter((u) => u.endsWith('/token'))).toEqual([]);
    }
    // An offer by reference is fetched before the issuer is known: allowed on 127.0.0.1 under allowInsecureHttp,
    // but the public issuer it names still cannot use internal endpoints (above).
    expect(await wallet.count()).toBe(held);
  });
});
