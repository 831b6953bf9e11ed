import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type JsonObject, TradewindError } from '@tradewind/core';
import jsonld from 'jsonld';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CanonizeOptions, canonizeRdfc, canonizeRdfcUncached } from '../src/di/canonize.js';
import { createDocumentLoader, type DocumentLoader } from '../src/di/loader.js';

const vectors = fileURLToPath(new URL('./fixtures/di-spec/', import.meta.url));
const CUSTOM = 'https://id.gov.example/contexts/national-id/v1';

async function rejection(promise: Promise<unknown>): Promise<TradewindError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TradewindError);
  return error as TradewindError;
}

function libraryCanonize(document: JsonObject, loader: DocumentLoader, safe = true): Promise<string> {
  return jsonld.canonize(document, { algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader: loader, safe });
}

const fetchSpy = vi.fn(() => {
  throw new Error('the network was used');
});
const realFetch = globalThis.fetch;
beforeEach(() => {
  globalThis.fetch = fetchSpy as unknown as typeof fetch;
});
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.restoreAllMocks();
  expect(fetchSpy).not.toHaveBeenCalled();
});

const credential = (over: Record<string, unknown> = {}): JsonObject => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
  id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
  type: ['VerifiableCredential', 'AlumniCredential'],
  name: 'Alumni Credential',
  issuer: 'https://vc.example/issuers/5678',
  validFrom: '2023-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
  ...over,
});

describe('the W3C Data Integrity specification vectors', () => {
  const suites = readdirSync(vectors).filter((name) => !name.includes('.'));
  const file = (suite: string, prefix: string) => {
    const name = readdirSync(join(vectors, suite)).find((f) => f.startsWith(prefix));
    return readFileSync(join(vectors, suite, name as string), 'utf8');
  };

  it('has the eddsa-rdfc-2022, Ed25519Signature2020 and ecdsa-rdfc-2019 (P-256, P-384) vectors', () => {
    expect(suites.sort()).toEqual(['Ed25519Signature2020', 'ecdsa-rdfc-2019-p256', 'ecdsa-rdfc-2019-p384', 'eddsa-rdfc-2022']);
  });

  it.each(suites)('%s: the document and proof options canonicalise to the specification text, as jsonld.canonize does', async (suite) => {
    const loader = createDocumentLoader();
    const { proof: _, ...unsigned } = JSON.parse(file(suite, 'signed')) as JsonObject;
    const proofConfig = JSON.parse(file(suite, 'proofConfig')) as JsonObject;
    for (const [document, expected] of [
      [unsigned, file(suite, 'canonDoc')],
      [proofConfig, file(suite, 'proofCanon')],
    ] as const) {
      const first = await canonizeRdfc(document, { loader });
      // The specification files end without the final newline of N-Quads.
      expect(first.trimEnd()).toBe(expected.trimEnd());
      expect(first).toBe(await libraryCanonize(document, loader));
      expect(await canonizeRdfc(structuredClone(document), { loader })).toBe(first);
    }
  });
});

