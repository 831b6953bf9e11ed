import { DEFAULT_JWS_LIMITS, isJsonObject, looksLikeCompactJws, nestingDepth, parseCompactJws, typesOf } from '@tradewind/core';

/** What the page hands the verifier: the text as given, or the JSON it holds. */
export interface ReadInput {
  kind: 'credential' | 'presentation';
  value: unknown;
}

const PRESENTATION_TYPES = ['VerifiablePresentation', 'EnvelopedVerifiablePresentation'];

/**
 * Decides whether pasted text is a presentation or a credential, the way the
 * `tradewind verify` command does: a JWT typed `vp+jwt` or carrying `vp`, JSON of type
 * VerifiablePresentation, or an SD-JWT ending in a key-binding JWT is a presentation.
 * Anything else goes to credential verification, which says what is wrong with it.
 */
export function readInput(text: string): ReadInput {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') && nestingDepth(trimmed) <= DEFAULT_JWS_LIMITS.maxDepth) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      return { kind: 'credential', value: trimmed };
    }
    const presentation = isJsonObject(json) && typesOf(json.type).some((t) => PRESENTATION_TYPES.includes(t));
    return { kind: presentation ? 'presentation' : 'credential', value: json };
  }
  const tilde = trimmed.indexOf('~');
  if (tilde > 0 && looksLikeCompactJws(trimmed.slice(0, tilde)))
    return { kind: trimmed.endsWith('~') ? 'credential' : 'presentation', value: trimmed };
  if (trimmed.startsWith('data:application/vp+jwt,')) return { kind: 'presentation', value: trimmed };
  return { kind: looksLikeCompactJws(trimmed) && isPresentationJwt(trimmed) ? 'presentation' : 'credential', value: trimmed };
}

function isPresentationJwt(token: string): boolean {
  try {
    const { header, payload } = parseCompactJws(token);
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : '';
    return typ === 'vp+jwt' || payload.vp !== undefined || typesOf(payload.type).includes('VerifiablePresentation');
  } catch {
    return false;
  }
}

/**
 * The URL a status list credential is published at, read from the credential itself: a
 * Bitstring Status List's `id` (JSON, `vc+jwt` payload, or `jwt_vc`'s `vc.id` / `jti`),
 * a Token Status List's `sub`. Undefined when it names none.
 */
export function statusListUrl(text: string): string | undefined {
  const trimmed = text.trim();
  let doc: Record<string, unknown> | undefined;
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed);
      if (isJsonObject(json)) doc = json;
    } catch {
      return undefined;
    }
  } else if (looksLikeCompactJws(trimmed)) {
    try {
      const { header, payload } = parseCompactJws(trimmed);
      if (String(header.typ).toLowerCase() === 'statuslist+jwt') return httpUrl(payload.sub);
      const vc = isJsonObject(payload.vc) ? payload.vc : undefined;
      return httpUrl(payload.id) ?? httpUrl(vc?.id) ?? httpUrl(payload.jti) ?? httpUrl(payload.sub);
    } catch {
      return undefined;
    }
  }
  return httpUrl(doc?.id);
}

function httpUrl(value: unknown): string | undefined {
  return typeof value === 'string' && /^https?:\/\/\S+$/.test(value) ? value : undefined;
}
