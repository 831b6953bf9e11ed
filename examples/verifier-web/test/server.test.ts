import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TradewindError } from '@tradewind/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTENT_SECURITY_POLICY, type RunningVerifierWeb, startVerifierWeb } from '../src/server.js';
import { type CounterWorld, setUpCounter, startCounter } from './support/counter.js';

// The page server over HTTP: what it serves, with which headers, and what it refuses.
let setup: Awaited<ReturnType<typeof setUpCounter>>;
let world: CounterWorld;
let web: RunningVerifierWeb;

beforeAll(async () => {
  setup = await setUpCounter();
  world = setup.world;
  web = await startCounter(setup.pageDir, world);
});

afterAll(async () => {
  await web?.close();
  await setup?.cleanUp();
});

const at = (path: string) => new URL(path, web.url).toString();

describe('static page', () => {
  test('serves the page with its content types, the CSP and no-sniff', async () => {
    const html = await fetch(web.url);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html.headers.get('referrer-policy')).toBe('no-referrer');
    const text = await html.text();
    expect(text).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|style="/);
    expect((await fetch(at('/app.js'))).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(at('/styles.css'))).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  test('the CSP allows only the page’s own origin', () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'self';/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|data:/);
  });

  test('an unknown path is 404 and never reaches the file system', async () => {
    for (const path of ['/nothing.js', '/../package.json', '/%2e%2e/package.json', '/src/server.ts']) {
      const r = await fetch(at(path));
      expect(r.status).toBe(404);
      expect((await r.json()).code).toBe('NOT_FOUND');
    }
  });
});

