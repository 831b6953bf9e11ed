import { isJsonObject } from '@tradewind/core';
import type { VerifiedSdJwtCredential } from '@tradewind/verifier';
import { type CredentialRow, identityOf, type StatusReference } from '../credential-record.js';
import { type DisclosableClaim, sdJwtParts } from './disclosures.js';

/**
 * The row for a verified SD-JWT VC (`dc+sd-jwt`, or `vc+sd-jwt` as issued before 2025):
 * the compact SD-JWT as issued (every disclosure, no key binding), its `vct` as its one
 * type, and its disclosable and always-shown claims. The id is the identity of the
 * issuer-signed JWT, so the same credential received again is held once.
 */
export function sdJwtRow(text: string, verified: VerifiedSdJwtCredential, receivedAt: number): CredentialRow {
  const parts = sdJwtParts(text);
  const disclosable: DisclosableClaim[] = parts.disclosures.map((d) => ({
    path: d.path,
    ...(d.name === undefined ? {} : { name: d.name }),
    value: d.value,
    ...(d.parent === undefined ? {} : { parent: d.parent }),
  }));
  const status = tokenStatusOf(verified.payload);
  const jti = verified.payload.jti;
  return {
    id: identityOf(parts.jwt),
    raw: text,
    raw_kind: 'jwt',
    json: null,
    format: 'dc+sd-jwt',
    credential_id: typeof jti === 'string' ? jti : null,
    issuer: verified.issuer,
    subject: verified.subject ?? null,
    types: JSON.stringify([verified.vct]),
    valid_from: verified.validFrom ? verified.validFrom.getTime() : null,
    valid_until: verified.validUntil ? verified.validUntil.getTime() : null,
    status: status ? JSON.stringify([status]) : null,
    received_at: receivedAt,
    claims: JSON.stringify({ disclosable, alwaysShown: parts.alwaysShown }),
  };
}

/** The Token Status List entry (`status.status_list`) of an SD-JWT VC payload. */
function tokenStatusOf(payload: unknown): StatusReference | undefined {
  const status = isJsonObject(payload) ? payload.status : undefined;
  const list = isJsonObject(status) ? status.status_list : undefined;
  if (!isJsonObject(list)) return undefined;
  const ref: StatusReference = { type: 'TokenStatusList' };
  if (typeof list.idx === 'number' && Number.isSafeInteger(list.idx)) ref.statusListIndex = String(list.idx);
  if (typeof list.uri === 'string') ref.statusListCredential = list.uri;
  return ref;
}
