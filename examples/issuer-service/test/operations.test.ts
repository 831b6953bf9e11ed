import { serve } from '@hono/node-server';
import { openIssuer } from '@tradewind/issuer';
import { Hono } from 'hono';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import type { ServiceContext } from '../src/context.js';
import { credentialDocument, freePort, post, SECRET, startTestService } from './helpers.js';

describe('rate limit on public endpoints', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the limit per client, and never limits a valid admin key', async () => {
    const service = await startTestService({ limits: { publicRequestsPerWindow: 3, windowMs: 60_000 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${service.base}/.well-known/did.json`)).status);
      expect(statuses).toEqual([200, 200, 200]);
      const limited = await post(`${service.base}/credentials/verify`, { verifiableCredential: {} });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await limited.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('RATE_LIMITED');
      // A wrong key is a public caller: limited too.
      expect((await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, 'tw_wrong')).status).toBe(429);
      for (let i = 0; i < 5; i++) {
        const res = await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey);
        expect(res.status).toBe(201);
      }
      const adminVerify = await post(`${service.base}/credentials/verify`, { verifiableCredential: {} }, service.adminKey);
      expect(adminVerify.status).toBe(400);
    } finally {
      await service.stop();
    }
  });
});

describe('logs', () => {
  it('writes one structured line per request with id, method, route pattern, status and duration, and nothing secret or personal', async () => {
    const service = await startTestService();
    try {
      const claim = 'Zephyrine-Quillfeather';
      const res = await post(
        `${service.base}/credentials/issue`,
        { credential: credentialDocument({ familyName: claim }) },
        service.adminKey,
      );
      expect(res.status).toBe(201);
      const { verifiableCredential } = (await res.json()) as { verifiableCredential: { id: string } };
      const jwt = verifiableCredential.id.slice(verifiableCredential.id.indexOf(',') + 1);
      const credentialId = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()).id as string;
      await post(`${service.base}/credentials/verify`, { verifiableCredential });
      await post(
        `${service.base}/credentials/status`,
        { credentialId, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'suspension' }, status: true },
        undefined,
        { 'x-api-key': service.adminKey },
      );
      await post(`${service.base}/credentials/issue`, { credential: credentialDocument({ familyName: claim }) }, 'tw_a-wrong-key-value');
      await post(`${service.base}/credentials/issue`, `{"credential": "${claim}`, service.adminKey);
      await fetch(`${service.base}/status/1?token=secret-query-value`);

      const text = service.logs.join('');
      for (const secret of [
        service.adminKey,
        'tw_a-wrong-key-value',
        SECRET,
        claim,
        jwt.slice(0, 60),
        jwt.split('.')[2] as string,
        credentialId,
        'secret-query-value',
        'did:example:ana',
      ]) {
        expect(text.includes(secret), `log holds ${secret.slice(0, 20)}`).toBe(false);
      }
      const requests = service.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
      expect(requests).toHaveLength(6);
      expect(requests.map((r) => `${r.method} ${r.route} ${r.status}`)).toEqual([
        'POST /credentials/issue 201',
        'POST /credentials/verify 200',
        'POST /credentials/status 200',
        'POST /credentials/issue 403',
        'POST /credentials/issue 400',
        'GET /status/:n 200',
      ]);
      for (const r of requests) {
        expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(typeof r.ms).toBe('number');
        expect(Object.keys(r).sort()).toEqual(
          ['level', 'method', 'ms', 'msg', 'pid', 'hostname', 'requestId', 'route', 'status', 'time'].sort(),
        );
      }
    } finally {
      await service.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes the issuances in flight and refuses new ones (503): every 201 is committed, nothing else is', async () => {
    const service = await startTestService();
    // Close as soon as ten issuances have reached the group-commit queue.
    const issue = service.context.issue;
    let entered = 0;
    let reached: () => void = () => {};
    const tenReached = new Promise<void>((r) => {
      reached = r;
    });
    service.context.issue = (request) => {
      if (++entered === 10) reached();
      return issue(request);
    };
    const inFlight = Array.from({ length: 30 }, (_, i) =>
      post(`${service.base}/credentials/issue`, { credential: credentialDocument({ givenName: `In flight ${i}` }) }, service.adminKey).then(
        async (res) => ({
          status: res.status,
          body: (await res.json()) as { verifiableCredential?: { id: string }; errors?: Array<{ code: string }> },
        }),
        () => ({ status: 0, body: {} }),
      ),
    );
    await tenReached;
    const closed = service.close();
    const late = await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey).then(
      (res) => res.status,
      () => 0,
    );
    const answers = await Promise.all(inFlight);
    await closed;

    // A request the listener no longer read is refused at the connection (0), one it read gets 503 SHUTTING_DOWN.
    expect([0, 503]).toContain(late);
    const issued = answers.filter((a) => a.status === 201);
    expect(issued.length).toBeGreaterThanOrEqual(10);
    expect(issued.length).toBe(entered);
    for (const a of answers) {
      expect([201, 503, 0]).toContain(a.status);
      if (a.status === 503) expect(a.body.errors?.[0]?.code).toBe('SHUTTING_DOWN');
    }
    const issuer = await openIssuer({ path: service.config.database, secret: SECRET });
    try {
      const log = await issuer.log();
      const ids = issued.map((a) => {
        const id = a.body.verifiableCredential?.id as string;
        return JSON.parse(Buffer.from(id.slice(id.indexOf(',') + 1).split('.')[1] as string, 'base64url').toString()).id as string;
      });
      expect(log.map((l) => l.credentialId).sort()).toEqual(ids.sort());
    } finally {
      await issuer.close();
      await service.stop();
    }
  });
});

describe('base path and well-known documents', () => {
  it('serves /.well-known/<name><base path> as the module route /.well-known/<name> (RFC 8615 path insertion)', async () => {
    const port = await freePort();
    const module = new Hono();
    module.get('/.well-known/example-metadata', (c) => c.json({ served: new URL(c.req.url).pathname }));
    module.get('/thing', (c) => c.json({ thing: true }));
    const ctx = {
      config: { adminKeyHashes: [], limits: { windowMs: 60_000, publicRequestsPerWindow: 100 } },
      logger: pino({ level: 'silent' }),
      basePath: '/issuers/civil',
    } as unknown as ServiceContext;
    const app = createApp(ctx, [{ routes: module }]);
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    try {
      const origin = `http://127.0.0.1:${port}`;
      for (const path of ['/.well-known/example-metadata/issuers/civil', '/issuers/civil/.well-known/example-metadata']) {
        const res = await fetch(origin + path);
        expect(res.status, path).toBe(200);
        expect(await res.json()).toEqual({ served: '/.well-known/example-metadata' });
      }
      expect((await fetch(`${origin}/issuers/civil/thing`)).status).toBe(200);
      for (const path of ['/thing', '/.well-known/example-metadata', '/.well-known/example-metadata/issuers', '/issuers/civilthing']) {
        expect((await fetch(origin + path)).status, path).toBe(404);
      }
    } finally {
      server.close();
    }
  });
});
