import { createHash } from 'node:crypto';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import { type JsonObject, TradewindError } from '@tradewind/core';
import canonicalize from 'canonicalize';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { canonizeRdfc } from '../src/di/canonize.js';
import { BUNDLED } from '../src/di/contexts.js';
import { BUNDLED_CONTEXTS, contextDigest, createDocumentLoader } from '../src/di/loader.js';

const CUSTOM = 'https://id.gov.example/contexts/national-id/v1';
const customContext: JsonObject = {
  '@context': { '@version': 1.1, '@protected': true, givenName: 'https://schema.org/givenName' },
};
const customDigest = createHash('sha256')
  .update(canonicalize(customContext) as string)
  .digest('hex');

async function rejection(promise: Promise<unknown>): Promise<TradewindError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TradewindError);
  return error as TradewindError;
}

// Every test here runs with fetch replaced: a loader that reached for the network would throw
// this error instead of the typed one the tests expect, and the spy counts the attempt.
const fetchSpy = vi.fn(() => {
  throw new Error('the network was used');
});
const realFetch = globalThis.fetch;
beforeEach(() => {
  fetchSpy.mockClear();
  globalThis.fetch = fetchSpy as unknown as typeof fetch;
});
afterEach(() => {
  globalThis.fetch = realFetch;
  expect(fetchSpy).not.toHaveBeenCalled();
});

describe('bundled contexts', () => {
  const required = [
    'https://www.w3.org/2018/credentials/v1',
    'https://www.w3.org/ns/credentials/v2',
    'https://www.w3.org/ns/credentials/undefined-terms/v2',
    'https://www.w3.org/ns/credentials/examples/v2',
    'https://w3id.org/security/data-integrity/v1',
    'https://w3id.org/security/data-integrity/v2',
    'https://w3id.org/security/multikey/v1',
    'https://w3id.org/security/suites/ed25519-2018/v1',
    'https://w3id.org/security/suites/ed25519-2020/v1',
    'https://w3id.org/security/suites/jws-2020/v1',
    'https://w3id.org/security/suites/secp256k1-2019/v1',
    'https://w3id.org/security/v1',
    'https://w3id.org/security/v2',
    'https://w3id.org/security/v3',
    'https://w3id.org/security/v3-unstable',
    'https://w3id.org/vc/status-list/2021/v1',
    'https://www.w3.org/ns/credentials/status/v1',
    'https://www.w3.org/ns/did/v1',
    'https://w3id.org/did/v0.11',
  ];

  it('has every context the Data Integrity suites and MOSIP credentials name', () => {
    expect([...BUNDLED_CONTEXTS.keys()].sort()).toEqual([...required].sort());
  });

  it.each(required)('loads %s and its recorded digest is the SHA-256 of its JCS form', async (url) => {
    const { document, documentUrl, contextUrl } = await createDocumentLoader()(url);
    expect(documentUrl).toBe(url);
    expect(contextUrl).toBeNull();
    expect(document['@context']).toBeDefined();
    const digest = createHash('sha256')
      .update(canonicalize(document) as string)
      .digest('hex');
    expect(BUNDLED_CONTEXTS.get(url)?.sha256).toBe(digest);
    expect(await contextDigest(document)).toBe(digest);
  });

  it('serves the same documents as the context packages Digital Bazaar verifiers use', async () => {
    for (const [url, document] of credentialsContext.contexts as Map<string, JsonObject>) {
      if (!BUNDLED.has(url)) continue;
      expect((await createDocumentLoader()(url)).document).toEqual(document);
    }
  });
});

describe('never the network', () => {
  it('refuses an https context that is not bundled with the exact message, without fetching', async () => {
    const url = 'https://example.org/contexts/unknown/v1';
    const error = await rejection(createDocumentLoader()(url));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toBe(`context not available offline: ${url}`);
  });

  it('compares URLs exactly (no trailing #, no http for https, no case folding)', async () => {
    const loader = createDocumentLoader();
    for (const url of [
      'https://www.w3.org/ns/credentials/v2#',
      'http://www.w3.org/ns/credentials/v2',
      'https://www.w3.org/ns/credentials/v2/',
      'https://WWW.w3.org/ns/credentials/v2',
    ]) {
      const error = await rejection(loader(url));
      expect(error.message).toBe(`context not available offline: ${url}`);
    }
  });
});

