// SD-JWT VC verification (`dc+sd-jwt`, and `vc+sd-jwt` as issued before 2025): the
// issuer's signature, the disclosures, the SD-JWT VC claims, the key-binding JWT, the
// recognition policy and Token Status List status.

import { isHttpsIssuer, type JsonObject, type PublicJwk, parseCompactJws, type VerificationIssue } from '@tradewind/core';
import { fail, nowOf, type VerifyContext } from '../context.js';
import { toIssues } from '../input.js';
import { checkIssuedInPast } from '../issuance-time.js';
import { admitIssuer, needsThumbprint, type RecognitionOutcome, recognize } from '../recognition/recognize.js';
import { checkAlgorithm, thumbprintOf } from '../signature.js';
import type {
  KeyBinding,
  PresentedSdJwtCredential,
  VerificationCheck,
  VerificationFailure,
  VerifiedSdJwtCredential,
  VerifiedSdJwtPresentation,
} from '../types.js';
import { checkWindow, parseNumericDate } from '../validity.js';
import { minDefined, prefixed, recognitionState } from '../verify-credential.js';
import { verifySdJwtIssuerSignature } from './issuer-key.js';
import { type CheckedKeyBinding, checkKeyBinding, type HolderKey, holderKeyOf, thumbprintUri } from './key-binding.js';
import { digestsOf, processDisclosures, sdAlgOf, splitSdJwt } from './process.js';
import { checkTokenStatus } from './token-status.js';

export type SdJwtCredentialResult = VerifiedSdJwtCredential | VerificationFailure;

