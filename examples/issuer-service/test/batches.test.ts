import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ServerType, serve } from '@hono/node-server';
import { TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier, verifyCredentials } from '@tradewind/verifier';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAdminKey, newAdminKey } from '../src/auth.js';
import type { ServiceConfig, ServiceContext, ServiceModule } from '../src/context.js';
import { HttpError } from '../src/errors.js';
import { createBatchModule } from '../src/routes/batches.js';
import { StateStore } from '../src/state-store.js';

const KDF = { N: 2 ** 10, r: 8, p: 1 };
const BATCH_BYTES = 256 * 1024;
const admin = newAdminKey();

interface Running {
  url: string;
  issuer: Issuer;
  state: StateStore;
  module: ServiceModule;
  close(): Promise<void>;
}

/** The batch module in a small Hono app over a real issuer and state database, on 127.0.0.1. */
async function start(dir: string, batchBytes = BATCH_BYTES): Promise<Running> {
  const issuer = await openIssuer({
    path: join(dir, 'issuer.db'),
    secret: 'batch-test',
    kdf: KDF,
    statusListBaseUrl: 'https://registry.gov.example/status',
  });
  const did = (await issuer.listDids())[0]?.did ?? (await issuer.createDid()).did;
  const state = await StateStore.open(join(dir, 'state.db'));
  const config = {
    host: '127.0.0.1',
    port: 0,
    baseUrl: 'https://registry.gov.example',
    database: join(dir, 'issuer.db'),
    stateDatabase: join(dir, 'state.db'),
    secret: 'batch-test',
    adminKeyHashes: [admin.hash],
    limits: { bodyBytes: 1024 * 1024, batchBytes, publicRequestsPerWindow: 1000, windowMs: 60_000 },
    statusListValidForSeconds: 86_400,
    oid4vci: { offerTtlSeconds: 600, tokenTtlSeconds: 300, nonceTtlSeconds: 300, credentialConfigurations: {} },
    allowInsecureHttp: true,
    logLevel: 'silent',
  } as ServiceConfig;
  let draining = false;
  const ctx: ServiceContext = {
    config,
    issuer,
    did,
    verifier: createVerifier({ trustedIssuers: [did] }),
    logger: pino({ level: 'silent' }),
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
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    issuer,
    state,
    module,
    async close() {
      draining = true;
      await module.shutdown?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await state.close();
      await issuer.close();
    },
  };
}

interface JobView {
  id: string;
  status: string;
  options: Record<string, unknown>;
  counts: { total: number | null; issued: number; skipped: number; invalid: number };
  progress: { done: number; total: number | null };
  runs: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  invalid?: Array<{ line: number; errors: Array<{ code: string; message: string; path?: string }> }>;
  error?: { code: string; message: string };
}

const auth = { authorization: `Bearer ${admin.key}` };

