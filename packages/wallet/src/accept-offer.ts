import { createHash, randomBytes } from 'node:crypto';
import { Oauth2ClientErrorResponseError, Oauth2ServerErrorResponseError } from '@openid4vc/oauth2';
import { Openid4vciClient, Openid4vciRetrieveCredentialsError } from '@openid4vc/openid4vci';
import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { type ErrorCode, looksLikeCompactJws, TradewindError } from '@tradewind/core';
import type { VerifyOptions } from '@tradewind/verifier';
import { describe, reading, readOptions } from './arguments.js';
import { readBoundedBody } from './http/bounded-body.js';
import { withInsecureUrls } from './http/insecure-urls.js';
import { hasKeyBinding, looksLikeSdJwt } from './sd-jwt/disclosures.js';

const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
/** Credential formats (OpenID4VCI 1.0 Appendix A) the wallet requests and holds. */
const FORMATS: ReadonlySet<string> = new Set(['jwt_vc_json', 'dc+sd-jwt']);
/** Longest offer URI read (an offer by value carries a JSON object). */
export const MAX_OFFER_URI_LENGTH = 16 * 1024;
/** Largest response read from an issuer, bytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Options of {@link Wallet.acceptOffer}. */
export interface AcceptOfferOptions {
  /** The transaction code the issuer gave out of band, when the offer asks for one. */
  txCode?: string;
  /** Which holder DID of this wallet the credential is bound to. Default: the first one whose key the issuer accepts. */
  holderDid?: string;
  /** The fetch to reach the issuer with (default the global fetch). */
  fetch?: typeof globalThis.fetch;
  /** Accept http:// issuers and loopback or private hosts (tests on 127.0.0.1 only). Default false. */
  allowInsecureHttp?: boolean;
  /** Signing and verification time (tests, audits). Default now. */
  now?: Date;
  /** Time allowed for each request to the issuer, milliseconds. Default 15,000. */
  timeoutMs?: number;
  /** Further verification options (a recognition policy, status options, ...). The issuer is always the offer's. */
  verify?: VerifyOptions;
}

/** Where an offer failed: which exchange with the issuer. */
export type OfferStep = 'offer' | 'metadata' | 'token' | 'nonce' | 'credential' | 'verify';

/**
 * An offer that could not be accepted. `code` is `UNREACHABLE` (the issuer could not be
 * reached or answered something that is not JSON), `NOT_FOUND` (the offer is unknown, used
 * or expired), `MALFORMED` (the offer or the metadata are not valid OpenID4VCI 1.0),
 * `REFUSED` (the issuer refused the token or credential request: `oauthError` says why,
 * e.g. `invalid_grant`, `invalid_proof`, `invalid_nonce`), `UNSUPPORTED_FORMAT` (nothing
 * this wallet can hold is offered) or `INVALID_ARGUMENT`.
 */
export class OfferError extends TradewindError {
  readonly step: OfferStep;
  /** The issuer's OAuth error code, for `REFUSED`. */
  readonly oauthError: string | undefined;
  /** The HTTP status of the issuer's answer, when there was one. */
  readonly status: number | undefined;