describe('caller contexts', () => {
  it('serves a context given as an object, as JSON text, or in a Map', async () => {
    for (const contexts of [{ [CUSTOM]: customContext }, { [CUSTOM]: JSON.stringify(customContext) }, new Map([[CUSTOM, customContext]])]) {
      const { document } = await createDocumentLoader({ contexts })(CUSTOM);
      expect(document).toEqual(customContext);
    }
  });

  it('refuses a context that is not JSON, not an object, or has no @context', async () => {
    for (const value of ['{not json', '[1,2]', JSON.stringify({ givenName: 'x' })]) {
      const error = await rejection(createDocumentLoader({ contexts: { [CUSTOM]: value } })(CUSTOM));
      expect(error.code).toBe('MALFORMED');
      expect(error.message).toContain(CUSTOM);
    }
  });

  it('does not let a caller replace a bundled context with different content', async () => {
    const url = 'https://www.w3.org/ns/credentials/v2';
    const forged = { '@context': { '@vocab': 'https://evil.example/#' } };
    const error = await rejection(createDocumentLoader({ contexts: { [url]: forged } })(url));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toBe(`context ${url} is given with two different contents`);
  });

  it('accepts a caller copy of a bundled context with the same content (key order aside)', async () => {
    const url = 'https://w3id.org/security/multikey/v1';
    const bundled = (await createDocumentLoader()(url)).document;
    const reordered = JSON.parse(JSON.stringify(bundled, Object.keys(bundled).reverse()));
    const copy = { ...reordered, '@context': bundled['@context'] } as JsonObject;
    expect((await createDocumentLoader({ contexts: { [url]: copy } })(url)).document).toEqual(bundled);
  });

  it('gives the same loader for the same options object', () => {
    const options = { contexts: { [CUSTOM]: customContext } };
    expect(createDocumentLoader(options)).toBe(createDocumentLoader(options));
    expect(createDocumentLoader()).toBe(createDocumentLoader({}));
  });
});

describe('pinned contexts', () => {
  it('serves a pinned context whose document matches the digest (inline or given)', async () => {
    const inline = createDocumentLoader({ pinned: [{ url: CUSTOM, sha256: customDigest, document: customContext }] });
    expect((await inline(CUSTOM)).document).toEqual(customContext);
    const given = createDocumentLoader({
      contexts: { [CUSTOM]: customContext },
      pinned: [{ url: CUSTOM, sha256: customDigest.toUpperCase() }],
    });
    expect((await given(CUSTOM)).document).toEqual(customContext);
  });

  it('refuses a context whose digest is not the pinned one', async () => {
    const changed = { '@context': { ...(customContext['@context'] as JsonObject), givenName: 'https://evil.example/name' } };
    const loader = createDocumentLoader({ contexts: { [CUSTOM]: changed }, pinned: [{ url: CUSTOM, sha256: customDigest }] });
    const error = await rejection(loader(CUSTOM));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toContain(`context ${CUSTOM} does not match its pinned SHA-256`);
  });

  it('checks a pin on a bundled context too', async () => {
    const url = 'https://www.w3.org/ns/credentials/v2';
    const wrong = createDocumentLoader({ pinned: [{ url, sha256: '00'.repeat(32) }] });
    expect((await rejection(wrong(url))).code).toBe('MALFORMED');
    const right = createDocumentLoader({ pinned: [{ url, sha256: BUNDLED_CONTEXTS.get(url)?.sha256 as string }] });
    expect((await right(url)).documentUrl).toBe(url);
  });

  it('refuses a pin without a document when nothing provides one', async () => {
    const error = await rejection(createDocumentLoader({ pinned: [{ url: CUSTOM, sha256: customDigest }] })(CUSTOM));
    expect(error.message).toBe(`context not available offline: ${CUSTOM}`);
  });

  it('refuses a pinned document that disagrees with the caller-given one', async () => {
    const other = { '@context': { familyName: 'https://schema.org/familyName' } };
    const loader = createDocumentLoader({
      contexts: { [CUSTOM]: other },
      pinned: [{ url: CUSTOM, sha256: customDigest, document: customContext }],
    });
    expect((await rejection(loader(CUSTOM))).code).toBe('MALFORMED');
  });
});

describe('documents cannot be changed through the loader', () => {
  it('returns a fresh copy on every call', async () => {
    const loader = createDocumentLoader();
    const url = 'https://www.w3.org/ns/credentials/v2';
    const first = await loader(url);
    (first.document['@context'] as JsonObject)['@vocab'] = 'https://evil.example/#';
    const second = await loader(url);
    expect((second.document['@context'] as JsonObject)['@vocab']).toBeUndefined();
    expect(second.document).not.toBe(first.document);
  });

  it('keeps its own copy of a caller context', async () => {
    const mine = structuredClone(customContext);
    const loader = createDocumentLoader({ contexts: { [CUSTOM]: mine } });
    (mine['@context'] as JsonObject).givenName = 'https://evil.example/name';
    expect((await loader(CUSTOM)).document).toEqual(customContext);
    (mine['@context'] as JsonObject).familyName = 'https://evil.example/family';
    expect((await loader(CUSTOM)).document).toEqual(customContext);
  });
});

describe('VCDM 2.0 undefined-terms context', () => {
  const credential = (contexts: string[]) => ({
    '@context': contexts,
    type: ['VerifiableCredential'],
    issuer: 'did:example:issuer',
    credentialSubject: { id: 'did:example:holder', nationality: 'TT' },
  });

  it('lets claims no context defines through under its @vocab, and safe mode refuses them without it', async () => {
    const loader = createDocumentLoader();
    const nquads = await canonizeRdfc(
      credential(['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/undefined-terms/v2']),
      { loader },
    );
    expect(nquads).toContain('<https://www.w3.org/ns/credentials/undefined-term#nationality> "TT"');
    await expect(canonizeRdfc(credential(['https://www.w3.org/ns/credentials/v2']), { loader })).rejects.toMatchObject({
      code: 'MALFORMED',
    });
  });
});
