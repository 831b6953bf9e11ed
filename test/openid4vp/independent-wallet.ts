// A wallet made only of independent libraries, to answer Tradewind's verifier as a third
// party's wallet would: `@openid4vc/openid4vp`'s Openid4vpClient reads and resolves the
// request and creates and submits the authorization response (direct_post), `dcql` picks
// the credential and the claims a query asks for, and `@sd-jwt/sd-jwt-vc` (with
// `@sd-jwt/crypto-nodejs`) presents an SD-JWT VC with a key-binding JWT. No Tradewind code.
import { createHash, type KeyObject, sign } from 'node:crypto';
import { type Openid4vpAuthorizationRequest, Openid4vpClient, type ResolvedOpenid4vpAuthorizationRequest } from '@openid4vc/openid4vp';
import { getGlobalConfig, setGlobalConfig } from '@openid4vc/utils';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { type DcqlCredential, DcqlQuery } from 'dcql';

export type Alg = 'EdDSA' | 'ES256';

/** A key this wallet signs with: key-binding JWTs as a holder, SD-JWT VCs as an issuer. */
export interface SigningKey {
  alg: Alg;
  privateKey: KeyObject;
}

/** A JWS signature in JOSE form; ES256 as r‖s with a low S (RFC 7518 allows either S, Tradewind wants low S). */
function joseSign(key: SigningKey, data: string): string {
  if (key.alg === 'EdDSA') return sign(null, Buffer.from(data), key.privateKey).toString('base64url');
  const rs = sign('sha256', Buffer.from(data), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const s = BigInt(`0x${rs.subarray(32).toString('hex')}`);
  if (s <= n / 2n) return rs.toString('base64url');
  const low = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex');
  return Buffer.concat([rs.subarray(0, 32), low]).toString('base64url');
}

/** @sd-jwt/sd-jwt-vc signing SD-JWT VCs as `issuer` and key-binding JWTs as `holder`. */
export function sdJwtVc(options: { issuer?: SigningKey; holder?: SigningKey }): SDJwtVcInstance {
  const { issuer, holder } = options;
  return new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
    ...(issuer ? { signer: (data: string) => joseSign(issuer, data), signAlg: issuer.alg } : {}),
    ...(holder ? { kbSigner: (data: string) => joseSign(holder, data), kbSignAlg: holder.alg } : {}),
  });
}

/** An SD-JWT VC the wallet holds. */
export interface HeldSdJwtVc {
  id: string;
  sdJwt: string;
}

/** The parts of a request the wallet acts on. */
export interface ResolvedRequest {
  resolved: ResolvedOpenid4vpAuthorizationRequest;
  payload: Openid4vpAuthorizationRequest;
  dcql: DcqlQuery;
}

/** The verifier's HTTP answer to a response. */
export interface Submitted {
  status: number;
  body: Record<string, unknown>;
}

const unsupported = (what: string) => () => {
  throw new Error(`this wallet does not ${what}`);
};

/** Runs `f` with @openid4vc's URL checks letting http:// through (the verifier listens on http://127.0.0.1 in tests). */
async function withLoopbackHttp<T>(f: () => Promise<T>): Promise<T> {
  const before = getGlobalConfig();
  setGlobalConfig({ ...before, allowInsecureUrls: true });
  try {
    return await f();
  } finally {
    setGlobalConfig(before);
  }
}

/**
 * A holder's wallet: SD-JWT VCs and one key-binding key. It answers an OpenID4VP request
 * with the first credential dcql finds for each credential query, disclosing the claims
 * the query names (less `withhold`).
 */
export class IndependentWallet {
  readonly credentials: HeldSdJwtVc[] = [];
  private readonly client = new Openid4vpClient({
    callbacks: {
      hash: (data, alg) => createHash(alg.replace('-', '')).update(data).digest(),
      fetch: (input, init) => fetch(input, init),
      signJwt: unsupported('sign requests'),
      verifyJwt: unsupported('take signed requests'),
      encryptJwe: unsupported('encrypt responses'),
      decryptJwe: unsupported('decrypt requests'),
    },
  });

  constructor(readonly holder: SigningKey) {}

  hold(credential: HeldSdJwtVc): void {
    this.credentials.push(credential);
  }

