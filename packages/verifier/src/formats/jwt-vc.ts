import { isJsonObject, issuerId, type JsonObject, type ParsedJws, type VerifiableCredential, validateCredential } from '@tradewind/core';
import { fail } from '../context.js';
import { failAll } from '../input.js';
import { parseDateTime, parseNumericDate, strictest } from '../validity.js';

export interface DecodedCredential {
  credential: VerifiableCredential;
  issuer: string;
  validFrom: Date | undefined;
  validUntil: Date | undefined;
  /** The members that set the start and the end of the window (for errors about them). */
  windowPaths: [string, string];
}

/**
 * VCDM 1.1 JWT encoding (https://www.w3.org/TR/vc-data-model/#jwt-decoding): the `vc`
 * claim plus registered claims that stand for credential properties. A property given
 * both ways must agree; otherwise the credential is MALFORMED.
 */
export function decodeJwtVc(parsed: ParsedJws): DecodedCredential {
  const { payload } = parsed;
  const vc = payload.vc;
  if (!isJsonObject(vc)) return fail('MALFORMED', 'vc claim is not an object', '/payload/vc');
  const credential: JsonObject = { ...vc };

  const iss = payload.iss;
  if (iss !== undefined && typeof iss !== 'string') fail('MALFORMED', 'iss is not a string', '/payload/iss');
  const vcIssuer = vc.issuer === undefined ? undefined : issuerId(vc.issuer);
  if (vc.issuer !== undefined && vcIssuer === undefined) fail('MALFORMED', 'vc.issuer has no id', '/payload/vc/issuer');
  if (iss !== undefined && vcIssuer !== undefined && iss !== vcIssuer) {
    fail('MALFORMED', `iss ${iss} contradicts vc.issuer ${vcIssuer}`, '/payload/vc/issuer');
  }
  const issuer = (iss ?? vcIssuer) as string | undefined;
  if (!issuer) return fail('MALFORMED', 'credential names no issuer (iss)', '/payload/iss');
  credential.issuer = isJsonObject(vc.issuer) ? { ...vc.issuer, id: issuer } : issuer;

  const jti = payload.jti;
  if (jti !== undefined) {
    if (typeof jti !== 'string') fail('MALFORMED', 'jti is not a string', '/payload/jti');
    if (vc.id !== undefined && vc.id !== jti) fail('MALFORMED', `jti ${jti} contradicts vc.id`, '/payload/vc/id');
    credential.id = jti;
  }

  const sub = payload.sub;
  if (sub !== undefined) {
    if (typeof sub !== 'string') fail('MALFORMED', 'sub is not a string', '/payload/sub');
    const subject = vc.credentialSubject;
    if (Array.isArray(subject)) {
      fail('MALFORMED', 'sub cannot stand for the id of several credential subjects', '/payload/sub');
    }
    // A subject that is not an object is the data-model check's to report, below.
    if (isJsonObject(subject)) {
      if (subject.id !== undefined && subject.id !== sub)
        fail('MALFORMED', `sub ${sub} contradicts credentialSubject.id`, '/payload/vc/credentialSubject/id');
      credential.credentialSubject = { ...subject, id: sub };
    }
  }

  const nbf = parseNumericDate(payload.nbf, '/payload/nbf');
  const exp = parseNumericDate(payload.exp, '/payload/exp');
  const iat = parseNumericDate(payload.iat, '/payload/iat');
  // Dates the vc claim gives are kept exactly as written; the JWT claims fill the gaps.
  const begins = nbf ?? iat;
  if (begins && vc.validFrom === undefined && vc.issuanceDate === undefined) credential.issuanceDate = isoSeconds(begins);
  if (exp && vc.validUntil === undefined && vc.expirationDate === undefined) credential.expirationDate = isoSeconds(exp);
  // The credential the JWT stands for (the vc claim with iss, jti, sub, nbf and exp in
  // it) is what must follow the data model its @context names.
  const issues = validateCredential(credential, { base: '/payload/vc' });
  if (issues.length > 0) failAll(issues);
  const issuanceDate = parseDateTime(vc.issuanceDate, '/payload/vc/issuanceDate');
  const expirationDate = parseDateTime(vc.expirationDate, '/payload/vc/expirationDate');
  const vFrom = parseDateTime(vc.validFrom, '/payload/vc/validFrom');
  const vUntil = parseDateTime(vc.validUntil, '/payload/vc/validUntil');
  if (nbf && issuanceDate && !sameSecond(nbf, issuanceDate)) {
    fail('MALFORMED', 'nbf contradicts vc.issuanceDate', '/payload/vc/issuanceDate');
  }
  if (exp && expirationDate && !sameSecond(exp, expirationDate)) {
    fail('MALFORMED', 'exp contradicts vc.expirationDate', '/payload/vc/expirationDate');
  }
  const start = strictest(
    'start',
    [
      [vFrom, '/payload/vc/validFrom'],
      [issuanceDate, '/payload/vc/issuanceDate'],
      [nbf, '/payload/nbf'],
    ],
    '/payload/vc/issuanceDate',
  );
  const end = strictest(
    'end',
    [
      [vUntil, '/payload/vc/validUntil'],
      [expirationDate, '/payload/vc/expirationDate'],
      [exp, '/payload/exp'],
    ],
    '/payload/vc/expirationDate',
  );
  return {
    credential: credential as VerifiableCredential,
    issuer,
    validFrom: start.date,
    validUntil: end.date,
    windowPaths: [start.path, end.path],
  };
}

function sameSecond(a: Date, b: Date): boolean {
  return Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);
}

// Credentials of one issuer mostly share their nbf and exp: formatting a date is costly
// on the hot path of batch verification, so recent results are kept.
const isoCache = new Map<number, string>();

function isoSeconds(date: Date): string {
  const ms = date.getTime();
  let text = isoCache.get(ms);
  if (text === undefined) {
    text = date.toISOString().replace('.000Z', 'Z');
    if (isoCache.size >= 256) isoCache.clear();
    isoCache.set(ms, text);
  }
  return text;
}
