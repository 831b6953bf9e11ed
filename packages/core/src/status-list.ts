// Bitstring Status List codec (https://www.w3.org/TR/vc-bitstring-status-list/).
// The list is a bitstring; index 0 is the most significant (left-most) bit of the
// first byte (§3.1 "the first index ... is the left-most bit"). encodedList is the
// GZIP-compressed bitstring as a Multibase base64url string ('u' prefix, no padding).

import { Gunzip, gzipSync } from 'fflate';
import { base64urlDecode, base64urlEncode } from './base64url.js';
import { TradewindError } from './errors.js';

/** The spec's minimum list length in bits (16 KiB), which gives herd privacy. */
export const MIN_STATUS_LIST_LENGTH = 131_072;

/** Default limit on the decompressed size of an encodedList: 16 Mi entries. */
export const DEFAULT_STATUS_LIST_MAX_BYTES = 2 * 1024 * 1024;

// Inflate at most this much compressed input per step, so a gzip bomb is stopped
// after a bounded amount of output (deflate expands at most ~1032:1).
const INPUT_CHUNK = 1024;

/**
 * A zeroed bitstring of `length` bits (a multiple of 8, at least the spec's minimum).
 *
 * @example
 * ```ts
 * const bits = createStatusBitstring(); // 131,072 entries, all 0
 * setStatusBit(bits, 94567, true);
 * const encodedList = encodeStatusList(bits);
 * ```
 */
export function createStatusBitstring(length: number = MIN_STATUS_LIST_LENGTH): Uint8Array {
  if (!Number.isSafeInteger(length) || length < MIN_STATUS_LIST_LENGTH || length % 8 !== 0) {
    throw new TradewindError('INVALID_ARGUMENT', `a status list has a multiple of 8 entries, at least ${MIN_STATUS_LIST_LENGTH}`);
  }
  return new Uint8Array(length / 8);
}

/** The bit at `index` (bit 0 = most significant bit of byte 0). Throws `LIMIT_EXCEEDED` past the end. */
export function getStatusBit(bits: Uint8Array, index: number): boolean {
  checkIndex(bits, index);
  return (((bits[index >> 3] as number) >> (7 - (index & 7))) & 1) === 1;
}

/** Sets or clears the bit at `index` in place. */
export function setStatusBit(bits: Uint8Array, index: number, value: boolean): void {
  checkIndex(bits, index);
  const mask = 1 << (7 - (index & 7));
  const byte = bits[index >> 3] as number;
  bits[index >> 3] = value ? byte | mask : byte & ~mask;
}

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
  const chunks: Uint8Array[] = [];
  let total = 0;
  let finished = false;
  const gunzip = new Gunzip((chunk, final) => {
    total += chunk.length;
    if (total > maxBytes) throw new TradewindError('LIMIT_EXCEEDED', `status list decompresses to more than ${maxBytes} bytes`);
    chunks.push(chunk);
    if (final) finished = true;
  });
  try {
    for (let offset = 0; offset < compressed.length; offset += INPUT_CHUNK) {
      const end = Math.min(offset + INPUT_CHUNK, compressed.length);
      gunzip.push(compressed.subarray(offset, end), end === compressed.length);
    }
  } catch (error) {
    if (error instanceof TradewindError) throw error;
    throw new TradewindError('MALFORMED', `encodedList is not valid GZIP: ${(error as Error).message}`, { cause: error });
  }
  if (!finished) throw new TradewindError('MALFORMED', 'encodedList GZIP stream is truncated');
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function checkIndex(bits: Uint8Array, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= bits.length * 8) {
    throw new TradewindError('LIMIT_EXCEEDED', `status index ${index} is outside a list of ${bits.length * 8} entries`);
  }
}