  /** Parses the `openid4vp://?…` URI and resolves it (client identifier, DCQL query) with Openid4vpClient. */
  async resolve(uri: string): Promise<ResolvedRequest> {
    return withLoopbackHttp(async () => {
      const parsed = this.client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: uri });
      if (parsed.type !== 'openid4vp') throw new Error(`not a plain OpenID4VP request: ${parsed.type}`);
      const resolved = await this.client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
      if (!resolved.dcql) throw new Error('the request has no DCQL query');
      const dcql = DcqlQuery.parse(resolved.dcql.query as DcqlQuery.Input);
      DcqlQuery.validate(dcql);
      return { resolved, payload: resolved.authorizationRequestPayload as Openid4vpAuthorizationRequest, dcql };
    });
  }

  /** What dcql makes of a held SD-JWT VC: its vct and every claim (all disclosures applied). */
  private async dcqlCredential(held: HeldSdJwtVc): Promise<DcqlCredential> {
    const claims = (await sdJwtVc({}).getClaims(held.sdJwt)) as Record<string, unknown>;
    return {
      credential_format: 'dc+sd-jwt',
      vct: String(claims.vct),
      claims: claims as never,
      cryptographic_holder_binding: claims.cnf !== undefined,
    } as DcqlCredential;
  }

  /**
   * The vp_token for the request: per credential query dcql can satisfy, the first held
   * credential that satisfies it, presented with the claims the query asks for (less the
   * paths in `withhold`) and a key-binding JWT for the request's nonce and client_id.
   */
  async vpToken(request: ResolvedRequest, options: { withhold?: string[][] } = {}): Promise<Record<string, string[]>> {
    const held = await Promise.all(this.credentials.map((c) => this.dcqlCredential(c)));
    const result = DcqlQuery.query(request.dcql, held);
    const token: Record<string, string[]> = {};
    for (const query of request.dcql.credentials) {
      const match = result.credential_matches[query.id];
      if (!match?.success) continue;
      const credential = this.credentials[match.valid_credentials[0]?.input_credential_index ?? -1];
      if (!credential) continue;
      const paths = ((query.claims ?? []) as Array<{ path: Array<string | number | null> }>).map((c) => c.path.map(String));
      const shown = paths.filter((p) => !(options.withhold ?? []).some((w) => w.join('/') === p.join('/')));
      token[query.id] = [await this.present(credential.sdJwt, shown, request)];
    }
    return token;
  }

  /** Presents an SD-JWT VC with exactly these claim paths disclosed and a key-binding JWT for the request. */
  async present(sdJwt: string, paths: string[][], request: ResolvedRequest): Promise<string> {
    const frame: Record<string, unknown> = {};
    for (const path of paths) {
      let node = frame;
      for (const [i, segment] of path.entries()) {
        if (i === path.length - 1) {
          node[segment] = true;
        } else {
          node[segment] ??= {};
          node = node[segment] as Record<string, unknown>;
        }
      }
    }
    return sdJwtVc({ holder: this.holder }).present(sdJwt, frame as never, {
      kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: request.payload.client_id, nonce: request.payload.nonce } },
    });
  }

  /** Creates the authorization response with Openid4vpClient and POSTs it (direct_post) to the response_uri. */
  async submit(request: ResolvedRequest, vpToken: Record<string, string[]>, state?: string): Promise<Submitted> {
    return withLoopbackHttp(async () => {
      const { authorizationResponsePayload } = await this.client.createOpenid4vpAuthorizationResponse({
        authorizationRequestPayload: request.payload,
        authorizationResponsePayload: { vp_token: vpToken as never },
      });
      // Another session's state, to replay a response into it.
      const payload = state === undefined ? authorizationResponsePayload : { ...authorizationResponsePayload, state };
      const { response } = await this.client.submitOpenid4vpAuthorizationResponse({
        authorizationRequestPayload: request.payload,
        authorizationResponsePayload: payload,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    });
  }

  /** Resolves the request, answers it and submits the answer. */
  async answer(
    uri: string,
    options: { withhold?: string[][] } = {},
  ): Promise<Submitted & { request: ResolvedRequest; vpToken: Record<string, string[]> }> {
    const request = await this.resolve(uri);
    const vpToken = await this.vpToken(request, options);
    return { ...(await this.submit(request, vpToken)), request, vpToken };
  }
}
