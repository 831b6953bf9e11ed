import { isJsonObject, type JsonObject } from '@tradewind/core';
import { createDocumentLoader, type DocumentLoaderOptions } from './loader.js';

/** The base VCDM terms every VC context (1.1 and 2.0) maps to the same IRI. */
const VCDM_TERMS: Record<string, string> = {
  VerifiableCredential: 'https://www.w3.org/2018/credentials#VerifiableCredential',
  VerifiablePresentation: 'https://www.w3.org/2018/credentials#VerifiablePresentation',
  EnvelopedVerifiableCredential: 'https://www.w3.org/2018/credentials#EnvelopedVerifiableCredential',
  EnvelopedVerifiablePresentation: 'https://www.w3.org/2018/credentials#EnvelopedVerifiablePresentation',
};

/**
 * The fully expanded types (IRIs) of a W3C credential: its `type` values after its
 * `@context` is applied, as OpenID4VP 1.0's DCQL `type_values` compares them. A type no
 * context defines stays as it is (a relative IRI), as JSON-LD processing leaves it.
 * Contexts come from the bundled set plus `options` (never the network); when one is not
 * available offline, the base VCDM terms are expanded and every other type is kept as
 * written — equivalent unless that unavailable context itself defines the type.
 *
 * @example
 * ```ts
 * await expandedTypes({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'NationalIdCredential'] });
 * // ['https://www.w3.org/2018/credentials#VerifiableCredential', 'NationalIdCredential']
 * ```
 */
export async function expandedTypes(credential: JsonObject, options?: DocumentLoaderOptions): Promise<string[]> {
  const written = typesWritten(credential.type);
  if (written.length === 0) return [];
  const context = credential['@context'];
  // JSON-LD work only for a sane number of types; the verifier refuses larger arrays anyway.
  if (context !== undefined && written.length <= 64) {
    try {
      const { default: jsonld } = await import('jsonld');
      const loader = createDocumentLoader(options);
      const expanded = await jsonld.expand({ '@context': context, type: written } as never, {
        documentLoader: loader as never,
        base: null as never,
      });
      const node = (expanded as unknown[])[0];
      const types = isJsonObject(node) ? node['@type'] : undefined;
      if (Array.isArray(types) && types.every((t) => typeof t === 'string')) return types as string[];
    } catch {
      // A context not available offline, or one jsonld refuses: the fallback below.
    }
  }
  return written.map((t) => VCDM_TERMS[t] ?? t);
}

function typesWritten(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((t): t is string => typeof t === 'string');
  return [];
}