describe('documents of one shape', () => {
  it('reuses the dataset of a credential for another that differs only in plain literals (no JSON-LD expansion)', async () => {
    const loader = createDocumentLoader();
    await canonizeRdfc(credential(), { loader });
    await canonizeRdfc(credential({ name: 'Warm-up' }), { loader });
    const toRDF = vi.spyOn(jsonld, 'toRDF');
    const other = credential({ name: 'Another name', validFrom: '2024-02-02T00:00:00Z' });
    const nquads = await canonizeRdfc(other, { loader });
    expect(toRDF).not.toHaveBeenCalled();
    toRDF.mockRestore();
    expect(nquads).toBe(await libraryCanonize(other, loader));
    expect(nquads).toContain('"Another name"');
  });

  it('reuses proof options across proofs of one issuer (proofPurpose is @vocab-typed, found by a warning, not a failure)', async () => {
    const loader = createDocumentLoader();
    const options = (created: string) =>
      ({
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        created,
        verificationMethod: 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
        proofPurpose: 'assertionMethod',
      }) as JsonObject;
    await canonizeRdfc(options('2026-01-01T00:00:00Z'), { loader });
    const toRDF = vi.spyOn(jsonld, 'toRDF');
    const later = options('2026-02-02T10:00:00Z');
    const nquads = await canonizeRdfc(later, { loader });
    expect(toRDF).not.toHaveBeenCalled();
    toRDF.mockRestore();
    expect(nquads).toBe(await libraryCanonize(later, loader));
    expect(nquads).toContain('<https://w3id.org/security#assertionMethod>');
  });

  it('fills in ids and the issuer of the schemes seen before; another scheme or another type is processed again', async () => {
    const loader = createDocumentLoader();
    await canonizeRdfc(credential(), { loader });
    const toRDF = vi.spyOn(jsonld, 'toRDF');
    const same = credential({ issuer: 'https://vc.example/issuers/other', id: 'urn:uuid:other' });
    expect(await canonizeRdfc(same, { loader })).toBe(await canonizeRdfcUncached(same, { loader }));
    // one call: the uncached run above
    expect(toRDF).toHaveBeenCalledTimes(1);
    for (const other of [
      credential({ issuer: 'did:example:other', id: 'urn:uuid:other' }),
      credential({ type: ['VerifiableCredential', 'ExampleDegreeCredential'] }),
    ]) {
      toRDF.mockClear();
      const nquads = await canonizeRdfc(other, { loader });
      expect(toRDF).toHaveBeenCalled();
      expect(nquads).toBe(await libraryCanonize(other, loader));
    }
    toRDF.mockRestore();
    expect(await canonizeRdfc(same, { loader })).toBe(await libraryCanonize(same, loader));
  });

  it("gives the library's RDFC-1.0 for a filled-in dataset of many blank nodes", async () => {
    const loader = createDocumentLoader();
    const doc = (a: string, b: string) =>
      credential({
        credentialSubject: {
          alumniOf: [{ name: a, alumniOf: { name: 'Root' } }, { name: b, alumniOf: { name: 'Root' } }, { name: a }],
        },
      });
    await canonizeRdfc(doc('School A', 'School B'), { loader });
    for (const [a, b] of [
      ['School C', 'School D'],
      ['Root', 'School E'],
      ['School F', 'School F'],
    ]) {
      const nquads = await canonizeRdfc(doc(a as string, b as string), { loader });
      expect(nquads).toContain('_:c14n');
      expect(nquads).toBe(await libraryCanonize(doc(a as string, b as string), loader));
    }
  });

  it('does not merge two equal values the real expansion would merge differently', async () => {
    const loader = createDocumentLoader();
    const subject = (a: string, b: string) => credential({ credentialSubject: { id: 'did:example:s', alumniOf: [a, b] } });
    await canonizeRdfc(subject('One', 'Two'), { loader });
    const same = subject('Same', 'Same');
    expect(await canonizeRdfc(same, { loader })).toBe(await libraryCanonize(same, loader));
  });

  it('stays correct for credentials each with its own id (the shape then stops keeping datasets)', async () => {
    const loader = createDocumentLoader();
    for (let i = 0; i < 40; i++) {
      const doc = credential({ id: `urn:uuid:${i}`, name: `Credential ${i % 3}` });
      expect(await canonizeRdfc(doc, { loader })).toBe(await libraryCanonize(doc, loader));
    }
  });

  it('keeps loaders apart: two loaders with different documents for one URL never share a context', async () => {
    const doc = { '@context': CUSTOM, givenName: 'Asha' } as JsonObject;
    const a = createDocumentLoader({ contexts: { [CUSTOM]: { '@context': { givenName: 'https://schema.org/givenName' } } } });
    const b = createDocumentLoader({ contexts: { [CUSTOM]: { '@context': { givenName: 'https://evil.example/#name' } } } });
    for (let i = 0; i < 2; i++) {
      expect(await canonizeRdfc(doc, { loader: a })).toBe('_:c14n0 <https://schema.org/givenName> "Asha" .\n');
      expect(await canonizeRdfc(doc, { loader: b })).toBe('_:c14n0 <https://evil.example/#name> "Asha" .\n');
    }
  });
});

describe('strict and lax JSON-LD', () => {
  const withUndefinedTerm = credential({ credentialSubject: { id: 'did:example:abcdefgh', nickname: 'Ash' } });
  const strictCredential = { ...withUndefinedTerm, '@context': ['https://www.w3.org/ns/credentials/v2'] } as JsonObject;

  it('refuses an undefined term in safe mode (the default), naming it', async () => {
    const error = await rejection(canonizeRdfc(strictCredential, { loader: createDocumentLoader() }));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toBe('undefined JSON-LD term "nickname" (not in any @context)');
  });

  it('drops it with safe: false, as the library does', async () => {
    const loader = createDocumentLoader();
    const lax = await canonizeRdfc(strictCredential, { loader, safe: false });
    expect(lax).not.toContain('Ash');
    expect(lax).toBe(await libraryCanonize(strictCredential, loader, false));
    // ...and a strict call after a lax one of the same shape still refuses it.
    expect((await rejection(canonizeRdfc(strictCredential, { loader }))).code).toBe('MALFORMED');
  });

  it('refuses a relative type IRI in safe mode', async () => {
    const doc = {
      ...credential(),
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'Alumni'],
      credentialSubject: { id: 'did:example:abcdefgh' },
    } as JsonObject;
    const error = await rejection(canonizeRdfc(doc, { loader: createDocumentLoader() }));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toBe('JSON-LD safe mode: relative @type reference "Alumni"');
  });

  it('reports an unknown context with the loader message, without fetching', async () => {
    const doc = credential({ '@context': ['https://www.w3.org/ns/credentials/v2', 'https://example.org/unknown/v1'] });
    const error = await rejection(canonizeRdfc(doc, { loader: createDocumentLoader() }));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toBe('context not available offline: https://example.org/unknown/v1');
  });

  it('refuses an invalid context definition', async () => {
    const error = await rejection(
      canonizeRdfc({ '@context': { a: { '@id': 5 } }, a: 1 } as JsonObject, { loader: createDocumentLoader() }),
    );
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toMatch(/^invalid JSON-LD: /);
  });
});

