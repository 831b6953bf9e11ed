// OpenID4VP 1.0 (DCQL, direct_post) between Tradewind's PresentationVerifier, served over
// HTTP on 127.0.0.1, and a wallet written only with independent libraries
// (@openid4vc/openid4vp's Openid4vpClient, dcql, @sd-jwt/sd-jwt-vc): it reads the
// `openid4vp://` request, presents an SD-JWT VC with a key-binding JWT for the request's
// nonce and client_id, and posts the response. Credentials come from the Tradewind issuer
// (real SQLite, real signatures) and from the wallet's own library as an issuer the
// verifier's recognition list names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import type { CredentialNeed } from '@tradewind/openid4vp';
import { createVerifier, parsePolicy } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKey, recognitionListJwt, type TestKey } from '../../packages/verifier/test/helpers/producers.js';
import { NATIONAL_ID, NATIONAL_ID_FRAME, publicJwk } from '../sd-jwt/helpers.js';
import { IndependentWallet, sdJwtVc } from './independent-wallet.js';
import { startVerifierServer, type VerifierServer } from './verifier-server.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const VCT = 'NationalIdCredential';
const NEEDS: CredentialNeed[] = [{ id: 'pid', vct: [VCT], claims: ['given_name', ['address', 'locality']], formats: ['dc+sd-jwt'] }];

