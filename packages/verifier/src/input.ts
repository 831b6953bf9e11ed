import { isJsonObject, looksLikeCompactJws, nestingDepth, TradewindError } from '@tradewind/core';
import { fail, type VerifyContext } from './context.js';

const ENVELOPE_PREFIXES = ['data:application/vc+jwt,', 'data:application/vp+jwt,', 'data:application/jwt,'];

/**
 * Reduces what a caller passed (a compact JWT, its JSON-quoted text, an
 * EnvelopedVerifiableCredential, or a JSON-LD credential) to the compact JWS to
 * verify, or fails with the reason it cannot be verified.
 */
export function toCompactJws(input: unknown, ctx: VerifyContext): string {
  if (typeof input === 'string') {
    if (input.length > ctx.limits.maxInputLength) {
      fail('LIMIT_EXCEEDED', `input is ${input.length} characters, over the limit of ${ctx.limits.maxInputLength}`, '/');
    }
    const text = input.trim();
    for (const prefix of ENVELOPE_PREFIXES) if (text.startsWith(prefix)) return toCompactJws(text.slice(prefix.length), ctx);
    if (text.startsWith('{')) return toCompactJws(parseJsonText(text, ctx), ctx);
    if (text.startsWith('"')) {
      const unquoted = parseJsonText(text, ctx);
      if (typeof unquoted === 'string') return toCompactJws(unquoted, ctx);
    }
    // A compact JWS never contains '~'; an SD-JWT always does (issuer JWT~disclosures~).
    if (text.includes('~')) fail('UNSUPPORTED_FORMAT', 'SD-JWT credentials (dc+sd-jwt) are not supported yet', '/');
    if (!looksLikeCompactJws(text)) {
      const segments = text.split('.').length;
      fail(
        'MALFORMED',
        segments === 3 ? 'input is not base64url-encoded JWS segments' : `a compact JWS has 3 segments, not ${segments}`,
        '/',
      );
    }
    return text;
  }
  if (isJsonObject(input)) {
    const types = Array.isArray(input.type) ? input.type : [input.type];
    if (types.includes('EnvelopedVerifiableCredential') || types.includes('EnvelopedVerifiablePresentation')) {
      if (typeof input.id !== 'string') fail('MALFORMED', 'enveloped credential has no data: URL id', '/id');
      const id = input.id as string;
      if (!ENVELOPE_PREFIXES.some((p) => id.startsWith(p))) {
        fail('UNSUPPORTED_FORMAT', `enveloped media type ${id.slice(5, id.indexOf(',')).slice(0, 60)} is not supported`, '/id');
      }
      return toCompactJws(id, ctx);
    }
    // Veramo and did-jwt-vc hand out JWT credentials as JSON with the JWT in proof.jwt
    // (JwtProof2020). The JWT is what is signed: it is verified, and the JSON beside it ignored.
    const proof = input.proof;
    if (isJsonObject(proof) && proof.type === 'JwtProof2020' && typeof proof.jwt === 'string') return toCompactJws(proof.jwt, ctx);
    if (proof !== undefined) fail('UNSUPPORTED_FORMAT', 'Data Integrity proofs (di) are not supported yet', '/proof');
    if (input['@context'] !== undefined) fail('MALFORMED', 'credential carries no securing mechanism (no JWS, no proof)', '/');
    return fail('MALFORMED', 'input is not a credential or presentation', '/');
  }
  return fail('MALFORMED', `input is a ${input === null ? 'null' : typeof input}, not a credential`, '/');
}

function parseJsonText(text: string, ctx: VerifyContext): unknown {
  if (nestingDepth(text) > ctx.limits.maxDepth) {
    fail('LIMIT_EXCEEDED', `JSON nests deeper than ${ctx.limits.maxDepth} levels`, '/');
  }
  try {
    return JSON.parse(text);
  } catch {
    return fail('MALFORMED', 'input is not valid JSON', '/');
  }
}

/** Turns any exception into a verification issue: typed ones keep their code, others become MALFORMED. */
export function toIssue(e: unknown, pathPrefix = '') {
  if (e instanceof TradewindError) {
    const issue = e.toIssue();
    if (pathPrefix) issue.path = pathPrefix + (issue.path === '/' ? '' : (issue.path ?? ''));
    return issue;
  }
  return {
    code: 'MALFORMED' as const,
    message: `input could not be processed: ${(e as Error)?.message ?? String(e)}`,
    ...(pathPrefix ? { path: pathPrefix } : {}),
  };
}