  constructor(code: ErrorCode, step: OfferStep, message: string, extra: { oauthError?: string; status?: number; cause?: unknown } = {}) {
    super(code, message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'OfferError';
    this.step = step;
    this.oauthError = extra.oauthError;
    this.status = extra.status;
  }
}

/** What the wallet gives the offer flow: its agent (keys) and verification and storage. */
export interface OfferWallet {
  agent: TradewindAgent;
  listDids(): Promise<ManagedDid[]>;
  verifyAndStore(jwt: string, verify: VerifyOptions, holderDid: string, offered: OfferedCredential): Promise<unknown>;
}

/**
 * What the credential configuration the wallet requested says the credential is: the
 * `vct` of a `dc+sd-jwt` configuration, the `credential_definition.type` of a
 * `jwt_vc_json` one.
 */
export type OfferedCredential =
  | { format: 'dc+sd-jwt'; configurationId: string; vct: string }
  | { format: 'jwt_vc_json'; configurationId: string; types: string[] };

/**
 * Refuses (`MALFORMED`, step `verify`) a verified credential that is not what the
 * requested configuration describes: an SD-JWT VC of another `vct`, a JWT VC whose types
 * are not those of `credential_definition.type` (`VerifiableCredential` counted on both
 * sides). An issuer that answers a request for one credential with another — a stronger
 * one, or one of another holder's types — is not trusted to decide what the holder keeps.
 */
export function checkOffered(offered: OfferedCredential, verified: { format: string; vct?: string; types?: readonly string[] }): void {
  if (offered.format === 'dc+sd-jwt') {
    if (verified.format !== 'dc+sd-jwt' || verified.vct !== offered.vct)
      throw new OfferError(
        'MALFORMED',
        'verify',
        `the issuer answered the request for ${offered.configurationId} (vct ${describe(offered.vct)}) with ${verified.format === 'dc+sd-jwt' ? `an SD-JWT VC of vct ${describe(verified.vct)}` : `a ${verified.format} credential`}`,
      );
    return;
  }
  const asked = new Set(['VerifiableCredential', ...offered.types]);
  const got = new Set(['VerifiableCredential', ...(verified.types ?? [])]);
  if (verified.format === 'dc+sd-jwt' || asked.size !== got.size || [...asked].some((t) => !got.has(t)))
    throw new OfferError(
      'MALFORMED',
      'verify',
      `the issuer answered the request for ${offered.configurationId} (types ${listed(offered.types)}) with ${verified.format === 'dc+sd-jwt' ? 'an SD-JWT VC' : `a credential of types ${listed(verified.types ?? [])}`}`,
    );
}

/** The credential a configuration of the issuer metadata describes; `MALFORMED` when it does not say (OpenID4VCI 1.0 Appendix A). */
function offeredCredential(configurationId: string, configuration: Record<string, unknown>): OfferedCredential {
  if (configuration.format === 'dc+sd-jwt') {
    const vct = configuration.vct;
    if (typeof vct !== 'string' || vct.length === 0)
      throw new OfferError('MALFORMED', 'metadata', `the dc+sd-jwt configuration ${configurationId} names no vct`);
    return { format: 'dc+sd-jwt', configurationId, vct };
  }
  const definition = configuration.credential_definition as { type?: unknown } | undefined;
  const types = definition?.type;
  if (!Array.isArray(types) || types.length === 0 || !types.every((t): t is string => typeof t === 'string' && t.length > 0))
    throw new OfferError('MALFORMED', 'metadata', `the jwt_vc_json configuration ${configurationId} names no credential_definition.type`);
  return { format: 'jwt_vc_json', configurationId, types };
}

/** The issuer's DID: did:web for the host (and path) of the credential issuer identifier. */
export function didWebOfIssuer(credentialIssuer: string): string {
  const url = new URL(credentialIssuer);
  const path = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => encodeURIComponent(decodeURIComponent(s)));
  return ['did:web', encodeURIComponent(url.host), ...path].join(':');
}

class ScopedFetchError extends Error {}

/**
 * OpenID4VCI 1.0 pre-authorized code flow, wallet side: offer (by value or by reference)
 * → issuer metadata → authorization server metadata → token (with the transaction code)
 * → nonce → proof of possession signed by the holder key → credential → verified (the
 * issuer must be the did:web of the credential issuer's host; the credential must be
 * bound to the holder DID) → stored.
 */