let dir: string;
let issuer: Issuer;
let issuerDid: string;
let anchor: TestKey;
let foreignIssuer: TestKey;
let holder: TestKey;
let server: VerifierServer;
let wallet: IndependentWallet;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-oid4vp-interop-'));
  issuer = await openIssuer({ path: join(dir, 'issuer.db'), secret: 'i', kdf, statusListBaseUrl: 'https://registry.gov.tt/status' });
  issuerDid = (await issuer.createDid({ method: 'key', keyType: 'Ed25519' })).did;
  [anchor, foreignIssuer, holder] = [didKey(), didKey('P-256'), didKey('P-256')];
  // The list is in force whenever the test runs: issued yesterday, next update in 30 days.
  const day = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const list = await recognitionListJwt(
    anchor,
    [
      { id: issuerDid, country: 'TT', name: 'Registrar General, Trinidad and Tobago', credentialTypes: [VCT], assuranceLevel: 'high' },
      {
        id: foreignIssuer.did,
        country: 'BB',
        name: 'Barbados Registration Department',
        credentialTypes: [VCT],
        assuranceLevel: 'substantial',
      },
    ],
    { sequence: 2, name: 'CARICOM mutual recognition', nextUpdate: iso(Date.now() + 30 * day) },
    { validFrom: iso(Date.now() - day) },
  );
  const verifier = createVerifier({ policy: parsePolicy({ anchors: [anchor.did] }), recognitionLists: [list] });
  server = await startVerifierServer({ verifier, clientName: 'Barbados Immigration' });

  wallet = new IndependentWallet({ alg: holder.alg, privateKey: holder.privateKey });
  const issued = await issuer.issue({
    format: 'dc+sd-jwt',
    type: VCT,
    credentialSubject: { ...NATIONAL_ID },
    holderKey: publicJwk(holder) as Record<string, string>,
    status: [],
  });
  wallet.hold({ id: 'tt-national-id', sdJwt: issued.jwt });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('OpenID4VP with an independent wallet (Openid4vpClient, dcql, @sd-jwt/sd-jwt-vc)', () => {
  it('reads the request: redirect_uri client, direct_post to the response_uri, the DCQL query and the client metadata', async () => {
    const session = await server.presentations.createRequest({ needs: NEEDS });
    expect(session.uri.startsWith('openid4vp://?')).toBe(true);
    const request = await wallet.resolve(session.uri);
    expect(request.resolved.client).toMatchObject({ prefix: 'redirect_uri', redirectUri: server.responseUri });
    expect(request.payload).toMatchObject({
      response_type: 'vp_token',
      response_mode: 'direct_post',
      client_id: `redirect_uri:${server.responseUri}`,
      response_uri: server.responseUri,
      nonce: session.nonce,
      state: session.id,
    });
    expect(request.payload.client_metadata).toMatchObject({
      client_name: 'Barbados Immigration',
      vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA', 'ES256'], 'kb-jwt_alg_values': ['EdDSA', 'ES256'] } },
    });
    expect(request.resolved.version).toBe(100);
    expect(request.dcql.credentials).toEqual([expect.objectContaining({ id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: [VCT] } })]);
    expect(request.dcql.credentials[0]?.claims?.map((c) => (c as { path: unknown }).path)).toEqual([
      ['given_name'],
      ['address', 'locality'],
    ]);
    // 128 bits or more of randomness, base64url.
    for (const value of [session.nonce, session.id]) expect(value).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  });

  it('accepts the SD-JWT VC the Tradewind issuer issued, presented with only the requested claims', async () => {
    const session = await server.presentations.createRequest({ needs: NEEDS });
    const answer = await wallet.answer(session.uri);
    expect(answer).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(Object.keys(answer.vpToken)).toEqual(['pid']);
    const view = await server.presentations.session(session.id);
    expect(view?.status).toBe('accepted');
    const [credential] = view?.outcome?.credentials ?? [];
    expect(credential).toMatchObject({
      queryId: 'pid',
      need: 'pid',
      format: 'dc+sd-jwt',
      issuer: issuerDid,
      types: [VCT],
      recognition: { source: 'list', country: 'TT', name: 'Registrar General, Trinidad and Tobago', assuranceLevel: 'high' },
      claims: { given_name: 'Asha', address: { locality: 'Port of Spain' } },
    });
    for (const hidden of ['family_name', 'birthdate', 'nationality', 'place_of_birth'])
      expect(credential?.claims).not.toHaveProperty(hidden);
    expect((credential?.claims.address as Record<string, unknown>) ?? {}).not.toHaveProperty('street_address');
    expect(view?.outcome?.errors).toEqual([]);
  });

  it('refuses the same response a second time (REPLAYED), and the first outcome stays', async () => {
    const session = await server.presentations.createRequest({ needs: NEEDS });
    const first = await wallet.answer(session.uri);
    expect(first.status).toBe(200);
    const again = await wallet.submit(first.request, first.vpToken);
    expect(again).toMatchObject({ status: 400, body: { status: 'refused', error: 'invalid_request', code: 'REPLAYED' } });
    expect((await server.presentations.session(session.id))?.status).toBe('accepted');
  });

  it("refuses a presentation replayed into another session (NONCE_MISMATCH): the key binding names the first request's nonce", async () => {
    const first = await server.presentations.createRequest({ needs: NEEDS });
    const second = await server.presentations.createRequest({ needs: NEEDS });
    const request = await wallet.resolve(first.uri);
    const vpToken = await wallet.vpToken(request);
    // An eavesdropper posts what the holder made for the first request as the answer to the second.
    const replayed = await wallet.submit(request, vpToken, second.state);
    expect(replayed).toMatchObject({ status: 400, body: { status: 'refused', code: 'NONCE_MISMATCH' } });
    const view = await server.presentations.session(second.id);
    expect(view?.status).toBe('refused');
    expect(view?.outcome?.errors.map((e) => e.code)).toEqual(['NONCE_MISMATCH']);
    // The first request is still open, and its own answer is accepted.
    expect((await server.presentations.session(first.id))?.status).toBe('pending');
    expect(await wallet.submit(request, vpToken)).toMatchObject({ status: 200, body: { status: 'accepted' } });
  });

  it('refuses a presentation that withholds a requested claim (QUERY_UNSATISFIED)', async () => {
    const session = await server.presentations.createRequest({ needs: NEEDS });
    const answer = await wallet.answer(session.uri, { withhold: [['address', 'locality']] });
    expect(answer).toMatchObject({ status: 400, body: { status: 'refused', code: 'QUERY_UNSATISFIED' } });
    // The presentation itself verifies: what is missing is the claim.
    const shown = (await sdJwtVc({}).getClaims(answer.vpToken.pid?.[0] as string)) as Record<string, unknown>;
    expect(shown).toMatchObject({ given_name: 'Asha' });
    expect(shown).not.toHaveProperty('address');
    expect((await server.presentations.session(session.id))?.status).toBe('refused');
  });

  it('accepts an SD-JWT VC @sd-jwt/sd-jwt-vc issued with a key the recognition list names (ES256 issuer and holder)', async () => {
    const own = new IndependentWallet({ alg: holder.alg, privateKey: holder.privateKey });
    const iat = Math.floor(Date.now() / 1000) - 60;
    const sdJwt = await sdJwtVc({ issuer: { alg: foreignIssuer.alg, privateKey: foreignIssuer.privateKey } }).issue(
      {
        iss: foreignIssuer.did,
        iat,
        exp: iat + 86_400 * 365,
        vct: VCT,
        cnf: { jwk: publicJwk(holder) },
        ...NATIONAL_ID,
        nationality: 'BB',
      },
      NATIONAL_ID_FRAME as never,
      { header: { kid: foreignIssuer.kid } },
    );
    own.hold({ id: 'bb-national-id', sdJwt });
    const session = await server.presentations.createRequest({ needs: NEEDS });
    expect(await own.answer(session.uri)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    const [credential] = (await server.presentations.session(session.id))?.outcome?.credentials ?? [];
    expect(credential).toMatchObject({
      issuer: foreignIssuer.did,
      recognition: { source: 'list', country: 'BB', name: 'Barbados Registration Department', assuranceLevel: 'substantial' },
      claims: { given_name: 'Asha', address: { locality: 'Port of Spain' } },
    });
  });

  it('answers a request that accepts several formats for one need (credential_sets) with the SD-JWT VC option', async () => {
    const needs: CredentialNeed[] = [
      { id: 'pid', vct: [VCT], types: [VCT], claims: ['given_name'], formats: ['dc+sd-jwt', 'jwt_vc', 'vc+jwt'] },
    ];
    const session = await server.presentations.createRequest({ needs });
    const request = await wallet.resolve(session.uri);
    expect(request.dcql.credentials.map((c) => [c.id, c.format])).toEqual([
      ['pid_sdjwt', 'dc+sd-jwt'],
      ['pid_jwt', 'jwt_vc_json'],
    ]);
    expect(request.dcql.credential_sets).toEqual([{ options: [['pid_sdjwt'], ['pid_jwt']], required: true }]);
    const vpToken = await wallet.vpToken(request);
    expect(Object.keys(vpToken)).toEqual(['pid_sdjwt']);
    expect(await wallet.submit(request, vpToken)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    const [credential] = (await server.presentations.session(session.id))?.outcome?.credentials ?? [];
    expect(credential).toMatchObject({ queryId: 'pid_sdjwt', need: 'pid', format: 'dc+sd-jwt', claims: { given_name: 'Asha' } });
  });

  it('refuses an SD-JWT VC from an issuer the recognition list does not name (UNTRUSTED_ISSUER)', async () => {
    const stranger = didKey();
    const own = new IndependentWallet({ alg: holder.alg, privateKey: holder.privateKey });
    const iat = Math.floor(Date.now() / 1000) - 60;
    own.hold({
      id: 'forged',
      sdJwt: await sdJwtVc({ issuer: { alg: stranger.alg, privateKey: stranger.privateKey } }).issue(
        { iss: stranger.did, iat, vct: VCT, cnf: { jwk: publicJwk(holder) }, ...NATIONAL_ID },
        NATIONAL_ID_FRAME as never,
        { header: { kid: stranger.kid } },
      ),
    });
    const session = await server.presentations.createRequest({ needs: NEEDS });
    expect(await own.answer(session.uri)).toMatchObject({ status: 400, body: { status: 'refused', code: 'UNTRUSTED_ISSUER' } });
  });
});
