// The VC-API server over real parts: a SQLite issuer database in a temporary folder,
// real Ed25519 signatures, HTTP on 127.0.0.1. Holders and foreign issuers sign with
// jose, an independent JOSE implementation.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlDecode, base64urlEncode, jwkToMultikey, utf8Decode, utf8Encode } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVcApiServer } from './server.mjs';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const MAX_BODY = 64 * 1024;

let dir: string;
let issuer: Issuer;
let issuerDid: string;
let server: { url: string; close(): Promise<void> };
let lenient: { url: string; close(): Promise<void> };

interface Answer {
  status: number;
  headers: Headers;
  body: { [key: string]: unknown; errors?: Array<{ code: string; message: string; path?: string }> };
}

async function post(path: string, body: unknown, base = server.url): Promise<Answer> {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

async function raw(path: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(server.url + path, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.code);

/** A did:key holder (or foreign issuer) with its private key, from jose. */
async function didKeyParty() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const multikey = jwkToMultikey((await exportJWK(publicKey)) as Parameters<typeof jwkToMultikey>[0]);
  const did = `did:key:${multikey}`;
  return { did, kid: `${did}#${multikey}`, privateKey };
}

function envelope(jwt: string, mediaType = 'application/vc+jwt', type = 'EnvelopedVerifiableCredential') {
  return { '@context': [V2], type, id: `data:${mediaType},${jwt}` };
}

async function issueAbout(subjectId: string): Promise<string> {
  const { jwt } = await issuer.issue({ type: 'ExampleCredential', credentialSubject: { id: subjectId, name: 'Ana Joseph' }, status: [] });
  return jwt;
}

async function presentation(
  holder: Awaited<ReturnType<typeof didKeyParty>>,
  credentials: string[],
  claims: { nonce?: string; aud?: string },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    '@context': [V2],
    type: ['VerifiablePresentation'],
    holder: holder.did,
    verifiableCredential: credentials.map((jwt) => ({
      '@context': V2,
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/vc+jwt,${jwt}`,
    })),
    iss: holder.did,
    ...claims,
    iat: now,
    exp: now + 300,
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'vp+jwt', kid: holder.kid })
    .sign(holder.privateKey);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-vc-api-'));
  issuer = await openIssuer({ path: join(dir, 'issuer.db'), secret: 'vc-api', kdf: { N: 2 ** 10, r: 8, p: 1 } });
  issuerDid = (await issuer.createDid({ method: 'key', keyType: 'Ed25519' })).did;
  server = await startVcApiServer({ issuer, maxBodyBytes: MAX_BODY });
  lenient = await startVcApiServer({ issuer, verifyOptions: { holderBinding: 'none' } });
});

afterAll(async () => {
  await server?.close();
  await lenient?.close();
  await issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function document(overrides: Record<string, unknown> = {}) {
  return {
    '@context': [V2],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    issuer: issuerDid,
    credentialSubject: { id: 'did:example:alice', alumniOf: 'Example University' },
    ...overrides,
  };
}

function payloadOf(enveloped: { id: string }) {
  const jwt = enveloped.id.slice(enveloped.id.indexOf(',') + 1);
  return JSON.parse(utf8Decode(base64urlDecode(jwt.split('.')[1] as string)));
}

describe('POST /credentials/issue', () => {
  it('issues the document as vc+jwt in an EnvelopedVerifiableCredential (201) that /credentials/verify accepts', async () => {
    const credential = document({ validFrom: '2026-01-01T00:00:00Z', name: 'Alumni credential' });
    const issued = await post('/credentials/issue', { credential, options: {} });
    expect(issued.status).toBe(201);
    const envelope = issued.body.verifiableCredential as { '@context': unknown; type: unknown; id: string };
    expect(envelope['@context']).toEqual([V2]);
    expect(envelope.type).toBe('EnvelopedVerifiableCredential');
    expect(envelope.id).toMatch(/^data:application\/vc\+jwt,[\w-]+\.[\w-]+\.[\w-]+$/);
    // Signed as given, plus the id the issuer adds; no status entry.
    const signed = payloadOf(envelope);
    expect(signed).toMatchObject(credential);
    expect(signed.id).toMatch(/^urn:uuid:/);
    expect(signed.credentialStatus).toBeUndefined();
    const header = JSON.parse(utf8Decode(base64urlDecode(envelope.id.split(',')[1]?.split('.')[0] as string)));
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'vc+jwt' });

    const verified = await post('/credentials/verify', { verifiableCredential: envelope });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ verified: true, errors: [] });
    expect(verified.body.checks).toEqual(expect.arrayContaining(['dataModel', 'proof', 'validity']));
  });

  it('refuses a document that breaks the data model: 400 with every violation and its path', async () => {
    const credential = document({
      '@context': ['https://www.w3.org/ns/credentials/examples/v2', V2],
      type: ['ExampleAlumniCredential'],
      credentialSchema: { id: 'https://example.org/schema.json' },
    });
    const a = await post('/credentials/issue', { credential });
    expect(a.status).toBe(400);
    const paths = (a.body.errors ?? []).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/credential/@context/0', '/credential/type', '/credential/credentialSchema/type']));
    for (const e of a.body.errors ?? []) expect(e).toMatchObject({ code: 'MALFORMED', message: expect.any(String) });
  });

  it('refuses an issuer that is not a DID of this database, and a document with a proof', async () => {
    const foreign = await post('/credentials/issue', { credential: document({ issuer: 'did:example:someone-else' }) });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors?.[0]?.path).toBe('/credential/issuer');
    const proof = await post('/credentials/issue', {
      credential: document({ proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofValue: 'z1' } }),
    });
    expect(proof.status).toBe(400);
    expect(proof.body.errors?.[0]?.path).toBe('/credential/proof');
  });

  it('answers a credential id issued before with 409 ALREADY_EXISTS', async () => {
    const credential = document({ id: 'https://registry.example/credentials/409' });
    expect((await post('/credentials/issue', { credential })).status).toBe(201);
    const again = await post('/credentials/issue', { credential });
    expect(again.status).toBe(409);
    expect(codes(again)).toEqual(['ALREADY_EXISTS']);
  });

  it('refuses hostile JSON: a __proto__ member, claims nested past the bound', async () => {
    const text = `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"name":"A","__proto__":{"admin":true}}}}`;
    const proto = await raw('/credentials/issue', { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    expect(proto.status).toBe(400);
    expect(codes(proto)).toEqual(['MALFORMED']);
    const deep = await raw('/credentials/issue', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"name":${'['.repeat(5000)}${']'.repeat(5000)}}}}`,
    });
    expect(deep.status).toBe(400);
    expect(codes(deep)).toEqual(['LIMIT_EXCEEDED']);
  });

  it('refuses a request without a credential object, or with options it does not know', async () => {
    const missing = await post('/credentials/issue', {});
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.[0]).toMatchObject({ code: 'MALFORMED', path: '/credential' });
    const options = await post('/credentials/issue', { credential: document(), options: { credentialId: 'urn:uuid:1' } });
    expect(options.status).toBe(400);
    expect(options.body.errors?.[0]).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/options/credentialId' });
  });
});

