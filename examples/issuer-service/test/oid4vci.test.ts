import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlEncode, TradewindError } from '@tradewind/core';
import { type HolderDid, type OfferError, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startTestService, TEST_KDF, type TestService } from './helpers.js';

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

let service: TestService;
let wallet: Wallet;
let walletDir: string;
let holder: HolderDid;
let other: HolderDid;
let third: HolderDid;

beforeAll(async () => {
  service = await startTestService();
  walletDir = await mkdtemp(join(tmpdir(), 'tw-oid4vci-wallet-'));
  wallet = await openWallet({ path: join(walletDir, 'wallet.db'), secret: 'wallet secret', kdf: TEST_KDF });
  holder = await wallet.createDid();
  other = await wallet.createDid({ method: 'jwk', keyType: 'P-256' });
  third = await wallet.createDid();
});
afterAll(async () => {
  await wallet?.close();
  await service?.stop();
  if (walletDir) await rm(walletDir, { recursive: true, force: true });
});

interface OfferResponse {
  offerId: string;
  credentialOffer: {
    credential_issuer: string;
    credential_configuration_ids: string[];
    grants: Record<string, { 'pre-authorized_code': string; tx_code?: { length: number; input_mode: string } }>;
  };
  credentialOfferUri: string;
  qr: { png: string; terminal: string };
  txCode?: string;
  expiresAt: string;
}

