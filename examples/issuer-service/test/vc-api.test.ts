import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialDocument, post, startTestService, type TestService } from './helpers.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.stop();
});

describe('VC-API over HTTP', () => {
  it('issues a vc+jwt credential as an EnvelopedVerifiableCredential that then verifies', async () => {
    const res = await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey);
    expect(res.status).toBe(201);
    const { verifiableCredential } = (await res.json()) as { verifiableCredential: { type: string; id: string } };
    expect(verifiableCredential.type).toBe('EnvelopedVerifiableCredential');
    expect(verifiableCredential.id.startsWith('data:application/vc+jwt,')).toBe(true);
    const verified = await post(`${service.base}/credentials/verify`, { verifiableCredential });
    const result = (await verified.json()) as { verified: boolean; checks: string[]; errors: unknown[] };
    expect(result.errors).toEqual([]);
    expect(verified.status).toBe(200);
    expect(result.checks).toContain('status');
  });
});