describe('limits', () => {
  const loader = createDocumentLoader();
  const limited = (limits: CanonizeOptions['limits']): CanonizeOptions => ({ loader, limits });

  it('refuses a document loading more contexts than allowed, cached or not', async () => {
    const doc = credential({
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://www.w3.org/ns/credentials/examples/v2',
        'https://w3id.org/security/data-integrity/v2',
      ],
    });
    await canonizeRdfc(doc, { loader });
    const error = await rejection(canonizeRdfc(doc, limited({ maxContexts: 2 })));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toBe('JSON-LD document loads more than 2 contexts');
    const fresh = createDocumentLoader({ contexts: {} });
    expect((await rejection(canonizeRdfc(doc, { loader: fresh, limits: { maxContexts: 2 } }))).code).toBe('LIMIT_EXCEEDED');
  });

  it('refuses contexts naming contexts more than jsonld allows, and a cycle of them', async () => {
    const url = (i: number) => `https://ex.example/contexts/${i}`;
    const chain = Object.fromEntries(
      Array.from({ length: 14 }, (_, i) => [url(i), { '@context': i < 13 ? [url(i + 1)] : { '@vocab': 'https://ex.example/#' } }]),
    );
    const deep = await rejection(
      canonizeRdfc({ '@context': url(0), a: 'b' } as JsonObject, {
        loader: createDocumentLoader({ contexts: chain }),
        limits: { maxContexts: 100 },
      }),
    );
    expect(deep.code).toBe('LIMIT_EXCEEDED');
    expect(deep.message).toBe('JSON-LD contexts nest more than 10 URLs deep');
    const cycle = { [url(0)]: { '@context': [url(1)] }, [url(1)]: { '@context': [url(0)] } };
    const error = await rejection(
      canonizeRdfc({ '@context': url(0), a: 'b' } as JsonObject, { loader: createDocumentLoader({ contexts: cycle }) }),
    );
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toMatch(/^invalid JSON-LD: Cyclical @context URLs detected/);
  });

  it('refuses a document nested deeper than 100 levels', async () => {
    let deep: JsonObject = { 'https://ex.example/#p': 'leaf' };
    for (let i = 0; i < 120; i++) deep = { 'https://ex.example/#p': deep };
    const error = await rejection(canonizeRdfc(deep, { loader }));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toBe('JSON-LD document nests deeper than 100 levels');
  });

  it('refuses a dataset with more quads than allowed', async () => {
    const error = await rejection(canonizeRdfc(credential(), limited({ maxQuads: 5 })));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toBe('JSON-LD document makes more than 5 RDF statements');
  });

  it('stops when processing takes longer than allowed', async () => {
    const base = createDocumentLoader();
    const slow: DocumentLoader = async (url) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return base(url);
    };
    const error = await rejection(canonizeRdfc(credential(), { loader: slow, limits: { maxMilliseconds: 10 } }));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toBe('JSON-LD processing took longer than 10 ms');
  });

  it('gives up on a "poison" graph of indistinguishable blank nodes', async () => {
    const n = 8;
    const graph = Array.from({ length: n }, (_, i) => ({
      '@id': `_:n${i}`,
      p: Array.from({ length: n }, (_, j) => ({ '@id': `_:n${j}` })).filter((_, j) => j !== i),
    }));
    const doc = { '@context': { '@vocab': 'https://ex.example/#' }, '@graph': graph } as JsonObject;
    const error = await rejection(canonizeRdfc(doc, { loader }));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toMatch(/^RDF canonicalization gave up: Maximum deep iterations exceeded/);
  });

  it('refuses nonsensical limits', async () => {
    const error = await rejection(canonizeRdfc(credential(), limited({ maxQuads: 0 })));
    expect(error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('resolved contexts', () => {
  it('are kept per loader: a second document loads no context again (jsonld keeps none without a tag)', async () => {
    const base = createDocumentLoader();
    const urls: string[] = [];
    const counting: DocumentLoader = (url) => {
      urls.push(url);
      return base(url);
    };
    await canonizeRdfcUncached(credential(), { loader: counting });
    expect(urls.sort()).toEqual(['https://www.w3.org/ns/credentials/examples/v2', 'https://www.w3.org/ns/credentials/v2']);
    urls.length = 0;
    await canonizeRdfcUncached(credential({ id: 'urn:uuid:another' }), { loader: counting });
    expect(urls).toEqual([]);
    // jsonld.canonize with the same loader fetches them every time: its own cache skips
    // contexts a loader does not tag.
    await libraryCanonize(credential(), counting);
    await libraryCanonize(credential(), counting);
    expect(urls.length).toBe(4);
  });
});

describe('the uncached path', () => {
  it('is the same function without the shape cache', async () => {
    const loader = createDocumentLoader();
    const doc = credential();
    expect(await canonizeRdfcUncached(doc, { loader })).toBe(await libraryCanonize(doc, loader));
  });
});
