// PostgreSQL going away under a running batch job and under the published status lists:
// a server of this test's own, stopped (`pg_ctl stop -m fast`) and started again on the
// same data folder and port while the service runs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../../../scripts/postgres.mjs';
import { testEngine } from '../../../test/support/database.js';
import { credentialDocument, post, startTestService, type TestService } from './helpers.js';

const COUNT = 2000;

describe.skipIf(testEngine() !== 'postgres')('PostgreSQL stopped and started again under a running batch job', () => {
  let server: PostgresServer;
  let service: TestService;
  let folder: string;

  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
    folder = await mkdtemp(join(tmpdir(), 'tw-batch-outage-'));
    service = await startTestService({ database: await server.createDatabase(), batchFolder: folder, batchLeaseSeconds: 1 });
  });
  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: `Bearer ${service.adminKey}` });
  // The job as any request sees it; undefined while the database is away (503).
  const job = async (
    id: string,
  ): Promise<{ status: string; runs: number; counts: { issued: number; total: number | null } } | undefined> => {
    const res = await fetch(`${service.base}/batches/${id}`, { headers: auth() });
    if (res.status === 503) return undefined;
    expect(res.status).toBe(200);
    return (await res.json()) as never;
  };
  const logged = (text: string) => service.logs.some((l) => l.includes(text));

  it('stops the job at a transaction boundary and answers 503 for the lists, then resumes the job and publishes again once the database is back', async () => {
    const issued = await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey);
    expect(issued.status).toBe(201);
    expect((await fetch(`${service.base}/status/1`)).status).toBe(200);

    const lines = Array.from({ length: COUNT }, (_, i) =>
      JSON.stringify({ recordKey: `outage-${i}`, subjectId: `did:example:outage-${i}`, givenName: `Person ${i}` }),
    );
    const upload = await fetch(`${service.base}/batches?type=NationalIdCredential&transactionSize=10`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    });
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as { id: string };
    for (;;) {
      const j = await job(id);
      if (j && j.status === 'running' && j.counts.issued > 0) break;
      expect(j?.status).not.toBe('completed');
      await new Promise((r) => setTimeout(r, 20));
    }

    await server.pause();
    try {
      // The runner finds out at its next transaction or lease renewal, and stops.
      while (!logged('batch job stopped on a storage failure') && !logged('batch job lease lost')) {
        await new Promise((r) => setTimeout(r, 20));
      }
      // The lists are checked against the database at most once a second: past that, 503.
      await new Promise((r) => setTimeout(r, 1100));
      const list = await fetch(`${service.base}/status/1`);
      expect(list.status).toBe(503);
      expect(list.headers.get('retry-after')).toBe('5');
      expect(await job(id)).toBeUndefined();
    } finally {
      await server.resume();
    }

    // Back: the job is claimed again (its lease ran out) and completes, each record once.
    let done: Awaited<ReturnType<typeof job>>;
    for (;;) {
      done = await job(id);
      if (done && (done.status === 'completed' || done.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(done).toMatchObject({ status: 'completed', counts: { total: COUNT, issued: COUNT } });
    expect(done.runs).toBeGreaterThanOrEqual(2);
    const log = await service.context.issuer.log({ batchId: id, limit: 10_000 });
    expect(log).toHaveLength(COUNT);
    expect(new Set(log.map((l) => l.recordKey)).size).toBe(COUNT);
    const file = await (await fetch(`${service.base}/batches/${id}/credentials`, { headers: auth() })).text();
    const ids = file
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toHaveLength(COUNT);
    expect(new Set(ids)).toEqual(new Set(log.map((l) => l.credentialId)));
    expect((await fetch(`${service.base}/status/1`)).status).toBe(200);
  }, 120_000);
});