describe('POST /credentials/verify', () => {
  it('verifies an enveloped vc+jwt credential of the issuer (200, verified, no errors)', async () => {
    const jwt = await issueAbout('did:example:alice');
    expect(JSON.parse(utf8Decode(base64urlDecode(jwt.split('.')[1] as string))).issuer).toBe(issuerDid);
    const a = await post('/credentials/verify', { verifiableCredential: envelope(jwt), options: { checks: ['proof'] } });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ verified: true, errors: [] });
    expect(a.body.checks).toContain('proof');
  });

  it('rejects a credential whose signed payload was altered (non-2xx, SIGNATURE_INVALID)', async () => {
    const jwt = await issueAbout('did:example:alice');
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const claims = JSON.parse(utf8Decode(base64urlDecode(payload)));
    claims.credentialSubject.name = 'Mallory';
    const tampered = `${header}.${base64urlEncode(utf8Encode(JSON.stringify(claims)))}.${signature}`;
    const a = await post('/credentials/verify', { verifiableCredential: envelope(tampered) });
    expect(a.status).toBe(400);
    expect(a.body.verified).toBe(false);
    expect(codes(a)).toEqual(['SIGNATURE_INVALID']);
  });

  it('rejects a credential signed by an issuer the server does not hold (UNTRUSTED_ISSUER)', async () => {
    const foreign = await didKeyParty();
    const jwt = await new SignJWT({
      '@context': [V2],
      type: ['VerifiableCredential'],
      issuer: foreign.did,
      credentialSubject: { id: 'did:example:alice', name: 'Alice' },
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: foreign.kid })
      .sign(foreign.privateKey);
    const a = await post('/credentials/verify', { verifiableCredential: envelope(jwt) });
    expect(a.status).toBe(400);
    expect(codes(a)).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('rejects envelopes whose @context, type or id break VCDM 2.0 §4.13.1, naming the member', async () => {
    const good = envelope(await issueAbout('did:example:alice'));
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, '@context': [] }, '/@context'],
      [{ ...good, '@context': 'https://www.w3.org/ns/credentials/examples/v2' }, '/@context'],
      [{ ...good, type: 'VerifiableCredential' }, '/type'],
      [{ '@context': good['@context'], id: good.id }, '/type'],
      [{ ...good, id: good.id.split(',')[1] }, '/id'],
    ];
    for (const [verifiableCredential, path] of cases) {
      const a = await post('/credentials/verify', { verifiableCredential });
      expect(a.status, JSON.stringify(verifiableCredential).slice(0, 80)).toBe(400);
      expect(a.body.verified).toBe(false);
      expect(a.body.errors?.[0]).toMatchObject({ code: 'MALFORMED' });
      expect(a.body.errors?.map((e) => e.path)).toContain(path);
    }
  });

  it('rejects what is not a credential: a bare JWT string, a document without a proof', async () => {
    const jwt = await issueAbout('did:example:alice');
    const asString = await post('/credentials/verify', { verifiableCredential: jwt });
    expect(asString.status).toBe(400);
    expect(codes(asString)).toEqual(['MALFORMED']);
    const unsecured = await post('/credentials/verify', { verifiableCredential: { type: ['NonconformingDocument'] } });
    expect(unsecured.status).toBe(400);
    expect(unsecured.body.verified).toBe(false);
  });

  it('refuses unknown members and ill-typed options (INVALID_ARGUMENT with the path)', async () => {
    const verifiableCredential = envelope(await issueAbout('did:example:alice'));
    const extra = await post('/credentials/verify', { verifiableCredential, option: {} });
    expect(extra.status).toBe(400);
    expect(extra.body.errors).toEqual([expect.objectContaining({ code: 'INVALID_ARGUMENT', path: '/option' })]);
    const checks = await post('/credentials/verify', { verifiableCredential, options: { checks: 'proof' } });
    expect(checks.status).toBe(400);
    expect(checks.body.errors).toEqual([expect.objectContaining({ code: 'INVALID_ARGUMENT', path: '/options/checks' })]);
  });
});

