import { envelopeCredential } from '@tradewind/core';
import type { IssueDocumentRequest } from '@tradewind/issuer';
import { Hono } from 'hono';
import { z } from 'zod';
import { requireAdmin } from '../auth.js';
import { readJson } from '../body.js';
import type { ServiceContext, ServiceModule } from '../context.js';
import { HttpError } from '../errors.js';

const purposes = z.array(z.enum(['revocation', 'suspension'])).refine((p) => new Set(p).size === p.length, 'lists a purpose twice');

const issueBody = z.strictObject({
  credential: z.record(z.string(), z.unknown(), { error: 'must be a credential document (a JSON object)' }),
  options: z
    .strictObject({
      /** Status purposes the credential gets entries for (default both; `[]` for none). */
      status: purposes.optional(),
      /** Idempotency key: a second issue with it is 409 ALREADY_EXISTS. */
      recordKey: z.string().min(1).max(4096).optional(),
      /** `vc+jwt` (VCDM 2.0) or `jwt_vc` (VCDM 1.1); default from the document's first @context. */
      format: z.enum(['vc+jwt', 'jwt_vc']).optional(),
    })
    .optional(),
});

// VC-API UpdateCredentialStatusRequest: `status: true` sets the purpose's bit, `false` clears it.
// An SD-JWT VC's Token Status List entry (`TokenStatusList`) takes the same purposes: its
// one 2-bit value is set to revoked (1) or suspended (2), or back to valid (0).
const statusBody = z.strictObject({
  credentialId: z.string().min(1).max(4096),
  credentialStatus: z.strictObject({
    type: z.enum(['BitstringStatusListEntry', 'BitstringStatusList', 'TokenStatusList']),
    statusPurpose: z.enum(['revocation', 'suspension']),
    id: z.string().optional(),
    statusListIndex: z.string().optional(),
    statusListCredential: z.string().optional(),
  }),
  status: z.boolean(),
});

const verifyOptions = z.strictObject({ checks: z.array(z.string()).optional() });
const verifyCredentialBody = z.strictObject({ verifiableCredential: z.unknown(), options: verifyOptions.optional() });
const verifyPresentationBody = z.strictObject({
  verifiablePresentation: z.unknown(),
  options: verifyOptions.extend({ challenge: z.string().optional(), domain: z.string().optional() }).optional(),
});

/** Status purposes a VC-API issuance gets when its options name none. */
export const DEFAULT_ISSUE_STATUS: Array<'revocation' | 'suspension'> = ['revocation', 'suspension'];

/**
 * The W3C VC-API routes: admin `POST /credentials/issue` and `POST /credentials/status`,
 * public `POST /credentials/verify` and `POST /presentations/verify`.
 *
 * - issue: `{ credential, options? }` → 201 `{ verifiableCredential }`, an
 *   `EnvelopedVerifiableCredential` whose `id` is `data:application/vc+jwt,<jwt>` (a VCDM
 *   2.0 document) or `data:application/jwt,<jwt>` (a VCDM 1.1 document, `jwt_vc`);
 *   through the group-commit queue, answered once durable.
 * - status: VC-API `{ credentialId, credentialStatus: { type, statusPurpose }, status }` →
 *   revoke (`revocation`, true), suspend (`suspension`, true), reinstate (`suspension`,
 *   false); 200 `{ credentialId, statusPurpose, status, changed }`; 404 for a credential not
 *   issued here; revocation cannot be undone (400).
 * - verify: 200 `{ verified: true, checks, warnings, errors: [] }` or 400 `{ verified:
 *   false, checks, warnings: [], errors }`, through the service's verifier; an envelope
 *   with members beside `@context`, `type` and `id` (which its signature does not cover)
 *   is `verified: false`, MALFORMED at each such member.
 */
