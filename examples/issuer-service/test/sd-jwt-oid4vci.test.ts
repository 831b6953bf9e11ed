import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVerifier, type StatusListProvider } from '@tradewind/verifier';
import { type HolderDid, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startTestService, TEST_KDF, type TestService } from './helpers.js';

// SD-JWT VCs (dc+sd-jwt) over OpenID4VCI, service and holder over 127.0.0.1: metadata,
// offers, the credential bound (cnf) to the proof's key, verified by @tradewind/verifier
// with the Token Status List read from the service, and revoked through the admin route.

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const SD_JWT = 'NationalIdCredential_sd_jwt';
const CLAIMS = {
  given_name: 'Asha',
  family_name: 'Ramdial',
  birthdate: '1991-04-12',
  nationality: 'TT',
  place_of_birth: { locality: 'San Fernando', country: 'TT' },
  address: { street_address: '12 Coffee Street', locality: 'San Fernando', country: 'TT' },
};

let service: TestService;
let wallet: Wallet;
let walletDir: string;
let holder: HolderDid;
let p256: HolderDid;

beforeAll(async () => {
  service = await startTestService();
  walletDir = await mkdtemp(join(tmpdir(), 'tw-sd-jwt-oid4vci-'));
  wallet = await openWallet({ path: join(walletDir, 'wallet.db'), secret: 'wallet secret', kdf: TEST_KDF });
  holder = await wallet.createDid();
  p256 = await wallet.createDid({ method: 'jwk', keyType: 'P-256' });
});
afterAll(async () => {
  await wallet?.close();
  await service?.stop();
  if (walletDir) await rm(walletDir, { recursive: true, force: true });
});

interface OfferResponse {
  offerId: string;
  credentialOffer: { credential_configuration_ids: string[]; grants: Record<string, { 'pre-authorized_code': string }> };
  credentialOfferUri: string;
}

async function createOffer(over: Record<string, unknown> = {}, on: TestService = service): Promise<OfferResponse> {
  const res = await post(`${on.base}/offers`, { credentialConfigurationId: SD_JWT, claims: CLAIMS, ...over }, on.adminKey);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as OfferResponse;
}

