import type { DIDDocument, DIDResolutionResult, DIDResolver, ParsedDID } from 'did-resolver';
import { base64urlDecode, utf8Decode } from '../base64url.js';
import { TradewindError } from '../errors.js';
import { hostProblem, isDotSegment, isPublicHost } from '../public-host.js';
import { isJsonObject } from '../types.js';

/** Fetches a did:web document; must return the parsed JSON body or throw. */
export type DidWebFetcher = (url: string) => Promise<unknown>;

export interface DidWebOptions {
  fetcher: DidWebFetcher;
  /** Allow http:// and loopback, link-local and private hosts. Off by default; for tests and closed networks. */
  allowInsecure?: boolean;
}

function failure(error: string, message: string): DIDResolutionResult {
  return { didResolutionMetadata: { error, message }, didDocument: null, didDocumentMetadata: {} };
}

/** Longest did:jwk accepted, in characters: a public JWK is a few hundred. */
export const MAX_DID_JWK_LENGTH = 2048;

/** did:jwk (https://github.com/quartzjer/did-jwk/blob/main/spec.md): the DID is the key. */
export const resolveDidJwk: DIDResolver = async (did: string, parsed: ParsedDID) => {
  if (did.length > MAX_DID_JWK_LENGTH) return failure('invalidDid', `a did:jwk is at most ${MAX_DID_JWK_LENGTH} characters`);
  const bytes = base64urlDecode(parsed.id);
  const text = bytes && utf8Decode(bytes);
  let jwk: unknown;
  try {
    jwk = text === undefined ? undefined : JSON.parse(text);
  } catch {
    jwk = undefined;
  }
  if (!isJsonObject(jwk) || typeof jwk.kty !== 'string') return failure('invalidDid', 'did:jwk does not encode a JWK');
  if ('d' in jwk) return failure('invalidDid', 'did:jwk encodes private key material');
  const vm = `${did}#0`;
  const doc: DIDDocument = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    verificationMethod: [{ id: vm, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk as never }],
  };
  if (jwk.use !== 'enc') {
    doc.assertionMethod = [vm];
    doc.authentication = [vm];
    doc.capabilityInvocation = [vm];
    doc.capabilityDelegation = [vm];
  }
  if (jwk.use !== 'sig') doc.keyAgreement = [vm];
  return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument: doc, didDocumentMetadata: {} };
};

// DID syntax (https://www.w3.org/TR/did-core/#did-syntax): idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
const DID_WEB_ID = /^[A-Za-z0-9._%-]+(?::[A-Za-z0-9._%-]+)*$/;

/** Longest did:web accepted, in characters (a URL's worth). */
export const MAX_DID_WEB_LENGTH = 2048;

/**
 * The URL of a did:web document (https://w3c-ccg.github.io/did-method-web/#read-resolve).
 * Throws `DID_UNRESOLVABLE` for a DID that is not well formed, whose host is not public
 * (see `isPublicHost`: loopback, private, link-local and special-use addresses in any
 * spelling, trailing dot included) unless `allowInsecure`, or whose path has `.` or `..`
 * segments (also percent-encoded) or characters a path segment cannot hold. With
 * `allowInsecure`, a host that is not public is fetched over http.
 *
 * @example
 * ```ts
 * didWebUrl('did:web:id.gov.bb:issuers:nid').href; // https://id.gov.bb/issuers/nid/did.json
 * didWebUrl('did:web:localhost.'); // throws DID_UNRESOLVABLE
 * ```
 */
export function didWebUrl(did: string, allowInsecure = false): URL {
  const refuse = (why: string): never => {
    throw new TradewindError('DID_UNRESOLVABLE', `${did.slice(0, 120)} ${why}`);
  };
  if (did.length > MAX_DID_WEB_LENGTH) refuse(`is longer than ${MAX_DID_WEB_LENGTH} characters`);
  const id = did.startsWith('did:web:') ? did.slice('did:web:'.length) : refuse('is not a did:web');
  if (!DID_WEB_ID.test(id)) refuse('is not a well-formed did:web (DID syntax allows letters, digits, ".", "-", "_", "%xx" and ":")');
  let parts: string[];
  try {
    parts = id.split(':').map((p) => decodeURIComponent(p));
  } catch {
    return refuse('has an invalid percent-encoding');
  }
  const host = parts.shift() as string;
  // Decoded once, as the method specifies: what is still '%', '/', '\' or a control
  // character after that is an attempt to reach another resource, not a name.
  if (/[\0-\x20\x7f%/\\?#@]/.test(host)) refuse('has a host that is not a host name');
  for (const segment of parts) {
    if (/[\0-\x20\x7f%/\\?#]/.test(segment) || segment.length === 0)
      refuse(`has a path segment that is not a name: ${JSON.stringify(segment)}`);
    if (isDotSegment(segment)) refuse('has a "." or ".." path segment');
  }
  let authority: URL;
  try {
    authority = new URL(`https://${host}`);
  } catch {
    return refuse('has a host that is not a host name');
  }
  if (authority.pathname !== '/' || authority.username || authority.password) refuse('has a host that is not a host name');
  const problem = hostProblem(authority.host);
  if (problem && allowInsecure !== true) refuse(`names host ${authority.hostname}, which ${problem}`);
  const scheme = allowInsecure === true && problem ? 'http' : 'https';
  const path = parts.length === 0 ? '/.well-known/did.json' : `/${parts.map(encodeURIComponent).join('/')}/did.json`;
  return new URL(`${scheme}://${authority.host}${path}`);
}

/**
 * True for any host that is not public: localhost, loopback, link-local, private
 * (RFC 1918, RFC 4193), unspecified, reserved, and anything that is not a host name.
 *
 * @deprecated Use {@link isPublicHost}, which says what a fetch may reach rather than
 * listing what it may not.
 */
export function isLoopbackOrPrivate(hostname: string): boolean {
  return !isPublicHost(hostname);
}

/** did:web through a caller-supplied fetcher only; Tradewind itself never opens a connection. */
export function didWebResolver(options: DidWebOptions): DIDResolver {
  return async (did: string) => {
    let url: URL;
    try {
      url = didWebUrl(did, options.allowInsecure === true);
    } catch (e) {
      return failure('invalidDid', (e as Error).message);
    }
    let body: unknown;
    try {
      body = await options.fetcher(url.href);
    } catch (e) {
      return failure('notFound', `fetching ${url.href} failed: ${(e as Error).message}`);
    }
    if (!isJsonObject(body) || body.id !== did) {
      return failure('notFound', `${url.href} does not hold the DID document of ${did}`);
    }
    return {
      didResolutionMetadata: { contentType: 'application/did+json' },
      didDocument: body as unknown as DIDDocument,
      didDocumentMetadata: {},
    };
  };
}
