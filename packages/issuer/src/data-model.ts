// Temporary stand-in for the shared data-model validator of @tradewind/core.
import { isJsonObject, type JsonObject, VCDM_1_CONTEXT, VCDM_2_CONTEXT, type VerificationIssue } from '@tradewind/core';

export type DataModelVersion = '2.0' | '1.1';

export function dataModelVersion(document: unknown): DataModelVersion | undefined {
  if (!isJsonObject(document)) return undefined;
  const c = document['@context'];
  const first = Array.isArray(c) ? c[0] : c;
  return first === VCDM_2_CONTEXT ? '2.0' : first === VCDM_1_CONTEXT ? '1.1' : undefined;
}

export function validateCredential(document: unknown, options: { version: DataModelVersion; base?: string }): VerificationIssue[] {
  const out: VerificationIssue[] = [];
  if (!isJsonObject(document)) return [{ code: 'MALFORMED', message: 'not an object', path: '' }];
  const d = document as JsonObject;
  if (dataModelVersion(d) !== options.version) out.push({ code: 'MALFORMED', message: 'wrong first @context', path: '/@context' });
  const subject = d.credentialSubject;
  if (subject === undefined) out.push({ code: 'MALFORMED', message: 'credentialSubject is missing', path: '/credentialSubject' });
  if (d.name !== undefined && typeof d.name !== 'string' && !Array.isArray(d.name) && !isJsonObject(d.name))
    out.push({ code: 'MALFORMED', message: 'name must be a string or language value', path: '/name' });
  return out;
}