async function upload(url: string, body: string | ReadableStream, contentType: string, query = ''): Promise<Response> {
  return fetch(`${url}/batches${query}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': contentType },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
}

async function job(url: string, id: string): Promise<JobView> {
  const res = await fetch(`${url}/batches/${id}`, { headers: auth });
  expect(res.status).toBe(200);
  return (await res.json()) as JobView;
}

async function until(url: string, id: string, done: (job: JobView) => boolean): Promise<JobView> {
  for (;;) {
    const j = await job(url, id);
    if (done(j)) return j;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function credentialLines(url: string, id: string): Promise<Array<{ line: number; recordKey: string; id: string; jwt: string }>> {
  const res = await fetch(`${url}/batches/${id}/credentials`, { headers: auth });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/jsonl/);
  const text = await res.text();
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

async function verifiedAll(issuer: Issuer, jwts: string[]): Promise<boolean> {
  const lists = Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt]));
  const results = await verifyCredentials(jwts, { status: { lists } });
  return results.length === jwts.length && results.every((r) => r.verified);
}

function records(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ recordKey: `${prefix}-${i}`, subjectId: `did:example:${prefix}-${i}`, givenName: `Person ${i}` }),
  );
}

describe('batch issuance over HTTP', () => {
  let dir: string;
  let service: Running;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tradewind-service-batches-'));
    service = await start(dir);
  });
  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues an uploaded JSONL extract, reports its invalid lines with every problem and path, and serves credentials that verify', async () => {
    const lines = [
      ...records('jsonl', 5),
      '{"recordKey": "broken", "givenName": ', // 6: not JSON
      JSON.stringify({ recordKey: 'bad-subject', subjectId: 'not a uri', givenName: 'X' }), // 7
      JSON.stringify({ recordKey: 'no-name', subjectId: 'did:example:no-name' }), // 8: required claim missing
      JSON.stringify({ credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'Passport', validFrom: 'x' } }), // 9
      JSON.stringify({ recordKey: 'late', subjectId: 'did:example:late', givenName: 'L', validUntil: 'tomorrow' }), // 10
    ];
    const res = await upload(
      service.url,
      `${lines.join('\n')}\n`,
      'application/x-ndjson',
      '?type=BirthCertificate&requiredClaims=givenName&status=revocation,suspension&format=vc%2Bjwt',
    );
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { id: string; status: string; links: { self: string; credentials: string } };
    expect(accepted.status).toBe('queued');
    expect(accepted.links.self).toBe(`https://registry.gov.example/batches/${accepted.id}`);
    expect(accepted.links.credentials).toBe(`${accepted.links.self}/credentials`);
    expect(res.headers.get('location')).toBe(accepted.links.self);

    const done = await until(service.url, accepted.id, (j) => j.status !== 'queued' && j.status !== 'running');
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ total: 5, issued: 5, skipped: 0, invalid: 5 });
    expect(done.progress).toEqual({ done: 5, total: 5 });
    expect(done.options).toEqual({
      type: ['BirthCertificate'],
      requiredClaims: ['givenName'],
      status: ['revocation', 'suspension'],
      format: 'vc+jwt',
    });
    expect(done.finishedAt >= done.startedAt && done.startedAt >= done.createdAt).toBe(true);
    const invalid = Object.fromEntries(
      (done.invalid as Array<{ line: number; errors: Array<{ code: string; message: string; path?: string }> }>).map((i) => [
        i.line,
        i.errors,
      ]),
    );
    expect(Object.keys(invalid).map(Number)).toEqual([6, 7, 8, 9, 10]);
    expect(invalid[6]?.[0]).toMatchObject({ code: 'MALFORMED' });
    expect(invalid[7]?.[0]).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/credentialSubject/id' });
    expect(invalid[8]?.[0]).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/givenName' });
    // A document record that is not a credential: every violation, each with its path.
    expect(invalid[9]?.length).toBeGreaterThan(1);
    expect(invalid[9]?.every((e) => e.code === 'MALFORMED' && typeof e.path === 'string')).toBe(true);
    expect(invalid[9]?.map((e) => e.path)).toEqual(expect.arrayContaining(['/credential/credentialSubject']));
    expect(invalid[10]?.[0]).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/validUntil' });

    const issued = await credentialLines(service.url, accepted.id);
    expect(issued.map((l) => l.line)).toEqual([1, 2, 3, 4, 5]);
    expect(
      await verifiedAll(
        service.issuer,
        issued.map((l) => l.jwt),
      ),
    ).toBe(true);
    const header = JSON.parse(Buffer.from(issued[0]?.jwt.split('.')[0] as string, 'base64url').toString());
    expect(header.typ).toBe('vc+jwt');
    expect((await service.issuer.log({ batchId: accepted.id })).map((l) => l.credentialId).sort()).toEqual(issued.map((l) => l.id).sort());
  });

  it('issues an uploaded CSV extract', async () => {
    const csv = [
      'recordKey,subjectId,givenName,address.locality',
      'c1,did:example:c1,Ana,Bridgetown',
      'c2,did:example:c2,"Joseph, Jr.",Castries',
      'c3,did:example:c3,Bo', // wrong cell count
    ].join('\r\n');
    const res = await upload(service.url, csv, 'text/csv; charset=utf-8', '?type=ResidenceCard&status=none');
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const done = await until(service.url, id, (j) => j.status === 'completed' || j.status === 'failed');
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ total: 2, issued: 2, skipped: 0, invalid: 1 });
    expect(done.invalid).toEqual([{ line: 4, errors: [expect.objectContaining({ code: 'MALFORMED' })] }]);
    const issued = await credentialLines(service.url, id);
    expect(issued.map((l) => l.recordKey)).toEqual([expect.stringContaining('c1'), expect.stringContaining('c2')]);
    expect(
      await verifiedAll(
        service.issuer,
        issued.map((l) => l.jwt),
      ),
    ).toBe(true);
    const payload = JSON.parse(Buffer.from(issued[1]?.jwt.split('.')[1] as string, 'base64url').toString());
    const subject = payload.credentialSubject ?? payload.vc?.credentialSubject;
    expect(subject).toMatchObject({ id: 'did:example:c2', givenName: 'Joseph, Jr.', address: { locality: 'Castries' } });
    expect(payload.credentialStatus ?? payload.vc?.credentialStatus).toBeUndefined();
  });

  it('an upload of records issued before by another job skips them and still delivers their credentials to its own file', async () => {
    const text = `${records('again', 3).join('\n')}\n`;
    const first = (await (await upload(service.url, text, 'application/jsonl', '?type=BirthCertificate')).json()) as { id: string };
    await until(service.url, first.id, (j) => j.status === 'completed');
    const second = (await (await upload(service.url, text, 'application/jsonl', '?type=BirthCertificate')).json()) as { id: string };
    const done = await until(service.url, second.id, (j) => j.status === 'completed');
    expect(done.counts).toEqual({ total: 3, issued: 0, skipped: 3, invalid: 0 });
    const a = await credentialLines(service.url, first.id);
    const b = await credentialLines(service.url, second.id);
    expect(b.map((l) => l.id).sort()).toEqual(a.map((l) => l.id).sort());
    expect(await service.issuer.log({ batchId: second.id })).toHaveLength(0);
  });

  it('lists jobs, newest first', async () => {
    const res = await fetch(`${service.url}/batches?limit=2`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { batches: Array<Record<string, unknown>>; limit: number; offset: number };
    expect(body.limit).toBe(2);
    expect(body.batches).toHaveLength(2);
    expect((body.batches[0]?.createdAt as string) >= (body.batches[1]?.createdAt as string)).toBe(true);
    expect(body.batches[0]).not.toHaveProperty('invalid');
    expect(body.batches[0]).toMatchObject({ status: 'completed', counts: expect.any(Object), links: expect.any(Object) });
    const bad = await fetch(`${service.url}/batches?limit=0&sort=x`, { headers: auth });
    expect(bad.status).toBe(400);
  });

  it('deletes a finished job with its files, and keeps one that is not finished', async () => {
    const text = `${records('delete', 2).join('\n')}\n`;
    const { id } = (await (await upload(service.url, text, 'application/jsonl', '?type=BirthCertificate')).json()) as { id: string };
    await until(service.url, id, (j) => j.status === 'completed');
    const files = () => readdirSync(join(dir, 'batch-jobs')).filter((f) => f.startsWith(id));
    // The extract is deleted once the job completes; the credentials stay until the job is deleted.
    expect(files()).toEqual([`${id}.credentials.jsonl`]);
    const res = await fetch(`${service.url}/batches/${id}`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(204);
    expect(files()).toEqual([]);
    expect((await fetch(`${service.url}/batches/${id}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${service.url}/batches/${id}`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('refuses an upload larger than the limit with 413, declared or streamed, keeping no partial file', async () => {
    const big = 'x'.repeat(BATCH_BYTES + 1);
    const declared = await upload(service.url, big, 'application/x-ndjson', '?type=BirthCertificate');
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('LIMIT_EXCEEDED');

    const chunk = new TextEncoder().encode(`${records('stream', 1)[0]}\n`.padEnd(16 * 1024, ' '));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > BATCH_BYTES * 2) controller.close();
        else {
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        }
      },
    });
    const streamed = await upload(service.url, stream, 'application/x-ndjson', '?type=BirthCertificate');
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('LIMIT_EXCEEDED');
    expect(readdirSync(join(dir, 'batch-jobs')).filter((f) => f.endsWith('.part'))).toEqual([]);
    const list = (await (await fetch(`${service.url}/batches?limit=1000`, { headers: auth })).json()) as { batches: unknown[] };
    const credentials = readdirSync(join(dir, 'batch-jobs')).filter((f) => f.endsWith('.credentials.jsonl'));
    expect(credentials).toHaveLength(list.batches.length);
    expect(readdirSync(join(dir, 'batch-jobs')).filter((f) => f.includes('.input.'))).toEqual([]);
  });

  it('refuses a body that is not JSONL or CSV with 415, and an empty one with 400', async () => {
    for (const type of ['application/json', 'text/plain', 'text/csv; charset=latin1', '']) {
      const res = await upload(service.url, '{}', type, '?type=BirthCertificate');
      expect(res.status).toBe(415);
      expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const gzipped = await fetch(`${service.url}/batches?type=BirthCertificate`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      body: gzipSync(`${records('gzip', 1)[0]}\n`),
    });
    expect(gzipped.status).toBe(415);
    const empty = await upload(service.url, '', 'application/x-ndjson', '?type=BirthCertificate');
    expect(empty.status).toBe(400);
  });

  it('refuses bad batch options with 400 and the path of each', async () => {
    const cases: Array<[string, string, string]> = [
      ['?type=BirthCertificate&validUntil=soon', 'application/x-ndjson', '/validUntil'],
      ['?type=BirthCertificate&format=ldp_vc', 'application/x-ndjson', '/format'],
      ['?type=BirthCertificate&status=revoked', 'application/x-ndjson', '/status/0'],
      ['?type=BirthCertificate&transactionSize=0', 'application/x-ndjson', '/transactionSize'],
      ['?type=BirthCertificate&validUntil=2030-01-01T00:00:00Z&validUntil=2031-01-01T00:00:00Z', 'application/x-ndjson', '/validUntil'],
      ['?type=BirthCertificate&outputPath=/etc/passwd', 'application/x-ndjson', '/outputPath'],
      ['', 'text/csv', '/type'],
      ['?type=BirthCertificate&validFrom=2031-01-01T00:00:00Z&validUntil=2030-01-01T00:00:00Z', 'application/x-ndjson', '/validUntil'],
    ];
    for (const [query, type, path] of cases) {
      const res = await upload(service.url, 'a,b\n1,2\n', type, query);
      expect(res.status, query).toBe(400);
      const { errors } = (await res.json()) as { errors: Array<{ code: string; message: string; path?: string }> };
      expect(errors.length, query).toBeGreaterThan(0);
      expect(
        errors.map((e) => e.path),
        query,
      ).toContain(path);
    }
  });

  it('answers 404 for a job it does not have', async () => {
    for (const path of [
      '/batches/6f1c1f7e-4a57-4d8a-9e36-0b1f6ab0f6a1',
      '/batches/not-a-job',
      '/batches/6f1c1f7e-4a57-4d8a-9e36-0b1f6ab0f6a1/credentials',
    ]) {
      const res = await fetch(`${service.url}${path}`, { headers: auth });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('NOT_FOUND');
    }
  });

  it('answers 401 without an admin key and 403 with a wrong one, on every batch route', async () => {
    const wrong = newAdminKey().key;
    expect(hashAdminKey(wrong)).not.toBe(admin.hash);
    const routes: Array<[string, string]> = [
      ['POST', '/batches?type=X'],
      ['GET', '/batches'],
      ['GET', '/batches/6f1c1f7e-4a57-4d8a-9e36-0b1f6ab0f6a1'],
      ['GET', '/batches/6f1c1f7e-4a57-4d8a-9e36-0b1f6ab0f6a1/credentials'],
      ['DELETE', '/batches/6f1c1f7e-4a57-4d8a-9e36-0b1f6ab0f6a1'],
    ];
    for (const [method, path] of routes) {
      const body = method === 'POST' ? '{}\n' : undefined;
      const none = await fetch(`${service.url}${path}`, { method, body, headers: { 'content-type': 'application/x-ndjson' } });
      expect(none.status, path).toBe(401);
      const bad = await fetch(`${service.url}${path}`, {
        method,
        body,
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${wrong}` },
      });
      expect(bad.status, path).toBe(403);
    }
  });
});

describe('batch jobs across a shutdown', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tradewind-service-batch-resume-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the running job at a transaction boundary, keeps the next one queued, and resumes both on the next start, each record issued once', async () => {
    const count = 1500;
    const first = await start(dir, 4 * 1024 * 1024);
    const big = await upload(
      first.url,
      `${records('resume', count).join('\n')}\n`,
      'application/x-ndjson',
      '?type=BirthCertificate&transactionSize=20',
    );
    expect(big.status).toBe(202);
    const { id } = (await big.json()) as { id: string };
    const queued = await upload(first.url, `${records('later', 30).join('\n')}\n`, 'application/x-ndjson', '?type=BirthCertificate');
    const later = ((await queued.json()) as { id: string }).id;
    const running = await until(first.url, id, (j) => j.progress.done > 0 || j.status === 'failed');
    expect(running.error).toBeUndefined();
    // An upload still arriving when the shutdown begins is kept, queued, not started.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const during = `${records('during', 10).join('\n')}\n`;
    const arriving = upload(
      first.url,
      new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode(during.slice(0, 100)));
          await held;
          controller.enqueue(new TextEncoder().encode(during.slice(100)));
          controller.close();
        },
      }),
      'application/x-ndjson',
      '?type=BirthCertificate',
    );
    await first.module.shutdown?.();
    release();
    const accepted = await arriving;
    expect(accepted.status).toBe(202);
    const duringId = ((await accepted.json()) as { id: string }).id;
    expect(await job(first.url, duringId)).toMatchObject({ status: 'queued', runs: 0 });

    const stopped = await job(first.url, id);
    expect(stopped.status).toBe('interrupted');
    expect(stopped.counts.issued).toBeGreaterThan(0);
    expect(stopped.counts.issued).toBeLessThan(count);
    expect(stopped.counts.issued % 20).toBe(0);
    expect((await job(first.url, later)).status).toBe('queued');
    for (const held of [id, later]) {
      const refused = await fetch(`${first.url}/batches/${held}`, { method: 'DELETE', headers: auth });
      expect(refused.status).toBe(409);
    }
    // Nothing half-written: the file holds exactly the committed credentials, whole lines.
    const file = readFileSync(join(dir, 'batch-jobs', `${id}.credentials.jsonl`), 'utf8');
    expect(file.endsWith('\n')).toBe(true);
    const fileIds = file
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    const logged = await first.issuer.log({ batchId: id, limit: 100_000 });
    expect(fileIds).toHaveLength(stopped.counts.issued);
    expect(new Set(fileIds)).toEqual(new Set(logged.map((l) => l.credentialId)));
    expect((await credentialLines(first.url, id)).map((l) => l.id)).toEqual(fileIds);
    await first.close();

    const second = await start(dir, 4 * 1024 * 1024);
    try {
      const done = await until(second.url, id, (j) => j.status === 'completed' || j.status === 'failed');
      expect(done.status).toBe('completed');
      expect(done.runs).toBe(2);
      expect(done.counts).toEqual({ total: count, issued: count, skipped: 0, invalid: 0 });
      const all = await credentialLines(second.url, id);
      expect(all).toHaveLength(count);
      expect(new Set(all.map((l) => l.id)).size).toBe(count);
      expect(new Set(all.map((l) => l.line))).toEqual(new Set(Array.from({ length: count }, (_, i) => i + 1)));
      const log = await second.issuer.log({ batchId: id, limit: 100_000 });
      expect(log).toHaveLength(count);
      expect(new Set(log.map((l) => l.credentialId))).toEqual(new Set(all.map((l) => l.id)));
      expect(
        await verifiedAll(
          second.issuer,
          all.slice(0, 50).map((l) => l.jwt),
        ),
      ).toBe(true);
      const next = await until(second.url, later, (j) => j.status === 'completed' || j.status === 'failed');
      expect(next).toMatchObject({ status: 'completed', runs: 1, counts: { total: 30, issued: 30, skipped: 0, invalid: 0 } });
      const last = await until(second.url, duringId, (j) => j.status === 'completed' || j.status === 'failed');
      expect(last).toMatchObject({ status: 'completed', runs: 1, counts: { total: 10, issued: 10, skipped: 0, invalid: 0 } });
    } finally {
      await second.close();
    }
  });
});
