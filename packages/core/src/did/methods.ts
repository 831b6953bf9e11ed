import type { DIDDocument, DIDResolutionResult, DIDResolver, ParsedDID } from 'did-resolver';
import { base64urlDecode, utf8Decode } from '../base64url.js';
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

/** did:jwk (https://github.com/quartzjer/did-jwk/blob/main/spec.md): the DID is the key. */
export const resolveDidJwk: DIDResolver = async (did: string, parsed: ParsedDID) => {
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

/** The https URL of a did:web document (https://w3c-ccg.github.io/did-method-web/#read-resolve). */
export function didWebUrl(did: string, allowInsecure = false): URL {
  const id = did.slice('did:web:'.length);
  const parts = id.split(':').map((p) => decodeURIComponent(p));
  const host = parts.shift() ?? '';
  if (!host || /[/?#@\s]/.test(host)) throw new Error(`invalid did:web host in ${did}`);
  const path = parts.length === 0 ? '/.well-known/did.json' : `/${parts.map(encodeURIComponent).join('/')}/did.json`;
  const scheme = allowInsecure && isLoopbackOrPrivate(host) ? 'http' : 'https';
  const url = new URL(`${scheme}://${host}${path}`);
  if (!allowInsecure && isLoopbackOrPrivate(url.hostname)) {
    throw new Error(`did:web host ${url.hostname} is a loopback or private address`);
  }
  return url;
}

/** True for localhost, loopback, link-local, private (RFC 1918, RFC 4193) and unspecified addresses. */
export function isLoopbackOrPrivate(hostname: string): boolean {
  let h = hostname.toLowerCase();
  if (h.startsWith('[')) h = h.slice(1, h.includes(']') ? h.indexOf(']') : undefined);
  else if (h.split(':').length === 2) h = h.slice(0, h.indexOf(':')); // host:port
  if (h === 'localhost' || h.endsWith('.localhost') || h === '0.0.0.0' || h === '::' || h === '::1') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 127 ||
      a === 10 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (h.includes(':')) return h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80') || h.startsWith('::ffff:');
  return false;
}

/** did:web through a caller-supplied fetcher only; Tradewind itself never opens a connection. */
export function didWebResolver(options: DidWebOptions): DIDResolver {
  return async (did: string) => {
    let url: URL;
    try {
      url = didWebUrl(did, options.allowInsecure);
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
