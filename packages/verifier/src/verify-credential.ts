import { parseCompactJws, type VerificationIssue } from '@tradewind/core';
import { fail, type VerifyContext } from './context.js';
import { detectJwtKind } from './formats/detect.js';
import { type DecodedCredential, decodeJwtVc } from './formats/jwt-vc.js';
import { decodeVcJwt } from './formats/vc-jwt.js';
import { subjectIdOf } from './formats/vcdm.js';
import { toCompactJws, toIssue } from './input.js';
import { checkAlgorithm, verifySignature } from './signature.js';
import { checkStatus } from './status.js';
import type { CredentialVerificationResult } from './types.js';
import { checkWindow } from './validity.js';

/**
 * Verifies one credential in a prepared context. Never throws: every problem becomes
 * an issue with a code. `parallel` sends the signature check off the main thread (batch use).
 */
export async function checkCredential(
  ctx: VerifyContext,
  input: unknown,
  parallel: boolean,
  path = '',
  withStatus = true,
): Promise<CredentialVerificationResult> {
  let format: DecodedCredentialFormat | undefined;
  try {
    const token = toCompactJws(input, ctx);
    const parsed = parseCompactJws(token, { maxLength: ctx.limits.maxInputLength, maxDepth: ctx.limits.maxDepth });
    checkAlgorithm(parsed);
    const kind = detectJwtKind(parsed);
    if (kind === 'jwt_vp' || kind === 'vp+jwt') fail('UNSUPPORTED_FORMAT', 'input is a presentation; use verifyPresentation', '/payload');
    format = kind;
    if (!ctx.formats.has(kind)) fail('UNSUPPORTED_FORMAT', `format ${kind} is not accepted here`, '/header/typ');
    const decoded: DecodedCredential = kind === 'jwt_vc' ? decodeJwtVc(parsed) : decodeVcJwt(parsed);
    if (ctx.trustedIssuers && !ctx.trustedIssuers.has(decoded.issuer)) {
      fail('UNTRUSTED_ISSUER', `issuer ${decoded.issuer} is not trusted`, kind === 'jwt_vc' ? '/payload/iss' : '/payload/issuer');
    }
    const keyId = await verifySignature(ctx, parsed, decoded.issuer, 'assertionMethod', parallel);
    const base = kind === 'jwt_vc' ? '/payload/vc' : '/payload';
    const errors: VerificationIssue[] = [];
    try {
      checkWindow(ctx, decoded.validFrom, decoded.validUntil, 'credential', [`${base}/validFrom`, `${base}/validUntil`]);
    } catch (e) {
      errors.push(toIssue(e, path));
    }
    let warnings: VerificationIssue[] = [];
    if (errors.length === 0 && withStatus && decoded.credential.credentialStatus !== undefined) {
      const status = await checkStatus(ctx, decoded.credential, decoded.issuer, (list) => checkCredential(ctx, list, parallel, '', false));
      for (const issue of status.errors) errors.push(prefixed(issue, `${path}${base}`));
      warnings = status.warnings.map((issue) => prefixed(issue, `${path}${base}`));
    }
    if (errors.length > 0) return { verified: false, errors, format: kind };
    const subject = subjectIdOf(decoded.credential);
    return {
      verified: true,
      format: kind,
      credential: decoded.credential,
      issuer: decoded.issuer,
      ...(subject === undefined ? {} : { subject }),
      keyId,
      ...(decoded.validFrom ? { validFrom: decoded.validFrom } : {}),
      ...(decoded.validUntil ? { validUntil: decoded.validUntil } : {}),
      warnings,
      header: parsed.header,
      payload: parsed.payload,
    };
  } catch (e) {
    const failure: CredentialVerificationResult = { verified: false, errors: [toIssue(e, path)] };
    if (format) failure.format = format;
    return failure;
  }
}

type DecodedCredentialFormat = 'jwt_vc' | 'vc+jwt';

function prefixed(issue: VerificationIssue, prefix: string): VerificationIssue {
  return { ...issue, path: prefix + (issue.path ?? '') };
}
