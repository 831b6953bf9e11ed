// Batch jobs shared by several service instances (here: two batch modules over one issuer
// database, one state database and one batch folder, in one process): a job runs on one
// instance at a time, under a lease; a lease that ran out is taken over; any instance
// answers for any job.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier } from '@tradewind/verifier';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../test/support/database.js';
import { newAdminKey } from '../src/auth.js';
import type { ServiceConfig, ServiceContext, ServiceModule } from '../src/context.js';
import { HttpError } from '../src/errors.js';
import { createBatchModule } from '../src/routes/batches.js';
import { STATE_MIGRATIONS } from '../src/state-migrations.js';
import { StateStore } from '../src/state-store.js';

const KDF = { N: 2 ** 10, r: 8, p: 1 };
const LEASE_SECONDS = 1;
const admin = newAdminKey();
const auth = { authorization: `Bearer ${admin.key}` };

interface Instance {
  url: string;
  issuer: Issuer;
  state: StateStore;
  module: ServiceModule;
  logs: string[];
  close(): Promise<void>;
}

interface JobView {
  id: string;
  status: string;
  counts: { total: number | null; issued: number; skipped: number; invalid: number };
  progress: { done: number; total: number | null };
  runs: number;
  lease?: { instance: string; until: string };
  error?: { code: string; message: string };
}

let dir: string;
let database: string;
let stateDatabase: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-service-batch-lease-'));
  database = await testDatabase(dir, 'issuer');
  stateDatabase = database.startsWith('postgres') ? database : join(dir, 'state.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One instance: the batch module over the shared databases and folder, on a port of its own. */
async function instance(folder = join(dir, 'batches')): Promise<Instance> {
  const issuer = await openIssuer({
    database,
    secret: 'batch-lease-test',
    kdf: KDF,
    statusListBaseUrl: 'https://registry.gov.example/status',
  });
  const did = (await issuer.listDids())[0]?.did ?? (await issuer.createDid()).did;
  const state = await StateStore.open(stateDatabase, { migrations: STATE_MIGRATIONS });
  const config = {
    host: '127.0.0.1',
    port: 0,
    baseUrl: 'https://registry.gov.example',
    database,
    stateDatabase,
    batchFolder: folder,
    batchLeaseSeconds: LEASE_SECONDS,
    secret: 'batch-lease-test',
    adminKeyHashes: [admin.hash],
    limits: { bodyBytes: 1024 * 1024, batchBytes: 4 * 1024 * 1024, publicRequestsPerWindow: 1000, windowMs: 60_000 },
    statusListValidForSeconds: 86_400,
    oid4vci: { offerTtlSeconds: 600, tokenTtlSeconds: 300, nonceTtlSeconds: 300, credentialConfigurations: {} },
    allowInsecureHttp: true,
    logLevel: 'info',
  } as ServiceConfig;
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
  let draining = false;
  const ctx: ServiceContext = {
    config,
    issuer,
    did,
    verifier: createVerifier({ trustedIssuers: [did] }),
    logger,
    state,
    issue: (request) => issuer.issue(request),
    track: async (work) => {
      if (draining) throw new HttpError(503, 'SHUTTING_DOWN', 'shutting down');
      return work();
    },
  };
  const module = await createBatchModule(ctx);
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json({ errors: error.issues }, error.status as 400);
    if (error instanceof TradewindError) return c.json({ errors: [{ code: error.code, message: error.message }] }, 500);
    return c.json({ errors: [{ code: 'UNEXPECTED', message: String(error) }] }, 500);
  });
  app.route('/', module.routes);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issuer,
    state,
    module,
    logs,
    async close() {
      draining = true;
      await module.shutdown?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await state.close();
      await issuer.close();
    },
  };
}

function records(prefix: string, count: number): string {
  return `${Array.from({ length: count }, (_, i) =>
    JSON.stringify({ recordKey: `${prefix}-${i}`, subjectId: `did:example:${prefix}-${i}`, givenName: `Person ${i}` }),
  ).join('\n')}\n`;
}

