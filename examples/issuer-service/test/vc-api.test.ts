import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialDocument, post, startTestService, type TestService } from './helpers.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.stop();
});

interface Envelope {
  '@context': string[];
  type: string;
  id: string;
}

async function issue(credential: Record<string, unknown>, options?: Record<string, unknown>): Promise<Envelope> {
  const res = await post(`${service.base}/credentials/issue`, { credential, ...(options ? { options } : {}) }, service.adminKey);
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { verifiableCredential: Envelope }).verifiableCredential;
}

async function verify(
  verifiableCredential: unknown,
): Promise<{ status: number; body: { verified: boolean; checks: string[]; errors: Array<{ code: string }> } }> {
  const res = await post(`${service.base}/credentials/verify`, { verifiableCredential });
  return { status: res.status, body: (await res.json()) as never };
}

function payloadOf(envelope: Envelope): Record<string, unknown> {
  return decodeJwt(envelope.id.slice(envelope.id.indexOf(',') + 1));
}

async function setStatus(credentialId: string, statusPurpose: string, status: boolean): Promise<Response> {
  return post(
    `${service.base}/credentials/status`,
    { credentialId, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose }, status },
    service.adminKey,
  );
}

describe('VC-API issue and verify over HTTP', () => {
  it('issues a VCDM 2.0 document as vc+jwt in an EnvelopedVerifiableCredential (VCDM 2.0 §4.13) that then verifies', async () => {
    const envelope = await issue(credentialDocument());
    expect(envelope['@context']).toEqual(['https://www.w3.org/ns/credentials/v2']);
    expect(envelope.type).toBe('EnvelopedVerifiableCredential');
    expect(envelope.id.startsWith('data:application/vc+jwt,')).toBe(true);
    const payload = payloadOf(envelope);
    expect(payload.issuer).toBe(service.did);
    // Both default purposes, each at a list URL under the base URL's /status.
    const entries = payload.credentialStatus as Array<{ statusPurpose: string; statusListCredential: string }>;
    expect(entries.map((e) => e.statusPurpose)).toEqual(['revocation', 'suspension']);
    for (const e of entries) expect(e.statusListCredential).toMatch(new RegExp(`^${service.config.baseUrl}/status/[1-9][0-9]*$`));

    const { status, body } = await verify(envelope);
    expect(body.errors).toEqual([]);
    expect(status).toBe(200);
    expect(body.verified).toBe(true);
    expect(body.checks).toEqual(expect.arrayContaining(['proof', 'trustedIssuers', 'status']));
  });

  it('issues a VCDM 1.1 document as jwt_vc, enveloped as data:application/jwt, that then verifies', async () => {
    const envelope = await issue({
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'NationalIdCredential'],
      credentialSubject: { id: 'did:example:ana', givenName: 'Ana' },
    });
    expect(envelope.id.startsWith('data:application/jwt,')).toBe(true);
    expect(payloadOf(envelope).vc).toBeDefined();
    const { status, body } = await verify(envelope);
    expect(body.errors).toEqual([]);
    expect(status).toBe(200);
  });

  it('issues without status entries when options.status is []', async () => {
    const envelope = await issue(credentialDocument(), { status: [] });
    expect(payloadOf(envelope).credentialStatus).toBeUndefined();
    expect((await verify(envelope)).status).toBe(200);
  });

  it('refuses a second issuance under the same recordKey with 409 ALREADY_EXISTS', async () => {
    await issue(credentialDocument(), { recordKey: 'registry-row-7' });
    const res = await post(
      `${service.base}/credentials/issue`,
      { credential: credentialDocument(), options: { recordKey: 'registry-row-7' } },
      service.adminKey,
    );
    expect(res.status).toBe(409);
    expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('ALREADY_EXISTS');
  });

  it('refuses a credential from another issuer at verification (UNTRUSTED_ISSUER or unresolvable), never verified', async () => {
    const envelope = await issue(credentialDocument());
    const jwt = envelope.id.slice(envelope.id.indexOf(',') + 1);
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    payload.issuer = 'did:web:elsewhere.example';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    const { status, body } = await verify({ ...envelope, id: `data:application/vc+jwt,${forged}` });
    expect(status).toBe(400);
    expect(body.verified).toBe(false);
    expect(body.errors.length).toBeGreaterThan(0);
  });

  it('answers a bare JWT string for a credential with verified: false and MALFORMED', async () => {
    const envelope = await issue(credentialDocument());
    const { status, body } = await verify(envelope.id.slice(envelope.id.indexOf(',') + 1));
    expect(status).toBe(400);
    expect(body.verified).toBe(false);
    expect(body.errors[0]?.code).toBe('MALFORMED');
  });

  it('answers a presentation that is not one with verified: false', async () => {
    const res = await post(`${service.base}/presentations/verify`, {
      verifiablePresentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'VerifiablePresentation' },
      options: { challenge: 'n-1', domain: 'https://verifier.example' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { verified: boolean; errors: unknown[] };
    expect(body.verified).toBe(false);
    expect(body.errors.length).toBeGreaterThan(0);
  });
});

describe('VC-API credential status (revoke, suspend, reinstate)', () => {
  it('revokes: the credential then verifies as REVOKED, and revocation cannot be undone', async () => {
    const envelope = await issue(credentialDocument());
    const id = payloadOf(envelope).id as string;
    expect((await verify(envelope)).status).toBe(200);

    const res = await setStatus(id, 'revocation', true);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ credentialId: id, statusPurpose: 'revocation', status: true, changed: true });
    const after = await verify(envelope);
    expect(after.status).toBe(400);
    expect(after.body.errors.map((e) => e.code)).toContain('REVOKED');

    const again = await setStatus(id, 'revocation', true);
    expect(((await again.json()) as { changed: boolean }).changed).toBe(false);
    const undo = await setStatus(id, 'revocation', false);
    expect(undo.status).toBe(400);
    expect((await verify(envelope)).body.errors.map((e) => e.code)).toContain('REVOKED');
  });

  it('suspends (SUSPENDED) and reinstates (verified again)', async () => {
    const envelope = await issue(credentialDocument());
    const id = payloadOf(envelope).id as string;
    expect((await setStatus(id, 'suspension', true)).status).toBe(200);
    expect((await verify(envelope)).body.errors.map((e) => e.code)).toContain('SUSPENDED');
    expect((await setStatus(id, 'suspension', false)).status).toBe(200);
    const back = await verify(envelope);
    expect(back.body.errors).toEqual([]);
    expect(back.status).toBe(200);
  });

  it('answers 404 NOT_FOUND for a credential this service did not issue', async () => {
    const res = await setStatus('urn:uuid:5d8e4a5e-0000-4000-8000-000000000000', 'revocation', true);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('NOT_FOUND');
  });

  it('answers 400 for a purpose the credential has no entry for', async () => {
    const envelope = await issue(credentialDocument(), { status: ['revocation'] });
    const res = await setStatus(payloadOf(envelope).id as string, 'suspension', true);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('INVALID_ARGUMENT');
  });

  it('refuses a status request outside the VC-API shape, naming the path', async () => {
    const res = await post(
      `${service.base}/credentials/status`,
      { credentialId: 'urn:uuid:x', credentialStatus: { type: 'StatusList2021Entry', statusPurpose: 'revocation' }, status: 'yes' },
      service.adminKey,
    );
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/credentialStatus/type', '/status']));
  });
});

describe('group commit', () => {
  it('issues many concurrent requests, each durable and answered once, one bad request failing alone', async () => {
    const good = Array.from({ length: 40 }, (_, i) =>
      post(`${service.base}/credentials/issue`, { credential: credentialDocument({ givenName: `Ana ${i}` }) }, service.adminKey),
    );
    const bad = post(
      `${service.base}/credentials/issue`,
      { credential: { ...credentialDocument(), validFrom: 'yesterday' } },
      service.adminKey,
    );
    const [badRes, ...goodRes] = await Promise.all([bad, ...good]);
    expect(badRes?.status).toBe(400);
    const ids = new Set<string>();
    for (const res of goodRes) {
      expect(res.status).toBe(201);
      const { verifiableCredential } = (await res.json()) as { verifiableCredential: Envelope };
      ids.add(payloadOf(verifiableCredential).id as string);
    }
    expect(ids.size).toBe(40);
    for (const id of ids) expect((await service.context.issuer.getIssued(id)).credentialId).toBe(id);
  });
});
