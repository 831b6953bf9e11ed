// OpenID4VP 1.0 (DCQL, direct_post), wallet side, against a verifier on 127.0.0.1 whose
// requests are made by @openid4vc/openid4vp and which checks every presentation it
// receives with @tradewind/verifier's verifyPresentation (nonce, audience = client_id).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JsonObject, TradewindError } from '@tradewind/core';
import { expandedTypes } from '@tradewind/verifier/data-integrity';
import { type HolderDid, openWallet, type ParsedPresentationRequest, type Wallet } from '@tradewind/wallet';
import { verifyPresentation as didJwtVerifyPresentation } from 'did-jwt-vc';
import { Resolver } from 'did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diIssuer, PERMIT_CONTEXT, PERMIT_CONTEXT_URL, producerVerifies, registerHolder, workPermit } from './di-fixtures.js';
import { issuer, jwtVc, SECRET, TEST_KDF, tempDir, vcJwt } from './fixtures.js';
import { startTestVerifier, type TestVerifier } from './helpers/test-verifier.js';
import { decodePart, issueSdJwt, referenceVerifier, type SdJwtIssuer, sdJwtIssuer } from './sd-jwt-fixtures.js';

const tmp = tempDir();
const dataIntegrity = { contexts: { [PERMIT_CONTEXT_URL]: PERMIT_CONTEXT } };
const VC = 'https://www.w3.org/2018/credentials#VerifiableCredential';
let wallet: Wallet;
let verifier: TestVerifier;
let holder: HolderDid;
let sdIssuer: SdJwtIssuer;
const ids: Record<'sdjwt' | 'jwtvc' | 'vcjwt' | 'di' | 'permitSoon', string> = {
  sdjwt: '',
  jwtvc: '',
  vcjwt: '',
  di: '',
  permitSoon: '',
};
const types: Record<string, string[]> = {};

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('vp.db'), secret: SECRET, kdf: TEST_KDF, verify: { dataIntegrity } });
  verifier = await startTestVerifier({ clientName: 'Barbados Immigration', verify: { dataIntegrity } });
  holder = await wallet.createDid();
  const iss = issuer();
  sdIssuer = sdJwtIssuer();
  ids.sdjwt = (await wallet.receive(await issueSdJwt(sdIssuer, holder))).credential.id;
  const birth = await jwtVc(iss, holder.did);
  ids.jwtvc = (await wallet.receive(birth)).credential.id;
  const national = await vcJwt(iss, holder.did);
  ids.vcjwt = (await wallet.receive(national)).credential.id;
  const permit = await workPermit(await diIssuer('eddsa-rdfc-2022'), holder.did);
  ids.di = (await wallet.receive(permit)).credential.id;
  const soon = new Date(Date.now() + 2 * 86_400_000);
  ids.permitSoon = (
    await wallet.receive(await vcJwt(iss, holder.did, { type: 'DrivingPermitCredential', validUntil: soon }))
  ).credential.id;
  types.jwtvc = await expandedTypes(JSON.parse(Buffer.from(birth.split('.')[1] as string, 'base64url').toString()).vc);
  types.vcjwt = await expandedTypes(JSON.parse(Buffer.from(national.split('.')[1] as string, 'base64url').toString()));
  types.di = await expandedTypes(permit, dataIntegrity);
});
afterAll(async () => {
  await wallet.close();
  await verifier.close();
  tmp.cleanup();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

const sdJwtQuery = (id = 'national_id', claims: JsonObject[] = [{ path: ['given_name'] }, { path: ['address', 'locality'] }]) => ({
  id,
  format: 'dc+sd-jwt',
  meta: { vct_values: ['NationalIdCredential'] },
  claims,
});
const w3cQuery = (id: string, format: 'jwt_vc_json' | 'ldp_vc', typeValues: string[], claims?: JsonObject[]) => ({
  id,
  format,
  meta: { type_values: [typeValues] },
  ...(claims ? { claims } : {}),
});

async function requestFor(dcql: JsonObject, overrides?: Record<string, unknown>): Promise<ParsedPresentationRequest> {
  const { uri } = await verifier.request(dcql, overrides);
  return wallet.parsePresentationRequest(uri);
}

/** The disclosures of a compact SD-JWT presentation, decoded: [salt, name, value] or [salt, value]. */
function disclosuresOf(presentation: string): unknown[][] {
  return presentation
    .split('~')
    .slice(1, -1)
    .map((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[]);
}

describe('reading a request', () => {
  it('reads the verifier, nonce, state, client_id and DCQL query of a request the library made', async () => {
    const { uri, nonce, state } = await verifier.request({ credentials: [sdJwtQuery()] });
    const request = await wallet.parsePresentationRequest(uri);
    expect(request.clientId).toBe(verifier.clientId);
    expect(request.responseUri).toBe(verifier.responseUri);
    expect(request.verifierName).toBe('Barbados Immigration');
    expect(request.nonce).toBe(nonce);
    expect(request.state).toBe(state);
    expect(request.dcql.credentials[0]?.id).toBe('national_id');
  });

  it('takes the same parameters in an https:// link and a haip:// URI', async () => {
    const { uri, nonce } = await verifier.request({ credentials: [sdJwtQuery()] });
    const query = uri.slice(uri.indexOf('?'));
    expect((await wallet.parsePresentationRequest(`https://verifier.example.bb/present${query}`)).nonce).toBe(nonce);
    expect((await wallet.parsePresentationRequest(`haip://${query}`)).nonce).toBe(nonce);
  });

  it('refuses what is not a request as REQUEST_UNKNOWN', async () => {
    expect(await codeOf(wallet.parsePresentationRequest('hello there'))).toBe('REQUEST_UNKNOWN');
    expect(await codeOf(wallet.parsePresentationRequest('https://example.com/page?x=1'))).toBe('REQUEST_UNKNOWN');
    expect(await codeOf(wallet.parsePresentationRequest('mailto:someone@example.com?client_id=x'))).toBe('REQUEST_UNKNOWN');
    expect(await codeOf(wallet.parsePresentationRequest('openid-credential-offer://?credential_offer=%7B%7D'))).toBe('REQUEST_UNKNOWN');
  });

  it('refuses a request without a nonce, with another response_mode, or with a client_id that is not its response_uri (MALFORMED)', async () => {
    const dcql = { credentials: [sdJwtQuery()] };
    const bad = async (overrides: Record<string, unknown>) => {
      const e = await requestFor(dcql, overrides).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TradewindError);
      return `${(e as TradewindError).code}: ${(e as TradewindError).message}`;
    };
    expect(await bad({ nonce: undefined })).toMatch(/^MALFORMED: .*no nonce/);
    expect(await bad({ response_mode: 'direct_post.jwt' })).toMatch(/^MALFORMED: .*response_mode is direct_post\.jwt/);
    expect(await bad({ client_id: 'redirect_uri:http://127.0.0.1:1/elsewhere' })).toMatch(
      /^MALFORMED: .*another URL than its response_uri/,
    );
    expect(await bad({ client_id: 'x509_san_dns:verifier.example.bb' })).toMatch(/^MALFORMED: .*prefix x509_san_dns: is not supported/);
    expect(await bad({ client_id: verifier.responseUri })).toMatch(/^MALFORMED: .*no client identifier prefix/);
    expect(await bad({ dcql_query: { credentials: [] } })).toMatch(/^MALFORMED: .*dcql_query/);
    expect(await bad({ dcql_query: undefined })).toMatch(/^MALFORMED: .*no dcql_query/);
    expect(await bad({ response_type: 'code' })).toMatch(/^MALFORMED: .*response_type/);
  });

  it('refuses JSON parameters that are not JSON, parameters given twice and over-long URIs', async () => {
    const { uri } = await verifier.request({ credentials: [sdJwtQuery()] });
    expect(await codeOf(wallet.parsePresentationRequest(uri.replace(/dcql_query=[^&]*/, 'dcql_query=%7Bnot-json')))).toBe('MALFORMED');
    expect(await codeOf(wallet.parsePresentationRequest(`${uri}&nonce=again`))).toBe('MALFORMED');
    expect(await codeOf(wallet.parsePresentationRequest(`${uri}&pad=${'a'.repeat(40_000)}`))).toBe('LIMIT_EXCEEDED');
  });

  it('refuses a request parameter named __proto__ (MALFORMED)', async () => {
    const { uri } = await verifier.request({ credentials: [sdJwtQuery()] });
    expect(await codeOf(wallet.parsePresentationRequest(`${uri}&__proto__=x`))).toBe('MALFORMED');
  });

  it('refuses an http:// response_uri on a host other than 127.0.0.1 or localhost unless allowInsecureHttp', async () => {
    const responseUri = 'http://verifier.example.bb/openid4vp/response';
    const params = new URLSearchParams({
      response_type: 'vp_token',
      client_id: `redirect_uri:${responseUri}`,
      response_uri: responseUri,
      response_mode: 'direct_post',
      nonce: 'n-0123456789abcdef',
      dcql_query: JSON.stringify({ credentials: [sdJwtQuery()] }),
    });
    const uri = `openid4vp://?${params}`;
    const e = await wallet.parsePresentationRequest(uri).catch((x: unknown) => x);
    expect((e as TradewindError).code).toBe('MALFORMED');
    expect((e as TradewindError).message).toContain('http://');
    expect((await wallet.parsePresentationRequest(uri, { allowInsecureHttp: true })).responseUri).toBe(responseUri);
  });

  it('fetches a request_uri through the library, and refuses a signed request object it cannot trust (MALFORMED)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'oauth-authz-req+jwt', kid: 'did:example:v#1' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({ client_id: 'did:example:v', response_type: 'vp_token', nonce: 'n', response_mode: 'direct_post' }),
    ).toString('base64url');
    let fetched = 0;
    const server = createServer((_req, res) => {
      fetched++;
      res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' });
      res.end(`${header}.${body}.${Buffer.from('sig').toString('base64url')}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}/request`;
    try {
      const uri = `openid4vp://?client_id=${encodeURIComponent('did:example:v')}&request_uri=${encodeURIComponent(at)}`;
      expect(await codeOf(wallet.parsePresentationRequest(uri))).toBe('MALFORMED');
      expect(fetched).toBe(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const gone = `openid4vp://?client_id=${encodeURIComponent('did:example:v')}&request_uri=${encodeURIComponent(at)}`;
    expect(await codeOf(wallet.parsePresentationRequest(gone))).toBe('UNREACHABLE');
  });
});

describe('what the wallet posts, checked by verifiers that are not ours', () => {
  /** Answers a one-query request and returns what the verifier received for it. */
  async function posted(query: JsonObject): Promise<{ request: ParsedPresentationRequest; presentation: string | JsonObject }> {
    const request = await requestFor({ credentials: [query] });
    const before = verifier.received.length;
    expect((await wallet.respondToPresentationRequest(request)).accepted).toBe(true);
    const presentation = verifier.received[before]?.vpToken?.[query.id as string]?.[0];
    expect(presentation).toBeDefined();
    return { request, presentation: presentation as string | JsonObject };
  }

  it('dc+sd-jwt: @sd-jwt/sd-jwt-vc verifies the key binding for the nonce, and its aud is the client_id', async () => {
    const { request, presentation } = await posted(sdJwtQuery());
    const sdJwt = presentation as string;
    const verified = await referenceVerifier(sdIssuer).verify(sdJwt, { keyBindingNonce: request.nonce });
    expect(verified.kb?.payload).toMatchObject({ nonce: request.nonce, aud: request.clientId });
    await expect(referenceVerifier(sdIssuer).verify(sdJwt, { keyBindingNonce: 'another-nonce' })).rejects.toThrow();
    expect(decodePart(sdJwt.slice(sdJwt.lastIndexOf('~') + 1).split('.')[0] as string).typ).toBe('kb+jwt');
  });

  it('jwt_vc_json (jwt_vc): did-jwt-vc verifies the VP-JWT for the client_id and nonce, and not for another', async () => {
    const { request, presentation } = await posted(w3cQuery('birth', 'jwt_vc_json', types.jwtvc as string[]));
    const resolver = new Resolver({ ...getKeyResolver() });
    const jwt = presentation as string;
    const result = await didJwtVerifyPresentation(jwt, resolver, { audience: request.clientId, challenge: request.nonce });
    expect(result.verified).toBe(true);
    expect(result.issuer).toBe(holder.did);
    await expect(didJwtVerifyPresentation(jwt, resolver, { audience: request.clientId, challenge: 'another' })).rejects.toThrow();
    await expect(
      didJwtVerifyPresentation(jwt, resolver, { audience: 'redirect_uri:https://elsewhere.example/r', challenge: request.nonce }),
    ).rejects.toThrow();
  });

  it('ldp_vc: @digitalbazaar/vc verifies the presentation with challenge = nonce and domain = client_id, and not for another', async () => {
    registerHolder(holder.did, holder.verificationMethod);
    const { request, presentation } = await posted(w3cQuery('permit', 'ldp_vc', types.di as string[]));
    const vp = presentation as JsonObject;
    const ok = await producerVerifies(structuredClone(vp), request.nonce, request.clientId);
    expect(ok.verified, JSON.stringify(ok.error)).toBe(true);
    expect((await producerVerifies(structuredClone(vp), 'another', request.clientId)).verified).toBe(false);
    expect((await producerVerifies(structuredClone(vp), request.nonce, 'redirect_uri:https://elsewhere.example/r')).verified).toBe(false);
  });
});

describe('answering a request', () => {
  it('presents an SD-JWT VC with only the requested claims (address comes along with address.locality), which the verifier accepts', async () => {
    const request = await requestFor({ credentials: [sdJwtQuery()] });
    const match = await wallet.matchPresentationRequest(request);
    expect(match.satisfiable).toBe(true);
    const candidate = match.queries[0]?.candidates[0];
    expect(candidate?.credential.id).toBe(ids.sdjwt);
    expect(candidate?.disclose).toEqual([
      { path: ['given_name'], value: 'Asha' },
      { path: ['address'], value: { locality: 'Port of Spain', country: 'TT' } },
      { path: ['address', 'locality'], value: 'Port of Spain' },
    ]);
    expect(candidate?.withheld).toContain('/family_name');
    expect(candidate?.withheld).toContain('/address/street_address');

    const before = verifier.received.length;
    const answer = await wallet.respondToPresentationRequest(request);
    expect(answer).toMatchObject({ accepted: true, httpStatus: 200, body: { status: 'accepted' } });
    expect(answer.presented).toEqual([
      { queryId: 'national_id', credentialId: ids.sdjwt, format: 'dc+sd-jwt', disclosed: ['given_name', 'address', 'address.locality'] },
    ]);
    const received = verifier.received[before];
    expect(received?.state).toBe(request.state);
    const result = received?.results.national_id?.[0];
    expect(result?.verified).toBe(true);
    const presentation = received?.vpToken?.national_id?.[0] as string;
    expect(
      disclosuresOf(presentation)
        .map((d) => (d.length === 3 ? d[1] : d[0]))
        .sort(),
    ).toEqual(['address', 'given_name', 'locality']);
  });

  it.each([
    ['jwt_vc as a jwt_vp', 'jwtvc', 'jwt_vp'],
    ['vc+jwt as a vp+jwt', 'vcjwt', 'vp+jwt'],
  ] as const)('presents a %s, which the verifier accepts', async (_, which, format) => {
    const request = await requestFor({
      credentials: [w3cQuery('document', 'jwt_vc_json', types[which] as string[], [{ path: ['credentialSubject'] }])],
    });
    const match = await wallet.matchPresentationRequest(request);
    expect(match.queries[0]?.candidates.map((c) => c.credential.id)).toEqual([ids[which]]);
    const before = verifier.received.length;
    const answer = await wallet.respondToPresentationRequest(request);
    expect(answer.accepted, JSON.stringify(answer.body)).toBe(true);
    expect(answer.presented[0]).toMatchObject({ queryId: 'document', credentialId: ids[which], format });
    const result = verifier.received[before]?.results.document?.[0];
    expect(result?.verified).toBe(true);
    if (result?.verified) expect(result.format).toBe(format);
  });

  it('presents a Data Integrity credential as a Data Integrity presentation, which the verifier accepts', async () => {
    expect(types.di).toContain(VC);
    const request = await requestFor({
      credentials: [w3cQuery('permit', 'ldp_vc', types.di as string[], [{ path: ['credentialSubject', 'permitNumber'] }])],
    });
    const match = await wallet.matchPresentationRequest(request);
    const candidate = match.queries[0]?.candidates[0];
    expect(candidate?.credential.id).toBe(ids.di);
    // A W3C credential is shown whole: every subject claim is listed.
    expect(candidate?.disclose.map((d) => d.path.join('.'))).toEqual([
      'credentialSubject.id',
      'credentialSubject.permitNumber',
      'credentialSubject.employer',
    ]);
    const before = verifier.received.length;
    const answer = await wallet.respondToPresentationRequest(request);
    expect(answer.accepted, JSON.stringify(answer.body)).toBe(true);
    const presentation = verifier.received[before]?.vpToken?.permit?.[0] as JsonObject;
    expect(typeof presentation).toBe('object');
    expect((presentation.proof as JsonObject).challenge).toBe(request.nonce);
    expect((presentation.proof as JsonObject).domain).toBe(request.clientId);
    expect(verifier.received[before]?.results.permit?.[0]?.verified).toBe(true);
  });

  it('answers the first option of a credential set it holds, and the one the holder chooses', async () => {
    const dcql = {
      credentials: [
        { ...sdJwtQuery('pid_sdjwt'), meta: { vct_values: ['urn:not-held'] } },
        w3cQuery('pid_jwt', 'jwt_vc_json', types.vcjwt as string[]),
      ],
      credential_sets: [{ options: [['pid_sdjwt'], ['pid_jwt']], required: true }],
    };
    const request = await requestFor(dcql);
    const match = await wallet.matchPresentationRequest(request);
    expect(match.satisfiable).toBe(true);
    expect(match.queries.map((q) => [q.queryId, q.required, q.candidates.length])).toEqual([
      ['pid_sdjwt', false, 0],
      ['pid_jwt', false, 1],
    ]);
    const answer = await wallet.respondToPresentationRequest(request);
    expect(answer.accepted).toBe(true);
    expect(answer.presented.map((p) => p.queryId)).toEqual(['pid_jwt']);

    const both = await requestFor({
      credentials: [sdJwtQuery('pid_sdjwt'), w3cQuery('pid_jwt', 'jwt_vc_json', types.vcjwt as string[])],
      credential_sets: [{ options: [['pid_sdjwt'], ['pid_jwt']] }],
    });
    const first = await wallet.respondToPresentationRequest(both);
    expect(first.presented.map((p) => p.queryId)).toEqual(['pid_sdjwt']);
    const again = await requestFor({
      credentials: [sdJwtQuery('pid_sdjwt'), w3cQuery('pid_jwt', 'jwt_vc_json', types.vcjwt as string[])],
      credential_sets: [{ options: [['pid_sdjwt'], ['pid_jwt']] }],
    });
    const chosen = await wallet.respondToPresentationRequest(again, { choose: { pid_jwt: ids.vcjwt } });
    expect(chosen.accepted).toBe(true);
    expect(chosen.presented.map((p) => [p.queryId, p.credentialId])).toEqual([['pid_jwt', ids.vcjwt]]);
  });

  it('honours claim_sets: the first set the credential satisfies decides what is disclosed', async () => {
    const request = await requestFor({
      credentials: [
        sdJwtQuery('national_id', [
          { id: 'name', path: ['given_name'] },
          { id: 'passport_no', path: ['passport_number'] },
          { id: 'nat', path: ['nationality'] },
        ]),
      ],
    });
    const withSets = await requestFor({
      credentials: [
        {
          ...sdJwtQuery('national_id', [
            { id: 'name', path: ['given_name'] },
            { id: 'passport_no', path: ['passport_number'] },
            { id: 'nat', path: ['nationality'] },
          ]),
          claim_sets: [
            ['name', 'passport_no'],
            ['name', 'nat'],
          ],
        },
      ],
    });
    // Without claim_sets every claim is required: the credential has no passport_number.
    expect((await wallet.matchPresentationRequest(request)).queries[0]?.candidates).toEqual([]);
    const candidate = (await wallet.matchPresentationRequest(withSets)).queries[0]?.candidates[0];
    expect(candidate?.disclose).toEqual([
      { path: ['given_name'], value: 'Asha' },
      { path: ['nationality'], value: 'TT' },
    ]);
    const before = verifier.received.length;
    const answer = await wallet.respondToPresentationRequest(withSets);
    expect(answer.accepted, JSON.stringify(answer.body)).toBe(true);
    const presentation = verifier.received[before]?.vpToken?.national_id?.[0] as string;
    expect(disclosuresOf(presentation).map((d) => d[1])).toEqual(['given_name', 'nationality']);
  });

  it('discloses nothing selectively when the query names no claims, and the verifier still accepts the key-bound presentation', async () => {
    const request = await requestFor({
      credentials: [{ id: 'any_id', format: 'dc+sd-jwt', meta: { vct_values: ['NationalIdCredential'] } }],
    });
    const candidate = (await wallet.matchPresentationRequest(request)).queries[0]?.candidates[0];
    expect(candidate?.disclose).toEqual([]);
    const before = verifier.received.length;
    expect((await wallet.respondToPresentationRequest(request)).accepted).toBe(true);
    expect(disclosuresOf(verifier.received[before]?.vpToken?.any_id?.[0] as string)).toEqual([]);
  });

  it('offers no W3C credential whose expanded types are not asked for, nor one of another format', async () => {
    const request = await requestFor({
      credentials: [
        w3cQuery('wrong_type', 'jwt_vc_json', [VC, 'PassportCredential']),
        w3cQuery('ldp_only', 'ldp_vc', types.vcjwt as string[]),
      ],
      credential_sets: [{ options: [['wrong_type'], ['ldp_only']], required: false }],
    });
    const match = await wallet.matchPresentationRequest(request);
    expect(match.queries.map((q) => q.candidates.length)).toEqual([0, 0]);
  });

  it('answers an optional credential set only when the holder chooses a credential in it', async () => {
    const dcql = {
      credentials: [sdJwtQuery(), w3cQuery('birth', 'jwt_vc_json', types.jwtvc as string[])],
      credential_sets: [
        { options: [['national_id']], required: true },
        { options: [['birth']], required: false },
      ],
    };
    const plain = await wallet.respondToPresentationRequest(await requestFor(dcql));
    expect(plain.presented.map((p) => p.queryId)).toEqual(['national_id']);
    const chosen = await wallet.respondToPresentationRequest(await requestFor(dcql), { choose: { birth: ids.jwtvc } });
    expect(chosen.accepted, JSON.stringify(chosen.body)).toBe(true);
    expect(chosen.presented.map((p) => p.queryId)).toEqual(['national_id', 'birth']);
  });

  it('refuses a choice for a query the request does not have, or of a credential that does not answer it (INVALID_ARGUMENT)', async () => {
    const request = await requestFor({ credentials: [sdJwtQuery()] });
    const before = verifier.received.length;
    expect(await codeOf(wallet.respondToPresentationRequest(request, { choose: { nope: ids.sdjwt } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(wallet.respondToPresentationRequest(request, { choose: { national_id: ids.jwtvc } }))).toBe('INVALID_ARGUMENT');
    expect(verifier.received.length).toBe(before);
  });

  it('sends nothing when it holds nothing for a required query (QUERY_UNSATISFIED)', async () => {
    const request = await requestFor({
      credentials: [sdJwtQuery(), { ...sdJwtQuery('passport'), meta: { vct_values: ['urn:passport'] } }],
    });
    const match = await wallet.matchPresentationRequest(request);
    expect(match.satisfiable).toBe(false);
    const before = verifier.received.length;
    expect(await codeOf(wallet.respondToPresentationRequest(request))).toBe('QUERY_UNSATISFIED');
    expect(verifier.received.length).toBe(before);
  });

  it('does not offer an expired credential', async () => {
    const permitTypes = [VC, 'DrivingPermitCredential'];
    const request = await requestFor({ credentials: [w3cQuery('permit', 'jwt_vc_json', permitTypes)] });
    const today = await wallet.matchPresentationRequest(request);
    expect(today.queries[0]?.candidates.map((c) => c.credential.id)).toEqual([ids.permitSoon]);
    const later = new Date(Date.now() + 3 * 86_400_000);
    const then = await wallet.matchPresentationRequest(request, { now: later });
    expect(then.queries[0]?.candidates).toEqual([]);
    expect(then.satisfiable).toBe(false);
    const before = verifier.received.length;
    expect(await codeOf(wallet.respondToPresentationRequest(request, { now: later }))).toBe('QUERY_UNSATISFIED');
    expect(verifier.received.length).toBe(before);
  });

  it('declines: posts access_denied with the state, and the verifier records it', async () => {
    const request = await requestFor({ credentials: [sdJwtQuery()] });
    const before = verifier.received.length;
    const answer = await wallet.declinePresentationRequest(request);
    expect(answer).toEqual({ httpStatus: 200, body: { status: 'declined' } });
    const received = verifier.received[before];
    expect(received?.form.get('error')).toBe('access_denied');
    expect(received?.form.get('state')).toBe(request.state);
    expect(received?.form.has('vp_token')).toBe(false);
  });

  it("reports the verifier's refusal and its code: a presentation for another nonce is NONCE_MISMATCH", async () => {
    const request = await requestFor({ credentials: [sdJwtQuery()] });
    const answer = await wallet.respondToPresentationRequest({ ...request, nonce: 'another-nonce' });
    expect(answer).toMatchObject({ accepted: false, httpStatus: 400, code: 'NONCE_MISMATCH', body: { status: 'refused' } });

    verifier.refuseWith = 'NOT_RECOGNIZED';
    try {
      const refused = await wallet.respondToPresentationRequest(await requestFor({ credentials: [sdJwtQuery()] }));
      expect(refused).toMatchObject({ accepted: false, code: 'NOT_RECOGNIZED' });
    } finally {
      verifier.refuseWith = undefined;
    }
  });

  it('is UNREACHABLE when the verifier is gone', async () => {
    const gone = await startTestVerifier();
    const { uri } = await gone.request({ credentials: [sdJwtQuery()] });
    const request = await wallet.parsePresentationRequest(uri);
    await gone.close();
    expect(await codeOf(wallet.respondToPresentationRequest(request))).toBe('UNREACHABLE');
    expect(await codeOf(wallet.declinePresentationRequest(request))).toBe('UNREACHABLE');
  });

  it('refuses to post to an http:// response_uri off 127.0.0.1 even for a request changed after it was read', async () => {
    const request = await requestFor({ credentials: [sdJwtQuery()] });
    const moved = { ...request, responseUri: 'http://verifier.example.bb/r', clientId: 'redirect_uri:http://verifier.example.bb/r' };
    expect(await codeOf(wallet.respondToPresentationRequest(moved))).toBe('MALFORMED');
  });
});
