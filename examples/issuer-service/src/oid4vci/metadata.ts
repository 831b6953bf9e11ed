import type { CredentialConfiguration, ServiceConfig } from '../context.js';

/** Proof and credential signing algorithms the service accepts and uses. */
export const SIGNING_ALGS = ['EdDSA', 'ES256'] as const;
/** How a `jwt_vc_json` credential is bound to its holder: the holder DID, credentialSubject.id. */
export const BINDING_METHODS = ['did:key', 'did:jwk'] as const;
/**
 * How a `dc+sd-jwt` credential is bound to its holder: `cnf` names the key that signed the
 * proof, given in the proof's `jwk` header or by a did:key / did:jwk DID URL in its `kid`.
 */
export const SD_JWT_BINDING_METHODS = ['jwk', 'did:key', 'did:jwk'] as const;
export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/** The credential issuer identifier: the public base URL without a trailing slash. */
export function credentialIssuerId(config: ServiceConfig): string {
  return config.baseUrl.replace(/\/+$/, '');
}

/** OpenID4VCI 1.0 §12.2 credential issuer metadata. */
export function credentialIssuerMetadata(config: ServiceConfig): Record<string, unknown> {
  const issuer = credentialIssuerId(config);
  const configurations: Record<string, unknown> = {};
  for (const [id, c] of Object.entries(config.oid4vci.credentialConfigurations)) configurations[id] = configurationMetadata(c);
  return {
    credential_issuer: issuer,
    credential_endpoint: `${issuer}/credential`,
    nonce_endpoint: `${issuer}/nonce`,
    credential_configurations_supported: configurations,
  };
}

function configurationMetadata(c: CredentialConfiguration): Record<string, unknown> {
  const common = {
    credential_signing_alg_values_supported: [...SIGNING_ALGS],
    proof_types_supported: { jwt: { proof_signing_alg_values_supported: [...SIGNING_ALGS] } },
  };
  if (c.format === 'dc+sd-jwt') {
    const metadata = {
      ...(c.display ? { display: c.display.map((d) => ({ ...d })) } : {}),
      ...(c.claims ? { claims: c.claims.map((claim) => structuredClone(claim)) } : {}),
    };
    return {
      format: c.format,
      vct: sdJwtVct(c),
      // With holderBinding kid, cnf.kid is the proof's DID URL: a bare jwk proof names no DID.
      cryptographic_binding_methods_supported: c.holderBinding === 'kid' ? [...BINDING_METHODS] : [...SD_JWT_BINDING_METHODS],
      ...common,
      ...(Object.keys(metadata).length > 0 ? { credential_metadata: metadata } : {}),
    };
  }
  return {
    format: c.format,
    cryptographic_binding_methods_supported: [...BINDING_METHODS],
    ...common,
    credential_definition: { type: [...c.types] },
    ...(c.display ? { credential_metadata: { display: c.display.map((d) => ({ ...d })) } } : {}),
  };
}

/** The `vct` of an SD-JWT VC configuration: its own, else the type name (as the issuer defaults it). */
export function sdJwtVct(c: { type: string; vct?: string }): string {
  return c.vct ?? c.type;
}

/** RFC 8414 authorization server metadata: the credential issuer is its own authorization server. */
export function authorizationServerMetadata(config: ServiceConfig): Record<string, unknown> {
  const issuer = credentialIssuerId(config);
  return {
    issuer,
    token_endpoint: `${issuer}/token`,
    grant_types_supported: [PRE_AUTHORIZED_GRANT],
    token_endpoint_auth_methods_supported: ['none'],
    response_types_supported: [],
    'pre-authorized_grant_anonymous_access_supported': true,
  };
}