async function accessToken(offer: OfferResponse, on: TestService = service): Promise<string> {
  const res = await fetch(`${on.base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: PRE_AUTH,
      'pre-authorized_code': offer.credentialOffer.grants[PRE_AUTH]?.['pre-authorized_code'] as string,
    }).toString(),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function nonce(on: TestService = service): Promise<string> {
  const res = await fetch(`${on.base}/nonce`, { method: 'POST' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { c_nonce: string }).c_nonce;
}

/** A proof JWT signed by a wallet DID's key, naming it by kid (default) or by a jwk header. */
async function proof(c_nonce: string, signer: HolderDid, header: Record<string, unknown> = {}, on: TestService = service): Promise<string> {
  const payload = { aud: on.config.baseUrl, iat: Math.floor(Date.now() / 1000), nonce: c_nonce };
  const named = 'jwk' in header ? {} : { kid: signer.verificationMethod };
  return wallet.agent.signJwt({ alg: signer.alg, typ: 'openid4vci-proof+jwt', ...named, ...header }, payload, signer.keyId);
}

/** A proof JWT built here and signed with a node:crypto Ed25519 key, whatever its header says. */
function rawProof(c_nonce: string, header: Record<string, unknown>, key: KeyObject): string {
  const h = Buffer.from(JSON.stringify({ typ: 'openid4vci-proof+jwt', ...header })).toString('base64url');
  const p = Buffer.from(JSON.stringify({ aud: service.config.baseUrl, iat: Math.floor(Date.now() / 1000), nonce: c_nonce })).toString(
    'base64url',
  );
  return `${h}.${p}.${sign(null, Buffer.from(`${h}.${p}`), key).toString('base64url')}`;
}

async function requestCredential(token: string, jwt: string, id = SD_JWT, on: TestService = service): Promise<Response> {
  return fetch(`${on.base}/credential`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ credential_configuration_id: id, proofs: { jwt: [jwt] } }),
  });
}

/** The whole pre-authorized flow for one offer with a proof from `makeProof`; the credential response. */
async function issue(makeProof: (c_nonce: string) => Promise<string>, over: Record<string, unknown> = {}, on = service): Promise<Response> {
  const offer = await createOffer(over, on);
  const token = await accessToken(offer, on);
  return requestCredential(token, await makeProof(await nonce(on)), SD_JWT, on);
}

async function issuedSdJwt(res: Response): Promise<string> {
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as { credentials: Array<{ credential: string }> };
  expect(body.credentials).toHaveLength(1);
  return body.credentials[0]?.credential as string;
}

const partsOf = (sdJwt: string) => {
  const parts = sdJwt.split('~');
  const [h, p] = (parts[0] as string).split('.');
  return {
    header: JSON.parse(Buffer.from(h as string, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p as string, 'base64url').toString()) as Record<string, unknown>,
    disclosures: parts.slice(1, -1),
    last: parts[parts.length - 1],
  };
};

/** Status lists (Bitstring and Token Status List) fetched from the service over 127.0.0.1, as a verifier's provider would. */
const fromService: StatusListProvider = {
  get: async (url) => {
    const res = await fetch(url);
    if (!res.ok) return undefined;
    return (await res.text()).trim();
  },
};

function verifierFor(on: TestService = service) {
  return createVerifier({
    trustedIssuers: [on.did],
    didResolver: {
      didWebFetcher: async (url: string) => (await fetch(url)).json(),
      allowInsecureDidWeb: true,
    },
    status: { provider: fromService, allowInsecureUrls: true },
  });
}

async function oauthError(res: Response): Promise<string> {
  expect(res.headers.get('cache-control')).toBe('no-store');
  return ((await res.json()) as { error: string }).error;
}

describe('SD-JWT VC credential issuer metadata', () => {
  it('lists the national ID as dc+sd-jwt beside jwt_vc_json: vct, binding methods, algorithms, display and claims', async () => {
    const metadata = (await (await fetch(`${service.base}/.well-known/openid-credential-issuer`)).json()) as {
      credential_configurations_supported: Record<string, Record<string, unknown>>;
    };
    const configurations = metadata.credential_configurations_supported;
    expect(Object.keys(configurations).sort()).toEqual(['NationalIdCredential', SD_JWT]);
    expect(configurations.NationalIdCredential?.format).toBe('jwt_vc_json');
    const sd = configurations[SD_JWT] as Record<string, unknown>;
    expect(sd).toMatchObject({
      format: 'dc+sd-jwt',
      vct: 'NationalIdCredential',
      cryptographic_binding_methods_supported: ['jwk', 'did:key', 'did:jwk'],
      credential_signing_alg_values_supported: ['EdDSA', 'ES256'],
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA', 'ES256'] } },
      credential_metadata: { display: [{ name: 'National ID (selective disclosure)', locale: 'en' }] },
    });
    expect(sd.credential_definition).toBeUndefined();
    const claims = (sd.credential_metadata as { claims: Array<{ path: string[] }> }).claims.map((c) => c.path.join('.'));
    expect(claims).toEqual(expect.arrayContaining(['given_name', 'family_name', 'birthdate', 'age_over_18', 'nationality', 'address']));
  });
});

describe('SD-JWT VC offers', () => {
  it('refuses a credential document, no claims, and claims the issuer sets itself (iss, cnf, vct, status, _sd)', async () => {
    const document = await post(
      `${service.base}/offers`,
      {
        credentialConfigurationId: SD_JWT,
        credential: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: {} },
      },
      service.adminKey,
    );
    expect(document.status).toBe(400);
    expect(await document.json()).toMatchObject({ errors: [{ code: 'INVALID_ARGUMENT', path: '/credential' }] });
    const empty = await post(`${service.base}/offers`, { credentialConfigurationId: SD_JWT, claims: {} }, service.adminKey);
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ errors: [{ code: 'INVALID_ARGUMENT', path: '/claims' }] });
    for (const name of ['iss', 'cnf', 'vct', 'status', '_sd', '_sd_alg', 'sub', 'exp']) {
      const res = await post(
        `${service.base}/offers`,
        { credentialConfigurationId: SD_JWT, claims: { given_name: 'Asha', [name]: 'x' } },
        service.adminKey,
      );
      expect(res.status, name).toBe(400);
      expect(await res.json()).toMatchObject({ errors: [{ code: 'INVALID_ARGUMENT', path: `/claims/${name}` }] });
    }
    // What the issuer would refuse is refused now, with its path, not at the wallet.
    const refusals: Array<[Record<string, unknown>, string, string]> = [
      [{ ...CLAIMS, address: { locality: 'San Fernando', _sd: ['x'] } }, 'MALFORMED', '/claims/address/_sd'],
      [{ given_name: 'Asha', nested: [{ '...': 'x' }] }, 'MALFORMED', '/claims/nested/0/...'],
      [{ ...CLAIMS, birthdate: '1991-02-30' }, 'INVALID_ARGUMENT', '/claims/birthdate'],
      [{ ...CLAIMS, birthdate: 19910412 }, 'INVALID_ARGUMENT', '/claims/birthdate'],
      [{ ...CLAIMS, age_over_18: true }, 'INVALID_ARGUMENT', '/claims/age_over_18'],
    ];
    for (const [claims, code, path] of refusals) {
      const res = await post(`${service.base}/offers`, { credentialConfigurationId: SD_JWT, claims }, service.adminKey);
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({ errors: [{ code, path }] });
    }
    // The holder is the proof's key, never a claim.
    const id = await post(
      `${service.base}/offers`,
      { credentialConfigurationId: SD_JWT, claims: { id: 'did:example:x' } },
      service.adminKey,
    );
    expect(id.status).toBe(400);
  });
});

describe('SD-JWT VC issuance over OpenID4VCI', () => {
  it('issues an SD-JWT VC bound (cnf.jwk) to the did:key of the proof, which @tradewind/verifier verifies with its Token Status List', async () => {
    const sdJwt = await issuedSdJwt(await issue((n) => proof(n, holder), { recordKey: 'tt-nid-sd-1' }));
    const { header, payload, disclosures, last } = partsOf(sdJwt);
    expect(header).toMatchObject({ typ: 'dc+sd-jwt', alg: 'EdDSA' });
    expect(String(header.kid).startsWith(`${service.did}#`)).toBe(true);
    expect(payload).toMatchObject({ iss: service.did, vct: 'NationalIdCredential', _sd_alg: 'sha-256', cnf: { jwk: holder.publicJwk } });
    // Issued form: every disclosure, no key binding.
    expect(last).toBe('');
    expect(disclosures.length).toBeGreaterThanOrEqual(6);
    // The personal claims are in disclosures, not in plain text.
    for (const name of ['given_name', 'family_name', 'birthdate', 'nationality']) expect(payload[name]).toBeUndefined();
    const status = (payload.status as { status_list: { idx: number; uri: string } }).status_list;
    expect(status.uri.startsWith(`${service.config.baseUrl}/status/`)).toBe(true);
    expect(Number.isInteger(status.idx)).toBe(true);

    const result = await verifierFor().verifyCredential(sdJwt);
    expect(result.verified, JSON.stringify(result)).toBe(true);
    if (!result.verified || result.format !== 'dc+sd-jwt') throw new Error('not a verified SD-JWT VC');
    expect(result.issuer).toBe(service.did);
    expect(result.vct).toBe('NationalIdCredential');
    expect(result.checks).toContain('status');
    expect(result.claims).toMatchObject({ ...CLAIMS, age_over_18: true });
    expect(result.holderKey?.jwk).toEqual(holder.publicJwk);
    expect(result.undisclosed).toBeGreaterThan(0); // decoys

    // Logged under the offer's record key, as dc+sd-jwt.
    const logged = (await service.context.issuer.log({ type: 'NationalIdCredential' })).find((r) => r.recordKey === 'tt-nid-sd-1');
    expect(logged?.format).toBe('dc+sd-jwt');
    expect(service.logs.join('')).toMatch(/"event":"oid4vci\.credential\.issued"[^\n]*"format":"dc\+sd-jwt"/);
  });

  it('binds the key of a proof with a jwk header (ES256, P-256) as cnf.jwk', async () => {
    const { kty, crv, x, y } = p256.publicJwk as { kty: string; crv: string; x: string; y: string };
    const sdJwt = await issuedSdJwt(await issue((n) => proof(n, p256, { jwk: { kty, crv, x, y } })));
    const { payload } = partsOf(sdJwt);
    expect(payload.cnf).toEqual({ jwk: { kty, crv, x, y } });
    const result = await verifierFor().verifyCredential(sdJwt);
    expect(result.verified, JSON.stringify(result)).toBe(true);
  });

  it('refuses jwk proofs that hold a private key, name a kid too, mismatch their alg, or are signed by another key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; d?: string };
    const priv = privateKey.export({ format: 'jwk' }) as { d: string };
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const cases: Array<[string, Record<string, unknown>]> = [
      ['private member d', { alg: 'EdDSA', jwk: { ...jwk, d: priv.d } }],
      ['kid beside jwk', { alg: 'EdDSA', jwk, kid: holder.verificationMethod }],
      ['alg ES256 with an Ed25519 jwk', { alg: 'ES256', jwk }],
      ['an x5c header', { alg: 'EdDSA', jwk, x5c: ['AAAA'] }],
      ['a short coordinate', { alg: 'EdDSA', jwk: { ...jwk, x: 'AAAA' } }],
      ['alg none', { alg: 'none', jwk }],
      // Signed by this key, but the header names another one.
      ['another key in the jwk', { alg: 'EdDSA', jwk: other }],
    ];
    for (const [what, header] of cases) {
      const res = await issue(async (n) => rawProof(n, header, privateKey));
      expect(res.status, what).toBe(400);
      expect(await oauthError(res), what).toBe('invalid_proof');
    }
    // A jwk proof is for key-bound credentials: the jwt_vc_json configuration binds a DID and refuses it.
    const offer = await post(
      `${service.base}/offers`,
      { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Asha' } },
      service.adminKey,
    );
    const vcOffer = (await offer.json()) as OfferResponse;
    const res = await requestCredential(await accessToken(vcOffer), await proof(await nonce(), holder, { jwk }), 'NationalIdCredential');
    expect(res.status).toBe(400);
    expect(await oauthError(res)).toBe('invalid_proof');
  });

  it('a proof signed with a raw key in its jwk header (no DID at all) gets a credential bound to that key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
    const res = await issue(async (n) => rawProof(n, { alg: 'EdDSA', jwk }, privateKey));
    const { payload } = partsOf(await issuedSdJwt(res));
    expect(payload.cnf).toEqual({ jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } });
  });

  it('two concurrent credential requests with one token issue one SD-JWT VC', async () => {
    const offer = await createOffer({ recordKey: 'tt-nid-sd-race' });
    const token = await accessToken(offer);
    const [a, b] = await Promise.all([nonce(), nonce()]);
    const results = await Promise.all([
      requestCredential(token, await proof(a as string, holder)),
      requestCredential(token, await proof(b as string, holder)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const refused = results.find((r) => r.status === 400) as Response;
    expect(await oauthError(refused)).toBe('credential_request_denied');
    const logged = (await service.context.issuer.log({ type: 'NationalIdCredential' })).filter((r) => r.recordKey === 'tt-nid-sd-race');
    expect(logged).toHaveLength(1);
  });

  it('revocation through POST /credentials/status turns the verifier result REVOKED, read from the published token', async () => {
    const sdJwt = await issuedSdJwt(await issue((n) => proof(n, holder), { recordKey: 'tt-nid-sd-revoke' }));
    expect((await verifierFor().verifyCredential(sdJwt)).verified).toBe(true);
    const logged = (await service.context.issuer.log({ type: 'NationalIdCredential' })).find((r) => r.recordKey === 'tt-nid-sd-revoke');
    expect(logged).toBeDefined();
    const res = await post(
      `${service.base}/credentials/status`,
      {
        credentialId: logged?.credentialId,
        credentialStatus: { type: 'TokenStatusList', statusPurpose: 'revocation' },
        status: true,
      },
      service.adminKey,
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ changed: true });
    const after = await verifierFor().verifyCredential(sdJwt);
    expect(after.verified).toBe(false);
    if (after.verified) throw new Error('verified after revocation');
    expect(after.errors.map((e) => e.code)).toContain('REVOKED');
  });
});

