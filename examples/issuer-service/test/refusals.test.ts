import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAdminKey } from '../src/auth.js';
import { credentialDocument, post, startTestService, type TestService } from './helpers.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ limits: { bodyBytes: 4096 } });
});
afterAll(async () => {
  await service.stop();
});

interface Refusal {
  errors: Array<{ code: string; message: string; path?: string }>;
}

const issueUrl = () => `${service.base}/credentials/issue`;

describe('admin authentication', () => {
  it('answers 401 UNAUTHORIZED with a Bearer challenge when no key is given', async () => {
    const res = await post(issueUrl(), { credential: credentialDocument() });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(((await res.json()) as Refusal).errors[0]?.code).toBe('UNAUTHORIZED');
  });

  it('answers 403 FORBIDDEN for a well-formed key that is not configured', async () => {
    const res = await post(issueUrl(), { credential: credentialDocument() }, newAdminKey().key);
    expect(res.status).toBe(403);
    expect(((await res.json()) as Refusal).errors[0]?.code).toBe('FORBIDDEN');
  });

  it('answers 401 for a malformed Authorization header (another scheme, no token, a space in it)', async () => {
    for (const authorization of [`Basic ${Buffer.from('admin:x').toString('base64')}`, 'Bearer', 'Bearer a b', service.adminKey]) {
      const res = await post(issueUrl(), { credential: credentialDocument() }, undefined, { authorization });
      expect(res.status, authorization.slice(0, 12)).toBe(401);
    }
  });

  it('accepts the key in X-API-Key too, and refuses a wrong one there with 403', async () => {
    const ok = await post(issueUrl(), { credential: credentialDocument() }, undefined, { 'x-api-key': service.adminKey });
    expect(ok.status).toBe(201);
    const wrong = await post(issueUrl(), { credential: credentialDocument() }, undefined, { 'x-api-key': `${service.adminKey}x` });
    expect(wrong.status).toBe(403);
  });

  it('checks the key before reading the body (an unauthenticated bad body is 401, not 400)', async () => {
    const res = await post(issueUrl(), '{not json');
    expect(res.status).toBe(401);
  });

  it('protects POST /credentials/status the same way', async () => {
    const body = {
      credentialId: 'urn:uuid:x',
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' },
      status: true,
    };
    expect((await post(`${service.base}/credentials/status`, body)).status).toBe(401);
    expect((await post(`${service.base}/credentials/status`, body, newAdminKey().key)).status).toBe(403);
  });
});

describe('request bodies', () => {
  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a body that is not application/json', async () => {
    const res = await post(issueUrl(), JSON.stringify({ credential: credentialDocument() }), service.adminKey, {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as Refusal).errors[0]?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 413 LIMIT_EXCEEDED above the configured body limit (public and admin routes)', async () => {
    const big = credentialDocument({ note: 'x'.repeat(5000) });
    const res = await post(issueUrl(), { credential: big }, service.adminKey);
    expect(res.status).toBe(413);
    expect(((await res.json()) as Refusal).errors[0]?.code).toBe('LIMIT_EXCEEDED');
    const verify = await post(`${service.base}/credentials/verify`, { verifiableCredential: big });
    expect(verify.status).toBe(413);
  });

  it('stops reading a chunked body (no Content-Length) as soon as it passes the limit', async () => {
    let sent = 0;
    const chunk = new TextEncoder().encode(`"${'x'.repeat(1022)}",`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"verifiableCredential": ['));
      },
      pull(controller) {
        // Up to 64 MiB if the server kept reading.
        if (sent >= 64 * 1024 * 1024) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${service.base}/credentials/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as Refusal).errors[0]?.code).toBe('LIMIT_EXCEEDED');
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('answers 400 MALFORMED for text that is not JSON', async () => {
    const res = await post(issueUrl(), '{"credential": ', service.adminKey);
    expect(res.status).toBe(400);
    expect(((await res.json()) as Refusal).errors[0]?.code).toBe('MALFORMED');
  });

  it('answers 400 MALFORMED with the path for a repeated member name (JSON.parse would keep the last)', async () => {
    const text =
      '{"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": "did:example:a", "issuer": "did:example:b", "credentialSubject": {"id": "did:example:ana"}}}';
    const res = await post(issueUrl(), text, service.adminKey);
    expect(res.status).toBe(400);
    const { errors } = (await res.json()) as Refusal;
    expect(errors[0]).toMatchObject({ code: 'MALFORMED', path: '/credential/issuer' });
  });

  it('answers 400 with every schema violation and its path', async () => {
    const res = await post(
      issueUrl(),
      { credential: 'a string', options: { status: ['expiry'], format: 'ldp_vc' }, extra: 1 },
      service.adminKey,
    );
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as Refusal).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/credential', '/options/status/0', '/options/format', '']));
  });

  it('answers 400 with the data-model paths for a document that is not a valid credential', async () => {
    const res = await post(
      issueUrl(),
      { credential: { ...credentialDocument(), id: 'not a url', validFrom: 'yesterday' } },
      service.adminKey,
    );
    expect(res.status).toBe(400);
    const { errors } = (await res.json()) as Refusal;
    expect(errors.every((e) => e.code === 'MALFORMED')).toBe(true);
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(['/credential/id', '/credential/validFrom']));
  });

  it('answers 400 for a document that names another issuer or carries a proof', async () => {
    const other = await post(issueUrl(), { credential: { ...credentialDocument(), issuer: 'did:example:someone-else' } }, service.adminKey);
    expect([400, 404]).toContain(other.status);
    const proof = await post(
      issueUrl(),
      { credential: { ...credentialDocument(), proof: { type: 'DataIntegrityProof' } } },
      service.adminKey,
    );
    expect(proof.status).toBe(400);
    expect(((await proof.json()) as Refusal).errors[0]?.path).toBe('/credential/proof');
  });

  it('answers 404 NOT_FOUND as JSON for an unknown route, and for GET on a POST route', async () => {
    const res = await fetch(`${service.base}/credentials/nothing`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Refusal).errors[0]?.code).toBe('NOT_FOUND');
    expect((await fetch(`${service.base}/credentials/issue`)).status).toBe(404);
  });
});
