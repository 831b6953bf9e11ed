// A small OpenID4VP 1.0 verifier for the wallet's tests, on node:http at 127.0.0.1: its
// requests are made by @openid4vc/openid4vp's Openid4vpVerifier (redirect_uri: client
// identifier, by value, direct_post), the answers read with the library's
// parseOpenid4VpAuthorizationResponsePayload / validateOpenid4vpAuthorizationResponsePayload
// and every presentation checked by @tradewind/verifier's verifyPresentation (nonce,
// audience = client_id). It answers as the wire profile says: 200 accepted, 400 refused
// with the first error's code, 200 declined for access_denied.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Openid4vpVerifier,
  parseOpenid4VpAuthorizationResponsePayload,
  validateOpenid4vpAuthorizationResponsePayload,
} from '@openid4vc/openid4vp';
import { getGlobalConfig, setGlobalConfig } from '@openid4vc/utils';
import type { JsonObject } from '@tradewind/core';
import { type PresentationVerificationResult, type VerifyOptions, verifyPresentation } from '@tradewind/verifier';

export interface ReceivedAnswer {
  state: string | undefined;
  form: URLSearchParams;
  /** Per credential query id, what verifyPresentation made of each presentation. */
  results: Record<string, PresentationVerificationResult[]>;
  vpToken?: Record<string, Array<string | JsonObject>>;
}

export interface TestVerifier {
  url: string;
  responseUri: string;
  clientId: string;
  /** Every POST received, in order. */
  received: ReceivedAnswer[];
  /** A request URI (openid4vp://?…) for a DCQL query; `payload` entries override or (undefined) remove parameters. */
  request(dcql: JsonObject, payload?: Record<string, unknown>): Promise<{ uri: string; state: string; nonce: string }>;
  /** Refuse every answer with this code (after verifying it). */
  refuseWith?: string;
  close(): Promise<void>;
}

interface Session {
  nonce: string;
  payload: Record<string, unknown>;
}

const random = () => randomBytes(16).toString('base64url');

export async function startTestVerifier(options: { clientName?: string; verify?: VerifyOptions } = {}): Promise<TestVerifier> {
  const sessions = new Map<string, Session>();
  const received: ReceivedAnswer[] = [];
  const library = new Openid4vpVerifier({
    callbacks: {
      hash: () => {
        throw new Error('not used');
      },
      signJwt: () => Promise.reject(new Error('requests are unsigned')),
      verifyJwt: () => Promise.reject(new Error('not used')),
      decryptJwe: () => Promise.reject(new Error('not used')),
      encryptJwe: () => Promise.reject(new Error('not used')),
      fetch,
    },
  });
  let self: TestVerifier;

  async function answer(req: IncomingMessage): Promise<{ status: number; body: JsonObject }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const state = form.get('state') ?? undefined;
    const entry: ReceivedAnswer = { state, form, results: {} };
    received.push(entry);
    const session = state === undefined ? undefined : sessions.get(state);
    if (!session) return refused('REQUEST_UNKNOWN', 'no request with that state');
    if (form.get('error') === 'access_denied') return { status: 200, body: { status: 'declined' } };
    let validated: ReturnType<typeof validateOpenid4vpAuthorizationResponsePayload>;
    try {
      const payload = parseOpenid4VpAuthorizationResponsePayload({ vp_token: JSON.parse(form.get('vp_token') ?? ''), state });
      validated = validateOpenid4vpAuthorizationResponsePayload({
        authorizationRequestPayload: session.payload as never,
        authorizationResponsePayload: payload,
      });
    } catch (e) {
      return refused('MALFORMED', e instanceof Error ? e.message : String(e));
    }
    if (validated.type !== 'dcql') return refused('MALFORMED', 'not a DCQL answer');
    entry.vpToken = JSON.parse(form.get('vp_token') ?? '{}');
    let first: { code: string; message: string } | undefined;
    for (const [id, presentations] of Object.entries(validated.dcql.presentations)) {
      entry.results[id] = [];
      for (const p of presentations) {
        const result = await verifyPresentation(p as string | JsonObject, {
          ...options.verify,
          nonce: session.nonce,
          audience: self.clientId,
        });
        entry.results[id].push(result);
        if (!result.verified) first ??= result.errors[0];
      }
    }
    if (first) return refused(first.code, first.message);
    if (self.refuseWith) return refused(self.refuseWith, 'refused by the test verifier');
    return { status: 200, body: { status: 'accepted' } };
  }

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: JsonObject) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/openid4vp/response') return send(405, { status: 'refused', code: 'MALFORMED' });
    answer(req).then(
      (a) => send(a.status, a.body),
      (e: unknown) => send(500, { error: String(e) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const responseUri = `${url}/openid4vp/response`;
  self = {
    url,
    responseUri,
    clientId: `redirect_uri:${responseUri}`,
    received,
    async request(dcql, overrides = {}) {
      const nonce = random();
      const state = random();
      const payload: Record<string, unknown> = {
        response_type: 'vp_token',
        client_id: self.clientId,
        response_uri: responseUri,
        response_mode: 'direct_post',
        nonce,
        state,
        dcql_query: dcql,
        client_metadata: {
          ...(options.clientName ? { client_name: options.clientName } : {}),
          vp_formats_supported: {
            'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA', 'ES256'], 'kb-jwt_alg_values': ['EdDSA', 'ES256'] },
            jwt_vc_json: { alg_values: ['EdDSA', 'ES256'] },
            ldp_vc: {
              proof_type_values: ['DataIntegrityProof', 'Ed25519Signature2020'],
              cryptosuite_values: ['eddsa-rdfc-2022', 'ecdsa-rdfc-2019'],
            },
          },
        },
      };
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete payload[k];
        else payload[k] = v;
      }
      sessions.set(state, { nonce, payload });
      const config = getGlobalConfig();
      setGlobalConfig({ ...config, allowInsecureUrls: true });
      try {
        const made = await library.createOpenId4vpAuthorizationRequest({ authorizationRequestPayload: payload as never });
        return { uri: made.authorizationRequest, state, nonce };
      } catch {
        // A request the library will not make (a broken one, for the wallet's refusals): encoded by hand.
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(payload)) params.set(k, typeof v === 'string' ? v : JSON.stringify(v));
        return { uri: `openid4vp://?${params}`, state, nonce };
      } finally {
        setGlobalConfig(config);
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return self;
}

function refused(code: string, message: string): { status: number; body: JsonObject } {
  return { status: 400, body: { status: 'refused', error: 'invalid_request', error_description: message, code } };
}
