import { isJsonObject, type JsonObject, typesOf, VCDM_1_CONTEXT, VCDM_2_CONTEXT } from '@tradewind/core';
import { fail } from '../context.js';

/** The structural rules every credential shares, whichever data model version. */
export function checkCredentialShape(vc: JsonObject, base: string, version: 1 | 2 | 'any'): void {
  const context = vc['@context'];
  const first = Array.isArray(context) ? context[0] : context;
  const allowed = version === 1 ? [VCDM_1_CONTEXT] : version === 2 ? [VCDM_2_CONTEXT] : [VCDM_1_CONTEXT, VCDM_2_CONTEXT];
  if (typeof first !== 'string' || !allowed.includes(first)) {
    fail('MALFORMED', `@context must start with ${allowed.join(' or ')}`, `${base}/@context`);
  }
  if (!typesOf(vc.type).includes('VerifiableCredential')) fail('MALFORMED', 'type must include VerifiableCredential', `${base}/type`);
  const subject = vc.credentialSubject;
  const subjects = Array.isArray(subject) ? subject : [subject];
  if (subjects.length === 0 || !subjects.every(isJsonObject)) {
    fail('MALFORMED', 'credentialSubject must be an object or a non-empty array of objects', `${base}/credentialSubject`);
  }
}

/** The first credential subject's id, when it has one. */
export function subjectIdOf(vc: JsonObject): string | undefined {
  const subject = vc.credentialSubject;
  const first = Array.isArray(subject) ? subject[0] : subject;
  return isJsonObject(first) && typeof first.id === 'string' ? first.id : undefined;
}

/** Every credential subject's id (subjects without one are skipped). */
export function subjectIdsOf(vc: JsonObject): string[] {
  const subject = vc.credentialSubject;
  return (Array.isArray(subject) ? subject : [subject]).flatMap((s) => (isJsonObject(s) && typeof s.id === 'string' ? [s.id] : []));
}
