import { createHmac, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKey, type TestKey } from '../../../packages/verifier/test/helpers/producers.js';
import { post, startTestService, type TestService } from './helpers.js';

// The OpenID4VCI endpoints under attack: codes, transaction codes, tokens, nonces and
// proofs that are forged, replayed, raced or malformed.

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
let service: TestService;
let holder: TestKey;
beforeAll(async () => {
  service = await startTestService();
  holder = didKey();
});
afterAll(async () => {
  await service?.stop();
});

interface Offer {
  offerId: string;
  credentialOffer: { grants: Record<string, { 'pre-authorized_code': string }> };
  txCode?: string;
}

async function createOffer(body: Record<string, unknown> = {}): Promise<Offer> {
  const res = await post(
    `${service.base}/offers`,
    { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Nkechi-Attack', familyName: 'Obi' }, ...body },
    service.adminKey,
  );
  expect(res.status).toBe(201);
  return (await res.json()) as Offer;
}
const codeOf = (offer: Offer) => offer.credentialOffer.grants[PRE_AUTH]?.['pre-authorized_code'] as string;

function token(code: string, txCode?: string): Promise<Response> {
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
async function accessToken(offer: Offer): Promise<string> {
  const res = await token(codeOf(offer), offer.txCode);
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}
async function nonce(): Promise<string> {
  return ((await (await fetch(`${service.base}/nonce`, { method: 'POST' })).json()) as { c_nonce: string }).c_nonce;
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A proof JWT by hand: Ed25519 over the holder's key unless the header says otherwise. */
function proof(n: string, header: Record<string, unknown> = {}, payload: Record<string, unknown> = {}): string {
  const h = b64({ alg: 'EdDSA', typ: 'openid4vci-proof+jwt', kid: holder.kid, ...header });
  const p = b64({ aud: service.config.baseUrl, iat: Math.floor(Date.now() / 1000), nonce: n, ...payload });
  return `${h}.${p}.${sign(null, Buffer.from(`${h}.${p}`), holder.privateKey).toString('base64url')}`;
}

function credential(accessTokenValue: string, body: unknown, scheme = 'Bearer'): Promise<Response> {
  return fetch(`${service.base}/credential`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `${scheme} ${accessTokenValue}` },
    body: JSON.stringify(body),
  });
}
const request = (jwt: string, id = 'NationalIdCredential') => ({ credential_configuration_id: id, proofs: { jwt: [jwt] } });
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('proofs built to be accepted', () => {
  it('refuses alg confusion, an unsigned or resigned proof, bad encodings, an oversized proof and a did:web key, keeping token and nonce usable', async () => {
    const t = await accessToken(await createOffer());
    const n = await nonce();
    const good = proof(n);
    const [h, p] = good.split('.') as [string, string, string];
    // HS256 with the holder's public key as the HMAC secret.
    const hh = b64({ alg: 'HS256', typ: 'openid4vci-proof+jwt', kid: holder.kid });
    const hmac = createHmac('sha256', Buffer.from(holder.publicJwk.x as string, 'base64url'))
      .update(`${hh}.${p}`)
      .digest('base64url');
    const forged: Array<[string, unknown]> = [
      ['HS256 with the public key', `${hh}.${p}.${hmac}`],
      ['alg none', `${b64({ alg: 'none', typ: 'openid4vci-proof+jwt', kid: holder.kid })}.${p}.`],
      [
        'a signature of other bytes',
        `${h}.${b64({ aud: service.config.baseUrl, iat: Math.floor(Date.now() / 1000), nonce: n, x: 1 })}.${good.split('.')[2]}`,
      ],
      ['padding in base64url', `${h}.${p}.${good.split('.')[2]}==`],
      ['standard base64', `${h}.${p}.${Buffer.from(good.split('.')[2] as string, 'base64url').toString('base64')}`],
      ['not base64 at all', `${h}.${p}.!!!`],
      ['oversized', proof(n, {}, { pad: 'x'.repeat(20_000) })],
      ['a did:web kid (never fetched)', proof(n, { kid: 'did:web:127.0.0.1%3A1:attacker#key-1' })],
      ['a jwk header contradicting kid', proof(n, { jwk: didKey().publicJwk })],
      ['an unencoded payload (b64: false)', proof(n, { b64: false, crit: ['b64'] })],
      ['a crit header it does not understand', proof(n, { crit: ['urn:example:must-understand'], 'urn:example:must-understand': true })],
      ['another audience', proof(n, {}, { aud: 'https://issuer.example' })],
      ['two audiences', proof(n, {}, { aud: [service.config.baseUrl, 'https://issuer.example'] })],
      ['a nonce that is not a string', proof(n, {}, { nonce: [n] })],
      ['four segments', `${good}.x`],
      ['not a string', { jwt: good }],
    ];
    for (const [name, jwt] of forged) {
      const res = await credential(t, { credential_configuration_id: 'NationalIdCredential', proofs: { jwt: [jwt] } });
      expect(res.status, name).toBe(400);
      expect(['invalid_proof', 'invalid_nonce'], name).toContain(await errorOf(res));
    }
    for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await credential(t, request(good, id));
      expect(await errorOf(res), id).toBe('unknown_credential_configuration');
    }
    // None of it spent the nonce or the token.
    const ok = await credential(t, request(good));
    expect(ok.status, await ok.clone().text()).toBe(200);
  });

  it('accepts a proof once: replayed with the same token, with another token, or in parallel, it issues one credential', async () => {
    const [a, b] = [await accessToken(await createOffer()), await accessToken(await createOffer())];
    const jwt = proof(await nonce());
    const answers = await Promise.all([credential(a, request(jwt)), credential(b, request(jwt)), credential(a, request(jwt))]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    for (const r of answers.filter((x) => x.status === 400))
      expect(['invalid_nonce', 'credential_request_denied']).toContain(await errorOf(r));
  });

  it('takes the token from the Authorization header only', async () => {
    const t = await accessToken(await createOffer());
    const jwt = proof(await nonce());
    const inQuery = await fetch(`${service.base}/credential?access_token=${t}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request(jwt)),
    });
    expect(inQuery.status).toBe(401);
    expect((await credential(t, { ...request(jwt), access_token: t }, 'Basic')).status).toBe(401);
    expect((await credential(`${t}x`, request(jwt))).status).toBe(401);
    expect((await credential(t, request(jwt), 'DPoP')).status).toBe(401);
  });
});

describe('codes', () => {
  it('counts every wrong transaction code of a parallel guess: the offer locks after 5, and the right code then fails too', async () => {
    const offer = await createOffer({ txCode: { length: 4 } });
    const wrong = Array.from({ length: 40 }, (_, i) => String(i).padStart(4, '0')).filter((c) => c !== offer.txCode);
    const answers = await Promise.all(wrong.map((c) => token(codeOf(offer), c)));
    expect(answers.every((r) => r.status === 400)).toBe(true);
    const right = await token(codeOf(offer), offer.txCode);
    expect(right.status).toBe(400);
    expect(await errorOf(right)).toBe('invalid_grant');
    const row = await service.context.state.get<{ tx_code_attempts: number; code_used_at: number | null }>(
      'SELECT tx_code_attempts, code_used_at FROM oid4vci_offer WHERE code_used_at IS NULL AND tx_code_attempts > 0',
    );
    expect(row?.tx_code_attempts).toBe(5);
  });

  it('answers a guessed offer id or code like an unknown one, and never serves an offer by anything but its id', async () => {
    for (const id of ['A'.repeat(43), '..%2f..%2fstate.db', '%00', 'x'.repeat(5000)]) {
      const res = await fetch(`${service.base}/offers/${id}`);
      expect(res.status, id.slice(0, 10)).toBe(404);
    }
    for (const code of ['A'.repeat(43), "' OR 1=1 --", '*']) {
      const res = await token(code);
      expect(await errorOf(res)).toBe('invalid_grant');
    }
  });

  it('logs none of the codes, transaction codes, tokens, nonces, proofs or claims, refused or accepted', async () => {
    const logs = service.logs.join('');
    expect(logs).toContain('oid4vci.token.refused');
    expect(logs).toContain('oid4vci.credential.refused');
    const offer = await createOffer({ txCode: true });
    await token(codeOf(offer), '000000x');
    const t = await accessToken(offer);
    const n = await nonce();
    await credential(t, request(proof(n, {}, { aud: 'x' })));
    await credential(t, request(proof(n)));
    const all = service.logs.join('');
    for (const secret of [
      offer.offerId,
      codeOf(offer),
      offer.txCode as string,
      t,
      n,
      'Nkechi-Attack',
      service.adminKey,
      service.config.secret,
    ])
      expect(all).not.toContain(secret);
  });
});