async function createOffer(body: Record<string, unknown> = {}): Promise<OfferResponse> {
  const res = await post(
    `${service.base}/offers`,
    { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Asha', familyName: 'Mohan' }, ...body },
    service.adminKey,
  );
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as OfferResponse;
}

const codeOf = (offer: OfferResponse) => offer.credentialOffer.grants[PRE_AUTH]?.['pre-authorized_code'] as string;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function requestToken(code: string, txCode?: string): Promise<Response> {
  const form = new URLSearchParams({
    grant_type: PRE_AUTH,
    'pre-authorized_code': code,
    ...(txCode === undefined ? {} : { tx_code: txCode }),
  });
  return fetch(`${service.base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
}

async function accessToken(offer: OfferResponse): Promise<string> {
  const res = await requestToken(codeOf(offer), offer.txCode);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
  expect(body.token_type).toBe('Bearer');
  return body.access_token;
}

async function nonce(): Promise<string> {
  const res = await fetch(`${service.base}/nonce`, { method: 'POST' });
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return ((await res.json()) as { c_nonce: string }).c_nonce;
}

/** A proof JWT signed by `signer` (default the holder) with the given header and claim changes. */
async function proof(
  c_nonce: string,
  change: { header?: Record<string, unknown>; payload?: Record<string, unknown>; signer?: HolderDid } = {},
): Promise<string> {
  const header = { alg: holder.alg, typ: 'openid4vci-proof+jwt', kid: holder.verificationMethod, ...change.header };
  const payload = { aud: service.config.baseUrl, iat: Math.floor(Date.now() / 1000), nonce: c_nonce, ...change.payload };
  return wallet.agent.signJwt(header, payload, (change.signer ?? holder).keyId);
}

function requestCredential(token: string | undefined, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${service.base}/credential`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

const credentialRequest = (jwt: string, id = 'NationalIdCredential') => ({ credential_configuration_id: id, proofs: { jwt: [jwt] } });

async function oauthError(res: Response): Promise<string> {
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { error: string; error_description: string };
  expect(typeof body.error_description).toBe('string');
  return body.error;
}

/** What a failing promise rejected with. */
async function failure<T>(p: Promise<T>): Promise<OfferError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return e as OfferError;
}

describe('OpenID4VCI metadata', () => {
  it('publishes credential issuer metadata (OpenID4VCI 1.0 §12.2) and authorization server metadata (RFC 8414)', async () => {
    const res = await fetch(`${service.base}/.well-known/openid-credential-issuer`);
    expect(res.status).toBe(200);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata.credential_issuer).toBe(service.config.baseUrl);
    expect(metadata.credential_endpoint).toBe(`${service.config.baseUrl}/credential`);
    expect(metadata.nonce_endpoint).toBe(`${service.config.baseUrl}/nonce`);
    const configuration = (metadata.credential_configurations_supported as Record<string, Record<string, unknown>>).NationalIdCredential;
    expect(configuration).toMatchObject({
      format: 'jwt_vc_json',
      cryptographic_binding_methods_supported: ['did:key', 'did:jwk'],
      credential_signing_alg_values_supported: ['EdDSA', 'ES256'],
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA', 'ES256'] } },
      credential_definition: { type: ['VerifiableCredential', 'NationalIdCredential'] },
    });
    const as = (await (await fetch(`${service.base}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as.issuer).toBe(service.config.baseUrl);
    expect(as.token_endpoint).toBe(`${service.config.baseUrl}/token`);
    expect(as.grant_types_supported).toEqual([PRE_AUTH]);
    expect(as['pre-authorized_grant_anonymous_access_supported']).toBe(true);
  });
});

describe('OpenID4VCI pre-authorized code flow, service and wallet over 127.0.0.1', () => {
  it('issues a credential bound to the holder DID, which the wallet verifies (status included) and stores', async () => {
    const offer = await createOffer({ recordKey: 'registry-record-1' });
    expect(offer.credentialOfferUri).toBe(
      `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${service.config.baseUrl}/offers/${offer.offerId}`)}`,
    );
    expect(offer.qr.png.startsWith('data:image/png;base64,')).toBe(true);
    expect(offer.qr.terminal.length).toBeGreaterThan(100);
    expect(offer.txCode).toBeUndefined();
    const received = await wallet.acceptOffer(offer.credentialOfferUri, { allowInsecureHttp: true });
    expect(received.added).toBe(true);
    expect(received.warnings).toEqual([]);
    expect(received.credential.subject).toBe(holder.did);
    expect(received.credential.issuer).toBe(service.did);
    expect(received.credential.format).toBe('jwt_vc');
    expect(received.credential.types).toEqual(['VerifiableCredential', 'NationalIdCredential']);
    expect(received.credential.status.map((s) => s.statusPurpose).sort()).toEqual(['revocation', 'suspension']);
    const stored = await wallet.get(received.credential.id);
    expect(stored.raw).toBe(received.credential.raw);
    const payload = JSON.parse(Buffer.from(stored.raw.split('.')[1] as string, 'base64url').toString()) as {
      sub: string;
      vc: { credentialSubject: Record<string, unknown> };
    };
    expect(payload.sub).toBe(holder.did);
    expect(payload.vc.credentialSubject).toEqual({ id: holder.did, givenName: 'Asha', familyName: 'Mohan' });
    // The service recorded it under the offer's record key, and it verifies at the service too.
    const logged = await service.context.issuer.getIssued(stored.credentialId as string);
    expect(logged.recordKey).toBe('registry-record-1');
    // Used: the offer is no longer served, and its code gives no second token.
    expect((await fetch(`${service.base}/offers/${offer.offerId}`)).status).toBe(404);
    const again = await requestToken(codeOf(offer));
    expect(again.status).toBe(400);
    expect(await oauthError(again)).toBe('invalid_grant');
  });

  it('takes an offer by value, and a credential document instead of claims, bound to a did:jwk P-256 holder', async () => {
    const offer = await createOffer({
      claims: undefined,
      credential: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'NationalIdCredential'],
        expirationDate: '2036-01-01T00:00:00Z',
        credentialSubject: { givenName: 'Ravi', birthDate: '1990-04-02' },
      },
    });
    const byValue = `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(offer.credentialOffer))}`;
    const received = await wallet.acceptOffer(byValue, { allowInsecureHttp: true, holderDid: other.did });
    expect(received.credential.subject).toBe(other.did);
    expect(received.credential.validUntil?.toISOString()).toBe('2036-01-01T00:00:00.000Z');
  });

  it('answers two concurrent token requests with one code with exactly one token', async () => {
    const offer = await createOffer();
    const results = await Promise.all([requestToken(codeOf(offer)), requestToken(codeOf(offer)), requestToken(codeOf(offer))]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400]);
    for (const r of results.filter((x) => x.status === 400)) expect(await oauthError(r)).toBe('invalid_grant');
  });

  it('refuses an expired pre-authorized code, and the offer is no longer served', async () => {
    const offer = await createOffer();
    await service.context.state.run('UPDATE oid4vci_offer SET expires_at = ? WHERE id_hash = ?', [Date.now() - 1, sha256(offer.offerId)]);
    const res = await requestToken(codeOf(offer));
    expect(res.status).toBe(400);
    expect(await oauthError(res)).toBe('invalid_grant');
    expect((await fetch(`${service.base}/offers/${offer.offerId}`)).status).toBe(404);
    const e = await failure(wallet.acceptOffer(offer.credentialOfferUri, { allowInsecureHttp: true }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.step).toBe('offer');
  });

  it('stops reading a token request past 4 KiB, also without a Content-Length', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 16 * 1024 * 1024) return controller.close();
        sent += 1024;
        controller.enqueue(new TextEncoder().encode('a'.repeat(1024)));
      },
    });
    const res = await fetch(`${service.base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await oauthError(res)).toBe('invalid_request');
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses unknown codes and other grant types', async () => {
    const unknown = await requestToken('not-a-code');
    expect(await oauthError(unknown)).toBe('invalid_grant');
    const grant = await fetch(`${service.base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=x',
    });
    expect(grant.status).toBe(400);
    expect(await oauthError(grant)).toBe('unsupported_grant_type');
    const json = await post(`${service.base}/token`, { grant_type: PRE_AUTH });
    expect(await oauthError(json)).toBe('invalid_request');
  });
});