describe('POST /presentations/verify', () => {
  it('verifies a vp+jwt with the expected challenge (nonce) and domain (audience)', async () => {
    const holder = await didKeyParty();
    const vp = await presentation(holder, [await issueAbout(holder.did)], { nonce: 'n-123', aud: 'https://bank.example' });
    const ok = await post('/presentations/verify', {
      verifiablePresentation: envelope(vp, 'application/vp+jwt', 'EnvelopedVerifiablePresentation'),
      options: { challenge: 'n-123', domain: 'https://bank.example' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ verified: true, errors: [] });
  });

  it('rejects another challenge (NONCE_MISMATCH) and another domain (AUDIENCE_MISMATCH)', async () => {
    const holder = await didKeyParty();
    const vp = envelope(
      await presentation(holder, [await issueAbout(holder.did)], { nonce: 'n-123', aud: 'https://bank.example' }),
      'application/vp+jwt',
      'EnvelopedVerifiablePresentation',
    );
    const nonce = await post('/presentations/verify', { verifiablePresentation: vp, options: { challenge: 'n-999' } });
    expect(nonce.status).toBe(400);
    expect(codes(nonce)).toEqual(['NONCE_MISMATCH']);
    const audience = await post('/presentations/verify', { verifiablePresentation: vp, options: { domain: 'https://other.example' } });
    expect(audience.status).toBe(400);
    expect(codes(audience)).toEqual(['AUDIENCE_MISMATCH']);
  });

  it("requires presented credentials to be about the holder, unless the verifier's holderBinding is 'none'", async () => {
    const holder = await didKeyParty();
    const vp = envelope(
      await presentation(holder, [await issueAbout('did:example:someone-else')], { nonce: 'n-1' }),
      'application/vp+jwt',
      'EnvelopedVerifiablePresentation',
    );
    const strict = await post('/presentations/verify', { verifiablePresentation: vp, options: { challenge: 'n-1' } });
    expect(strict.status).toBe(400);
    expect(codes(strict)).toEqual(['HOLDER_BINDING']);
    const relaxed = await post('/presentations/verify', { verifiablePresentation: vp, options: { challenge: 'n-1' } }, lenient.url);
    expect(relaxed.status).toBe(200);
    expect(relaxed.body.verified).toBe(true);
    expect(relaxed.body.checks).not.toContain('holderBinding');
    // holderBinding 'none' relaxes nothing else: a wrong challenge still fails.
    const wrong = await post('/presentations/verify', { verifiablePresentation: vp, options: { challenge: 'n-2' } }, lenient.url);
    expect(wrong.status).toBe(400);
    expect(codes(wrong)).toContain('NONCE_MISMATCH');
  });

  it('rejects a presentation envelope with a wrong type or an id that is not a data: URL', async () => {
    const holder = await didKeyParty();
    const vp = envelope(
      await presentation(holder, [await issueAbout(holder.did)], {}),
      'application/vp+jwt',
      'EnvelopedVerifiablePresentation',
    );
    for (const verifiablePresentation of [
      { ...vp, type: ['VerifiablePresentation'] },
      { ...vp, id: vp.id.split(',')[1] },
    ]) {
      const a = await post('/presentations/verify', { verifiablePresentation });
      expect(a.status).toBe(400);
      expect(codes(a)[0]).toBe('MALFORMED');
    }
  });

  it('refuses a challenge that is not a string (INVALID_ARGUMENT)', async () => {
    const a = await post('/presentations/verify', { verifiablePresentation: {}, options: { challenge: 42 } });
    expect(a.status).toBe(400);
    expect(a.body.errors).toEqual([expect.objectContaining({ code: 'INVALID_ARGUMENT', path: '/options/challenge' })]);
  });
});

describe('HTTP', () => {
  it('answers bad JSON with 400 MALFORMED', async () => {
    const a = await raw('/credentials/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"verifiableCredential": ',
    });
    expect(a.status).toBe(400);
    expect(codes(a)).toEqual(['MALFORMED']);
  });

  it('answers a body that is not UTF-8 with 400 MALFORMED', async () => {
    const body = Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]);
    const a = await raw('/credentials/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(a.status).toBe(400);
    expect(codes(a)).toEqual(['MALFORMED']);
  });

  it('answers JSON whose text says more than JSON.parse keeps (a repeated member, an inexact integer) with 400 and the path', async () => {
    const json = { method: 'POST', headers: { 'content-type': 'application/json' } };
    const twice = await raw('/credentials/issue', {
      ...json,
      body: `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"issuer":"did:example:a","issuer":"${issuerDid}","credentialSubject":{"name":"A"}}}`,
    });
    expect(twice.status).toBe(400);
    expect(twice.body.errors).toEqual([expect.objectContaining({ code: 'MALFORMED', path: '/credential/issuer' })]);
    const big = await raw('/credentials/issue', {
      ...json,
      body: `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"serial":12345678901234567890}}}`,
    });
    expect(big.status).toBe(400);
    expect(big.body.errors).toEqual([expect.objectContaining({ code: 'MALFORMED', path: '/credential/credentialSubject/serial' })]);
  });

  it('answers a JSON body that is not an object with 400', async () => {
    const a = await post('/credentials/issue', [1, 2]);
    expect(a.status).toBe(400);
    expect(codes(a)).toEqual(['MALFORMED']);
  });

  it('answers a body that is not JSON by its content type with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const a = await raw('/credentials/verify', { method: 'POST', headers: { 'content-type': type }, body: '{}' });
      expect(a.status, type).toBe(415);
      expect(codes(a)).toEqual(['UNSUPPORTED_FORMAT']);
    }
  });

  it('answers a body over the size bound with 413, declared or streamed', async () => {
    const big = JSON.stringify({ verifiableCredential: 'x'.repeat(MAX_BODY) });
    const declared = await raw('/credentials/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(codes(declared)).toEqual(['LIMIT_EXCEEDED']);
    // Chunked, with no Content-Length: counted while it arrives.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/credentials/verify`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(big.slice(0, MAX_BODY / 2));
      req.end(big.slice(MAX_BODY / 2));
    });
    expect(streamed).toBe(413);
  });

  it('answers an unknown route with 404 and a wrong method with 405 (Allow: POST)', async () => {
    const missing = await post('/credentials/derive', {});
    expect(missing.status).toBe(404);
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    const get = await raw('/credentials/verify', { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(codes(get)).toEqual(['INVALID_ARGUMENT']);
  });
});
