import { TradewindError } from '@tradewind/core';
import canonicalize from 'canonicalize';

/**
 * RFC 8785 JSON Canonicalization Scheme text of a JSON value (the `canonicalize` package).
 * A value JCS cannot represent (NaN, Infinity, a lone surrogate, a cycle) is MALFORMED.
 */
export function jcs(value: unknown, path = ''): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (e) {
    throw new TradewindError('MALFORMED', `cannot canonicalise as JSON (RFC 8785): ${(e as Error).message}`, { path });
  }
  if (text === undefined) throw new TradewindError('MALFORMED', 'cannot canonicalise as JSON (RFC 8785): no JSON value', { path });
  return text;
}