export async function acceptOffer(wallet: OfferWallet, uri: string, given: AcceptOfferOptions | undefined): Promise<unknown> {
  const options = readOptions<AcceptOfferOptions>(given, 'acceptOffer options');
  if (typeof uri !== 'string' || uri.length === 0) throw new TradewindError('INVALID_ARGUMENT', 'acceptOffer needs an offer URI');
  if (uri.length > MAX_OFFER_URI_LENGTH)
    throw new TradewindError('INVALID_ARGUMENT', `the offer URI is longer than ${MAX_OFFER_URI_LENGTH} characters`);
  const insecure = options.allowInsecureHttp ?? false;
  if (typeof insecure !== 'boolean') throw new TradewindError('INVALID_ARGUMENT', 'allowInsecureHttp must be a boolean');
  const now = options.now ?? new Date();
  if (!reading('now', () => now instanceof Date && Number.isFinite(now.getTime())))
    throw new TradewindError('INVALID_ARGUMENT', 'now must be a valid Date');
  const timeoutMs = options.timeoutMs ?? 15_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    throw new TradewindError('INVALID_ARGUMENT', 'timeoutMs must be a positive integer');
  if (options.txCode !== undefined && (typeof options.txCode !== 'string' || options.txCode.length === 0 || options.txCode.length > 64))
    throw new TradewindError('INVALID_ARGUMENT', 'txCode must be a non-empty string');
  const baseFetch = options.fetch ?? globalThis.fetch;
  if (typeof baseFetch !== 'function') throw new TradewindError('INVALID_ARGUMENT', 'fetch must be a function');

  // Whether the credential issuer is on a loopback or private host (unknown until the offer is read).
  let internalIssuer: boolean | undefined;
  const scopedFetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    checkDestination(url, insecure, insecure && internalIssuer !== false);
    const signal = AbortSignal.timeout(timeoutMs);
    return bounded(await baseFetch(url, { ...init, redirect: 'error', signal }));
  };

  // The holder: a did:key or did:jwk of this wallet.
  const dids = (await wallet.listDids()).filter((d) => d.method === 'key' || d.method === 'jwk');
  let holder: ManagedDid | undefined;
  if (options.holderDid !== undefined) {
    holder = dids.find((d) => d.did === options.holderDid);
    if (!holder)
      throw new TradewindError('INVALID_ARGUMENT', `${describe(options.holderDid)} is not a did:key or did:jwk holder DID of this wallet`);
  } else if (dids.length === 0) {
    throw new TradewindError('INVALID_ARGUMENT', 'this wallet has no holder DID: create one first (createDid)');
  }
  const signerOf = (d: ManagedDid) => ({ method: 'did' as const, didUrl: d.verificationMethod, alg: d.alg });

  const client = new Openid4vciClient({
    callbacks: {
      fetch: scopedFetch as never,
      hash: (data, alg) => {
        const name = alg === 'sha-256' ? 'sha256' : alg === 'sha-384' ? 'sha384' : 'sha512';
        return new Uint8Array(createHash(name).update(data).digest());
      },
      generateRandom: (bytes) => new Uint8Array(randomBytes(bytes)),
      clientAuthentication: () => {},
      signJwt: async (signer, { header, payload }) => {
        const d = dids.find((x) => signer.method === 'did' && x.verificationMethod === signer.didUrl);
        if (!d) throw new Error('no key of this wallet for the proof');
        const jwt = await wallet.agent.signJwt(header as Record<string, unknown>, payload as Record<string, unknown>, d.keyId);
        return { jwt, signerJwk: d.publicJwk as never };
      },
    },
  });

  // Secrets an issuer may echo in its errors, kept out of the messages.
  let preAuthorizedCode: string | undefined;
  return withInsecureUrls(insecure, async () => {
    // 1. The offer: by value or by reference, not both.
    const query = URL.canParse(uri) ? new URL(uri).searchParams : undefined;
    if (query?.has('credential_offer') && query.has('credential_offer_uri'))
      throw new OfferError('MALFORMED', 'offer', 'the offer URI has both credential_offer and credential_offer_uri');
    const offer = await step('offer', () => client.resolveCredentialOffer(uri));
    const grant = (offer.grants as Record<string, Record<string, unknown>> | undefined)?.[PRE_AUTHORIZED_GRANT];
    if (!grant || typeof grant['pre-authorized_code'] !== 'string')
      throw new OfferError(
        'MALFORMED',
        'offer',
        'the offer has no pre-authorized code grant (this wallet takes pre-authorized offers only)',
      );
    preAuthorizedCode = grant['pre-authorized_code'];
    if (grant.tx_code !== undefined && options.txCode === undefined)
      throw new OfferError('INVALID_ARGUMENT', 'offer', 'this offer needs the transaction code the issuer gave you (txCode)');
    const configurationIds = offer.credential_configuration_ids;
    if (!Array.isArray(configurationIds) || configurationIds.length === 0)
      throw new OfferError('MALFORMED', 'offer', 'the offer names no credential_configuration_ids');
    const issuerUrl = checkIssuerUrl(offer.credential_issuer, insecure);
    // Internal addresses (allowInsecureHttp) only for an issuer that is itself on one.
    internalIssuer = !isPublicHost(new URL(issuerUrl).hostname);

    // 2. Issuer and authorization server metadata.
    const metadata = await step('metadata', () => client.resolveIssuerMetadata(issuerUrl));
    if (metadata.credentialIssuer.credential_issuer !== issuerUrl)
      throw new OfferError('MALFORMED', 'metadata', `the metadata names another credential issuer than ${issuerUrl}`);
    // Every endpoint the access token, the proof or the code go to, checked before the
    // first of them is used (the pre-authorized code is spent by the token request).
    const endpoints = [
      metadata.credentialIssuer.credential_endpoint,
      metadata.credentialIssuer.nonce_endpoint,
      metadata.credentialIssuer.deferred_credential_endpoint,
      ...metadata.authorizationServers.map((a) => a.token_endpoint),
    ];
    for (const endpoint of endpoints) {
      if (endpoint === undefined) continue;
      try {
        checkDestination(new URL(endpoint), insecure, insecure && internalIssuer);
      } catch (e) {
        throw new OfferError('MALFORMED', 'metadata', `an endpoint in the issuer metadata: ${(e as Error).message}`);
      }
    }
    const configurationId = configurationIds.find((id) => {
      const c = metadata.credentialIssuer.credential_configurations_supported[id] as Record<string, unknown> | undefined;
      return typeof c?.format === 'string' && FORMATS.has(c.format);
    });
    if (configurationId === undefined)
      throw new OfferError(
        'UNSUPPORTED_FORMAT',
        'metadata',
        `none of ${listed(configurationIds)} is a jwt_vc_json or dc+sd-jwt credential in the issuer metadata`,
      );
    const configuration = metadata.credentialIssuer.credential_configurations_supported[configurationId] as Record<string, unknown>;
    const sdJwt = configuration.format === 'dc+sd-jwt';
    const offered = offeredCredential(configurationId, configuration);
    const proofAlgs = (configuration.proof_types_supported as { jwt?: { proof_signing_alg_values_supported?: unknown } } | undefined)?.jwt
      ?.proof_signing_alg_values_supported;
    const bindings = configuration.cryptographic_binding_methods_supported;
    const accepts = (d: ManagedDid) =>
      (!Array.isArray(proofAlgs) || proofAlgs.includes(d.alg)) &&
      (!Array.isArray(bindings) || bindings.includes(`did:${d.method}`) || bindings.includes('did'));
    if (holder === undefined) holder = dids.find(accepts);
    if (holder === undefined || !accepts(holder))
      throw new OfferError(
        'UNSUPPORTED_ALGORITHM',
        'metadata',
        `the issuer takes proofs signed with ${Array.isArray(proofAlgs) ? listed(proofAlgs) : '?'} by ${Array.isArray(bindings) ? listed(bindings) : '?'}, which ${holder ? holder.did : 'no holder DID of this wallet'} cannot give`,
      );
    const bound = holder;

    // 3. Access token.
    const { accessTokenResponse } = await step('token', () =>
      client.retrievePreAuthorizedCodeAccessTokenFromOffer({
        credentialOffer: offer,
        issuerMetadata: metadata,
        ...(options.txCode === undefined ? {} : { txCode: options.txCode }),
      }),
    );

    // 4. Nonce, proof, credential (once more with a fresh nonce if the issuer says invalid_nonce).
    let jwt: string | undefined;
    for (let attempt = 0; jwt === undefined; attempt++) {
      const { c_nonce } = await step('nonce', () => client.requestNonce({ issuerMetadata: metadata }));
      const proof = await step('credential', () =>
        client.createCredentialRequestJwtProof({
          issuerMetadata: metadata,
          credentialConfigurationId: configurationId,
          signer: signerOf(bound),
          nonce: c_nonce,
          issuedAt: now,
        }),
      );
      try {
        const response = await step('credential', () =>
          client.retrieveCredentials({
            issuerMetadata: metadata,
            accessToken: accessTokenResponse.access_token,
            credentialConfigurationId: configurationId,
            proofs: { jwt: [proof.jwt] },
          }),
        );
        const credentials = response.credentialResponse.credentials;
        const first = Array.isArray(credentials) ? (credentials[0] as { credential?: unknown } | undefined)?.credential : undefined;
        if (first === undefined && typeof response.credentialResponse.transaction_id === 'string')
          throw new OfferError(
            'MALFORMED',
            'credential',
            'the issuer deferred the credential (transaction_id): this wallet does not take deferred issuance',
          );
        // An SD-JWT VC comes as issued (its disclosures, no key binding); receiving checks the rest.
        if (typeof first !== 'string' || !(sdJwt ? looksLikeSdJwt(first) && !hasKeyBinding(first) : looksLikeCompactJws(first)))
          throw new OfferError('MALFORMED', 'credential', `the credential response holds no ${String(configuration.format)} credential`);
        jwt = first;
      } catch (e) {
        if (e instanceof OfferError && e.oauthError === 'invalid_nonce' && attempt === 0) continue;
        throw e;
      }
    }

    // 5. Verify (issuer = did:web of the issuer's host, bound to the holder) and store.
    const issuerDid = didWebOfIssuer(issuerUrl);
    const didWebFetcher = async (url: string): Promise<unknown> => {
      const response = await scopedFetch(url, { headers: { accept: 'application/did+json, application/json' } });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      return readJson(response);
    };
    const statusProvider = {
      get: async (url: string) => {
        const response = await scopedFetch(url, {
          headers: { accept: 'application/vc+jwt, application/statuslist+jwt, application/json' },
        });
        if (!response.ok) return undefined;
        const text = await readText(response);
        return looksLikeCompactJws(text.trim()) ? text.trim() : (JSON.parse(text) as never);
      },
    };
    const extra = options.verify ?? {};
    const verify: VerifyOptions = {
      ...extra,
      now,
      trustedIssuers: [issuerDid],
      didResolver: { didWebFetcher, allowInsecureDidWeb: insecure },
      status: extra.status ?? { provider: statusProvider, allowInsecureUrls: insecure, onUnavailable: 'warn' },
    };
    return wallet.verifyAndStore(jwt, verify, bound.did, offered);
  });

  async function step<T>(name: OfferStep, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw redacted(classify(name, e), [options.txCode, preAuthorizedCode]);
    }
  }
}

