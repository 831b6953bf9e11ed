import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../../../test/support/database.js';
import { post, startTestService, type TestService } from './helpers.js';

// A batch upload through the whole service (on PostgreSQL: the jobs table in the issuer's
// database), then a revocation through the VC-API that the published list shows.
describe(`batch upload through the service (${testEngine()})`, () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${service.adminKey}` });

  it('issues every valid record once, reports the invalid one, and serves the credentials; a revocation shows in the status list', async () => {
    const lines = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ recordKey: `pg-${i}`, subjectId: `did:example:pg-${i}`, givenName: `Person ${i}` }),
    );
    lines.push(JSON.stringify({ recordKey: 'pg-bad', subjectId: 'not a uri', givenName: 'X' }));
    const res = await fetch(`${service.base}/batches?type=BirthCertificate&status=revocation&transactionSize=8`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    let job: { status: string; counts: { total: number; issued: number; invalid: number } } | undefined;
    for (let i = 0; i < 500; i++) {
      job = (await (await fetch(`${service.base}/batches/${id}`, { headers: auth() })).json()) as typeof job;
      if (job?.status === 'completed' || job?.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(job).toMatchObject({ status: 'completed', counts: { total: 40, issued: 40, invalid: 1 } });

    const text = await (await fetch(`${service.base}/batches/${id}/credentials`, { headers: auth() })).text();
    const issued = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { recordKey: string; id: string; jwt: string });
    expect(issued).toHaveLength(40);
    expect(new Set(issued.map((c) => c.recordKey)).size).toBe(40);
    const log = await service.context.issuer.log({ batchId: id, limit: 100 });
    expect(log.map((r) => r.credentialId).sort()).toEqual(issued.map((c) => c.id).sort());

    // Revoke one through the VC-API; the service's verify endpoint reads its own published list.
    const first = issued[0] as { id: string; jwt: string };
    const revoked = await post(
      `${service.base}/credentials/status`,
      { credentialId: first.id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true },
      service.adminKey,
    );
    expect(revoked.status).toBe(200);
    const verify = (jwt: string) =>
      post(`${service.base}/credentials/verify`, {
        verifiableCredential: {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: 'EnvelopedVerifiableCredential',
          id: `data:application/vc+jwt,${jwt}`,
        },
      });
    const after = (await (await verify(first.jwt)).json()) as { verified: boolean; errors: Array<{ code: string }> };
    expect(after.verified).toBe(false);
    expect(after.errors.map((e) => e.code)).toContain('REVOKED');
    expect(((await (await verify((issued[1] as { jwt: string }).jwt)).json()) as { verified: boolean }).verified).toBe(true);
  });
});