describe('transaction codes', () => {
  it('gives a numeric code once, stores it hashed, and the offer says so', async () => {
    const offer = await createOffer({ txCode: true });
    expect(offer.txCode).toMatch(/^[0-9]{6}$/);
    expect(offer.credentialOffer.grants[PRE_AUTH]?.tx_code).toMatchObject({ length: 6, input_mode: 'numeric' });
    const served = (await (await fetch(`${service.base}/offers/${offer.offerId}`)).json()) as OfferResponse['credentialOffer'];
    expect(served).toEqual(offer.credentialOffer);
    const row = await service.context.state.get<{ tx_code_hash: string }>('SELECT tx_code_hash FROM oid4vci_offer WHERE id_hash = ?', [
      sha256(offer.offerId),
    ]);
    expect(row?.tx_code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.tx_code_hash).not.toContain(offer.txCode);
    const text = await createOffer({ txCode: { length: 8, inputMode: 'text' } });
    expect(text.txCode).toMatch(/^[A-Z2-9]{8}$/);
  });

  it('refuses a missing or wrong code, and locks the offer after 5 wrong ones', async () => {
    const offer = await createOffer({ txCode: true });
    const wrong = offer.txCode === '000000' ? '111111' : '000000';
    const missing = await requestToken(codeOf(offer));
    expect(await oauthError(missing)).toBe('invalid_request');
    for (let i = 0; i < 5; i++) {
      const res = await requestToken(codeOf(offer), wrong);
      expect(res.status).toBe(400);
      expect(await oauthError(res)).toBe('invalid_grant');
    }
    const locked = await requestToken(codeOf(offer), offer.txCode);
    expect(locked.status).toBe(400);
    expect(await oauthError(locked)).toBe('invalid_grant');
  });

  it('the wallet needs the code, reports a wrong one as refused, and succeeds with the right one', async () => {
    const offer = await createOffer({ txCode: true });
    const none = await failure(wallet.acceptOffer(offer.credentialOfferUri, { allowInsecureHttp: true }));
    expect(none.code).toBe('INVALID_ARGUMENT');
    const wrong = await failure(
      wallet.acceptOffer(offer.credentialOfferUri, { allowInsecureHttp: true, txCode: offer.txCode === '000000' ? '111111' : '000000' }),
    );
    expect(wrong.code).toBe('REFUSED');
    expect(wrong.step).toBe('token');
    expect(wrong.oauthError).toBe('invalid_grant');
    const ok = await wallet.acceptOffer(offer.credentialOfferUri, { allowInsecureHttp: true, txCode: offer.txCode as string });
    expect(ok.credential.subject).toBe(holder.did);
  });

  it('refuses a tx_code for an offer that has none', async () => {
    const offer = await createOffer();
    expect(await oauthError(await requestToken(codeOf(offer), '123456'))).toBe('invalid_request');
  });
});