/**
 * Refuses a URL the wallet must not fetch: anything but https (http too with
 * allowInsecureHttp), and, unless allowInsecureHttp, a host that is a loopback, private,
 * link-local, shared, unspecified or multicast address in any spelling the URL parser
 * accepts (`2852039166`, `0xa9.0xfe.0xa9.0xfe`, `[::ffff:a9fe:a9fe]`), or `localhost`.
 */
function checkDestination(url: URL, http: boolean, internal: boolean): void {
  if (url.protocol !== 'https:' && !(http && url.protocol === 'http:'))
    throw new ScopedFetchError(`${url.protocol}//${url.host} is not https (allowInsecureHttp is for tests)`);
  if (!internal && !isPublicHost(url.hostname))
    throw new ScopedFetchError(`${url.host} is a loopback, private or link-local address (allowInsecureHttp is for tests)`);
}

/** Whether a URL hostname (as the WHATWG parser normalises it) may name a public host. */
function isPublicHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === '' || host === 'localhost' || host.endsWith('.localhost')) return false;
  if (host.startsWith('[')) return isPublicIpv6(host.slice(1, -1));
  const v4 = host.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  return v4 ? isPublicIpv4(v4.slice(1).map(Number)) : true;
}

function isPublicIpv4([a = 0, b = 0, c = 0]: number[]): boolean {
  return !(
    a === 0 ||
    a === 10 ||
    a === 127 ||
    a >= 224 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && c === 0) ||
    (a === 198 && (b === 18 || b === 19))
  );
}

