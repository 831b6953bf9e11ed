import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKey, type TestKey, vpJwt } from '../../../packages/verifier/test/helpers/producers.js';
import { credentialDocument, post, startTestService, type TestService } from './helpers.js';

interface Answer {
  verified: boolean;
  checks: string[];
  errors: Array<{ code: string }>;
}

async function issueTo(service: TestService, subject: string): Promise<string> {
  const res = await post(`${service.base}/credentials/issue`, { credential: credentialDocument({ id: subject }) }, service.adminKey);
  expect(res.status).toBe(201);
  const { verifiableCredential } = (await res.json()) as { verifiableCredential: { id: string } };
  return verifiableCredential.id.slice(verifiableCredential.id.indexOf(',') + 1);
}

async function verifyPresentation(
  service: TestService,
  vp: string,
  options?: Record<string, unknown>,
): Promise<{ status: number; body: Answer }> {
  const res = await post(`${service.base}/presentations/verify`, {
    verifiablePresentation: {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: 'EnvelopedVerifiablePresentation',
      id: `data:application/vp+jwt,${vp}`,
    },
    ...(options ? { options } : {}),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

describe('POST /presentations/verify', () => {
  let service: TestService;
  let holder: TestKey;
  beforeAll(async () => {
    service = await startTestService();
    holder = didKey();
  });
  afterAll(async () => {
    await service.stop();
  });

  it('verifies an enveloped vp+jwt holding the holder’s own credential, with challenge and domain as nonce and audience', async () => {
    const vp = await vpJwt(holder, [await issueTo(service, holder.did)], { nonce: 'n-0S6_WzA2Mj', aud: 'https://bank.example.bb' });
    const { status, body } = await verifyPresentation(service, vp, { challenge: 'n-0S6_WzA2Mj', domain: 'https://bank.example.bb' });
    expect(body.errors).toEqual([]);
    expect(status).toBe(200);
    expect(body.checks).toEqual(expect.arrayContaining(['proof', 'nonce', 'audience', 'credentials']));
  });

  it('refuses a presentation whose nonce is not the challenge (NONCE_MISMATCH)', async () => {
    const vp = await vpJwt(holder, [await issueTo(service, holder.did)], { nonce: 'old-nonce' });
    const { status, body } = await verifyPresentation(service, vp, { challenge: 'fresh-nonce' });
    expect(status).toBe(400);
    expect(body.errors.map((e) => e.code)).toContain('NONCE_MISMATCH');
  });

  it('refuses, by default, a credential about someone else than the holder (HOLDER_BINDING)', async () => {
    const vp = await vpJwt(holder, [await issueTo(service, 'did:example:someone-else')]);
    const { status, body } = await verifyPresentation(service, vp);
    expect(status).toBe(400);
    expect(body.errors.map((e) => e.code)).toContain('HOLDER_BINDING');
  });
});

describe('recognition policy', () => {
  it('with "holderBinding": "none" in the configured policy, accepts a credential about someone else (VCDM 2.0)', async () => {
    const first = await startTestService();
    const policy = join(first.dir, 'policy.json');
    await first.close();
    await writeFile(policy, JSON.stringify({ holderBinding: 'none' }));
    const service = await startTestService({ recognition: { policy } });
    try {
      const holder = didKey();
      const vp = await vpJwt(holder, [await issueTo(service, 'did:example:a-child')]);
      const { status, body } = await verifyPresentation(service, vp);
      expect(body.errors).toEqual([]);
      expect(status).toBe(200);
    } finally {
      await service.stop();
      await first.stop().catch(() => {});
    }
  });

  it('refuses to start with a policy file that is not a recognition policy', async () => {
    const first = await startTestService();
    const policy = join(first.dir, 'policy.json');
    await first.close();
    await writeFile(policy, JSON.stringify({ holderBindng: 'none' }));
    await expect(startTestService({ recognition: { policy } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await first.stop().catch(() => {});
  });
});