describe('API', () => {
  test('GET /api/config lists the profiles', async () => {
    const r = await (await fetch(at('/api/config'))).json();
    expect(r.profiles.map((p: { id: string }) => p.id)).toEqual(['national-id', 'age-over-18']);
  });

  test('POST /api/requests makes a request: id, openid4vp:// URI, QR code as SVG, expiry', async () => {
    const r = await fetch(at('/api/requests'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"profile":"national-id"}',
    });
    expect(r.status).toBe(201);
    const body = await r.json();
    expect(body.uri.startsWith('openid4vp://?')).toBe(true);
    expect(body.qrSvg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(body.qrSvg).not.toMatch(/<script|foreignObject/);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    const state = await (await fetch(at(`/api/requests/${body.id}`))).json();
    expect(state.status).toBe('pending');
    expect(state.outcome).toBeUndefined();
  });

  test('the contract’s body { need } picks a profile too, and no body the first one', async () => {
    expect((await fetch(at('/api/requests'), { method: 'POST', body: '{"need":"age-over-18"}' })).status).toBe(201);
    expect((await fetch(at('/api/requests'), { method: 'POST' })).status).toBe(201);
  });

  test('refuses an unknown profile (INVALID_ARGUMENT), a body that is not JSON (MALFORMED), a large body (LIMIT_EXCEEDED)', async () => {
    const post = (body: string) => fetch(at('/api/requests'), { method: 'POST', body });
    const unknown = await post('{"profile":"__proto__"}');
    expect([unknown.status, (await unknown.json()).code]).toEqual([400, 'INVALID_ARGUMENT']);
    const notJson = await post('{profile');
    expect([notJson.status, (await notJson.json()).code]).toEqual([400, 'MALFORMED']);
    const array = await post('["national-id"]');
    expect([array.status, (await array.json()).code]).toEqual([400, 'MALFORMED']);
    const large = await post(JSON.stringify({ profile: 'x'.repeat(5000) }));
    expect([large.status, (await large.json()).code]).toEqual([413, 'LIMIT_EXCEEDED']);
  });

  test('GET /api/requests/:id of an unknown id is 404 REQUEST_UNKNOWN', async () => {
    const r = await fetch(at('/api/requests/nope'));
    expect([r.status, (await r.json()).code]).toEqual([404, 'REQUEST_UNKNOWN']);
  });

  test('/openid4vp/response: only POST; a response without state is MALFORMED, an unknown state REQUEST_UNKNOWN', async () => {
    expect((await fetch(at('/openid4vp/response'))).status).toBe(405);
    const form = (body: string) =>
      fetch(at('/openid4vp/response'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const noState = await form('vp_token=%7B%7D');
    expect([noState.status, (await noState.json()).code]).toEqual([400, 'MALFORMED']);
    const unknown = await form('vp_token=%7B%7D&state=unknown-state');
    expect([unknown.status, (await unknown.json()).code]).toEqual([400, 'REQUEST_UNKNOWN']);
  });

  test('a second answer to one request is REPLAYED and the first outcome stays', async () => {
    const { uri, id } = await (await fetch(at('/api/requests'), { method: 'POST', body: '{}' })).json();
    const request = await world.wallet.parsePresentationRequest(uri);
    expect((await world.wallet.respondToPresentationRequest(request)).accepted).toBe(true);
    const again = await world.wallet.respondToPresentationRequest(request);
    expect([again.accepted, again.code]).toEqual([false, 'REPLAYED']);
    const state = await (await fetch(at(`/api/requests/${id}`))).json();
    expect(state.status).toBe('accepted');
    expect(state.outcome.credentials[0].recognition.country).toBe('TT');
  });
});

describe('configuration', () => {
  const start = (options: Partial<Parameters<typeof startVerifierWeb>[0]>) =>
    startVerifierWeb({ port: 0, pageDir: setup.pageDir, policy: world.files.policy, ...options });
  const refusal = async (options: Partial<Parameters<typeof startVerifierWeb>[0]>) => {
    const error = await start(options).then(
      (w) => w.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TradewindError);
    return error as TradewindError;
  };

  test('a policy file that is missing, not JSON, or not a policy is INVALID_ARGUMENT naming it', async () => {
    const missing = await refusal({ policy: join(setup.root, 'missing.json') });
    expect([missing.code, missing.message]).toEqual(['INVALID_ARGUMENT', expect.stringContaining('missing.json')]);
    const notJson = join(setup.root, 'not-json.json');
    writeFileSync(notJson, '{ anchors');
    expect((await refusal({ policy: notJson })).message).toMatch(/not JSON/);
    const unknownKey = join(setup.root, 'unknown-key.json');
    writeFileSync(unknownKey, '{"acept": []}');
    expect((await refusal({ policy: unknownKey })).message).toMatch(/unknown policy key "acept"/);
  });

  test('an unreadable status list or recognition list file, a bad status list URL', async () => {
    expect((await refusal({ statusLists: { 'https://registry.gov.tt/status/9': join(setup.root, 'none') } })).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect((await refusal({ recognitionLists: [join(setup.root, 'none.jwt')] })).code).toBe('INVALID_ARGUMENT');
    expect((await refusal({ statusLists: { 'ftp://x': world.files.policy } })).message).toMatch(/http\(s\) URL/);
    const empty = join(setup.root, 'empty-status.jwt');
    writeFileSync(empty, '\n');
    expect((await refusal({ statusLists: { 'https://registry.gov.tt/status/9': empty } })).message).toMatch(/empty/);
  });

  test('off loopback it needs an https publicUrl; a TTL outside 30..3600 is refused', async () => {
    expect((await refusal({ host: '0.0.0.0' })).path).toBe('publicUrl');
    expect((await refusal({ publicUrl: 'http://counter.example.tt' })).message).toMatch(/https/);
    expect((await refusal({ ttlSeconds: 5 })).path).toBe('ttlSeconds');
    expect((await refusal({ pageDir: join(setup.root, 'no-page') })).message).toMatch(/not built/);
  });

  test('the command starts the server, prints its URL, and stops cleanly on SIGTERM (exit 0)', async () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'verifier-web.js');
    expect(existsSync(join(import.meta.dirname, '..', 'dist', 'main.js'))).toBe(true); // `pnpm build` first
    const child = spawn(process.execPath, [bin, '--policy', world.files.policy, '--port', '0', '--page-dir', setup.pageDir]);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await expect.poll(() => out, { timeout: 15_000 }).toMatch(/verifier page: http:\/\/127\.0\.0\.1:\d+\//);
    const url = /verifier page: (\S+)/.exec(out)![1]!;
    expect((await fetch(url)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  test('the command exits 2 on a usage or configuration error', async () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'verifier-web.js');
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [bin, ...args]).then(
        () => 0,
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    expect(await run([])).toMatchObject({ code: 2, stderr: expect.stringContaining('usage') });
    expect(await run(['--policy', join(setup.root, 'missing.json'), '--port', '0'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('missing.json'),
    });
  });
});

describe('status lists republished while the server runs', () => {
  test('a revocation counts from the next answer on, read from the republished file; a file emptied for a moment leaves the last copy in force', async () => {
    const own = await startCounter(setup.pageDir, world);
    const issued = await world.registry.issue({
      type: 'NationalIdCredential',
      format: 'dc+sd-jwt',
      status: ['revocation'],
      credentialSubject: { id: world.holder, given_name: 'Asha', family_name: 'Ramdial', birthdate: '1991-04-12', nationality: 'TT' },
      validUntil: new Date(Date.now() + 86_400_000),
    });
    const published = await world.republish();
    const { recognitionLists: _, ...policy } = JSON.parse(readFileSync(world.files.policy, 'utf8'));
    const lists = Object.fromEntries(Object.entries(published).map(([url, file]) => [url, readFileSync(file, 'utf8')]));
    const received = await world.wallet.receive(issued.jwt, { policy, recognitionLists: [world.list], status: { lists } });
    const stored = received.credential.id as string;
    const answer = async () => {
      const made = await fetch(new URL('/api/requests', own.url), { method: 'POST', body: '{"profile":"national-id"}' });
      const { uri } = (await made.json()) as { uri: string };
      const request = await world.wallet.parsePresentationRequest(uri);
      return world.wallet.respondToPresentationRequest(request, { choose: { [request.dcql.credentials[0]!.id]: stored } });
    };
    try {
      expect(await answer()).toMatchObject({ accepted: true });
      await world.registry.revoke(issued.id);
      const files = await world.republish();
      expect(await answer()).toMatchObject({ accepted: false, code: 'REVOKED' });
      // A registry rewriting a file in place, caught while it is empty: the revocation stands.
      const [file] = Object.values(files);
      writeFileSync(file!, '');
      expect(await answer()).toMatchObject({ accepted: false, code: 'REVOKED' });
      await world.republish();
    } finally {
      await world.wallet.delete(stored);
      await own.close();
    }
  });
});
