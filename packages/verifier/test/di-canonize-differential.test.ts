// The shape cache of canonizeRdfc must never change a canonical form: a wrong reuse would
// let one credential's signature cover another's claims. These properties compare it with
// the same canonicalization without the cache, on pairs of generated documents of one shape
// whose strings differ, through hostile contexts: IRI-typed and @vocab-typed terms, @type
// aliases not called `type`, type-scoped and property-scoped contexts, @json, xsd:double,
// default and term languages, @direction, containers (@list, @language, @index, @id, @type),
// relative and compact IRIs, blank node ids and keyword-looking strings as values; and IRIs
// filled in as named nodes (distinct ids; values that are terms, compact IRIs under a prefix
// defined at the top or only in a type's scope, relative, with whitespace, `_:`, under @vocab
// and @base).
import { type JsonObject, TradewindError } from '@tradewind/core';
import fc from 'fast-check';
import jsonld from 'jsonld';
import { describe, expect, it, vi } from 'vitest';
import { canonizeRdfc, canonizeRdfcUncached, shapeOf } from '../src/di/canonize.js';
import { createDocumentLoader } from '../src/di/loader.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const XSD = 'http://www.w3.org/2001/XMLSchema#';
const CONTEXT_URL = 'https://ex.example/contexts/hostile/v1';