describe("the wallet's acceptOffer against the service", () => {
  it('stores the SD-JWT VC (verified, status read from the service) and presents only nationality, which the verifier accepts', async () => {
    const offer = await createOffer({ recordKey: 'tt-nid-sd-wallet' });
    const received = await wallet.acceptOffer(offer.credentialOfferUri, { allowInsecureHttp: true, holderDid: p256.did });
    expect(received.added).toBe(true);
    expect(received.warnings).toEqual([]);
    expect(received.credential.format).toBe('dc+sd-jwt');
    expect(received.credential.vct).toBe('NationalIdCredential');
    expect(received.credential.issuer).toBe(service.did);
    const stored = await wallet.get(received.credential.id);
    const { payload, last } = partsOf(stored.raw);
    expect(last).toBe('');
    expect(payload.cnf).toEqual({ jwk: p256.publicJwk });
    const disclosable = (await wallet.disclosableClaims(received.credential.id)).map((c) => c.path);
    expect(disclosable).toEqual(
      expect.arrayContaining(['/given_name', '/family_name', '/birthdate', '/age_over_18', '/nationality', '/address/locality']),
    );

    const presented = await wallet.presentSdJwt({
      credential: received.credential.id,
      disclose: ['nationality'],
      nonce: 'bank-nonce-1',
      audience: 'https://bank.example.bb',
    });
    const result = await verifierFor().verifyPresentation(presented.presentation, {
      nonce: 'bank-nonce-1',
      audience: 'https://bank.example.bb',
    });
    expect(result.verified, JSON.stringify(result)).toBe(true);
    if (!result.verified || result.format !== 'dc+sd-jwt') throw new Error('not a verified SD-JWT presentation');
    const [credential] = result.credentials;
    expect(credential.disclosed.map((d) => d.path)).toEqual(['/nationality']);
    expect(credential.claims.nationality).toBe('TT');
    expect(credential.claims.given_name).toBeUndefined();
    expect(credential.claims.birthdate).toBeUndefined();
    expect(credential.checks).toContain('status');
    // Replayed elsewhere: another nonce.
    const replay = await verifierFor().verifyPresentation(presented.presentation, { nonce: 'other', audience: 'https://bank.example.bb' });
    expect(replay.verified).toBe(false);
    if (!replay.verified) expect(replay.errors.map((e) => e.code)).toContain('NONCE_MISMATCH');

    // The offer is used; the service logged the credential under its record key.
    expect((await fetch(`${service.base}/offers/${offer.offerId}`)).status).toBe(404);
    const logged = (await service.context.issuer.log({ type: 'NationalIdCredential' })).find((r) => r.recordKey === 'tt-nid-sd-wallet');
    expect(logged?.format).toBe('dc+sd-jwt');
  });
});

