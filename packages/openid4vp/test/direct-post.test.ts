// The verifier side of OpenID4VP 1.0 end to end: a request made from a recognition
// policy, the wallet's presentation made for its nonce and client_id, posted as a
// direct_post form over real HTTP to PresentationVerifier.handle, and the outcome.
import { type JsonObject, TradewindError } from '@tradewind/core';
import { type CredentialNeed, MemorySessionStore, PresentationVerifier } from '@tradewind/openid4vp';
import { createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, serve, type World, world } from './support.js';

let w: World;
let server: Awaited<ReturnType<typeof serve>>;
let oid4vp: PresentationVerifier;
let responseUri: string;

const ID_SDJWT: CredentialNeed = {
  id: 'pid',
  vct: ['NationalIdCredential'],
  claims: ['given_name', 'nationality'],
  formats: ['dc+sd-jwt'],
};
const ID_W3C = (formats: CredentialNeed['formats']): CredentialNeed => ({
  id: 'national_id',
  types: ['NationalIdCredential'],
  claims: ['givenName', 'nationality'],
  formats,
});

/** A verifier over the world's policy, served at `path`. */
function route(path: string, options: Partial<ConstructorParameters<typeof PresentationVerifier>[0]> = {}): PresentationVerifier {
  const v = new PresentationVerifier({
    responseUri: `${server.base}${path}`,
    clientName: 'Bank of Barbados',
    verifier: createVerifier({ policy: w.policy, recognitionLists: [w.list] }),
    ...options,
  });
  server.routes.set(path, v);
  return v;
}

beforeAll(async () => {
  w = await world();
  server = await serve();
  oid4vp = route('/openid4vp/response');
  responseUri = `${server.base}/openid4vp/response`;
}, 120_000);
afterAll(async () => {
  await server?.close();
  await w?.close();
});

async function sdJwtFor(session: { nonce: string; clientId: string }, disclose = ['given_name', 'nationality']) {
  return (await w.wallet.presentSdJwt({ credential: w.ids.sdJwt, disclose, nonce: session.nonce, audience: session.clientId }))
    .presentation;
}
const vpToken = (entries: Record<string, Array<string | JsonObject>>) => JSON.stringify(entries);

