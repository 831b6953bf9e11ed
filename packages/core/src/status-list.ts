// Bitstring Status List codec (https://www.w3.org/TR/vc-bitstring-status-list/).
// The list is a bitstring; index 0 is the most significant (left-most) bit of the
// first byte (§3.1 "the first index ... is the left-most bit"). encodedList is the
// GZIP-compressed bitstring as a Multibase base64url string ('u' prefix, no padding).

import { TradewindError } from './errors.js';

/** The spec's minimum list length in bits (16 KiB), which gives herd privacy. */
export const MIN_STATUS_LIST_LENGTH = 131_072;

/** Default limit on the decompressed size of an encodedList: 16 Mi entries. */
export const DEFAULT_STATUS_LIST_MAX_BYTES = 2 * 1024 * 1024;

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

function checkIndex(bits: Uint8Array, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= bits.length * 8) {
    throw new TradewindError('LIMIT_EXCEEDED', `status index ${index} is outside a list of ${bits.length * 8} entries`);
  }
}
