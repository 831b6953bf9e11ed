// Attacks on the page server at the counter (examples/verifier-web), over real HTTP on
// 127.0.0.1: bodies that never end, paths that climb out, profiles and ids that are
// object keys, and the headers every answer carries. Each refusal has an honest twin.
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, type RunningVerifierWeb, startVerifierWeb } from '../../examples/verifier-web/src/server.js';

const pageDir = fileURLToPath(new URL('../../examples/verifier-web/dist/page', import.meta.url));
let web: RunningVerifierWeb;
const at = (path: string) => new URL(path, web.url).toString();

beforeAll(async () => {
  if (!existsSync(`${pageDir}/index.html`)) throw new Error(`build the page first (pnpm build): ${pageDir}`);
  web = await startVerifierWeb({
    port: 0,
    pageDir,
    policy: { trustedIssuers: ['did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'] },
  });
});
afterAll(async () => {
  await web?.close();
});

/** Sends `path` raw (no URL normalisation by the client), returns status and body. */
function raw(path: string, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(web.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('request bodies', () => {
  it('a body that streams on without a length: 413 LIMIT_EXCEEDED at once, not read to its end; a small body makes a request', async () => {
    let pushed = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Never closed: a server that reads to the end never answers.
        if (pushed < 64) {
          pushed++;
          controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        }
      },
    });
    const r = await fetch(at('/api/requests'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: endless,
      duplex: 'half',
      signal: AbortSignal.timeout(20_000),
    } as RequestInit);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { code: string }).code).toBe('LIMIT_EXCEEDED');

    const declared = await fetch(at('/api/requests'), { method: 'POST', body: `{"profile":"national-id"}${' '.repeat(8192)}` });
    expect(declared.status).toBe(413);
    const ok = await fetch(at('/api/requests'), { method: 'POST', body: '{"profile":"national-id"}' });
    expect(ok.status).toBe(201);
  });

  it('profiles that are object keys or not strings: 400 INVALID_ARGUMENT; a configured one is made', async () => {
    for (const body of [
      '{"profile":"__proto__"}',
      '{"profile":"constructor"}',
      '{"profile":"toString"}',
      '{"need":["national-id"]}',
      '{"profile":{"national-id":1}}',
      '{"profile":"nope"}',
    ]) {
      const r = await fetch(at('/api/requests'), { method: 'POST', body });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { code: string }).code).toBe('INVALID_ARGUMENT');
    }
    for (const body of ['[]', '"national-id"', 'null', '{']) {
      const r = await fetch(at('/api/requests'), { method: 'POST', body });
      expect(((await r.json()) as { code: string }).code).toBe('MALFORMED');
    }
    expect((await fetch(at('/api/requests'), { method: 'POST', body: '{"need":"age-over-18"}' })).status).toBe(201);
  });

  it('polling ids that are object keys, huge or encoded: 404 REQUEST_UNKNOWN; a made request is pending', async () => {
    for (const id of ['__proto__', 'constructor', 'x'.repeat(5000), '%00', '..%2f..%2fetc%2fpasswd', '%F0%9F%98%80']) {
      const r = await raw(`/api/requests/${id}`);
      expect(r.status).toBe(404);
      expect(JSON.parse(r.body).code).toBe('REQUEST_UNKNOWN');
    }
    const made = (await (await fetch(at('/api/requests'), { method: 'POST' })).json()) as { id: string };
    expect(((await (await fetch(at(`/api/requests/${made.id}`))).json()) as { status: string }).status).toBe('pending');
  });
});

