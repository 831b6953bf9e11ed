import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { TradewindError } from '@tradewind/core';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { matchedRoutes } from 'hono/route';
import { rateLimiter } from 'hono-rate-limiter';
import { carriesAdminKey } from './auth.js';
import type { ServiceContext, ServiceModule } from './context.js';
import { HttpError, type ServiceErrorCode, type ServiceIssue } from './errors.js';

/** What the app asks of the running service: whether it is draining (new requests are then refused). */
export interface AppLifecycle {
  draining(): boolean;
}

const ALWAYS_OPEN: AppLifecycle = { draining: () => false };

/**
 * The service's HTTP application: one log line per request, draining refusals, the public
 * rate limit, every module's routes, and the error mapping. Every route is relative to the
 * base URL's path (`ctx.basePath`): with `https://registry.gov.example/issuers/civil`,
 * `POST /credentials/issue` is served at `/issuers/civil/credentials/issue`, and the
 * well-known documents also at their path-inserted form
 * (`/.well-known/openid-credential-issuer/issuers/civil`). Requests outside the base path
 * are 404. Modules see paths without the base path; absolute URLs come from `config.baseUrl`.
 *
 * Errors: {@link HttpError} → its status and `{ errors }`; TradewindError `MALFORMED`,
 * `INVALID_ARGUMENT`, `UNSUPPORTED_FORMAT` → 400, `NOT_FOUND` → 404, `ALREADY_EXISTS` →
 * 409, `LIMIT_EXCEEDED` → 413, `STORAGE_ERROR` → 503 with `Retry-After`; anything else → 500 `UNEXPECTED`,
 * with the details only in the log.
 *
 * @example
 * ```ts
 * const app = createApp(ctx, [vcApi, oid4vci], lifecycle);
 * serve({ fetch: app.fetch, port: 8080 });
 * ```
 */
export function createApp(ctx: ServiceContext, modules: ServiceModule[], lifecycle: AppLifecycle = ALWAYS_OPEN): Hono {
  const { config, logger } = ctx;
  const app = new Hono();
  app.onError((error, c) => answerError(ctx, error, c));
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${truncate(new URL(c.req.url).pathname)}`), 404));

  // One line per request: never the body, the query, headers or anything that names a person.
  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    c.header('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const route = matchedRoutes(c)[c.req.routeIndex]?.path ?? '*';
      const status = c.res.status;
      logger[status >= 500 ? 'error' : 'info'](
        { requestId, method: c.req.method, route, status, ms: Math.round((performance.now() - started) * 10) / 10 },
        'request',
      );
    }
  });

  app.use('*', async (c, next) => {
    if (lifecycle.draining()) {
      c.header('Connection', 'close');
      c.header('Retry-After', '5');
      throw new HttpError(503, 'SHUTTING_DOWN', 'the service is shutting down and takes no new work');
    }
    await next();
  });

  const isAdmin = carriesAdminKey(config.adminKeyHashes);
  app.use(
    '*',
    rateLimiter({
      windowMs: config.limits.windowMs,
      limit: config.limits.publicRequestsPerWindow,
      standardHeaders: 'draft-6',
      keyGenerator: (c) => clientAddress(c),
      skip: (c) => isAdmin(c),
      handler: (c) =>
        c.json(
          errorBody('RATE_LIMITED', `more than ${config.limits.publicRequestsPerWindow} requests in ${config.limits.windowMs / 1000} s`),
          429,
        ),
    }),
  );

  const routes = new Hono();
  routes.onError((error, c) => answerError(ctx, error, c));
  // Under a base path a request reaches these routes on its own: its 404 is JSON too.
  routes.notFound((c) =>
    c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${truncate(new URL(c.req.url).pathname)} under the base path`), 404),
  );
  for (const module of modules) routes.route('/', module.routes);

  const basePath = ctx.basePath ?? '';
  if (basePath === '') {
    app.route('/', routes);
    return app;
  }
  // A base path: requests under it reach the routes without it; `/.well-known/<name><base>`
  // (RFC 8615 documents of a URL with a path, as OpenID4VCI and RFC 8414 place them)
  // reaches `/.well-known/<name>`.
  app.all('*', (c) => {
    const url = new URL(c.req.url);
    let inner: string | undefined;
    if (url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)) inner = url.pathname.slice(basePath.length) || '/';
    else {
      const m = /^\/\.well-known\/([^/]+)(\/.*)$/.exec(url.pathname);
      if (m && m[2] === basePath) inner = `/.well-known/${m[1]}`;
    }
    if (inner === undefined) return c.notFound();
    url.pathname = inner;
    return routes.fetch(new Request(url, c.req.raw), c.env);
  });
  return app;
}

/** The client's address as the socket gives it (put the service behind a proxy that does not pool clients, or raise the limit). */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const STATUS_OF: Partial<Record<string, number>> = {
  MALFORMED: 400,
  INVALID_ARGUMENT: 400,
  UNSUPPORTED_FORMAT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  LIMIT_EXCEEDED: 413,
  STORAGE_ERROR: 503,
};

function answerError(ctx: ServiceContext, error: unknown, c: Context): Response {
  if (error instanceof HttpError) return c.json({ errors: error.issues }, error.status as 400);
  if (error instanceof TradewindError) {
    const status = STATUS_OF[error.code];
    if (status === 503) {
      ctx.logger.error({ code: error.code, err: describe(error) }, 'storage failure');
      // The database is unreachable or failed: nothing was committed; the client may retry.
      c.header('Retry-After', '5');
      return c.json(errorBody('STORAGE_ERROR', 'the service cannot reach its storage; try again later'), 503);
    }
    if (status !== undefined) return c.json({ errors: issuesOf(error) }, status as 400);
  }
  if (error instanceof HTTPException) {
    const code: ServiceErrorCode = error.status === 413 ? 'LIMIT_EXCEEDED' : error.status >= 500 ? 'UNEXPECTED' : 'MALFORMED';
    return c.json(errorBody(code, error.status >= 500 ? 'internal error' : truncate(error.message || 'bad request')), error.status);
  }
  ctx.logger.error({ err: describe(error) }, 'unexpected error');
  return c.json(errorBody('UNEXPECTED', 'internal error'), 500);
}

/** One entry per problem: the issues a data-model error lists (each with its path), else the error itself. */
function issuesOf(error: TradewindError): ServiceIssue[] {
  if (error.issues && error.issues.length > 0)
    return error.issues.map((i) =>
      i.path === undefined ? { code: i.code, message: i.message } : { code: i.code, message: i.message, path: i.path },
    );
  return [
    error.path === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, path: error.path },
  ];
}

/** An error for the log: its name, code, message and stack, never the request. */
function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error)
    return { name: error.name, code: (error as { code?: unknown }).code, message: error.message, stack: error.stack };
  return { value: typeof error };
}

export function errorBody(code: ServiceErrorCode, message: string): { errors: ServiceIssue[] } {
  return { errors: [{ code, message }] };
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
