import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { TradewindError } from '@tradewind/core';
import { PresentationVerifier } from '@tradewind/openid4vp';
import { createVerifier } from '@tradewind/verifier';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import QRCode from 'qrcode';
import { type ResolvedConfig, resolveConfig, type VerifierWebOptions } from './config.js';
import { loadPageFiles } from './page-files.js';
import { StatusListFiles } from './status-files.js';

/** A running page server. */
export interface RunningVerifierWeb {
  /** The page, e.g. `http://127.0.0.1:8090/`. */
  url: string;
  /** Where wallets post their responses. */
  responseUri: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * The page's policy: its own scripts, styles and API only. No inline script or style
 * (the QR code is an SVG element the page inserts, not markup it evaluates), no frames.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Largest JSON body of the page's own API (a profile id). */
const API_BODY_BYTES = 4096;

/**
 * Starts the page at the counter: serves the built page and its API, asks wallets for
 * presentations over OpenID4VP (`POST /api/requests`, QR code as SVG), receives their
 * answers at `POST /openid4vp/response` and verifies them under the recognition policy.
 * Listens on 127.0.0.1 unless `host` says otherwise (then `publicUrl` is required).
 *
 * @example
 * ```ts
 * const web = await startVerifierWeb({ policy: 'policy.json', statusLists: { 'https://registry.gov.tt/status/1': 'status-1.jwt' } });
 * console.log(`open ${web.url}`);
 * await web.close();
 * ```
 */
export async function startVerifierWeb(options: VerifierWebOptions): Promise<RunningVerifierWeb> {
  const config = resolveConfig(options);
  const loopback = config.host === '127.0.0.1' || config.host === 'localhost' || config.host === '::1';
  if (!loopback && config.publicUrl === undefined)
    throw new TradewindError('INVALID_ARGUMENT', `listening on ${config.host} needs publicUrl (the https URL wallets reach)`, {
      path: 'publicUrl',
    });
  const files = loadPageFiles(config.pageDir);
  const verifier = createVerifier({
    policy: config.policy,
    recognitionLists: config.recognitionLists,
    // Only the configured URLs are answered, from their files (nothing is fetched), so
    // the http(s) URLs the files name need no network rule.
    status: { provider: new StatusListFiles(config.statusListFiles, config.statusLists), allowInsecureUrls: true },
  });

  let app: Hono | undefined;
  const server = serve({
    fetch: (request) => (app ? app.fetch(request) : new Response(null, { status: 503 })),
    hostname: config.host,
    port: config.port,
  });
  await new Promise<void>((done, fail) => {
    server.once('listening', done);
    server.once('error', fail);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const localUrl = `http://${shownHost}:${address.port}`;
  const base = config.publicUrl ?? localUrl;
  const presentations = new PresentationVerifier({
    responseUri: `${base}/openid4vp/response`,
    verifier,
    ttlSeconds: config.ttlSeconds,
    ...(config.clientName === undefined ? {} : { clientName: config.clientName }),
    ...(config.now === undefined ? {} : { now: config.now }),
  });
  // The page's API answers only under the names the page is served at: a page elsewhere
  // cannot rebind its own name to this address (DNS rebinding) and read outcomes, nor
  // post requests from another origin.
  const hosts = new Set([`127.0.0.1:${address.port}`, `localhost:${address.port}`, `[::1]:${address.port}`, new URL(base).host]);
  app = createApp(config, files, presentations, hosts);

  return {
    url: `${localUrl}/`,
    responseUri: `${base}/openid4vp/response`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

function createApp(
  config: ResolvedConfig,
  files: ReturnType<typeof loadPageFiles>,
  presentations: PresentationVerifier,
  hosts: ReadonlySet<string>,
): Hono {
  const app = new Hono();
  const pages = new PageIds();
  app.use(async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  app.use('/api/*', async (c, next) => {
    const host = c.req.header('host') ?? '';
    const origin = c.req.header('origin');
    if (!hosts.has(host)) return problem(c, 403, 'REFUSED', 'the page API answers only at the address the page is served from');
    if (origin !== undefined && !sameOrigin(origin, host)) return problem(c, 403, 'REFUSED', 'the page API answers only its own page');
    await next();
  });

  app.get('/api/config', (c) => c.json({ profiles: Object.entries(config.profiles).map(([id, p]) => ({ id, label: p.label })) }));

  // Read no further than the limit (a streamed body without a length included).
  const limit = bodyLimit({
    maxSize: API_BODY_BYTES,
    onError: (c) => {
      c.header('Connection', 'close');
      return problem(c, 413, 'LIMIT_EXCEEDED', 'request body too large');
    },
  });
  app.post('/api/requests', limit, async (c) => {
    const text = await c.req.text();
    if (text.length > API_BODY_BYTES) return problem(c, 413, 'LIMIT_EXCEEDED', 'request body too large');
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return problem(c, 400, 'MALFORMED', 'the body is not JSON');
      }
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return problem(c, 400, 'MALFORMED', 'the body is a JSON object');
    const given = (body as Record<string, unknown>).profile ?? (body as Record<string, unknown>).need;
    const id = given === undefined ? Object.keys(config.profiles)[0]! : given;
    if (typeof id !== 'string' || !Object.hasOwn(config.profiles, id)) return problem(c, 400, 'INVALID_ARGUMENT', 'unknown profile');
    const profile = config.profiles[id]!;
    const session = await presentations.createRequest(profile.dcql ? { dcql: profile.dcql } : { needs: profile.needs ?? [] });
    const qrSvg = await QRCode.toString(session.uri, { type: 'svg', errorCorrectionLevel: 'L', margin: 4 });
    const pageId = pages.add(session.id, session.expiresAt);
    return c.json({ id: pageId, uri: session.uri, qrSvg, expiresAt: session.expiresAt.toISOString(), profile: id }, 201);
  });

  // The outcome (the holder's claims) goes only to the page that made the request, by the
  // id it was given; the request's state, which the QR code shows to anyone at the
  // counter, tells no more than the status.
  app.get('/api/requests/:id', async (c) => {
    const given = c.req.param('id');
    const sessionId = pages.session(given);
    const view = await presentations.session(sessionId ?? given);
    if (view === undefined) return problem(c, 404, 'REQUEST_UNKNOWN', 'no such request');
    return c.json({
      status: view.status,
      expiresAt: new Date(view.expiresAt).toISOString(),
      ...(view.outcome === undefined || sessionId === undefined ? {} : { outcome: view.outcome }),
    });
  });

  app.all('/openid4vp/response', (c) => presentations.handle(c.req.raw));

  app.get('*', (c) => {
    const path = c.req.path === '/' ? '/index.html' : c.req.path;
    const file = files.get(path);
    if (file === undefined) return problem(c, 404, 'NOT_FOUND', 'not found');
    c.header('Cache-Control', path === '/index.html' ? 'no-cache' : 'public, max-age=300');
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': file.type });
  });
  app.all('*', (c) => problem(c, 405, 'INVALID_ARGUMENT', 'method not allowed'));
  app.onError((error, c) =>
    error instanceof TradewindError
      ? problem(c, error.code === 'LIMIT_EXCEEDED' ? 429 : 400, error.code, error.message)
      : c.json({ message: 'internal error' }, 500),
  );
  return app;
}

/**
 * The ids the page polls its requests by (256 random bits each), mapped to the session
 * ids (the requests' states). Bounded: the oldest go first, and those long expired.
 */
class PageIds {
  static readonly MAX = 20_000;
  static readonly RETAIN_MS = 3_600_000;
  readonly #ids = new Map<string, { session: string; expiresAt: number }>();

  add(session: string, expiresAt: Date): string {
    const now = Date.now();
    for (const [id, entry] of this.#ids) {
      if (this.#ids.size < PageIds.MAX && entry.expiresAt + PageIds.RETAIN_MS > now) break;
      this.#ids.delete(id);
    }
    const id = randomBytes(32).toString('base64url');
    this.#ids.set(id, { session, expiresAt: expiresAt.getTime() });
    return id;
  }

  session(id: string): string | undefined {
    return this.#ids.get(id)?.session;
  }
}

/** Whether a request's Origin is the origin of the host it was sent to. */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return url.host === host && (url.protocol === 'http:' || url.protocol === 'https:');
  } catch {
    return false;
  }
}

function problem(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  return c.json({ code, message }, status);
}