describe('SD-JWT VC with holderBinding kid', () => {
  let kidService: TestService;
  beforeAll(async () => {
    kidService = await startTestService({
      oid4vci: {
        credentialConfigurations: {
          [SD_JWT]: {
            format: 'dc+sd-jwt',
            type: 'NationalIdCredential',
            vct: 'urn:tt:nid:1',
            holderBinding: 'kid',
            disclose: ['/given_name', '/nationality', '/age_over_18'],
            status: [],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await kidService?.stop();
  });

  it('binds the proof DID URL as cnf.kid, with the configured vct and no status; a jwk proof names no DID and is refused', async () => {
    const metadata = (await (await fetch(`${kidService.base}/.well-known/openid-credential-issuer`)).json()) as {
      credential_configurations_supported: Record<string, Record<string, unknown>>;
    };
    expect(metadata.credential_configurations_supported[SD_JWT]).toMatchObject({
      vct: 'urn:tt:nid:1',
      cryptographic_binding_methods_supported: ['did:key', 'did:jwk'],
    });
    const sdJwt = await issuedSdJwt(await issue((n) => proof(n, p256, {}, kidService), {}, kidService));
    const { payload } = partsOf(sdJwt);
    expect(payload.cnf).toEqual({ kid: p256.verificationMethod });
    expect(payload.vct).toBe('urn:tt:nid:1');
    expect(payload.status).toBeUndefined();
    // The configuration's disclose: only those three are disclosures; the rest is signed in plain text.
    const disclosed = partsOf(sdJwt).disclosures.map((d) => (JSON.parse(Buffer.from(d, 'base64url').toString()) as unknown[])[1]);
    expect(disclosed.sort()).toEqual(['age_over_18', 'given_name', 'nationality']);
    expect(payload.family_name).toBe('Ramdial');
    expect(payload.birthdate).toBe('1991-04-12');
    const result = await verifierFor(kidService).verifyCredential(sdJwt);
    expect(result.verified, JSON.stringify(result)).toBe(true);

    // An offer without a claim the configuration discloses is refused when it is made.
    const missing = await post(
      `${kidService.base}/offers`,
      { credentialConfigurationId: SD_JWT, claims: { given_name: 'Asha', birthdate: '1991-04-12' } },
      kidService.adminKey,
    );
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      errors: [{ code: 'INVALID_ARGUMENT', path: '/claims', message: expect.stringContaining('/nationality') }],
    });

    const jwk = holder.publicJwk as Record<string, unknown>;
    const refused = await issue((n) => proof(n, holder, { jwk }, kidService), {}, kidService);
    expect(refused.status).toBe(400);
    expect(await oauthError(refused)).toBe('invalid_proof');
  });
});
