import { isJsonObject, type JsonObject } from '@tradewind/core';

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
