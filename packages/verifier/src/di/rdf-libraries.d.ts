// The parts of `jsonld` 9 and `rdf-canonize` 5 the Data Integrity path uses (neither ships types).

declare module 'jsonld' {
  const jsonld: {
    toRDF(input: object, options: Record<string, unknown>): Promise<unknown>;
    expand(input: object, options: Record<string, unknown>): Promise<unknown>;
    canonize(input: object, options: Record<string, unknown>): Promise<string>;
  };
  export default jsonld;
}

declare module 'jsonld/lib/ContextResolver.js' {
  export default class ContextResolver {
    constructor(options: { sharedCache: { get(key: string): unknown; set(key: string, value: unknown): unknown } });
  }
}

declare module 'rdf-canonize' {
  export function canonize(dataset: unknown, options: Record<string, unknown>): Promise<string>;
}
