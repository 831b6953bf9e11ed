import {
  asArray,
  isJsonObject,
  issuerId,
  type JsonObject,
  parseCompactJws,
  type VerifiablePresentation,
  type VerificationIssue,
  validatePresentation,
} from '@tradewind/core';
import { fail, holderBindingOf, nowOf, type VerifyContext } from './context.js';
import { detectJwtKind } from './formats/detect.js';
import { subjectIdsOf } from './formats/vcdm.js';
import { checkEnvelopeContent, dataIntegrityDocument, failAll, type InputForm, toCompactJws, toIssue, toIssues } from './input.js';
import { checkIssuedInPast } from './issuance-time.js';
import { sdJwtText } from './sd-jwt/verify.js';
import { checkAlgorithm, verifySignature } from './signature.js';
import type { PresentationVerificationResult, PresentedCredential, VerificationCheck } from './types.js';
import { checkWindow, parseNumericDate } from './validity.js';
import { checkCredential } from './verify-credential.js';

export interface Binding {
  nonce?: string | undefined;
  audience?: string | undefined;
  /** Accept a presentation without credentials (authentication only). */
  allowEmpty?: boolean;
}

/**
 * Verifies a presentation in a prepared context: the holder's signature, nonce and
 * audience, the presentation's own time bounds, every embedded credential in full,
 * and (holderBinding `subject`) that each credential is about the holder. Never throws.
 */
export async function checkPresentation(
  ctx: VerifyContext,
  input: unknown,
  binding: Binding,
  parallel: boolean,
): Promise<PresentationVerificationResult> {
  // A Data Integrity presentation: its code loads on first use.
  const dataIntegrity = dataIntegrityDocument(input, ctx);
  if (dataIntegrity) return (await import('./di/verify.js')).checkDiPresentation(ctx, dataIntegrity, binding, parallel);
  const checks: VerificationCheck[] = ['dataModel'];
  try {
    const form: InputForm = { expected: 'presentation' };
    const parsed = parseCompactJws(toCompactJws(input, ctx, form), { maxLength: ctx.limits.maxInputLength, maxDepth: ctx.limits.maxDepth });
    // Algorithms are allow-listed before anything else is read: a refused one fails the proof check.
    try {
      checkAlgorithm(parsed);
    } catch (e) {
      checks.push('proof');
      throw e;
    }
    const kind = detectJwtKind(parsed);
    checkEnvelopeContent(form, kind);
    if (kind !== 'jwt_vp' && kind !== 'vp+jwt') fail('UNSUPPORTED_FORMAT', 'input is a credential; use verifyCredential', '/payload');
    const { payload } = parsed;
    const base = kind === 'jwt_vp' ? '/payload/vp' : '/payload';
    const vp = kind === 'jwt_vp' ? payload.vp : payload;
    if (!isJsonObject(vp)) return fail('MALFORMED', 'vp claim is not an object', base);
    const embedded = asArray(vp.verifiableCredential);
    if (embedded.length === 0 && !binding.allowEmpty) {
      fail(
        'MALFORMED',
        'presentation carries no credentials (pass allowEmpty: true to accept a presentation that only authenticates its holder)',
        `${base}/verifiableCredential`,
      );
    }
    if (embedded.length > ctx.limits.maxCredentials) {
      fail(
        'LIMIT_EXCEEDED',
        `presentation carries ${embedded.length} credentials, over the limit of ${ctx.limits.maxCredentials}`,
        `${base}/verifiableCredential`,
      );
    }
    refuseEmbeddedSdJwt(embedded, `${base}/verifiableCredential`);
    // The presentation and the shape of each entry of verifiableCredential (an envelope's
    // own members included, so they are not checked again below); the credentials inside
    // are checked as each is decoded. With allowEmpty, a presentation without credentials
    // leaves verifiableCredential out: [] or null is still a data-model violation.
    const issues = validatePresentation(vp, { base, ...(kind === 'vp+jwt' ? { version: '2.0' as const } : {}) });
    if (issues.length > 0) failAll(issues);

    const holder = holderOf(payload, vp, base);
    checks.push('proof');
    const keyId = await verifySignature(ctx, parsed, holder, 'authentication', parallel);

    const errors: VerificationIssue[] = [];
    // RFC 7519 §4.1.3: aud is a string or an array of strings; a nonce is a string.
    // Anything else is not read as "no nonce" or passed on as if it were a string.
    if (payload.nonce !== undefined && typeof payload.nonce !== 'string') fail('MALFORMED', 'nonce is not a string', '/payload/nonce');
    const audience = payload.aud === undefined ? undefined : (asArray(payload.aud) as string[]);
    if (audience?.some((a) => typeof a !== 'string')) fail('MALFORMED', 'aud is not a string or an array of strings', '/payload/aud');
    const nonce = payload.nonce as string | undefined;
    if (binding.nonce !== undefined) checks.push('nonce');
    if (binding.nonce !== undefined && nonce !== binding.nonce) {
      errors.push({
        code: 'NONCE_MISMATCH',
        message: nonce === undefined ? 'presentation carries no nonce' : 'presentation nonce is not the expected one',
        path: '/payload/nonce',
      });
    }
    if (binding.audience !== undefined) checks.push('audience');
    if (binding.audience !== undefined && !audience?.includes(binding.audience)) {
      errors.push({ code: 'AUDIENCE_MISMATCH', message: `presentation is not addressed to ${binding.audience}`, path: '/payload/aud' });
    }
    checks.push('validity');
    try {
      // As for credentials: a presentation cannot have been made in the future.
      checkIssuedInPast(parseNumericDate(payload.iat, '/payload/iat')?.getTime(), nowOf(ctx), ctx.skewMs, 'presentation', '/payload/iat');
      checkWindow(ctx, parseNumericDate(payload.nbf, '/payload/nbf'), parseNumericDate(payload.exp, '/payload/exp'), 'presentation', [
        '/payload/nbf',
        '/payload/exp',
      ]);
    } catch (e) {
      errors.push(toIssue(e));
    }

    const credentials = await checkEmbeddedCredentials(ctx, embedded, { parallel, base, holder }, checks, errors);
    if (errors.length > 0) return { verified: false, errors, checks };
    return {
      verified: true,
      format: kind,
      presentation: vp as VerifiablePresentation,
      holder,
      keyId,
      ...(nonce === undefined ? {} : { nonce }),
      ...(audience === undefined ? {} : { audience }),
      credentials,
      warnings: credentials.flatMap((c) => c.warnings),
      checks,
    };
  } catch (e) {
    return { verified: false, errors: toIssues(e), checks };
  }
}