export function createVcApiModule(ctx: ServiceContext, statusChanged: () => void): ServiceModule {
  const routes = new Hono();
  const admin = requireAdmin(ctx.config.adminKeyHashes);
  const maxBytes = ctx.config.limits.bodyBytes;

  routes.post('/credentials/issue', admin, async (c) => {
    const body = await readJson(c, issueBody, maxBytes);
    const options = body.options ?? {};
    const request: IssueDocumentRequest = {
      credential: body.credential,
      status: options.status ?? DEFAULT_ISSUE_STATUS,
      ...(options.format === undefined ? {} : { format: options.format }),
      ...(options.recordKey === undefined ? {} : { recordKey: options.recordKey }),
    };
    const issued = await ctx.track(() => ctx.issue(request));
    return c.json({ verifiableCredential: envelopeCredential(issued.jwt, issued.format === 'jwt_vc' ? 'jwt' : 'vc+jwt') }, 201);
  });

  routes.post('/credentials/status', admin, async (c) => {
    const body = await readJson(c, statusBody, maxBytes);
    const purpose = body.credentialStatus.statusPurpose;
    if (purpose === 'revocation' && !body.status)
      throw new HttpError(400, 'INVALID_ARGUMENT', 'revocation is permanent: a revoked credential cannot be reinstated', [
        { code: 'INVALID_ARGUMENT', message: 'revocation is permanent: status false is only for suspension', path: '/status' },
      ]);
    const change = await ctx.track(() =>
      purpose === 'revocation'
        ? ctx.issuer.revoke(body.credentialId)
        : body.status
          ? ctx.issuer.suspend(body.credentialId)
          : ctx.issuer.reinstate(body.credentialId),
    );
    if (change.changed) statusChanged();
    return c.json({ credentialId: change.credentialId, statusPurpose: purpose, status: body.status, changed: change.changed });
  });

  routes.post('/credentials/verify', async (c) => {
    const body = await readJson(c, verifyCredentialBody, maxBytes);
    const input = body.verifiableCredential;
    if (!isObject(input)) return verificationAnswer(c, notAnObject('/verifiableCredential'));
    const result = await ctx.verifier.verifyCredential(input);
    return verificationAnswer(
      c,
      (result.verified && result.format !== 'dc+sd-jwt' && unsignedBesideJwtProof(input, result.credential)) || result,
    );
  });

  routes.post('/presentations/verify', async (c) => {
    const body = await readJson(c, verifyPresentationBody, maxBytes);
    const input = body.verifiablePresentation;
    if (!isObject(input)) return verificationAnswer(c, notAnObject('/verifiablePresentation'));
    const expected: { nonce?: string; audience?: string } = {};
    if (body.options?.challenge !== undefined) expected.nonce = body.options.challenge;
    if (body.options?.domain !== undefined) expected.audience = body.options.domain;
    return verificationAnswer(c, await ctx.verifier.verifyPresentation(input, expected));
  });

  return { routes };
}

interface VerificationLike {
  verified: boolean;
  checks?: unknown[];
  warnings?: unknown[];
  errors?: unknown[];
}

function verificationAnswer(c: import('hono').Context, result: VerificationLike): Response {
  const checks = result.checks ?? [];
  if (result.verified) return c.json({ verified: true, checks, warnings: result.warnings ?? [], errors: [] }, 200);
  return c.json({ verified: false, checks, warnings: [], errors: result.errors ?? [] }, 400);
}

/** VC-API carries credentials and presentations as JSON objects (an envelope for a JWT), never as a bare string. */
function notAnObject(path: string): VerificationLike {
  return { verified: false, checks: [], errors: [{ code: 'MALFORMED', message: `${path.slice(1)} must be a JSON object`, path }] };
}

/**
 * A VCDM 1.1 credential handed out as JSON with its JWT in `proof.jwt` (JwtProof2020):
 * only the JWT is signed, and the verifier verifies it alone. Members beside the proof
 * that say something else than the JWT (another issuer, another subject) would be read as
 * verified: each is named, and the answer is `verified: false`. `signed` is the verified
 * credential (the JWT's `vc` claim with its registered claims restored).
 */
function unsignedBesideJwtProof(input: Record<string, unknown>, signed: Record<string, unknown>): VerificationLike | undefined {
  const proof = input.proof;
  if (!isObject(proof) || proof.type !== 'JwtProof2020') return undefined;
  const differing = Object.keys(input).filter((k) => k !== 'proof' && !sameMember(k, input[k], signed[k]));
  if (differing.length === 0) return undefined;
  return {
    verified: false,
    checks: [],
    errors: differing.slice(0, 20).map((k) => ({
      code: 'MALFORMED',
      message: `${k} is not what the JWT in proof.jwt says, and only the JWT is signed`,
      path: `/verifiableCredential/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
    })),
  };
}

const DATE_MEMBERS = new Set(['issuanceDate', 'expirationDate', 'validFrom', 'validUntil']);

function sameMember(name: string, given: unknown, signed: unknown): boolean {
  if (name === 'issuer' && (typeof given === 'string' || typeof signed === 'string')) return idOf(given) === idOf(signed);
  if (DATE_MEMBERS.has(name) && typeof given === 'string' && typeof signed === 'string') {
    const [a, b] = [Date.parse(given), Date.parse(signed)];
    return Number.isFinite(a) && a === b;
  }
  return canonical(given) === canonical(signed);
}

function idOf(value: unknown): unknown {
  return isObject(value) ? value.id : value;
}

/** JSON with the members of every object in sorted order (undefined for a value JSON cannot carry). */
function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
