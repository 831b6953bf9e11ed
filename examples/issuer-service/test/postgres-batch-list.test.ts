import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../../../test/support/database.js';
import { startTestService, type TestService } from './helpers.js';

// GET /batches on the engine of the run (on PostgreSQL: the jobs table in the issuer's
// database, paged with bound LIMIT and OFFSET): newest first, pages that neither overlap
// nor skip a job.
describe(`listing batch jobs (${testEngine()})`, () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${service.adminKey}` });

  it('lists every job once, newest first, across pages of limit and offset', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) {
      const res = await fetch(`${service.base}/batches?type=BirthCertificate&transactionSize=5`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify({ recordKey: `list-${n}`, subjectId: `did:example:list-${n}`, givenName: `P${n}` })}\n`,
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const page = async (limit: number, offset: number) => {
      const res = await fetch(`${service.base}/batches?limit=${limit}&offset=${offset}`, { headers: auth() });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { batches: Array<{ id: string; status: string }>; limit: number; offset: number };
      expect(body).toMatchObject({ limit, offset });
      return body.batches.map((b) => b.id);
    };
    const pages = [...(await page(2, 0)), ...(await page(2, 2)), ...(await page(2, 4))];
    expect(pages).toEqual([...ids].reverse());
    expect(await page(2, 6)).toEqual([]);
  });
});
