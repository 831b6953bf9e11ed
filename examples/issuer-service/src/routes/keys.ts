import type { SigningKey } from '@tradewind/issuer';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { requireAdmin } from '../auth.js';
import { readJson } from '../body.js';
import type { ServiceContext, ServiceModule } from '../context.js';

/** `POST /keys/rotate` body: optional, `{}` or `{ "keyType": "Ed25519" | "P-256" }`. */
const RotateBody = z.strictObject({ keyType: z.enum(['Ed25519', 'P-256']).optional() });

/** How long `GET /keys` may be cached, seconds: as long as the DID document. */
const KEYS_MAX_AGE = 300;

/**
 * The service's signing key rotation and the keys a recognition list carries.
 *
 * - `POST /keys/rotate` (admin): replaces the service DID's signing key with a new key
 *   (the old key's algorithm unless the body names `keyType`), with a verification method
 *   id of its own; the old key is retired in the same transaction. From the response on,
 *   credentials, status lists and re-emissions are signed with the new key; the DID
 *   document lists both. 200 `{ did, verificationMethod, previous: { verificationMethod,
 *   retiredAt }, keys, recognitionKeys }`.
 * - `GET /keys` (public, like the DID document it restates): every key with its period —
 *   the signing key first, then the retired ones — for the regional trust anchor to
 *   update its recognition list: `{ did, keys: [{ verificationMethod, publicJwk, keyType,
 *   alg, state, activeFrom?, retiredAt? }], recognitionKeys }`. `recognitionEntriesFor`
 *   of `@tradewind/issuer` turns `keys` into one entry per key, each bound to its period.
 */
export async function createKeysModule(ctx: ServiceContext): Promise<ServiceModule> {
  const routes = new Hono();
  const admin = requireAdmin(ctx.config.adminKeyHashes);

  routes.get('/keys', async (c) => {
    c.header('Cache-Control', `public, max-age=${KEYS_MAX_AGE}`);
    return c.json(await keysOf(ctx));
  });

  routes.post('/keys/rotate', admin, async (c) => {
    const body = await readOptionalJson(c, ctx.config.limits.bodyBytes);
    const rotated = await ctx.track(async () => {
      const { did, verificationMethod, previous } = await ctx.issuer.rotateKey(ctx.did, body.keyType ? { keyType: body.keyType } : {});
      // The published status lists are signed again with the new key, the verifier reads the
      // new document (awaited, should the hook ever return the rebuild's promise).
      await ctx.didDocumentChanged?.();
      return { did, verificationMethod, previous };
    });
    ctx.logger.info({ did: rotated.did, verificationMethod: rotated.verificationMethod, retired: rotated.previous }, 'signing key rotated');
    const { keys, recognitionKeys } = await keysOf(ctx);
    c.header('Cache-Control', 'no-store');
    return c.json({ ...rotated, keys, recognitionKeys });
  });

  return { routes };
}

async function keysOf(ctx: ServiceContext): Promise<{ did: string; keys: SigningKey[]; recognitionKeys: unknown[] }> {
  const keys = await ctx.issuer.signingKeys(ctx.did);
  return { did: ctx.did, keys, recognitionKeys: keys.map((k) => ({ ...k.publicJwk, kid: k.verificationMethod })) };
}

// No body, or an empty one without a media type, is `{}`; anything else is read as JSON and checked.
async function readOptionalJson(c: Context, maxBytes: number): Promise<z.infer<typeof RotateBody>> {
  const length = c.req.header('content-length');
  const chunked = c.req.header('transfer-encoding') !== undefined;
  if (c.req.header('content-type') === undefined && !chunked && (length === undefined || length === '0')) return {};
  return readJson(c, RotateBody, maxBytes);
}