const hostile: JsonObject = {
  ex: 'https://ex.example/#',
  id: '@id',
  type: '@type',
  isA: '@type',
  lang: '@language',
  val: '@value',
  name: 'ex:name',
  child: 'ex:child',
  link: { '@id': 'ex:link', '@type': '@id' },
  kind: { '@id': 'ex:kind', '@type': '@vocab' },
  score: { '@id': 'ex:score', '@type': `${XSD}double` },
  day: { '@id': 'ex:day', '@type': `${XSD}date` },
  blob: { '@id': 'ex:blob', '@type': '@json' },
  label: { '@id': 'ex:label', '@language': 'en' },
  rtl: { '@id': 'ex:rtl', '@direction': 'rtl' },
  tags: { '@id': 'ex:tags', '@container': '@list' },
  byLang: { '@id': 'ex:byLang', '@container': '@language' },
  byIndex: { '@id': 'ex:byIndex', '@container': '@index' },
  byId: { '@id': 'ex:byId', '@container': '@id' },
  byType: { '@id': 'ex:byType', '@container': '@type' },
  // Thing defines the prefixes `sc` and `urn` in its own scope only.
  Thing: {
    '@id': 'ex:Thing',
    '@context': {
      name: { '@id': 'ex:thingName', '@type': '@id' },
      note: 'ex:note',
      sc: 'https://scoped.example/#',
      urn: 'https://urn.example/#',
    },
  },
  Other: { '@id': 'ex:Other', '@context': { label: { '@id': 'ex:otherLabel', '@type': '@vocab' } } },
  nested: { '@id': 'ex:nested', '@context': { name: { '@id': 'ex:nestedName', '@type': '@id' }, '@vocab': 'https://vocab.example/#' } },
};
const contexts: unknown[] = [
  hostile,
  [hostile, { '@vocab': 'https://vocab.example/#' }],
  [hostile, { '@language': 'fr' }],
  [hostile, { '@base': 'https://base.example/dir/' }],
  CONTEXT_URL,
  ['https://www.w3.org/ns/credentials/v2', { '@vocab': 'https://vocab.example/#' }],
  // Prefixes of IRI-looking values defined as terms, one of them at the top.
  [hostile, { did: 'https://did.example/#' }],
  [hostile, { '@vocab': 'https://vocab.example/#', '@base': 'https://base.example/dir/' }],
];
const keys = [
  'id',
  'type',
  'isA',
  'name',
  'child',
  'link',
  'kind',
  'score',
  'day',
  'blob',
  'label',
  'rtl',
  'tags',
  'byLang',
  'byIndex',
  'byId',
  'byType',
  'nested',
  'note',
  'undefinedTerm',
  'ex:raw',
  'https://abs.example/#p',
  '@id',
  '@type',
  '@index',
  'lang',
  'val',
  'credentialSubject',
  'issuer',
  'description',
];
const anyString = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('Thing', 'Other', 'Asha', 'Asha', '', 'ex:foo', 'https://a.example/x', 'rel/x', '#frag') },
  {
    weight: 3,
    arbitrary: fc.constantFrom('_:b0', '_:b1', '@type', '@id', '1.5', 'true', 'en', 'EN-us', ' x ', 'é', 'did:example:1', '2024-01-01'),
  },
  { weight: 3, arbitrary: fc.constantFrom(...hostileIris()) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

/** IRI-valued strings, distinct ones and those jsonld treats apart from an absolute IRI. */
function hostileIris(): string[] {
  return [
    // absolute, none of their prefixes defined anywhere (but urn, under Thing)
    'https://a.example/x',
    'https://b.example/y',
    'urn:uuid:0000-1',
    'urn:uuid:0000-2',
    'did:example:2',
    'HTTPS://c.example/',
    'mailto:a@b.example',
    'a+b.c-d:x',
    'tag:x,2024:y',
    // compact IRIs (prefix defined at the top, or only in Thing's scope), defined terms
    'ex:bar',
    'sc:x',
    'ex',
    'name',
    'link',
    'Other',
    'did',
    // relative, blank nodes, whitespace, jsonld's wider scheme characters, keywords
    'rel/y',
    '../up',
    '?q',
    '_:x',
    '_:',
    'https://a.example/x y',
    'https://a.example/\tx',
    'urn:a\nb',
    'urn:x ',
    ' urn:x',
    'a,b:x',
    'https://a.example/\u00a0x',
    '@vocab',
  ];
}

const SLOT = '\u0000slot';
type Skeleton = unknown;
const leaf = fc.oneof(
  { weight: 8, arbitrary: fc.constant(SLOT) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 1.5, true, false, null) },
);
const { node } = fc.letrec<{ node: Skeleton }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...keys), tie('node'), { maxKeys: 4 }),
    fc.record({ '@value': fc.constant(SLOT), '@language': fc.constantFrom('en', 'de') }, { requiredKeys: ['@value'] }),
    fc.record({ '@list': fc.array(leaf, { maxLength: 3 }) }),
  ),
}));
const anyShape = fc.record({
  context: fc.constantFrom(...contexts),
  body: fc.dictionary(fc.constantFrom(...keys), node, { minKeys: 1, maxKeys: 5 }),
});
// Credential-like documents: mostly plain literals around a few IRIs, the case the cache is for.
const literalKeys = ['name', 'label', 'note', 'description', 'day', 'tags', 'child', 'score', 'blob', 'kind', 'link', 'nested'];
const literalLeaf = fc.oneof({ weight: 12, arbitrary: fc.constant(SLOT) }, { weight: 1, arbitrary: fc.constantFrom(1, true, null) });
const { literalNode } = fc.letrec<{ literalNode: Skeleton }>((tie) => ({
  literalNode: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: literalLeaf },
    { weight: 1, arbitrary: fc.array(tie('literalNode'), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...literalKeys.slice(0, 6)), tie('literalNode'), { maxKeys: 3 }) },
    {
      weight: 1,
      arbitrary: fc.record({ '@value': fc.constant(SLOT), '@language': fc.constantFrom('en', 'de') }, { requiredKeys: ['@value'] }),
    },
  ),
}));
const credentialShape = fc.record({
  context: fc.constantFrom(...contexts.slice(1, 3), contexts[5]),
  body: fc
    .tuple(
      fc.constantFrom('Thing', 'Other', ['Thing', 'Other']),
      fc.dictionary(fc.constantFrom(...literalKeys), literalNode, { minKeys: 2, maxKeys: 6 }),
      fc.dictionary(fc.constantFrom(...literalKeys), literalNode, { maxKeys: 4 }),
    )
    .map(([type, top, sub]) => ({ id: 'https://ex.example/credentials/1', type, ...top, child: sub })),
});

