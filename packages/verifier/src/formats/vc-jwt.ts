import { isJsonObject, issuerId, type ParsedJws, type VerifiableCredential, validateCredential } from '@tradewind/core';
import { fail } from '../context.js';
import { failAll } from '../input.js';
import { parseDateTime, parseNumericDate, strictest } from '../validity.js';
import type { DecodedCredential } from './jwt-vc.js';
import { subjectIdsOf } from './vcdm.js';

/**
 * VCDM 2.0 secured with JOSE (https://www.w3.org/TR/vc-jose-cose/): the JWS payload is
 * the credential. Registered JWT claims may sit beside it; when they do they must agree
 * with the credential (iss = issuer, sub = subject id, jti = id) and their time bounds apply.
 */
export function decodeVcJwt(parsed: ParsedJws): DecodedCredential {
  const vc = parsed.payload;
  // Every violation of the data model, each with its path; the checks below then rely on its shape.
  const issues = validateCredential(vc, { version: '2.0', base: '/payload' });
  if (issues.length > 0) failAll(issues);
  const issuer = issuerId(vc.issuer);
  if (!issuer) return fail('MALFORMED', 'issuer is missing or has no id', '/payload/issuer');
  if (vc.iss !== undefined && vc.iss !== issuer) fail('MALFORMED', `iss contradicts issuer ${issuer}`, '/payload/iss');
  if (vc.jti !== undefined && vc.id !== undefined && vc.jti !== vc.id) fail('MALFORMED', 'jti contradicts id', '/payload/jti');
  // sub names the subject (RFC 7519 §4.1.2): it must be the id of one the credential is about.
  if (vc.sub !== undefined && (typeof vc.sub !== 'string' || !subjectIdsOf(vc).includes(vc.sub))) {
    fail('MALFORMED', 'sub is not the id of a credentialSubject', '/payload/sub');
  }
  if (vc.vc !== undefined && !isJsonObject(vc.vc)) fail('MALFORMED', 'vc claim is not an object', '/payload/vc');
  const validFrom = parseDateTime(vc.validFrom, '/payload/validFrom');
  const validUntil = parseDateTime(vc.validUntil, '/payload/validUntil');
  const nbf = parseNumericDate(vc.nbf, '/payload/nbf');
  const exp = parseNumericDate(vc.exp, '/payload/exp');
  parseNumericDate(vc.iat, '/payload/iat');
  // VCDM 1.1's issuanceDate and expirationDate are not 2.0 properties, but a credential
  // that states them is not honoured past them: they only ever narrow the window.
  const issuanceDate = parseDateTime(vc.issuanceDate, '/payload/issuanceDate');
  const expirationDate = parseDateTime(vc.expirationDate, '/payload/expirationDate');
  const start = strictest(
    'start',
    [
      [validFrom, '/payload/validFrom'],
      [nbf, '/payload/nbf'],
      [issuanceDate, '/payload/issuanceDate'],
    ],
    '/payload/validFrom',
  );
  const end = strictest(
    'end',
    [
      [validUntil, '/payload/validUntil'],
      [exp, '/payload/exp'],
      [expirationDate, '/payload/expirationDate'],
    ],
    '/payload/validUntil',
  );
  return {
    credential: vc as VerifiableCredential,
    issuer,
    validFrom: start.date,
    validUntil: end.date,
    windowPaths: [start.path, end.path],
  };
}