async function upload(via: Instance, body: string, query = '?type=BirthCertificate&transactionSize=20'): Promise<string> {
  const res = await fetch(`${via.url}/batches${query}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    body,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function job(via: Instance, id: string): Promise<JobView> {
  const res = await fetch(`${via.url}/batches/${id}`, { headers: auth });
  expect(res.status).toBe(200);
  return (await res.json()) as JobView;
}

async function until(via: Instance, id: string, done: (j: JobView) => boolean): Promise<JobView> {
  for (;;) {
    const j = await job(via, id);
    if (done(j)) return j;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const finished = (j: JobView) => j.status === 'completed' || j.status === 'failed';

describe('batch jobs shared by several instances', () => {
  it('runs each job on one instance at a time: a job uploaded to a busy instance is run by an idle one, each record issued once, every route answered by either', async () => {
    const a = await instance();
    const b = await instance();
    try {
      const first = await upload(a, records('long', 3000), '?type=BirthCertificate&transactionSize=10');
      await until(b, first, (j) => j.status === 'running' || finished(j));
      const small: string[] = [];
      for (let k = 0; k < 3; k++) small.push(await upload(a, records(`short-${k}`, 100)));
      // While the long job runs, one of the short ones runs too: on the other instance.
      let together: Array<{ id: string; state: string; lease_owner: string | null }> | undefined;
      for (;;) {
        const rows = await a.state.all<{ id: string; state: string; lease_owner: string | null }>(
          `SELECT id, state, lease_owner FROM batch_jobs WHERE id IN (?, ?, ?, ?) AND state = 'running'`,
          [first, ...small],
        );
        if (rows.length >= 2) {
          together = rows;
          break;
        }
        const long = await job(b, first);
        expect(finished(long), 'the long job ended before any other job ran beside it').toBe(false);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(new Set(together.map((r) => r.lease_owner)).size).toBe(together.length);
      const done = await Promise.all([first, ...small].map((id) => until(b, id, finished)));
      for (const [k, d] of done.entries()) {
        const total = k === 0 ? 3000 : 100;
        expect(d).toMatchObject({ status: 'completed', runs: 1, counts: { total, issued: total, skipped: 0, invalid: 0 } });
        expect(d.lease).toBeUndefined();
      }
      for (const [k, id] of [first, ...small].entries()) {
        const log = await a.issuer.log({ batchId: id, limit: 10_000 });
        expect(log).toHaveLength(k === 0 ? 3000 : 100);
        const lines = (await (await fetch(`${b.url}/batches/${id}/credentials`, { headers: auth })).text()).trim().split('\n');
        expect(lines).toHaveLength(log.length);
        expect(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id))).toEqual(new Set(log.map((l) => l.credentialId)));
      }
      // Deleted through the other instance: row and files gone for both.
      const deleted = await fetch(`${b.url}/batches/${small[0]}`, { method: 'DELETE', headers: auth });
      expect(deleted.status).toBe(204);
      expect((await fetch(`${a.url}/batches/${small[0]}`, { headers: auth })).status).toBe(404);
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);

  it('leaves a job under a live lease alone, takes it over once the lease has run out, and counts what the dead run committed from the log', async () => {
    const a = await instance();
    const count = 600;
    const id = await upload(a, records('takeover', count));
    await until(a, id, (j) => (j.status === 'running' && j.progress.done > 0) || finished(j));
    // A graceful stop: interrupted, lease released.
    await a.close();
    const state = await StateStore.open(stateDatabase);
    try {
      const stopped = await state.get<{ state: string; lease_owner: string | null; issued: number }>(
        'SELECT state, lease_owner, issued FROM batch_jobs WHERE id = ?',
        [id],
      );
      expect(stopped).toMatchObject({ state: 'interrupted', lease_owner: null });
      expect(Number(stopped?.issued)).toBeLessThan(count);
      // As a killed instance leaves it: running, its lease held by a process that is gone,
      // and a row that says less than the log holds (the last progress never written).
      const until = Date.now() + 4000;
      await state.transaction(() =>
        state.run(`UPDATE batch_jobs SET state = 'running', lease_owner = 'gone-host:1:000000', lease_until = ?, issued = 0 WHERE id = ?`, [
          until,
          id,
        ]),
      );
    } finally {
      await state.close();
    }
    const b = await instance();
    try {
      // The lease still holds: the job stays with its owner.
      const held = await job(b, id);
      expect(held.status).toBe('running');
      expect(held.lease?.instance).toBe('gone-host:1:000000');
      const done = await until(b, id, finished);
      expect(done).toMatchObject({ status: 'completed', runs: 2, counts: { total: count, issued: count, skipped: 0, invalid: 0 } });
      expect(b.logs.some((l) => l.includes('"msg":"batch job resumed"') && l.includes('"crashed":true'))).toBe(true);
      const log = await b.issuer.log({ batchId: id, limit: 10_000 });
      expect(log).toHaveLength(count);
      expect(new Set(log.map((l) => l.recordKey)).size).toBe(count);
    } finally {
      await b.close();
    }
  });

  it('an instance that loses its lease stops at the next transaction boundary and records nothing over the new owner', async () => {
    const a = await instance();
    try {
      const id = await upload(a, records('stolen', 2000), '?type=BirthCertificate&transactionSize=10');
      await until(a, id, (j) => (j.status === 'running' && j.progress.done > 0) || finished(j));
      // Another instance took the job (as after a lease that ran out while this one stalled).
      await a.state.transaction(() =>
        a.state.run(`UPDATE batch_jobs SET lease_owner = 'other-host:2:111111', lease_until = ? WHERE id = ?`, [Date.now() + 60_000, id]),
      );
      // The next renewal or progress write finds the row no longer its own.
      for (;;) {
        if (a.logs.some((l) => l.includes('batch job lease lost'))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      for (;;) {
        if (a.logs.some((l) => l.includes('its lease was lost'))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const row = await job(a, id);
      expect(row.status).toBe('running');
      expect(row.lease?.instance).toBe('other-host:2:111111');
      expect(row.counts.issued).toBeLessThan(2000);
    } finally {
      await a.close();
    }
  });

  it('an instance whose batch folder is not the shared one gives a claimed job back, untouched, and leaves it to the others', async () => {
    const a = await instance();
    const id = await upload(a, records('elsewhere', 50));
    await until(a, id, finished);
    await a.close();
    // The same job queued again, as if just uploaded; an instance with another folder claims it.
    const state = await StateStore.open(stateDatabase);
    try {
      await state.transaction(() =>
        state.run(
          `UPDATE batch_jobs SET state = 'queued', runs = 0, finished_at = NULL, lease_owner = NULL, lease_until = NULL WHERE id = ?`,
          [id],
        ),
      );
    } finally {
      await state.close();
    }
    const lost = await instance(join(dir, 'not-mounted'));
    try {
      for (;;) {
        if (lost.logs.some((l) => l.includes('every instance must mount the same batchFolder'))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const row = await job(lost, id);
      expect(row).toMatchObject({ status: 'queued', runs: 0 });
      expect(row.lease).toBeUndefined();
      // It does not claim it again (the log says so once), and issues nothing for it.
      await new Promise((r) => setTimeout(r, 3 * LEASE_SECONDS * 1000));
      expect(lost.logs.filter((l) => l.includes('every instance must mount the same batchFolder'))).toHaveLength(1);
      expect(await job(lost, id)).toMatchObject({ status: 'queued', runs: 0 });
    } finally {
      await lost.close();
    }
  });
});
