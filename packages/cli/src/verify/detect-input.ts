import { DEFAULT_JWS_LIMITS, isJsonObject, looksLikeCompactJws, nestingDepth, parseCompactJws, typesOf } from '@tradewind/core';

/** Which verifier function an input goes to. */
export type InputKind = 'credential' | 'presentation';

const PRESENTATION_TYPES = ['VerifiablePresentation', 'EnvelopedVerifiablePresentation'];

/**
 * Decides whether the input text is a presentation or a credential. A presentation is
 * a compact JWT whose header typ is `vp+jwt` or whose payload has a `vp` claim or the
 * type VerifiablePresentation, a `data:application/vp+jwt,` URL, JSON of type
 * (Enveloped)VerifiablePresentation, or an SD-JWT with a key-binding JWT after its last `~`. Everything else, including input that is not a
 * credential at all, goes to credential verification, which says what is wrong with it
 * (MALFORMED, UNSUPPORTED_FORMAT, LIMIT_EXCEEDED, …). Only looks; the verifier parses
 * again under its own limits.
 */
export function classifyInput(text: string): InputKind {
  const trimmed = text.trim();
  if (trimmed.length > DEFAULT_JWS_LIMITS.maxLength) return 'credential';
  const sdJwt = sdJwtForm(trimmed);
  if (sdJwt) return sdJwt.keyBinding ? 'presentation' : 'credential';
  if (trimmed.startsWith('data:application/vp+jwt,')) return 'presentation';
  if (trimmed.startsWith('{') || trimmed.startsWith('"')) {
    const json = parseShallowJson(trimmed);
    if (typeof json === 'string') return classifyInput(json);
    return isJsonObject(json) && typesOf(json.type).some((t) => PRESENTATION_TYPES.includes(t)) ? 'presentation' : 'credential';
  }
  return looksLikeCompactJws(trimmed) && isPresentationJwt(trimmed) ? 'presentation' : 'credential';
}

/**
 * Whether the text is an SD-JWT (compact: a JWS, then `~`-separated disclosures) and
 * whether it ends with a key-binding JWT (a non-empty last part), which makes it a
 * presentation. Undefined for anything else. Only looks; the verifier judges.
 */
export function sdJwtForm(text: string): { keyBinding: boolean } | undefined {
  let given = text.trim();
  // A JSON string holding the SD-JWT (the verifier reads that form too).
  if (given.startsWith('"') && given.length <= DEFAULT_JWS_LIMITS.maxLength) {
    const json = parseShallowJson(given);
    if (typeof json !== 'string') return undefined;
    given = json;
  }
  const trimmed = given.trim().replace(/^data:application\/(?:dc|vc)\+sd-jwt,/i, '');
  const tilde = trimmed.indexOf('~');
  if (tilde < 0 || !looksLikeCompactJws(trimmed.slice(0, tilde))) return undefined;
  return { keyBinding: !trimmed.endsWith('~') };
}

function parseShallowJson(text: string): unknown {
  if (nestingDepth(text) > DEFAULT_JWS_LIMITS.maxDepth) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isPresentationJwt(token: string): boolean {
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    ({ header, payload } = parseCompactJws(token));
  } catch {
    return false;
  }
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : '';
  return typ === 'vp+jwt' || typ === 'vp+ld+jwt' || payload.vp !== undefined || typesOf(payload.type).includes('VerifiablePresentation');
}