function isPublicIpv6(address: string): boolean {
  const [head = '', tail] = address.split('::');
  const parts = (s: string | undefined) => (s ? s.split(':').map((x) => Number.parseInt(x, 16)) : []);
  const left = parts(head);
  const right = parts(tail);
  const words = tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  if (words.length !== 8 || words.some((w) => !Number.isInteger(w))) return false;
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0] = words;
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0 && (w5 === 0 || w5 === 0xffff)) {
    // ::, ::1, IPv4-compatible and IPv4-mapped addresses: the IPv4 address decides.
    if (w5 === 0 && w6 === 0 && w7 <= 1) return false;
    return isPublicIpv4([w6 >> 8, w6 & 0xff, w7 >> 8, w7 & 0xff]);
  }
  if (w0 === 0x64 && w1 === 0xff9b) return isPublicIpv4([w6 >> 8, w6 & 0xff, w7 >> 8, w7 & 0xff]);
  return !((w0 & 0xfe00) === 0xfc00 || (w0 & 0xffc0) === 0xfe80 || (w0 & 0xff00) === 0xff00);
}

/** The response with its body read whole, refused past {@link MAX_RESPONSE_BYTES}. */
async function bounded(response: Response): Promise<Response> {
  const tooLarge = () => new ScopedFetchError(`the issuer's answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
  const bytes = await readBoundedBody(response, MAX_RESPONSE_BYTES, tooLarge);
  const body = [101, 204, 205, 304].includes(response.status) ? null : bytes;
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function checkIssuerUrl(value: unknown, insecure: boolean): string {
  if (typeof value !== 'string') throw new OfferError('MALFORMED', 'offer', 'the offer has no credential_issuer');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OfferError('MALFORMED', 'offer', 'the offer credential_issuer is not a URL');
  }
  if (url.protocol !== 'https:' && !(insecure && url.protocol === 'http:'))
    throw new OfferError('MALFORMED', 'offer', `the credential issuer ${url.origin} is not https (allowInsecureHttp is for tests)`);
  if (url.search || url.hash || url.username || url.password)
    throw new OfferError('MALFORMED', 'offer', 'a credential issuer identifier has no query, fragment or credentials');
  try {
    checkDestination(url, insecure, insecure);
  } catch (e) {
    throw new OfferError('MALFORMED', 'offer', `the credential issuer ${(e as Error).message}`);
  }
  return value;
}

/** The typed error for a failure in one step of the flow. */
function classify(step: OfferStep, e: unknown): OfferError {
  if (e instanceof OfferError || e instanceof TradewindError) return e as OfferError;
  const chain: unknown[] = [];
  for (let x: unknown = e; x !== undefined && x !== null && chain.length < 5; x = (x as { cause?: unknown }).cause) chain.push(x);
  const scoped = chain.find((x) => x instanceof ScopedFetchError) as Error | undefined;
  if (scoped) return new OfferError('MALFORMED', step, scoped.message, { cause: e });
  if (e instanceof Oauth2ClientErrorResponseError || e instanceof Oauth2ServerErrorResponseError) {
    const r = e.errorResponse as { error?: string; error_description?: string };
    return refused(step, r.error, r.error_description, (e as { response?: Response }).response?.status, e);
  }
  if (e instanceof Openid4vciRetrieveCredentialsError) {
    const result = (
      e as unknown as {
        response?: {
          credentialErrorResponseResult?: { success: boolean; data?: { error?: string; error_description?: string } };
          response?: Response;
        };
      }
    ).response;
    const data = result?.credentialErrorResponseResult?.success ? result.credentialErrorResponseResult.data : undefined;
    const status = result?.response?.status;
    if (data?.error) return refused(step, data.error, data.error_description, status, e);
    return new OfferError(
      status !== undefined && status >= 500 ? 'UNREACHABLE' : 'MALFORMED',
      step,
      `the credential endpoint answered ${status ?? 'nothing usable'}`,
      {
        ...(status === undefined ? {} : { status }),
        cause: e,
      },
    );
  }
  const fetchResponse = chain.map((x) => (x as { response?: unknown }).response).find((r) => r instanceof Response) as Response | undefined;
  if (fetchResponse) {
    const status = fetchResponse.status;
    if (status === 404 || status === 410)
      return new OfferError('NOT_FOUND', step, `${stepWhat(step)} was not found (${status}): the offer may be used or expired`, {
        status,
        cause: e,
      });
    if (status >= 500) return new OfferError('UNREACHABLE', step, `${stepWhat(step)}: the issuer answered ${status}`, { status, cause: e });
    if (status >= 400) return new OfferError('REFUSED', step, `${stepWhat(step)}: the issuer answered ${status}`, { status, cause: e });
  }
  const name = (x: unknown) => (x instanceof Error ? x.name : '');
  if (chain.some((x) => x instanceof TypeError || name(x) === 'AbortError' || name(x) === 'TimeoutError' || name(x) === 'FetchError'))
    return new OfferError('UNREACHABLE', step, `${stepWhat(step)}: the issuer could not be reached (${firstLine(e)})`, { cause: e });
  // The library quotes the offer (and its pre-authorized code) in its messages: not repeated here.
  if (step === 'offer')
    return new OfferError('MALFORMED', step, 'the credential offer is not an OpenID4VCI 1.0 offer of an https credential issuer', {
      cause: e,
    });
  return new OfferError('MALFORMED', step, `${stepWhat(step)}: ${firstLine(e)}`, { cause: e });
}

/** The error without the transaction or pre-authorized code in its message (an issuer may echo them back). */
function redacted(e: OfferError, secrets: ReadonlyArray<string | undefined>): OfferError {
  if (!(e instanceof OfferError)) return e;
  let message = e.message;
  for (const secret of secrets) if (secret) message = message.split(secret).join('[redacted]');
  if (message === e.message) return e;
  return new OfferError(e.code, e.step, message, {
    ...(e.oauthError === undefined ? {} : { oauthError: e.oauthError }),
    ...(e.status === undefined ? {} : { status: e.status }),
    cause: e.cause,
  });
}

/** Issuer-given names for a message: the first few, each shortened. */
function listed(values: readonly unknown[]): string {
  const shown = values.slice(0, 5).map((v) => (typeof v === 'string' ? v : describe(v)).slice(0, 60));
  return `${shown.join(', ')}${values.length > 5 ? ` (and ${values.length - 5} more)` : ''}`;
}

function refused(
  step: OfferStep,
  error: string | undefined,
  description: string | undefined,
  status: number | undefined,
  cause: unknown,
): OfferError {
  const what = stepWhat(step);
  return new OfferError(
    'REFUSED',
    step,
    `${what} was refused: ${error ?? 'error'}${description ? ` (${description.slice(0, 300)})` : ''}`,
    {
      ...(error === undefined ? {} : { oauthError: error }),
      ...(status === undefined ? {} : { status }),
      cause,
    },
  );
}

function stepWhat(step: OfferStep): string {
  return {
    offer: 'the credential offer',
    metadata: 'the issuer metadata',
    token: 'the token request',
    nonce: 'the nonce request',
    credential: 'the credential request',
    verify: 'the credential',
  }[step];
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';
}

async function readText(response: Response): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_RESPONSE_BYTES) throw new Error(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > MAX_RESPONSE_BYTES) throw new Error(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
  return new TextDecoder().decode(bytes);
}

async function readJson(response: Response): Promise<unknown> {
  return JSON.parse(await readText(response));
}
