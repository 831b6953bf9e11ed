// Bitstring Status List encoding (https://www.w3.org/TR/vc-bitstring-status-list/):
// encodedList is the GZIP-compressed bitstring as Multibase base64url ('u' prefix).
// IETF Token Status List (draft-ietf-oauth-status-list): `lst` is the ZLIB-compressed
// byte array as plain base64url.
// A module of its own, imported as `@tradewind/core/status-list`, so that the GZIP code
// loads only where lists are encoded or decoded (the verifier loads it on first use).

import { Gunzip, gzipSync, Unzlib, zlibSync } from 'fflate';
import { base64urlDecode, base64urlEncode } from './base64url.js';
import { TradewindError } from './errors.js';
import { DEFAULT_STATUS_LIST_MAX_BYTES } from './status-list.js';

// Inflate at most this much compressed input per step, so a gzip bomb is stopped
// after a bounded amount of output (deflate expands at most ~1032:1).
const INPUT_CHUNK = 1024;

/**
 * The `encodedList` of a bitstring: GZIP, then Multibase base64url (`u` prefix).
 *
 * @example
 * ```ts
 * encodeStatusList(createStatusBitstring()).startsWith('uH4sI') // true
 * ```
 */
export function encodeStatusList(bits: Uint8Array): string {
  // mtime 0 keeps the output a function of the bits alone.
  return `u${base64urlEncode(gzipSync(bits, { level: 9, mtime: 0 }))}`;
}

/**
 * Decodes an `encodedList` to the bitstring bytes. Throws `MALFORMED` for anything that
 * is not a `u`-prefixed base64url GZIP stream and `LIMIT_EXCEEDED` when the
 * decompressed list would exceed `maxBytes` (a gzip bomb), before inflating further.
 *
 * @example
 * ```ts
 * const bits = decodeStatusList(credential.credentialSubject.encodedList);
 * const revoked = getStatusBit(bits, Number(entry.statusListIndex));
 * ```
 */
export function decodeStatusList(encodedList: string, options: { maxBytes?: number } = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_STATUS_LIST_MAX_BYTES;
  if (typeof encodedList !== 'string' || !encodedList.startsWith('u')) {
    throw new TradewindError('MALFORMED', 'encodedList must be a multibase base64url string (prefix "u")');
  }
  // base64 text is 4/3 of the bytes and gzip cannot shrink below ~1/1032: reject
  // text that could only decode to something larger than allowed, without decoding it.
  if (encodedList.length > 4 * Math.ceil(maxBytes / 3) + 64) {
    throw new TradewindError('LIMIT_EXCEEDED', `encodedList is longer than a ${maxBytes}-byte list can be`);
  }
  const compressed = base64urlDecode(encodedList.slice(1));
  if (!compressed || compressed.length < 18) throw new TradewindError('MALFORMED', 'encodedList is not base64url-encoded GZIP data');
  return inflateBounded(compressed, maxBytes, 'gzip', 'encodedList');
}

/**
 * The `lst` of a Token Status List: the status bytes ZLIB-compressed (RFC 1950), then
 * base64url without padding. Index 0 is in the least significant bits of byte 0.
 *
 * @example
 * ```ts
 * const lst = encodeTokenStatusList(new Uint8Array(32_768)); // 131,072 two-bit entries, all 0 (VALID)
 * ```
 */
export function encodeTokenStatusList(bytes: Uint8Array): string {
  return base64urlEncode(zlibSync(bytes, { level: 9 }));
}

/**
 * Decodes a Token Status List `lst` to its bytes. Throws `MALFORMED` for anything that
 * is not base64url ZLIB data and `LIMIT_EXCEEDED` when the list would decompress to
 * more than `maxBytes` (a zlib bomb), before inflating further.
 *
 * @example
 * ```ts
 * const bytes = decodeTokenStatusList(token.status_list.lst, { maxBytes: 2 * 1024 * 1024 });
 * ```
 */
export function decodeTokenStatusList(lst: string, options: { maxBytes?: number } = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_STATUS_LIST_MAX_BYTES;
  if (typeof lst !== 'string') throw new TradewindError('MALFORMED', 'lst must be a base64url string');
  if (lst.length > 4 * Math.ceil(maxBytes / 3) + 64) {
    throw new TradewindError('LIMIT_EXCEEDED', `lst is longer than a ${maxBytes}-byte list can be`);
  }
  const compressed = base64urlDecode(lst);
  // A ZLIB stream is at least a 2-byte header, an empty deflate block and a 4-byte checksum.
  if (!compressed || compressed.length < 8) throw new TradewindError('MALFORMED', 'lst is not base64url-encoded ZLIB data');
  return inflateBounded(compressed, maxBytes, 'zlib', 'lst');
}

/** Inflates step by step, stopping as soon as the output passes `maxBytes`. */
function inflateBounded(compressed: Uint8Array, maxBytes: number, format: 'gzip' | 'zlib', name: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let finished = false;
  const onData = (chunk: Uint8Array, final: boolean) => {
    total += chunk.length;
    if (total > maxBytes) throw new TradewindError('LIMIT_EXCEEDED', `status list decompresses to more than ${maxBytes} bytes`);
    chunks.push(chunk);
    if (final) finished = true;
  };
  const stream = format === 'gzip' ? new Gunzip(onData) : new Unzlib(onData);
  const kind = format === 'gzip' ? 'GZIP' : 'ZLIB';
  try {
    for (let offset = 0; offset < compressed.length; offset += INPUT_CHUNK) {
      const end = Math.min(offset + INPUT_CHUNK, compressed.length);
      stream.push(compressed.subarray(offset, end), end === compressed.length);
    }
  } catch (error) {
    if (error instanceof TradewindError) throw error;
    throw new TradewindError('MALFORMED', `${name} is not valid ${kind}: ${(error as Error).message}`, { cause: error });
  }
  if (!finished) throw new TradewindError('MALFORMED', `${name} ${kind} stream is truncated`);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