describe('access tokens', () => {
  it('answers a request without a token or with an unknown or expired one with 401 invalid_token and WWW-Authenticate', async () => {
    const body = credentialRequest(await proof(await nonce()));
    const none = await requestCredential(undefined, body);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer realm="${service.config.baseUrl}"`);
    expect(await oauthError(none)).toBe('invalid_token');
    const unknown = await requestCredential('bm90LWEtdG9rZW4', body);
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await oauthError(unknown)).toBe('invalid_token');

    const offer = await createOffer();
    const token = await accessToken(offer);
    await service.context.state.run('UPDATE oid4vci_token SET expires_at = ? WHERE token_hash = ?', [Date.now() - 1, sha256(token)]);
    const expired = await requestCredential(token, body);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await oauthError(expired)).toBe('invalid_token');
  });
});

describe('the credential endpoint', () => {
  let token: string;
  beforeAll(async () => {
    token = await accessToken(await createOffer());
  });

  async function refusal(jwt: string | Record<string, unknown>): Promise<string> {
    const res = await requestCredential(token, typeof jwt === 'string' ? credentialRequest(jwt) : jwt);
    expect(res.status).toBe(400);
    return oauthError(res);
  }

  it('refuses proofs that break the rules, keeping the token and nonce usable, and a replayed proof (invalid_nonce)', async () => {
    const n = await nonce();
    expect(await refusal(await proof(n, { payload: { aud: 'https://other.example' } }))).toBe('invalid_proof');
    expect(await refusal(await proof(n, { header: { typ: 'JWT' } }))).toBe('invalid_proof');
    const h = base64urlEncode(JSON.stringify({ alg: 'none', typ: 'openid4vci-proof+jwt', kid: holder.verificationMethod }));
    const p = base64urlEncode(JSON.stringify({ aud: service.config.baseUrl, iat: Math.floor(Date.now() / 1000), nonce: n }));
    expect(await refusal(`${h}.${p}.`)).toBe('invalid_proof');
    expect(await refusal(await proof(n, { payload: { iat: Math.floor(Date.now() / 1000) - 3600 } }))).toBe('invalid_proof');
    expect(await refusal(await proof(n, { payload: { iat: undefined } }))).toBe('invalid_proof');
    // kid names the holder's DID but another key; and a proof signed by another key than kid names.
    expect(await refusal(await proof(n, { header: { kid: `${holder.did}#not-a-key` } }))).toBe('invalid_proof');
    expect(await refusal(await proof(n, { signer: third }))).toBe('invalid_proof');
    // A P-256 signature (ES256) under the kid of the holder's Ed25519 key.
    expect(await refusal(await proof(n, { signer: other, header: { alg: 'ES256' } }))).toBe('invalid_proof');
    expect(await refusal(await proof(n, { header: { jwk: other.publicJwk } }))).toBe('invalid_proof');
    expect(await refusal(await proof(n, { header: { kid: 'did:web:example.com#key-1' } }))).toBe('invalid_proof');
    expect(await refusal(await proof(n, { payload: { nonce: 'not-a-nonce' } }))).toBe('invalid_nonce');
    expect(await refusal(await proof(n, { payload: { nonce: undefined } }))).toBe('invalid_nonce');
    expect(await refusal({ credential_configuration_id: 'NationalIdCredential', proof: { proof_type: 'jwt', jwt: await proof(n) } })).toBe(
      'invalid_credential_request',
    );
    expect(await refusal({ credential_configuration_id: 'NationalIdCredential' })).toBe('invalid_proof');
    expect(await refusal({ credential_configuration_id: 'NationalIdCredential', proofs: { jwt: [await proof(n), await proof(n)] } })).toBe(
      'invalid_proof',
    );
    expect(await refusal(credentialRequest(await proof(n), 'PassportCredential'))).toBe('unknown_credential_configuration');
    expect(await refusal({ proofs: { jwt: [await proof(n)] } })).toBe('invalid_credential_request');

    // None of that spent the nonce or the token: a good proof now gets the credential.
    const good = await proof(n);
    const ok = await requestCredential(token, credentialRequest(good));
    expect(ok.status, await ok.clone().text()).toBe(200);
    const { credentials } = (await ok.json()) as { credentials: Array<{ credential: string }> };
    expect(credentials).toHaveLength(1);

    // The same proof again: its nonce is spent.
    expect(await refusal(good)).toBe('invalid_nonce');
    // A fresh proof with the same token: the offer's credential was issued already.
    expect(await refusal(await proof(await nonce()))).toBe('credential_request_denied');
  });

  it('answers two concurrent credential requests with one token with exactly one credential', async () => {
    const t = await accessToken(await createOffer());
    const results = await Promise.all([
      requestCredential(t, credentialRequest(await proof(await nonce()))),
      requestCredential(t, credentialRequest(await proof(await nonce()))),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(await oauthError(results.find((r) => r.status === 400) as Response)).toBe('credential_request_denied');
  });

  it('refuses an expired nonce', async () => {
    const t = await accessToken(await createOffer());
    const n = await nonce();
    await service.context.state.run('UPDATE oid4vci_nonce SET expires_at = ? WHERE nonce_hash = ?', [Date.now() - 1, sha256(n)]);
    const res = await requestCredential(t, credentialRequest(await proof(n)));
    expect(await oauthError(res)).toBe('invalid_nonce');
  });

  it('refuses a request body that is not JSON', async () => {
    const res = await fetch(`${service.base}/credential`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` },
      body: 'hello',
    });
    expect(res.status).toBe(400);
    expect(await oauthError(res)).toBe('invalid_credential_request');
  });
});

describe('admin offers', () => {
  async function offerError(
    body: unknown,
    key: string | null = service.adminKey,
  ): Promise<{ status: number; errors: Array<{ code: string; path?: string }> }> {
    const res = await post(`${service.base}/offers`, body, key ?? undefined);
    return { status: res.status, errors: ((await res.json()) as { errors: Array<{ code: string; path?: string }> }).errors };
  }
  const valid = { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Asha' } };

  it('needs an admin key: 401 without one, 403 with a wrong one', async () => {
    expect((await offerError(valid, null)).status).toBe(401);
    expect((await offerError(valid, 'tw_wrong')).status).toBe(403);
  });

  it('refuses bodies that break the schema, naming the member', async () => {
    const cases: Array<[unknown, string]> = [
      [{ claims: { givenName: 'Asha' } }, '/credentialConfigurationId'],
      [{ ...valid, claims: { id: 'did:example:x', givenName: 'Asha' } }, '/claims'],
      [{ ...valid, credential: { type: ['VerifiableCredential'] } }, ''],
      [{ credentialConfigurationId: 'NationalIdCredential' }, ''],
      [{ ...valid, txCode: { length: 2 } }, '/txCode/length'],
      [{ ...valid, txCode: false }, '/txCode'],
      [{ ...valid, expiresInSeconds: 10 }, '/expiresInSeconds'],
      [{ ...valid, recordKey: 'has space' }, '/recordKey'],
      [{ ...valid, extra: 1 }, ''],
      [[valid], ''],
    ];
    for (const [body, path] of cases) {
      const { status, errors } = await offerError(body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(errors[0]?.code).toBe('MALFORMED');
      if (path !== '') expect(errors.map((e) => e.path)).toContain(path);
    }
  });

  it('refuses an unknown configuration and documents that would not be bound to the holder', async () => {
    for (const id of ['PassportCredential', 'constructor', '__proto__', 'toString']) {
      const unknown = await offerError({ ...valid, credentialConfigurationId: id });
      expect(unknown.status, id).toBe(400);
      expect(unknown.errors[0]).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/credentialConfigurationId' });
    }
    const doc = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'NationalIdCredential'],
      credentialSubject: { givenName: 'Asha' },
    };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...doc, credentialSubject: { id: 'did:example:x' } }, '/credential/credentialSubject/id'],
      [{ ...doc, credentialSubject: [{ givenName: 'A' }] }, '/credential/credentialSubject'],
      [{ ...doc, type: ['VerifiableCredential', 'Passport'] }, '/credential/type'],
      [{ ...doc, '@context': ['https://www.w3.org/ns/credentials/v2'] }, '/credential/@context'],
      [{ ...doc, issuer: 'did:example:someone-else' }, '/credential/issuer'],
      [{ ...doc, expirationDate: 'next year' }, '/credential/expirationDate'],
      [{ ...doc, id: 'not a uri' }, '/credential/id'],
    ];
    for (const [credential, path] of cases) {
      const { status, errors } = await offerError({ credentialConfigurationId: 'NationalIdCredential', credential });
      expect(status).toBe(400);
      expect(errors[0]?.path).toBe(path);
    }
  });

  it('refuses a second live offer for the same record key, also when both are asked at once', async () => {
    await createOffer({ recordKey: 'registry-record-dup' });
    const again = await offerError({ ...valid, recordKey: 'registry-record-dup' });
    expect(again.status).toBe(409);
    expect(again.errors[0]).toMatchObject({ code: 'ALREADY_EXISTS', path: '/recordKey' });
    const both = await Promise.all(
      [1, 2, 3].map(() => post(`${service.base}/offers`, { ...valid, recordKey: 'registry-record-race' }, service.adminKey)),
    );
    expect(both.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it('logs no code, token, transaction code or claim', async () => {
    const offer = await createOffer({ txCode: true, claims: { givenName: 'Zanele-Unique' } });
    await wallet.acceptOffer(offer.credentialOfferUri, { allowInsecureHttp: true, txCode: offer.txCode as string });
    const logs = service.logs.join('');
    expect(logs).toContain('oid4vci.credential.issued');
    for (const secret of [offer.offerId, codeOf(offer), offer.txCode as string, 'Zanele-Unique']) expect(logs).not.toContain(secret);
  });
});

describe('wallet errors', () => {
  it('refuses http issuers unless allowed, and reports an unreachable issuer', async () => {
    const offer = await createOffer();
    const insecure = await failure(wallet.acceptOffer(offer.credentialOfferUri));
    expect(insecure.code).toBe('MALFORMED');
    const closed = `openid-credential-offer://?credential_offer_uri=${encodeURIComponent('http://127.0.0.1:9/offers/x')}`;
    const unreachable = await failure(wallet.acceptOffer(closed, { allowInsecureHttp: true }));
    expect(unreachable.code).toBe('UNREACHABLE');
    const garbage = await failure(wallet.acceptOffer('openid-credential-offer://?nothing=1', { allowInsecureHttp: true }));
    expect(garbage.code).toBe('MALFORMED');
    expect((await failure(wallet.acceptOffer('', {}))).code).toBe('INVALID_ARGUMENT');
  });

  it('refuses a credential whose issuer is not the did:web of the credential issuer host', async () => {
    // An offer by value that names the service under another host name: its metadata says
    // credential_issuer is the service's URL, which is not the offer's.
    const offer = await createOffer();
    const moved = { ...offer.credentialOffer, credential_issuer: service.config.baseUrl.replace('127.0.0.1', 'localhost') };
    const uri = `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(moved))}`;
    const e = await failure(wallet.acceptOffer(uri, { allowInsecureHttp: true }));
    expect(e.code).toBe('MALFORMED');
    expect(e.step).toBe('metadata');
  });
});

describe('a base URL with a path', () => {
  it('serves the metadata at the path-inserted well-known URIs, and the flow binds the credential to the did:web of the path', async () => {
    const civil = await startTestService({}, '/issuers/civil');
    try {
      expect(civil.did).toMatch(/^did:web:127\.0\.0\.1%3A\d+:issuers:civil$/);
      const origin = new URL(civil.config.baseUrl).origin;
      const metadata = (await (await fetch(`${origin}/.well-known/openid-credential-issuer/issuers/civil`)).json()) as Record<
        string,
        unknown
      >;
      expect(metadata.credential_issuer).toBe(civil.config.baseUrl);
      expect(metadata.credential_endpoint).toBe(`${civil.config.baseUrl}/credential`);
      const as = (await (await fetch(`${origin}/.well-known/oauth-authorization-server/issuers/civil`)).json()) as Record<string, unknown>;
      expect(as.token_endpoint).toBe(`${civil.config.baseUrl}/token`);
      const res = await post(
        `${civil.base}/offers`,
        { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Asha' } },
        civil.adminKey,
      );
      expect(res.status).toBe(201);
      const { credentialOfferUri } = (await res.json()) as OfferResponse;
      const received = await wallet.acceptOffer(credentialOfferUri, { allowInsecureHttp: true });
      expect(received.credential.issuer).toBe(civil.did);
      expect(received.credential.subject).toBe(holder.did);
      expect(received.warnings).toEqual([]);
    } finally {
      await civil.stop();
    }
  });
});
