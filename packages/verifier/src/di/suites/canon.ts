// Until RDFC canonicalisation lands in di/canonize.ts: the same signature, over `jsonld` 9 directly.
import type { JsonObject } from '@tradewind/core';
import { TradewindError } from '@tradewind/core';
import type { DocumentLoader } from '../loader.js';

export type { DocumentLoader } from '../loader.js';
export interface CanonizeOptions {
  loader: DocumentLoader;
  safe?: boolean;
  limits?: { maxContexts?: number; maxQuads?: number; maxMilliseconds?: number };
}

const JSONLD = 'jsonld';
export async function canonizeRdfc(document: JsonObject, options: CanonizeOptions): Promise<string> {
  const jsonld = ((await import(JSONLD)) as { default: { canonize(d: unknown, o: unknown): Promise<string> } }).default;
  try {
    return await jsonld.canonize(document, {
      algorithm: 'RDFC-1.0',
      format: 'application/n-quads',
      base: null,
      safe: options.safe !== false,
      documentLoader: options.loader,
    });
  } catch (e) {
    throw new TradewindError('MALFORMED', `JSON-LD: ${(e as Error).message}`);
  }
}