describe('a request', () => {
  it('carries the wire profile: redirect_uri client id, direct_post, nonce and state, DCQL and client metadata, in an openid4vp URI', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    expect(r.clientId).toBe(`redirect_uri:${responseUri}`);
    expect(r.id).toBe(r.state);
    expect(r.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.expiresAt.getTime() - r.createdAt.getTime()).toBe(300_000);
    expect(r.request).toEqual({
      response_type: 'vp_token',
      response_mode: 'direct_post',
      client_id: `redirect_uri:${responseUri}`,
      response_uri: responseUri,
      nonce: r.nonce,
      state: r.state,
      dcql_query: {
        credentials: [
          {
            id: 'pid',
            format: 'dc+sd-jwt',
            meta: { vct_values: ['NationalIdCredential'] },
            claims: [{ path: ['given_name'] }, { path: ['nationality'] }],
          },
        ],
      },
      client_metadata: {
        client_name: 'Bank of Barbados',
        vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA', 'ES256'], 'kb-jwt_alg_values': ['EdDSA', 'ES256'] } },
      },
    });
    expect(r.uri.startsWith('openid4vp://?')).toBe(true);
    const params = new URL(r.uri).searchParams;
    expect(params.get('client_id')).toBe(r.clientId);
    expect(params.get('state')).toBe(r.state);
    expect(JSON.parse(params.get('dcql_query') ?? '')).toEqual(r.request.dcql_query);
    expect(JSON.parse(params.get('client_metadata') ?? '')).toEqual(r.request.client_metadata);
    const other = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    expect(other.nonce).not.toBe(r.nonce);
    expect(other.state).not.toBe(r.state);
  });

  it('takes a DCQL query as it is, and refuses one of an unsupported format', async () => {
    const dcql = { credentials: [{ id: 'x', format: 'ldp_vc', meta: { type_values: [['NationalIdCredential']] } }] };
    const r = await oid4vp.createRequest({ dcql });
    expect(r.request.dcql_query).toEqual(dcql);
    expect(r.request.client_metadata.vp_formats_supported).toEqual({
      ldp_vc: {
        proof_type_values: ['DataIntegrityProof', 'Ed25519Signature2020'],
        cryptosuite_values: ['eddsa-rdfc-2022', 'ecdsa-rdfc-2019'],
      },
    });
    await expect(
      oid4vp.createRequest({ dcql: { credentials: [{ id: 'm', format: 'mso_mdoc', meta: { doctype_value: 'org.iso.18013.5.1.mDL' } }] } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(oid4vp.createRequest({ dcql: { credentials: [] } as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses a response_uri that is not https (http only on loopback) and a ttl out of range', () => {
    const verifier = createVerifier({});
    expect(() => new PresentationVerifier({ responseUri: 'http://bank.example.bb/r', verifier })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => new PresentationVerifier({ responseUri: 'https://bank.example.bb/r', verifier, ttlSeconds: 10 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(new PresentationVerifier({ responseUri: 'https://bank.example.bb/r', verifier }).clientId).toBe(
      'redirect_uri:https://bank.example.bb/r',
    );
  });

  it('an https verifier gets its URI from @openid4vc/openid4vp, with the same parameters', async () => {
    const https = new PresentationVerifier({ responseUri: 'https://bank.example.bb/openid4vp/response', verifier: createVerifier({}) });
    const r = await https.createRequest({ needs: [ID_SDJWT] });
    expect(r.uri.startsWith('openid4vp://?')).toBe(true);
    const params = Object.fromEntries(new URL(r.uri).searchParams);
    expect(Object.keys(params).sort()).toEqual(Object.keys(r.request).sort());
    expect(params.client_id).toBe('redirect_uri:https://bank.example.bb/openid4vp/response');
    expect(JSON.parse(params.dcql_query ?? '')).toEqual(r.request.dcql_query);
    expect(params.nonce).toBe(r.nonce);
  });
});

describe('accepted', () => {
  it('dc+sd-jwt with only the requested claims disclosed: the outcome says what was learned and from whom', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    expect((await oid4vp.session(r.id))?.status).toBe('pending');
    const answer = await post(responseUri, { vp_token: vpToken({ pid: [await sdJwtFor(r)] }), state: r.state });
    expect(answer).toEqual({ status: 200, body: { status: 'accepted' } });
    const view = await oid4vp.session(r.id);
    expect(view?.status).toBe('accepted');
    const [c] = view?.outcome?.credentials ?? [];
    expect(c).toMatchObject({
      queryId: 'pid',
      need: 'pid',
      format: 'dc+sd-jwt',
      types: ['NationalIdCredential'],
      recognition: { source: 'list', country: 'TT', name: 'Registrar General, Trinidad and Tobago', assuranceLevel: 'substantial' },
    });
    expect(c?.disclosed?.sort()).toEqual(['/given_name', '/nationality']);
    expect(c?.claims).toMatchObject({ given_name: 'Asha', nationality: 'TT' });
    expect(c?.claims).not.toHaveProperty('family_name');
    expect(c?.claims).not.toHaveProperty('cnf');
    expect(view?.outcome?.errors).toEqual([]);
    expect(view?.outcome?.holder).toBeTypeOf('string');
  });

  it.each([
    ['jwt_vc', 'jwt_vp', 'jwtVc'],
    ['vc+jwt', 'vp+jwt', 'vcJwt'],
    ['di', 'di', 'di'],
  ] as const)('%s in a %s presentation', async (format, presentationFormat, key) => {
    const r = await oid4vp.createRequest({ needs: [ID_W3C([format])] });
    const vp = await w.wallet.present({ credentials: [w.ids[key]], nonce: r.nonce, audience: r.clientId, format: presentationFormat });
    const answer = await post(responseUri, { vp_token: vpToken({ national_id: [vp] }), state: r.state });
    expect(answer, JSON.stringify((await oid4vp.session(r.id))?.outcome)).toEqual({ status: 200, body: { status: 'accepted' } });
    const view = await oid4vp.session(r.id);
    expect(view?.outcome?.holder).toBe(w.holder);
    expect(view?.outcome?.credentials).toEqual([
      expect.objectContaining({
        queryId: 'national_id',
        need: 'national_id',
        format,
        types: expect.arrayContaining(['VerifiableCredential', 'NationalIdCredential']),
        claims: expect.objectContaining({ id: w.holder, givenName: 'Asha', nationality: 'TT' }),
        recognition: expect.objectContaining({ country: 'TT', assuranceLevel: 'substantial' }),
      }),
    ]);
  });

  it('a need in several formats, answered in one of them (credential sets)', async () => {
    const r = await oid4vp.createRequest({ needs: [{ ...ID_W3C(undefined), vct: ['NationalIdCredential'] }] });
    expect(r.request.dcql_query.credential_sets).toEqual([
      { options: [['national_id_sdjwt'], ['national_id_jwt'], ['national_id_ldp']], required: true },
    ]);
    const vp = await w.wallet.present({ credentials: [w.ids.vcJwt], nonce: r.nonce, audience: r.clientId, format: 'vp+jwt' });
    const answer = await post(responseUri, { vp_token: vpToken({ national_id_jwt: [vp] }), state: r.state });
    expect(answer.body).toEqual({ status: 'accepted' });
    expect((await oid4vp.session(r.id))?.outcome?.credentials.map((c) => [c.queryId, c.need, c.format])).toEqual([
      ['national_id_jwt', 'national_id', 'vc+jwt'],
    ]);
  });
});

describe('type_values', () => {
  it("matches fully expanded type IRIs too (the credential's types after its contexts)", async () => {
    const r = await oid4vp.createRequest({
      dcql: {
        credentials: [
          {
            id: 'vc',
            format: 'ldp_vc',
            meta: { type_values: [['https://www.w3.org/2018/credentials#VerifiableCredential']] },
            claims: [{ path: ['credentialSubject', 'nationality'] }],
          },
        ],
      },
    });
    const vp = await w.wallet.present({ credentials: [w.ids.di], nonce: r.nonce, audience: r.clientId, format: 'di' });
    expect((await post(responseUri, { vp_token: vpToken({ vc: [vp] }), state: r.state })).body).toEqual({ status: 'accepted' });
    const other = await oid4vp.createRequest({
      dcql: { credentials: [{ id: 'vc', format: 'ldp_vc', meta: { type_values: [['https://example.org/vocab#WorkPermit']] } }] },
    });
    const vp2 = await w.wallet.present({ credentials: [w.ids.di], nonce: other.nonce, audience: other.clientId, format: 'di' });
    await refusedWith({ vp_token: vpToken({ vc: [vp2] }), state: other.state }, 'QUERY_UNSATISFIED');
  });
});

/** Posts and expects a refusal with `code`, and that the session's outcome (when one is recorded) says the same. */
async function refusedWith(fields: Record<string, string>, code: string, status = 400, uri = responseUri) {
  const answer = await post(uri, fields);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body).toMatchObject({ status: 'refused', error: 'invalid_request', code });
  expect(answer.body.error_description).toBeTypeOf('string');
  return answer;
}

describe('refused', () => {
  it('an unknown state: REQUEST_UNKNOWN', async () => {
    await refusedWith({ vp_token: vpToken({ pid: ['x'] }), state: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'REQUEST_UNKNOWN');
  });

  it('a response after the request expired: REQUEST_EXPIRED, and the session shows expired', async () => {
    let skew = 0;
    const late = route('/late', { now: () => new Date(Date.now() + skew), ttlSeconds: 60 });
    const r = await late.createRequest({ needs: [ID_SDJWT] });
    const presentation = await sdJwtFor(r);
    skew = 61_000;
    expect((await late.session(r.id))?.status).toBe('expired');
    await refusedWith({ vp_token: vpToken({ pid: [presentation] }), state: r.state }, 'REQUEST_EXPIRED', 400, `${server.base}/late`);
    expect(await late.session(r.id)).toMatchObject({ status: 'expired' });
  });

  it('a second response for a state: REPLAYED, and the first outcome stays', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    const fields = { vp_token: vpToken({ pid: [await sdJwtFor(r)] }), state: r.state };
    expect((await post(responseUri, fields)).body).toEqual({ status: 'accepted' });
    await refusedWith(fields, 'REPLAYED');
    await refusedWith({ error: 'access_denied', state: r.state }, 'REPLAYED');
    expect((await oid4vp.session(r.id))?.status).toBe('accepted');
  });

  it('a presentation made for another request, posted to this one: NONCE_MISMATCH', async () => {
    const first = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    const second = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    await refusedWith({ vp_token: vpToken({ pid: [await sdJwtFor(first)] }), state: second.state }, 'NONCE_MISMATCH');
    const view = await oid4vp.session(second.id);
    expect(view?.status).toBe('refused');
    expect(view?.outcome?.errors[0]).toMatchObject({ code: 'NONCE_MISMATCH', path: expect.stringMatching(/^\/vp_token\/pid\/0/) });
    expect(view?.outcome?.credentials).toEqual([]);
  });

  it('a presentation for another audience: AUDIENCE_MISMATCH', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_W3C(['vc+jwt'])] });
    const vp = await w.wallet.present({ credentials: [w.ids.vcJwt], nonce: r.nonce, audience: 'redirect_uri:https://other.example/r' });
    await refusedWith({ vp_token: vpToken({ national_id: [vp] }), state: r.state }, 'AUDIENCE_MISMATCH');
  });

  it('an SD-JWT VC withholding a requested claim: QUERY_UNSATISFIED, naming it', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    await refusedWith({ vp_token: vpToken({ pid: [await sdJwtFor(r, ['nationality'])] }), state: r.state }, 'QUERY_UNSATISFIED');
    expect((await oid4vp.session(r.id))?.outcome?.errors[0]?.message).toContain('given_name');
  });

  it('a credential of another vct or type: QUERY_UNSATISFIED', async () => {
    const sd = await oid4vp.createRequest({ needs: [{ ...ID_SDJWT, vct: ['urn:eu.europa.ec.eudi:pid:1'] }] });
    await refusedWith({ vp_token: vpToken({ pid: [await sdJwtFor(sd)] }), state: sd.state }, 'QUERY_UNSATISFIED');
    const w3c = await oid4vp.createRequest({ needs: [{ ...ID_W3C(['vc+jwt']), types: ['BirthCertificateCredential'] }] });
    const vp = await w.wallet.present({ credentials: [w.ids.vcJwt], nonce: w3c.nonce, audience: w3c.clientId });
    await refusedWith({ vp_token: vpToken({ national_id: [vp] }), state: w3c.state }, 'QUERY_UNSATISFIED');
  });

  it('a presentation in another format than its query names: QUERY_UNSATISFIED', async () => {
    // An SD-JWT VC under a jwt_vc_json query.
    const r = await oid4vp.createRequest({ needs: [ID_W3C(['jwt_vc', 'vc+jwt'])] });
    await refusedWith({ vp_token: vpToken({ national_id: [await sdJwtFor(r)] }), state: r.state }, 'QUERY_UNSATISFIED');
    // A Data Integrity credential inside a vp+jwt under a jwt_vc_json query.
    const di = await oid4vp.createRequest({ needs: [ID_W3C(['vc+jwt'])] });
    const vp = await w.wallet.present({ credentials: [w.ids.di], nonce: di.nonce, audience: di.clientId, format: 'vp+jwt' });
    await refusedWith({ vp_token: vpToken({ national_id: [vp] }), state: di.state }, 'QUERY_UNSATISFIED');
    // A jwt_vc credential under a query for vc+jwt only.
    const only = await oid4vp.createRequest({ needs: [ID_W3C(['vc+jwt'])] });
    const old = await w.wallet.present({ credentials: [w.ids.jwtVc], nonce: only.nonce, audience: only.clientId, format: 'jwt_vp' });
    await refusedWith({ vp_token: vpToken({ national_id: [old] }), state: only.state }, 'QUERY_UNSATISFIED');
  });

  it('a presentation whose signature was tampered with: SIGNATURE_INVALID', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_W3C(['vc+jwt'])] });
    const vp = await w.wallet.present({ credentials: [w.ids.vcJwt], nonce: r.nonce, audience: r.clientId });
    const [h, p, s] = vp.split('.') as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await refusedWith({ vp_token: vpToken({ national_id: [`${h}.${p}.${flipped}`] }), state: r.state }, 'SIGNATURE_INVALID');
  });

  it('a credential from an issuer on no recognition list: UNTRUSTED_ISSUER; one the policy does not recognise: NOT_RECOGNIZED', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_W3C(['vc+jwt'])] });
    const vp = await w.wallet.present({ credentials: [w.ids.outsider], nonce: r.nonce, audience: r.clientId });
    await refusedWith({ vp_token: vpToken({ national_id: [vp] }), state: r.state }, 'UNTRUSTED_ISSUER');

    const strict = route('/strict', {
      verifier: createVerifier({
        policy: { ...w.policy, accept: [{ countries: '*', credentialTypes: '*', minAssurance: 'high' }] },
        recognitionLists: [w.list],
      }),
    });
    const s = await strict.createRequest({ needs: [ID_SDJWT] });
    await refusedWith({ vp_token: vpToken({ pid: [await sdJwtFor(s)] }), state: s.state }, 'NOT_RECOGNIZED', 400, `${server.base}/strict`);
  });

  it('the holder declines (access_denied): 200 declined, and the session is refused with DECLINED', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    const answer = await post(responseUri, { error: 'access_denied', error_description: 'not today', state: r.state });
    expect(answer).toEqual({ status: 200, body: { status: 'declined' } });
    const view = await oid4vp.session(r.id);
    expect(view?.status).toBe('refused');
    expect(view?.outcome?.errors).toEqual([{ code: 'DECLINED', message: 'the holder declined: not today', path: '/error' }]);
  });

  it('malformed bodies: MALFORMED (no state, vp_token not JSON, not an object, a query id twice, one not asked for)', async () => {
    await refusedWith({ vp_token: vpToken({ pid: ['x'] }) }, 'MALFORMED');
    const cases: Array<[string, string]> = [
      ['{"pid": [', 'MALFORMED'],
      ['["x"]', 'MALFORMED'],
      ['{"pid": []}', 'MALFORMED'],
      ['{"pid": [42]}', 'MALFORMED'],
      ['{"pid": ["a"], "pid": ["b"]}', 'MALFORMED'],
      ['{"pid": ["a"], "other": ["b"]}', 'MALFORMED'],
      ['{"__proto__": ["a"]}', 'MALFORMED'],
      [JSON.stringify({ pid: Array.from({ length: 9 }, () => 'a') }), 'LIMIT_EXCEEDED'],
      [JSON.stringify(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`q${i}`, ['a']]))), 'LIMIT_EXCEEDED'],
    ];
    for (const [token, code] of cases) {
      const r = await oid4vp.createRequest({ needs: [ID_SDJWT] });
      await refusedWith({ vp_token: token, state: r.state }, code);
      expect((await oid4vp.session(r.id))?.outcome?.errors[0]?.code).toBe(code);
    }
  });

  it('nothing for a required query: QUERY_UNSATISFIED', async () => {
    const r = await oid4vp.createRequest({
      needs: [ID_SDJWT, { id: 'birth', types: ['BirthCertificateCredential'], formats: ['vc+jwt'] }],
    });
    await refusedWith({ vp_token: vpToken({ pid: [await sdJwtFor(r)] }), state: r.state }, 'QUERY_UNSATISFIED');
  });

  it('a body over 1 MiB: 413 LIMIT_EXCEEDED, also when streamed without a length', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    await refusedWith({ vp_token: 'x'.repeat(1024 * 1024), state: r.state }, 'LIMIT_EXCEEDED', 413);
    expect((await oid4vp.session(r.id))?.status).toBe('pending');
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await oid4vp.handle(
      new Request(responseUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('GET: 405; a body that is not a form: 400 MALFORMED', async () => {
    const get = await fetch(responseUri);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ status: 'refused', code: 'MALFORMED' });
    const asJson = await fetch(responseUri, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(asJson.status).toBe(400);
    expect(await asJson.json()).toMatchObject({ code: 'MALFORMED' });
  });
});