/** Claims the issuer must sign in plain text: a disclosure may not supply them (SD-JWT VC §3.2.2). */
const NEVER_DISCLOSED = ['iss', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status', '_sd_alg'];

/** Data URL prefixes an SD-JWT may come in (RFC 2397, as in an envelope's id). */
const SD_JWT_DATA_URL = /^data:application\/(?:dc|vc)\+sd-jwt,/i;

/**
 * The SD-JWT an input is, in compact serialization, or undefined when it is not one:
 * text (or a `data:application/dc+sd-jwt,` URL, or either as a JSON string) that holds
 * a `~`. Everything else goes the JOSE way, which says what is wrong with it. A JSON
 * string longer than `maxLength` is not unquoted (the SD-JWT path refuses its length).
 */
export function sdJwtText(input: unknown, maxLength: number): string | undefined {
  if (typeof input !== 'string' || !input.includes('~')) return undefined;
  const head = input.trimStart();
  if (head.startsWith('"') && input.length <= maxLength) {
    // An SD-JWT as a JSON string (from a JSON file or API field): one layer of quotes.
    try {
      const inner: unknown = JSON.parse(input);
      return typeof inner === 'string' && inner.includes('~') && !inner.trimStart().startsWith('"')
        ? sdJwtText(inner, maxLength)
        : undefined;
    } catch {
      return undefined;
    }
  }
  if (head.startsWith('{') || head.startsWith('[') || head.startsWith('"')) return undefined;
  return head.startsWith('data:') && !SD_JWT_DATA_URL.test(head) ? undefined : input;
}

/** What the caller of {@link checkSdJwt} expects. */
export interface SdJwtCheckOptions {
  parallel?: boolean;
  /** Status list URLs asked of the provider in this call (see MAX_STATUS_LISTS_PER_CALL). */
  statusUrls?: Set<string>;
  /** A presentation: the key-binding JWT is required, and its nonce and audience are compared when expected. */
  presentation?: { nonce?: string | undefined; audience?: string | undefined };
}

/** Verifies an SD-JWT VC as a credential: a key-binding JWT, when attached, is verified but its nonce and audience only reported. */
export async function checkSdJwtCredential(
  ctx: VerifyContext,
  input: string,
  options: SdJwtCheckOptions = {},
): Promise<SdJwtCredentialResult> {
  return (await checkSdJwt(ctx, input, options)).result;
}

/**
 * Verifies an SD-JWT VC presented with a key-binding JWT (required): everything
 * {@link checkSdJwtCredential} does, plus the expected nonce and audience.
 */
export async function checkSdJwtPresentation(
  ctx: VerifyContext,
  input: string,
  binding: { nonce?: string | undefined; audience?: string | undefined },
  parallel: boolean,
): Promise<VerifiedSdJwtPresentation | VerificationFailure> {
  const { result, holderKeyId } = await checkSdJwt(ctx, input, { parallel, presentation: binding });
  if (!result.verified) return result;
  // A presentation verified only with a key-binding JWT, itself verified with the cnf key.
  const keyBinding = result.keyBinding as KeyBinding;
  const cnf = result.holderKey as HolderKey;
  const holder = cnf.kid ?? (await thumbprintUri(ctx.backend, cnf.jwk as PublicJwk));
  const credential: PresentedSdJwtCredential = { ...result, aboutHolder: true, keyBinding };
  return {
    verified: true,
    format: 'dc+sd-jwt',
    holder,
    keyId: holderKeyId ?? holder,
    nonce: keyBinding.nonce,
    audience: [keyBinding.audience],
    issuedAt: keyBinding.issuedAt,
    credentials: [credential],
    warnings: result.warnings,
    checks: result.checks,
  };
}

async function checkSdJwt(
  ctx: VerifyContext,
  input: string,
  options: SdJwtCheckOptions,
): Promise<{ result: SdJwtCredentialResult; holderKeyId?: string | undefined }> {
  const { parallel = false, presentation } = options;
  const checks: VerificationCheck[] = ['dataModel'];
  try {
    if (input.length > ctx.limits.maxInputLength) {
      fail('LIMIT_EXCEEDED', `input is ${input.length} characters, over the limit of ${ctx.limits.maxInputLength}`, '/');
    }
    let text = input.trim();
    const dataUrl = SD_JWT_DATA_URL.exec(text);
    if (dataUrl) text = text.slice(dataUrl[0].length);
    const parts = splitSdJwt(text);
    const parsed = parseCompactJws(parts.jwt, { maxLength: ctx.limits.maxInputLength, maxDepth: ctx.limits.maxDepth });
    // Algorithms are allow-listed before anything else is read: a refused one fails the proof check.
    try {
      checkAlgorithm(parsed);
    } catch (e) {
      checks.push('proof');
      throw e;
    }
    const { header, payload } = parsed;
    const mediaType = mediaTypeOf(header.typ, ctx.sdJwt.acceptVcSdJwt);
    if (!ctx.formats.has('dc+sd-jwt')) fail('UNSUPPORTED_FORMAT', 'format dc+sd-jwt is not accepted here', '/header/typ');
    if (presentation && parts.kb === undefined) {
      checks.push('keyBinding');
      fail('HOLDER_BINDING', 'an SD-JWT presentation needs a key-binding JWT after the last "~"; this one has none', '/kb');
    }

    checks.push('disclosures');
    const sdAlg = sdAlgOf(payload);
    const digests = digestsOf(ctx.backend, sdAlg, parts.disclosures);
    const processed = processDisclosures(payload, parts.disclosures, Array.isArray(digests) ? digests : await digests, ctx.limits.maxDepth);
    for (const name of NEVER_DISCLOSED) {
      if (processed.disclosedTopLevel.has(name)) {
        const d = processed.disclosed.findIndex((c) => c.path === `/${name}`);
        fail('DISCLOSURE_INVALID', `${name} must be signed in plain text, not disclosed`, `/disclosures/${d}`);
      }
    }
    const { claims } = processed;
    const issuer = claims.iss;
    if (typeof issuer !== 'string' || !(issuer.startsWith('did:') || isHttpsIssuer(issuer))) {
      fail('MALFORMED', 'iss is not a DID or an https URL', '/payload/iss');
    }
    if (typeof claims.vct !== 'string' || claims.vct === '') fail('MALFORMED', 'vct is not a non-empty string', '/payload/vct');
    const vct = claims.vct;
    if (claims.sub !== undefined && typeof claims.sub !== 'string') fail('MALFORMED', 'sub is not a string', '/payload/sub');
    const subject = claims.sub as string | undefined;
    const holderKey = holderKeyOf(claims.cnf);
    const iat = parseNumericDate(claims.iat, '/payload/iat');
    const validFrom = parseNumericDate(claims.nbf, '/payload/nbf');
    const validUntil = parseNumericDate(claims.exp, '/payload/exp');
    if (claims.status !== undefined && !isObject(claims.status)) fail('MALFORMED', 'status is not an object', '/payload/status');

    if (ctx.trustedIssuers) checks.push('trustedIssuers');
    if (ctx.trustedIssuers && !ctx.trustedIssuers.has(issuer)) fail('UNTRUSTED_ISSUER', `issuer ${issuer} is not trusted`, '/payload/iss');
    const recognition = ctx.recognition ? await recognitionState(ctx) : undefined;
    if (recognition) {
      checks.push('recognition');
      admitIssuer(recognition, issuer, '/payload/iss');
    }
    checks.push('proof');
    const key = await verifySdJwtIssuerSignature(ctx, parsed, issuer, recognition, parallel);
    // The key binding after the issuer's signature: until that holds, the holder key
    // (and a DID a cnf.kid names) is anyone's choice. On this thread, like the issuer's:
    // sent to the thread pool beside it, the main thread mostly waited for it, and
    // presentations verified at a lower rate (bench/README.md, SD-JWT VC suite).
    const kbPending =
      parts.kb === undefined
        ? undefined
        : checkKeyBinding(ctx, parts.kb, holderKey, parts.presented, sdAlg, ctx.sdJwt.keyBindingMaxAgeSeconds, parallel);
    // Settled below, or dropped when something else fails first: never an unhandled rejection.
    kbPending?.catch(() => undefined);

    const now = nowOf(ctx);
    checks.push('validity');
    checkWindow(ctx, validFrom, validUntil, 'credential', ['/payload/nbf', '/payload/exp']);
    checkIssuedInPast(iat?.getTime(), now, ctx.skewMs, 'credential', '/payload/iat');

    const errors: VerificationIssue[] = [];
    let kb: CheckedKeyBinding | undefined;
    if (kbPending) {
      checks.push('keyBinding');
      kb = await kbPending;
      if (presentation?.nonce !== undefined) {
        checks.push('nonce');
        if (kb.keyBinding.nonce !== presentation.nonce) {
          errors.push({ code: 'NONCE_MISMATCH', message: 'key-binding JWT nonce is not the expected one', path: '/kb/payload/nonce' });
        }
      }
      if (presentation?.audience !== undefined) {
        checks.push('audience');
        if (kb.keyBinding.audience !== presentation.audience) {
          errors.push({
            code: 'AUDIENCE_MISMATCH',
            message: `key-binding JWT is not addressed to ${presentation.audience}`,
            path: '/kb/payload/aud',
          });
        }
      }
    }

    // Key windows judge the issuance time; without one, now.
    const issuedAt = latestTime(iat?.getTime(), validFrom?.getTime()) ?? now;
    const thumbprint = recognition && needsThumbprint(recognition, issuer) ? (key.thumbprint ?? (await thumbprintOf(key.key))) : undefined;
    let outcome: RecognitionOutcome | undefined;
    if (recognition)
      outcome = recognize(recognition, [vct], issuer, 'dc+sd-jwt', key.keyId, thumbprint, issuedAt, now, ctx.skewMs, '/payload/vct');
    const statusRequired = outcome ? outcome.statusRequired : ctx.policyStatus.required;
    const statusMaxAgeMs = minDefined(ctx.status.maxAgeMs, outcome ? outcome.statusMaxAgeMs : ctx.policyStatus.maxAgeMs);
    const warnings: VerificationIssue[] = [...(outcome?.warnings ?? [])];
    if (statusRequired || claims.status !== undefined) {
      checks.push('status');
      const status = await checkTokenStatus(ctx, claims.status, issuer, {
        recognition,
        maxAgeMs: statusMaxAgeMs,
        required: statusRequired,
        statusUrls: options.statusUrls ?? new Set(),
        parallel,
      });
      for (const issue of status.errors) errors.push(prefixed(issue, '/payload'));
      for (const issue of status.warnings) warnings.push(prefixed(issue, '/payload'));
    }
    if (errors.length > 0) return { result: { verified: false, errors, format: 'dc+sd-jwt', checks } };
    const result: VerifiedSdJwtCredential = {
      verified: true,
      format: 'dc+sd-jwt',
      mediaType,
      vct,
      issuer,
      ...(subject === undefined ? {} : { subject }),
      keyId: key.keyId,
      claims,
      disclosed: processed.disclosed,
      undisclosed: processed.undisclosed,
      ...(holderKey ? { holderKey } : {}),
      ...(kb ? { keyBinding: kb.keyBinding } : {}),
      ...(validFrom ? { validFrom } : {}),
      ...(validUntil ? { validUntil } : {}),
      warnings,
      ...(outcome ? { recognition: outcome.recognition } : {}),
      header,
      payload,
      checks,
    };
    return { result, holderKeyId: kb?.keyId };
  } catch (e) {
    return { result: { verified: false, errors: toIssues(e), format: 'dc+sd-jwt', checks } };
  }
}

/** `typ` of the issuer-signed JWT: dc+sd-jwt, or vc+sd-jwt when accepted; `application/` is tolerated. */
function mediaTypeOf(typ: unknown, acceptVcSdJwt: boolean): 'dc+sd-jwt' | 'vc+sd-jwt' {
  const t = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
  if (t === 'dc+sd-jwt') return 'dc+sd-jwt';
  if (t === 'vc+sd-jwt') {
    if (acceptVcSdJwt) return 'vc+sd-jwt';
    fail(
      'UNSUPPORTED_FORMAT',
      'typ vc+sd-jwt (the media type before 2025) is not accepted here (sdJwt.acceptVcSdJwt is false)',
      '/header/typ',
    );
  }
  return fail(
    'UNSUPPORTED_FORMAT',
    `an SD-JWT VC has typ dc+sd-jwt (or vc+sd-jwt); this one has ${typ === undefined ? 'none' : JSON.stringify(typ).slice(0, 60)}`,
    '/header/typ',
  );
}

function latestTime(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
