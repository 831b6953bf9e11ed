import { isJsonObject } from '@tradewind/core';
import type { VerifiedSdJwtCredential } from '@tradewind/verifier';
import { type CredentialRow, identityOf, type StatusReference } from '../credential-record.js';
import { type DisclosableClaim, issuerJwtOf, sdJwtParts } from './disclosures.js';

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
    material: null,
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

/**
 * The disclosures of an issued compact SD-JWT (`<issuer-jwt>~<disclosure>~…~`), in order,
 * without repeats.
 */
function disclosuresOf(text: string): string[] {
  return [...new Set(text.split('~').slice(1, -1))].filter((d) => d !== '');
}

/**
 * Two issued forms of one SD-JWT VC (the same issuer-signed payload, so the same wallet
 * id) as one: the held form's issuer JWT, its disclosures, then those of `received` it
 * lacks. Undefined when `received` adds none. Each form was verified on its own; the
 * union is verified as a whole before it is stored.
 */
export function unionOfDisclosures(held: string, received: string): string | undefined {
  const have = disclosuresOf(held);
  const known = new Set(have);
  const more = disclosuresOf(received).filter((d) => !known.has(d));
  if (more.length === 0) return undefined;
  return `${issuerJwtOf(held)}~${[...have, ...more].join('~')}~`;
}
