// Hostile OpenID4VCI requests for SD-JWT VCs to the issuer service over 127.0.0.1: a token
// of one credential configuration used for another, proofs for another nonce, audience or
// time, of a curve the service does not take, or of the wrong type, and the draft request
// shape; and /status/token/<n> paths that are no list number. The credential it does
// issue is bound to the proof's key and verifies with the built verifier.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startTestService, type TestService } from '../../examples/issuer-service/test/helpers.js';
import { codes, issuerJwtOf, unb64json } from './helpers.js';

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const SD_JWT = 'NationalIdCredential_sd_jwt';
const JWT_VC = 'NationalIdCredential';
const CLAIMS = { given_name: 'Asha', family_name: 'Ramdial', birthdate: '1991-04-12', nationality: 'TT' };

let service: TestService;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const jwk = publicKey.export({ format: 'jwk' });

beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service?.stop();
});

async function offerToken(configurationId: string): Promise<string> {
  const res = await post(`${service.base}/offers`, { credentialConfigurationId: configurationId, claims: CLAIMS }, service.adminKey);
  expect(res.status, await res.clone().text()).toBe(201);
  const offer = (await res.json()) as { credentialOffer: { grants: Record<string, { 'pre-authorized_code': string }> } };
  const token = await fetch(`${service.base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: PRE_AUTH,
      'pre-authorized_code': offer.credentialOffer.grants[PRE_AUTH]?.['pre-authorized_code'] as string,
    }).toString(),
  });
  expect(token.status).toBe(200);
  return ((await token.json()) as { access_token: string }).access_token;
}

async function nonce(): Promise<string> {
  const res = await fetch(`${service.base}/nonce`, { method: 'POST' });
  return ((await res.json()) as { c_nonce: string }).c_nonce;
}

function proof(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = privateKey): string {
  const h = Buffer.from(JSON.stringify({ typ: 'openid4vci-proof+jwt', alg: 'EdDSA', jwk, ...header })).toString('base64url');
  const p = Buffer.from(JSON.stringify({ aud: service.config.baseUrl, iat: Math.floor(Date.now() / 1000), ...claims })).toString(
    'base64url',
  );
  return `${h}.${p}.${sign(null, Buffer.from(`${h}.${p}`), key).toString('base64url')}`;
}

function credentialRequest(token: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${service.base}/credential`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

describe('OpenID4VCI credential requests', () => {
  it('control: the SD-JWT VC is bound to the proof key and verifies', async () => {
    const token = await offerToken(SD_JWT);
    const res = await credentialRequest(token, { credential_configuration_id: SD_JWT, proofs: { jwt: [proof({ nonce: await nonce() })] } });
    expect(res.status, await res.clone().text()).toBe(200);
    const sdJwt = ((await res.json()) as { credentials: Array<{ credential: string }> }).credentials[0]?.credential as string;
    const payload = unb64json(issuerJwtOf(sdJwt).split('.')[1] as string) as { cnf: { jwk: JsonWebKey } };
    expect(payload.cnf.jwk.x).toBe(jwk.x);
    const verifier = createVerifier({
      trustedIssuers: [service.did],
      didResolver: { didWebFetcher: async (url: string) => (await fetch(url)).json(), allowInsecureDidWeb: true },
      status: {
        provider: { get: async (url) => (await fetch(url)).text().then((t) => t.trim()) },
        allowInsecureUrls: true,
      },
    });
    expect(codes(await verifier.verifyCredential(sdJwt))).toEqual([]);
  });

  it('a token of the jwt_vc_json offer asks for the dc+sd-jwt configuration, and the reverse: refused', async () => {
    for (const [offered, asked] of [
      [JWT_VC, SD_JWT],
      [SD_JWT, JWT_VC],
    ] as const) {
      const token = await offerToken(offered);
      const res = await credentialRequest(token, {
        credential_configuration_id: asked,
        proofs: { jwt: [proof({ nonce: await nonce() })] },
      });
      expect(res.status, `${offered} -> ${asked}: ${await res.clone().text()}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('the draft request shape (format and vct, no configuration id), and an unknown configuration: refused', async () => {
    const token = await offerToken(SD_JWT);
    for (const body of [
      { format: 'dc+sd-jwt', vct: 'NationalIdCredential', proofs: { jwt: [proof({ nonce: await nonce() })] } },
      { credential_configuration_id: 'PassportCredential_sd_jwt', proofs: { jwt: [proof({ nonce: await nonce() })] } },
      { credential_configuration_id: '__proto__', proofs: { jwt: [proof({ nonce: await nonce() })] } },
    ]) {
      const res = await credentialRequest(token, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('proofs for another nonce, audience or time, of another curve, typ or alg: refused, 4xx', async () => {
    const token = await offerToken(SD_JWT);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const proofs = [
      proof({ nonce: 'not-a-nonce-this-service-gave' }),
      proof({ nonce: await nonce(), aud: 'https://another-issuer.example' }),
      proof({ nonce: await nonce(), iat: Math.floor(Date.now() / 1000) + 3600 }),
      proof({ nonce: await nonce(), iat: Math.floor(Date.now() / 1000) - 86_400 * 30 }),
      proof({ nonce: await nonce(), iat: '1700000000' }),
      proof({ nonce: await nonce() }, { jwk: { kty: 'EC', crv: 'secp256k1', x: jwk.x, y: jwk.x } }),
      proof({ nonce: await nonce() }, { jwk: { ...jwk, d: 'AAAA' } }),
      proof({ nonce: await nonce() }, { typ: 'JWT' }),
      proof({ nonce: await nonce() }, { alg: 'ES256' }),
      proof({ nonce: await nonce() }, { jwk: p256.publicKey.export({ format: 'jwk' }) }),
    ];
    for (const [i, jwt] of proofs.entries()) {
      const res = await credentialRequest(token, { credential_configuration_id: SD_JWT, proofs: { jwt: [jwt] } });
      expect(res.status, `proof ${i}: ${await res.clone().text()}`).toBe(400);
    }
    // The token still works with a good proof afterwards: the refusals consumed nothing.
    const ok = await credentialRequest(token, { credential_configuration_id: SD_JWT, proofs: { jwt: [proof({ nonce: await nonce() })] } });
    expect(ok.status, await ok.clone().text()).toBe(200);
  });
});

describe('/status/token/<n>', () => {
  it('paths that are no list number: 404, never 5xx, never a token', async () => {
    for (const n of ['0', '01', '-1', '1.5', '1e3', '99999999999999999999', '%2e%2e', 'abc', '1%00', '1%20', '0x1', '+1']) {
      const res = await fetch(`${service.base}/status/token/${n}`);
      const body = await res.text();
      expect(res.status, n).toBeGreaterThanOrEqual(400);
      expect(res.status, n).toBeLessThan(500);
      expect(body.split('.').length === 3 && !body.includes(' '), n).toBe(false);
    }
  });
});