// Credential-like documents whose ids and links are strings too: every document its own ids.
const iriKeys = ['id', 'link', 'kind', 'type', 'isA', 'name', 'byId'];
const iriShape = fc.record({
  context: fc.constantFrom(...contexts),
  body: fc
    .tuple(
      fc.constantFrom('Thing', 'Other', ['Thing', 'Other'], SLOT),
      fc.dictionary(fc.constantFrom(...iriKeys, ...literalKeys.slice(0, 2)), fc.constant(SLOT), { minKeys: 2, maxKeys: 5 }),
      fc.dictionary(fc.constantFrom(...iriKeys, ...literalKeys.slice(0, 2)), literalNode, { maxKeys: 4 }),
      fc.boolean(),
    )
    .map(([type, top, sub, twice]) => ({
      id: SLOT,
      type,
      ...top,
      child: twice
        ? [
            { id: SLOT, ...sub },
            { id: SLOT, byIndex: { a: { id: SLOT, name: SLOT } }, label: SLOT },
          ]
        : { id: SLOT, ...sub },
    })),
});
const iriStrings = fc.oneof(
  { weight: 4, arbitrary: fc.nat(50).map((n) => `urn:uuid:${n}`) },
  { weight: 4, arbitrary: fc.nat(50).map((n) => `did:example:${n}`) },
  { weight: 4, arbitrary: fc.nat(50).map((n) => `https://id.example/${n}`) },
  { weight: 1, arbitrary: fc.constantFrom(...hostileIris()) },
  { weight: 1, arbitrary: fc.constantFrom('Asha', 'Thing', '') },
);

// What another credential of the issuer changes: mostly ids of one scheme.
const iriChanges = fc.oneof(
  { weight: 6, arbitrary: fc.nat(50).map((n) => `did:example:${n}`) },
  { weight: 2, arbitrary: fc.nat(50).map((n) => `https://id.example/${n}`) },
  { weight: 1, arbitrary: iriStrings },
);

function slots(value: Skeleton): number {
  if (value === SLOT) return 1;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + slots(v), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + slots(v), 0);
  return 0;
}

function fill(value: Skeleton, values: string[]): unknown {
  if (value === SLOT) return values.shift();
  if (Array.isArray(value)) return value.map((v) => fill(v, values));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fill(v, values);
    return out;
  }
  return value;
}

const documentsOf = (skeleton: typeof anyShape, strings = anyString, changes = strings) =>
  skeleton.chain(({ context, body }) => {
    const n = slots(body);
    // Three documents: one set of strings, and two variants of it that change one or two.
    const variant = fc.array(fc.tuple(fc.nat(Math.max(0, n - 1)), changes), { minLength: 1, maxLength: 2 });
    const apply = (base: string[], changes: [number, string][]) => {
      const values = [...base];
      for (const [i, s] of changes) if (i < n) values[i] = s;
      return values;
    };
    return fc.tuple(fc.array(strings, { minLength: n, maxLength: n }), variant, variant, fc.boolean()).map(([base, v1, v2, safe]) => ({
      safe,
      docs: [base, apply(base, v1), apply(base, v2)].map(
        (values) => ({ '@context': context, ...(fill(body, values) as object) }) as JsonObject,
      ),
    }));
  });

