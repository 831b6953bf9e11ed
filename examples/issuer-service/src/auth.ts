import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from './errors.js';

const HASH_PREFIX = 'sha256:';

/**
 * A new admin API key and the hash to put in the configuration (`adminKeyHashes`). The
 * key is 32 random bytes, base64url: high-entropy, so one SHA-256 is the right hash (a
 * slow password hash protects guessable secrets, which these are not).
 */
export function newAdminKey(): { key: string; hash: string } {
  const key = `tw_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashAdminKey(key) };
}

/** `sha256:<hex>` of an admin API key, as the configuration stores it. */
export function hashAdminKey(key: string): string {
  return HASH_PREFIX + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether `hash` is a well-formed `sha256:<64 hex>` admin key hash. */
export function isAdminKeyHash(hash: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(hash);
}

/**
 * Admin routes: `Authorization: Bearer <key>` (or `X-API-Key: <key>`). No key → 401
 * UNAUTHORIZED; a key that is not configured → 403 FORBIDDEN. The presented key is
 * hashed and compared with every configured hash in constant time (no early exit, so the
 * time does not tell which or how many hashes were compared).
 */
export function requireAdmin(adminKeyHashes: readonly string[]): MiddlewareHandler {
  const hashes = adminKeyHashes.map((h) => Buffer.from(h.slice(HASH_PREFIX.length), 'hex'));
  return async (c, next) => {
    const key = presentedKey(c.req.header('authorization'), c.req.header('x-api-key'));
    if (key === undefined) {
      c.header('WWW-Authenticate', 'Bearer realm="admin"');
      throw new HttpError(401, 'UNAUTHORIZED', 'an admin API key is required (Authorization: Bearer <key>)');
    }
    const presented = createHash('sha256').update(key, 'utf8').digest();
    let match = false;
    for (const hash of hashes) match = timingSafeEqual(presented, hash) || match;
    if (!match) throw new HttpError(403, 'FORBIDDEN', 'the admin API key is not valid');
    await next();
  };
}

/**
 * Whether a request carries one of the configured admin API keys (same header forms and
 * constant-time comparison as {@link requireAdmin}); used to exempt admin callers from the
 * public rate limit.
 */
export function carriesAdminKey(adminKeyHashes: readonly string[]): (c: Context) => boolean {
  const hashes = adminKeyHashes.map((h) => Buffer.from(h.slice(HASH_PREFIX.length), 'hex'));
  return (c) => {
    const key = presentedKey(c.req.header('authorization'), c.req.header('x-api-key'));
    if (key === undefined) return false;
    const presented = createHash('sha256').update(key, 'utf8').digest();
    let match = false;
    for (const hash of hashes) match = timingSafeEqual(presented, hash) || match;
    return match;
  };
}

function presentedKey(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  if (authorization !== undefined) {
    const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(authorization);
    return m ? m[1] : undefined;
  }
  if (apiKey !== undefined && /^[\x21-\x7e]+$/.test(apiKey)) return apiKey;
  return undefined;
}