describe('requests from elsewhere', () => {
  /** A request with a chosen Host and Origin (which fetch does not let a caller set). */
  function withHeaders(
    path: string,
    method: string,
    headers: Record<string, string>,
    body = '',
  ): Promise<{ status: number; body: string }> {
    const url = new URL(web.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('a page that rebinds its own name to this address, or posts from another origin: 403 REFUSED on the API; the page itself is answered', async () => {
    const made = (await (await fetch(at('/api/requests'), { method: 'POST' })).json()) as { id: string };
    const port = new URL(web.url).port;
    for (const [method, path, headers] of [
      ['GET', `/api/requests/${made.id}`, { host: `evil.example:${port}` }],
      ['GET', '/api/config', { host: 'evil.example' }],
      ['POST', '/api/requests', { host: `evil.example:${port}`, origin: `http://evil.example:${port}` }],
      ['POST', '/api/requests', { host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'content-type': 'text/plain' }],
      ['POST', '/api/requests', { host: `127.0.0.1:${port}`, origin: 'null' }],
      ['GET', `/api/requests/${made.id}`, { host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` }],
    ] as const) {
      const r = await withHeaders(path, method, headers);
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body).code).toBe('REFUSED');
    }
    // Its own page, by each loopback name: answered.
    expect((await withHeaders(`/api/requests/${made.id}`, 'GET', { host: `localhost:${port}` })).status).toBe(200);
    expect((await withHeaders('/api/requests', 'POST', { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` })).status).toBe(
      201,
    );
    // Wallets post from anywhere: the response endpoint is not bound to the page's origin.
    const answer = await withHeaders(
      '/openid4vp/response',
      'POST',
      { host: 'wallet-proxy.example', origin: 'https://wallet.example', 'content-type': 'application/x-www-form-urlencoded' },
      'state=unknown0',
    );
    expect(JSON.parse(answer.body).code).toBe('REQUEST_UNKNOWN');
  });

  it('a bystander who reads the state from the QR code learns at most the status, never the outcome; the page gets its outcome', async () => {
    const made = (await (await fetch(at('/api/requests'), { method: 'POST' })).json()) as { id: string; uri: string };
    const state = new URL(made.uri).searchParams.get('state') as string;
    expect(made.id).not.toBe(state);
    // A holder declines, so there is an outcome to read.
    const declined = await fetch(new URL('/openid4vp/response', web.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state, error: 'access_denied' }).toString(),
    });
    expect(await declined.json()).toEqual({ status: 'declined' });
    const bystander = (await (await fetch(at(`/api/requests/${state}`))).json()) as Record<string, unknown>;
    expect(bystander.status).toBe('refused');
    expect(bystander.outcome).toBeUndefined();
    const page = (await (await fetch(at(`/api/requests/${made.id}`))).json()) as { outcome?: { errors: Array<{ code: string }> } };
    expect(page.outcome?.errors[0]?.code).toBe('DECLINED');
  });

  it('the page polls its own request', async () => {
    const made = (await (await fetch(at('/api/requests'), { method: 'POST' })).json()) as { id: string };
    expect((await fetch(at(`/api/requests/${made.id}`))).status).toBe(200);
  });
});

describe('static files', () => {
  it('paths that climb out or name what is not the page: 404, never a file; the page itself is served', async () => {
    for (const path of [
      '/../package.json',
      '/..%2fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/%2e%2e%2f%2e%2e%2fsrc%2fserver.ts',
      '//etc/passwd',
      '/app.js.map',
      '/index.html%00.js',
      '/.%2e/config.ts',
      '/page/../../../../etc/passwd',
    ]) {
      const r = await raw(path);
      expect(r.status).toBe(404);
      expect(r.body).not.toMatch(/root:|"name":|import /);
    }
    expect((await raw('/')).status).toBe(200);
    expect((await raw('/app.js')).status).toBe(200);
  });
});

describe('headers on every answer', () => {
  it('the CSP and nosniff on pages, API answers, refusals, 404, 405 and 413; no CORS header for any origin', async () => {
    const answers = [
      await fetch(at('/'), { headers: { origin: 'https://evil.example' } }),
      await fetch(at('/api/config'), { headers: { origin: 'https://evil.example' } }),
      await fetch(at('/api/requests'), { method: 'POST', headers: { origin: 'https://evil.example' } }),
      await fetch(at('/api/requests'), { method: 'POST' }),
      await fetch(at('/api/requests/unknown')),
      await fetch(at('/nothing')),
      await fetch(at('/api/config'), { method: 'DELETE' }),
      await fetch(at('/api/requests'), {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      }),
      await fetch(at('/openid4vp/response'), { method: 'POST', headers: { origin: 'https://evil.example' }, body: 'state=x' }),
      await fetch(at('/openid4vp/response')),
      await fetch(at('/api/requests'), { method: 'POST', body: ' '.repeat(5000) }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 403, 403, 201, 404, 404, 405, 403, 400, 405, 413]);
    for (const r of answers) {
      expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });
});