type Outcome = { nquads: string } | { code: string; message: string };
async function outcome(run: () => Promise<string>): Promise<Outcome> {
  try {
    return { nquads: await run() };
  } catch (e) {
    if (!(e instanceof TradewindError)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe('canonizeRdfc with and without the shape cache', () => {
  it.each([
    ['any shape', anyShape, anyString, anyString, 30],
    ['credential-like', credentialShape, anyString, anyString, 6],
    // Hostile IRIs (terms, compact, relative, with spaces) keep a slot in the key, so fewer
    // documents here share a dataset: about one in eight.
    ['IRI-valued', iriShape as typeof anyShape, iriStrings, iriChanges, 12],
  ] as const)(
    'gives the same canonical form (or the same error) for every document of a shape, in any order (%s)',
    async (_, shapes, strings, changes, share) => {
      const documents = documentsOf(shapes, strings, changes);
      const toRDF = vi.spyOn(jsonld, 'toRDF');
      let filledIn = 0;
      let documentsSeen = 0;
      await fc.assert(
        fc.asyncProperty(documents, async ({ docs, safe }) => {
          // A loader per case: nothing learnt from an earlier case can help or hide a mistake.
          const loader = createDocumentLoader({ contexts: { [CONTEXT_URL]: { '@context': hostile } } });
          const seen = new Set<string>();
          for (const doc of [...docs, ...docs.slice().reverse()]) {
            const text = JSON.stringify(doc);
            const calls = toRDF.mock.calls.length;
            const cached = await outcome(() => canonizeRdfc(doc, { loader, safe }));
            // A document not seen before, made without jsonld: another one's dataset, filled in.
            if (!seen.has(text) && toRDF.mock.calls.length === calls) filledIn++;
            if (!seen.has(text)) documentsSeen++;
            seen.add(text);
            const plain = await outcome(() => canonizeRdfcUncached(doc, { loader, safe }));
            expect(cached).toEqual(plain);
          }
        }),
        { numRuns: RUNS },
      );
      toRDF.mockRestore();
      // The property says little unless many documents were answered from another's dataset.
      expect(filledIn).toBeGreaterThan(documentsSeen / share);
    },
  );

  it('fills in only plain literals: a string that a type-scoped context turns into an IRI is never a placeholder', async () => {
    const loader = createDocumentLoader();
    const doc = (type: string, name: string) => ({ '@context': hostile, id: 'https://ex.example/1', type, name }) as JsonObject;
    // Under Other, `name` is a plain literal; under Thing it is an IRI.
    for (const [type, name] of [
      ['Other', 'Asha'],
      ['Other', 'https://evil.example/x'],
      ['Thing', 'https://evil.example/x'],
      ['Thing', 'https://good.example/y'],
      ['Other', 'Zed'],
    ] as const) {
      expect(await canonizeRdfc(doc(type, name), { loader })).toBe(await canonizeRdfcUncached(doc(type, name), { loader }));
    }
  });

  it('fills in IRIs: documents of one shape, each with its own ids, are made from one dataset', async () => {
    const loader = createDocumentLoader();
    const toRDF = vi.spyOn(jsonld, 'toRDF');
    const doc = (i: number) =>
      ({
        '@context': hostile,
        id: `tag:ex.example,2026:${i}`,
        type: 'Other',
        link: `did:example:${i}`,
        child: { id: `https://id.example/${i}`, name: `Asha ${i}`, kind: `https://kind.example/${i}` },
      }) as JsonObject;
    const cached: string[] = [];
    for (let i = 0; i < 20; i++) cached.push(await canonizeRdfc(doc(i), { loader }));
    const calls = toRDF.mock.calls.length;
    toRDF.mockRestore();
    expect(calls).toBeLessThanOrEqual(2);
    for (let i = 0; i < 20; i++) expect(cached[i]).toBe(await canonizeRdfcUncached(doc(i), { loader }));
    expect(new Set(cached).size).toBe(20);
  });

  it('processes in full a document whose filled-in IRIs would name one node twice', async () => {
    const loader = createDocumentLoader();
    const doc = (a: string, b: string, c: string) =>
      ({
        '@context': hostile,
        id: 'https://ex.example/1',
        byIndex: { x: { id: a, name: 'n1' }, y: { id: b, note: 'n2' } },
        link: c,
      }) as JsonObject;
    for (const [a, b, c] of [
      ['urn:a', 'urn:b', 'urn:c'],
      ['urn:d', 'urn:e', 'urn:f'],
      // one node under two @index values: jsonld refuses it (conflicting indexes)
      ['urn:g', 'urn:g', 'urn:h'],
      // a node that is also a link, and the document itself
      ['urn:i', 'urn:j', 'urn:i'],
      ['https://ex.example/1', 'urn:k', 'urn:l'],
      ['urn:m', 'urn:n', 'urn:o'],
    ]) {
      const cached = await outcome(() => canonizeRdfc(doc(a as string, b as string, c as string), { loader }));
      expect(cached).toEqual(await outcome(() => canonizeRdfcUncached(doc(a as string, b as string, c as string), { loader })));
    }
  });

  it('never fills in an xsd:double or @json value, which jsonld rewrites', async () => {
    const loader = createDocumentLoader();
    for (const score of ['1.5', '2', '1e3', 'x']) {
      const doc = { '@context': hostile, id: 'https://ex.example/1', score, blob: score } as JsonObject;
      expect(await canonizeRdfc(doc, { loader })).toBe(await canonizeRdfcUncached(doc, { loader }));
    }
  });

  it('tells numbers, booleans, null and strings apart in the shape', () => {
    const shape = (v: unknown) => shapeOf({ '@context': hostile, name: v } as JsonObject)?.key;
    const all = [1, -0, 0, '1', true, null, [1], ['1'], { '@id': 'a' }, { '@id': 'b' }].map(shape);
    expect(new Set(all).size).toBe(all.length);
    expect(shapeOf({ a: Number.NaN } as unknown as JsonObject)).toBeUndefined();
    expect(shapeOf({ '@context': { a: undefined } } as unknown as JsonObject)).toBeUndefined();
  });
});
