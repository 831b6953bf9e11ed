import type { ParsedJws } from '@tradewind/core';
import { fail } from '../context.js';

export type JwtKind = 'jwt_vc' | 'vc+jwt' | 'jwt_vp' | 'vp+jwt';

const SD_JWT_TYPES = new Set(['dc+sd-jwt', 'vc+sd-jwt', 'application/dc+sd-jwt', 'application/vc+sd-jwt']);

/**
 * Tells which securing format a JWS carries, from its `typ` header and claims:
 * VC-JOSE-COSE (`vc+jwt`, `vp+jwt`, payload = the credential) or the VCDM 1.1 JWT
 * encoding (`vc` / `vp` claim, `typ` JWT or absent).
 */
export function detectJwtKind(parsed: ParsedJws): JwtKind {
  const typ = typeof parsed.header.typ === 'string' ? parsed.header.typ.toLowerCase().replace(/^application\//, '') : undefined;
  const { payload } = parsed;
  if (typ !== undefined && SD_JWT_TYPES.has(typ)) {
    fail(
      'UNSUPPORTED_FORMAT',
      `a ${typ} (SD-JWT VC) is read in its compact serialization only: the issuer-signed JWT followed by "~", its disclosures each followed by "~", and any key-binding JWT`,
      '/header/typ',
    );
  }
  // vc+ld+jwt and vc+ld+json+jwt: the media types of earlier VC-JOSE-COSE drafts, still produced.
  if (typ === 'vc+jwt' || typ === 'vc+ld+jwt' || typ === 'vc+ld+json+jwt') return 'vc+jwt';
  if (typ === 'vp+jwt' || typ === 'vp+ld+jwt' || typ === 'vp+ld+json+jwt') return 'vp+jwt';
  if (typ !== undefined && typ !== 'jwt') fail('UNSUPPORTED_FORMAT', `JOSE typ ${typ} is not a credential or presentation`, '/header/typ');
  // Without a typ that says which, a JWT must carry one thing: a vc or vp claim (VCDM 1.1)
  // or a credential at the top (VC-JOSE-COSE). Carrying two, it would be read as one while
  // an application shows the other.
  const carried = (payload.vc !== undefined ? 1 : 0) + (payload.vp !== undefined ? 1 : 0) + (payload['@context'] !== undefined ? 1 : 0);
  if (carried > 1) {
    fail(
      'MALFORMED',
      'JWT carries more than one of a vc claim, a vp claim and a top-level @context: which is verified would be ambiguous',
      '/payload',
    );
  }
  if (payload.vc !== undefined) return 'jwt_vc';
  if (payload.vp !== undefined) return 'jwt_vp';
  if (payload['@context'] !== undefined) {
    const types = payload.type;
    return (Array.isArray(types) ? types : [types]).includes('VerifiablePresentation') ? 'vp+jwt' : 'vc+jwt';
  }
  return fail('MALFORMED', 'JWT carries neither a credential nor a presentation (no vc, vp or @context)', '/payload');
}