describe('sessions', () => {
  it('a session store that fails: 500 with its code, never an acceptance', async () => {
    const failing = route('/failing', {
      sessions: {
        put: async () => undefined,
        get: async () => {
          throw new TradewindError('STORAGE_ERROR', 'database unavailable');
        },
        claim: async () => true,
        complete: async () => undefined,
      },
    });
    const r = await failing.createRequest({ needs: [ID_SDJWT] });
    const answer = await post(`${server.base}/failing`, { error: 'access_denied', state: r.state });
    expect(answer).toEqual({
      status: 500,
      body: {
        status: 'refused',
        error: 'server_error',
        error_description: 'the verifier could not record the response',
        code: 'STORAGE_ERROR',
      },
    });
  });

  it('a bound on pending requests: LIMIT_EXCEEDED, and room again once one is answered', async () => {
    const bounded = route('/bounded', { sessions: new MemorySessionStore({ maxPending: 2 }) });
    const a = await bounded.createRequest({ needs: [ID_SDJWT] });
    await bounded.createRequest({ needs: [ID_SDJWT] });
    await expect(bounded.createRequest({ needs: [ID_SDJWT] })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await post(`${server.base}/bounded`, { error: 'access_denied', state: a.state });
    expect((await bounded.createRequest({ needs: [ID_SDJWT] })).id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('old sessions are pruned after their retention, then unknown', async () => {
    let at = Date.now();
    const now = () => new Date(at);
    const pruning = new PresentationVerifier({
      responseUri: 'https://bank.example.bb/r',
      verifier: createVerifier({}),
      ttlSeconds: 30,
      now,
      sessions: new MemorySessionStore({ retainSeconds: 60, now }),
    });
    const r = await pruning.createRequest({ needs: [ID_SDJWT] });
    at += 31_000;
    expect((await pruning.session(r.id))?.status).toBe('expired');
    at += 60_000;
    expect(await pruning.session(r.id)).toBeUndefined();
    expect((await pruning.handleResponse({ state: r.state, error: 'access_denied' })).body).toMatchObject({ code: 'REQUEST_UNKNOWN' });
  });

  it('two responses at once for one state: one outcome, the other REPLAYED', async () => {
    const r = await oid4vp.createRequest({ needs: [ID_SDJWT] });
    const fields = { vp_token: vpToken({ pid: [await sdJwtFor(r)] }), state: r.state };
    const answers = await Promise.all([post(responseUri, fields), post(responseUri, fields)]);
    expect(answers.map((a) => a.body.status ?? '').sort()).toEqual(['accepted', 'refused']);
    expect(answers.find((a) => a.body.status === 'refused')?.body.code).toBe('REPLAYED');
  });
});