/** The holder DID: `iss`, and `holder` where given; the two must agree. */
function holderOf(payload: JsonObject, vp: JsonObject, base: string): string {
  const iss = payload.iss;
  if (iss !== undefined && typeof iss !== 'string') fail('MALFORMED', 'iss is not a string', '/payload/iss');
  const holder = vp.holder === undefined ? undefined : issuerId(vp.holder);
  if (vp.holder !== undefined && holder === undefined) fail('MALFORMED', 'holder has no id', `${base}/holder`);
  if (iss !== undefined && holder !== undefined && iss !== holder)
    fail('MALFORMED', `iss ${iss} contradicts holder ${holder}`, `${base}/holder`);
  const did = (iss ?? holder) as string | undefined;
  if (!did) return fail('MALFORMED', 'presentation names no holder', `${base}/holder`);
  return did;
}

/**
 * An SD-JWT VC in a JOSE presentation would be bound to the holder by the presentation's
 * signature, not by its own key-binding JWT over its disclosures: such a mix is refused
 * with a message that says how SD-JWT VCs are presented.
 */
export function refuseEmbeddedSdJwt(embedded: readonly unknown[], path: string): void {
  embedded.forEach((c, i) => {
    const id = isJsonObject(c) ? c.id : c;
    if (typeof id !== 'string') return;
    if (/^data:application\/(?:dc|vc)\+sd-jwt,/i.test(id.trimStart()) || sdJwtText(c, Number.POSITIVE_INFINITY) !== undefined) {
      fail(
        'UNSUPPORTED_FORMAT',
        'an SD-JWT VC (dc+sd-jwt) cannot be carried in a vp+jwt or jwt_vp presentation: it is presented on its own with a key-binding JWT (verifyPresentation of the SD-JWT)',
        `${path}/${i}`,
      );
    }
  });
}

/**
 * Verifies the credentials a presentation carries (one budget of status list URLs for all
 * of them, see MAX_STATUS_LISTS_PER_CALL) and, under holderBinding `subject`, that each one
 * is about the holder. Adds to `checks` and `errors`; returns the verified credentials.
 */
export async function checkEmbeddedCredentials(
  ctx: VerifyContext,
  embedded: readonly unknown[],
  where: { parallel: boolean; base: string; holder: string },
  checks: VerificationCheck[],
  errors: VerificationIssue[],
): Promise<PresentedCredential[]> {
  const { parallel, base, holder } = where;
  const statusUrls = new Set<string>();
  if (embedded.length > 0) checks.push('credentials');
  const results = await Promise.all(
    embedded.map((c, i) =>
      checkCredential(ctx, c, { parallel, path: `${base}/verifiableCredential/${i}`, statusUrls, envelopeChecked: true }),
    ),
  );
  const bindToSubject = holderBindingOf(ctx) === 'subject';
  // The binding is judged on the credentials that verified: with none of them, it did not run.
  if (bindToSubject && results.some((r) => r.verified)) checks.push('holderBinding');
  const credentials: PresentedCredential[] = [];
  results.forEach((result, i) => {
    if (!result.verified) {
      errors.push(...result.errors);
      return;
    }
    const aboutHolder = subjectIdsOf(result.credential).includes(holder);
    if (bindToSubject && !aboutHolder) {
      errors.push({
        code: 'HOLDER_BINDING',
        message: `credential ${i} is not about the holder ${holder}`,
        path: `${base}/verifiableCredential/${i}`,
      });
    }
    credentials.push({ ...result, aboutHolder });
  });
  return credentials;
}
