import { isJsonObject, type JsonObject } from '@tradewind/core';
import type { DcqlCredential } from 'dcql';
import type { StoredCredential } from '../credential-record.js';
import { sdJwtParts } from '../sd-jwt/disclosures.js';

/** The DCQL `format` each Tradewind credential format answers (OpenID4VP 1.0 Appendix B). */
export const DCQL_FORMAT = { 'dc+sd-jwt': 'dc+sd-jwt', jwt_vc: 'jwt_vc_json', 'vc+jwt': 'jwt_vc_json', di: 'ldp_vc' } as const;

/** A stored credential's format in DCQL terms, or undefined for one DCQL cannot ask for. */
export function dcqlFormatOf(credential: StoredCredential): (typeof DCQL_FORMAT)[keyof typeof DCQL_FORMAT] | undefined {
  return Object.hasOwn(DCQL_FORMAT, credential.format) ? DCQL_FORMAT[credential.format as keyof typeof DCQL_FORMAT] : undefined;
}

/**
 * The W3C credential JSON DCQL claim paths point into: for `jwt_vc` the content of the
 * `vc` claim, for `vc+jwt` the JWT payload, for `di` the credential as held.
 */
export function w3cJsonOf(credential: StoredCredential): JsonObject {
  if (credential.format === 'di') return isJsonObject(credential.credential) ? credential.credential : {};
  const payload = JSON.parse(Buffer.from(credential.raw.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
  if (!isJsonObject(payload)) return {};
  if (credential.format === 'jwt_vc') return isJsonObject(payload.vc) ? payload.vc : {};
  return payload;
}

/** An SD-JWT VC's claims as the holder may show them: plain and disclosable, every disclosure applied. */
export function sdJwtClaimsOf(credential: StoredCredential): JsonObject {
  const parts = sdJwtParts(credential.raw);
  const claims = parts.resolve(parts.payload, () => true);
  return isJsonObject(claims) ? claims : {};
}

/**
 * The shape `dcql` matches a stored credential in: `dc+sd-jwt` with its `vct` and every
 * claim (disclosable ones included); `jwt_vc_json` / `ldp_vc` with the credential's
 * fully expanded types (`types`, see OpenID4VP 1.0 §B.1.1) and its JSON as claims.
 */
export function dcqlCredentialOf(credential: StoredCredential, types: readonly string[]): DcqlCredential | undefined {
  const format = dcqlFormatOf(credential);
  if (format === undefined) return undefined;
  if (format === 'dc+sd-jwt')
    return {
      credential_format: 'dc+sd-jwt',
      vct: credential.vct ?? credential.types[0] ?? '',
      claims: sdJwtClaimsOf(credential) as never,
      cryptographic_holder_binding: true,
    };
  return { credential_format: format, type: [...types], claims: w3cJsonOf(credential) as never, cryptographic_holder_binding: true };
}
