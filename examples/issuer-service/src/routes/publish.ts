import { type Context, Hono } from 'hono';
import type { ServiceContext, ServiceModule } from '../context.js';
import { HttpError } from '../errors.js';
import type { PublishedList, StatusLists } from '../status-lists.js';

/** How long a DID document may be cached, seconds (a rotated key is published within this time). */
export const DID_DOCUMENT_MAX_AGE = 300;

/**
 * What the service publishes: its did:web DID document — at `/.well-known/did.json` for a
 * base URL without a path, at `<base path>/did.json` otherwise, as did:web resolves them —
 * its status list credentials at `<base URL>/status/<n>` and the Token Status Lists of its
 * SD-JWT VCs at `<base URL>/status/token/<n>`, exactly the URLs the credentials name.
 *
 * Status lists are `application/vc+jwt` (tokens `application/statuslist+jwt`), with a
 * strong `ETag` (a SHA-256 of the body), `If-None-Match` → 304, and `Cache-Control: public, max-age` no longer than
 * `statusListMaxAgeSeconds` and never past the list's `validUntil`.
 */
export function createPublishModule(ctx: ServiceContext, lists: StatusLists): ServiceModule {
  const routes = new Hono();
  const didPath = (ctx.basePath ?? '') === '' ? '/.well-known/did.json' : '/did.json';
  const maxAge = ctx.config.statusListMaxAgeSeconds ?? 300;

  routes.get(didPath, async (c) => {
    const document = await ctx.issuer.didWebDocument(ctx.did);
    c.header('Cache-Control', `public, max-age=${DID_DOCUMENT_MAX_AGE}`);
    return c.body(JSON.stringify(document), 200, { 'Content-Type': 'application/did+json' });
  });

  const serve = (c: Context, list: PublishedList | undefined): Response => {
    if (!list) throw new HttpError(404, 'NOT_FOUND', 'no status list with this number');
    const seconds = Math.max(0, Math.min(maxAge, Math.floor((list.validUntil.getTime() - Date.now()) / 1000)));
    const headers = {
      ETag: list.etag,
      'Cache-Control': `public, max-age=${seconds}`,
      Expires: new Date(Date.now() + seconds * 1000).toUTCString(),
    };
    if (etagMatches(c.req.header('if-none-match'), list.etag)) return c.body(null, 304, headers);
    return c.body(list.jwt, 200, { ...headers, 'Content-Type': list.mediaType });
  };
  const numbered = (n: string) => /^[1-9][0-9]{0,9}$/.test(n);

  routes.get('/status/:n', async (c) => {
    const n = c.req.param('n');
    return serve(c, numbered(n) ? await lists.get(Number(n)) : undefined);
  });

  // Token Status Lists (the status of SD-JWT VCs), at the `status.status_list.uri` the credentials name.
  routes.get('/status/token/:n', async (c) => {
    const n = c.req.param('n');
    return serve(c, numbered(n) ? await lists.getToken(Number(n)) : undefined);
  });

  return { routes };
}

/** RFC 9110 §13.1.2: `*` or a list of entity tags, compared weakly. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
