import {
  createOpenid4vpAuthorizationRequest,
  type Openid4vpAuthorizationRequest,
  validateOpenid4vpAuthorizationRequestPayload,
  zClientMetadata,
} from '@openid4vc/openid4vp';
import { TradewindError } from '@tradewind/core';
import type { DcqlQuery } from 'dcql';
import type { DcqlFormat } from './dcql.js';

/** `vp_formats_supported` entries of the client metadata, per DCQL format asked for. */
const VP_FORMATS: Record<DcqlFormat, Record<string, string[]>> = {
  'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA', 'ES256'], 'kb-jwt_alg_values': ['EdDSA', 'ES256'] },
  jwt_vc_json: { alg_values: ['EdDSA', 'ES256'] },
  ldp_vc: {
    proof_type_values: ['DataIntegrityProof', 'Ed25519Signature2020'],
    cryptosuite_values: ['eddsa-rdfc-2022', 'ecdsa-rdfc-2019'],
  },
};

/** The parameters of an unsigned OpenID4VP 1.0 request passed by value (`redirect_uri:` client). */
export interface RequestPayload {
  response_type: 'vp_token';
  response_mode: 'direct_post';
  client_id: string;
  response_uri: string;
  nonce: string;
  state: string;
  dcql_query: DcqlQuery.Input;
  client_metadata: { client_name?: string; vp_formats_supported: Partial<Record<DcqlFormat, Record<string, string[]>>> };
}

/** What {@link authorizationRequestOf} needs. */
export interface RequestParameters {
  responseUri: string;
  nonce: string;
  state: string;
  dcql: DcqlQuery.Input;
  formats: Iterable<DcqlFormat>;
  clientName?: string;
}

/**
 * The request payload and its `openid4vp://?…` URI (JSON values JSON-stringified),
 * checked by `@openid4vc/openid4vp`'s request schema and validation.
 *
 * @example
 * ```ts
 * const { payload, uri } = await authorizationRequestOf({ responseUri, nonce, state, dcql, formats: ['dc+sd-jwt'] });
 * uri; // 'openid4vp://?response_type=vp_token&client_id=redirect_uri%3Ahttps…'
 * ```
 */
export async function authorizationRequestOf(p: RequestParameters): Promise<{ payload: RequestPayload; uri: string }> {
  const vpFormats: RequestPayload['client_metadata']['vp_formats_supported'] = {};
  for (const f of ['dc+sd-jwt', 'jwt_vc_json', 'ldp_vc'] as const) if ([...p.formats].includes(f)) vpFormats[f] = VP_FORMATS[f];
  const payload: RequestPayload = {
    response_type: 'vp_token',
    response_mode: 'direct_post',
    client_id: `redirect_uri:${p.responseUri}`,
    response_uri: p.responseUri,
    nonce: p.nonce,
    state: p.state,
    dcql_query: p.dcql,
    client_metadata: { ...(p.clientName ? { client_name: p.clientName } : {}), vp_formats_supported: vpFormats },
  };
  try {
    if (new URL(p.responseUri).protocol === 'https:') {
      const created = await createOpenid4vpAuthorizationRequest({
        authorizationRequestPayload: payload as unknown as Openid4vpAuthorizationRequest,
        // Unsigned and by value: nothing to sign or encrypt.
        callbacks: {} as never,
      });
      return { payload, uri: created.authorizationRequest };
    }
    // The library's schema takes https response URIs only (unless a process-wide switch
    // is turned, which would loosen every other user of it): a loopback http verifier
    // gets the same checks but the URL scheme, and the URI built the way the library does.
    zClientMetadata.parse(payload.client_metadata);
    validateOpenid4vpAuthorizationRequestPayload({ params: payload as unknown as Openid4vpAuthorizationRequest });
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(payload)) params.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    return { payload, uri: `openid4vp://?${params.toString()}` };
  } catch (cause) {
    throw new TradewindError('INVALID_ARGUMENT', `not a valid OpenID4VP request: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}
