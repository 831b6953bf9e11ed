// Lexical checks for the value forms the data models name: URLs, language tags, dates,
// digests. Hand-written and precompiled: they run on every verification.

import { base58btc } from 'multiformats/bases/base58';
import { base64urlDecode } from '../base64url.js';
import { parseDateTimeStamp } from '../datetime.js';
import type { DigestAlgorithm } from './known-resources.js';

// RFC 3986 §3 absolute URI / RFC 3987 IRI: a scheme, ':', then only characters URIs allow
// (unreserved, reserved, '%' as a %XX escape) or, for IRIs, non-ASCII characters from U+00A0
// on that are not white space. Plain scans instead of one alternation per character.
// A scheme, the colon, and something after it ("urn:" alone names nothing).
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:[\s\S]/;
// The non-ASCII ranges leave out JavaScript's \s (U+00A0, U+1680, U+2000–U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000, U+FEFF): one class, one test per character.
const URL_FORBIDDEN =
  /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%\u00a1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ufefe\uff00-\uffff]/;
const URL_BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

// RFC 2397: data:[<mediatype>][;base64],<data>, mediatype = type/subtype *(;attribute=value),
// data = URL characters (ASCII only). The header (up to the first comma) is matched by a
// pattern; the data, which can be as long as the secured document, by a scan for one
// character it may not hold (a pattern over megabytes of data overflows the regex stack).
const TOKEN = "[A-Za-z0-9!#$&'*+.^_`|~-]+";
const DATA_URL_HEADER = new RegExp(
  `^data:(?:${TOKEN}/${TOKEN})?(?:;${TOKEN}=(?:[A-Za-z0-9!#$&'*+.^_\`|~-]|%[0-9A-Fa-f]{2})*)*(?:;base64)?$`,
);
const DATA_URL_FORBIDDEN = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;

// RFC 5646 §2.1 Language-Tag (well-formed, not checked against the registry).
const LANGUAGE_TAG = new RegExp(
  '^(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\\d{3}))?' +
    '(?:-(?:[a-z\\d]{5,8}|\\d[a-z\\d]{3}))*(?:-[a-wyz\\d](?:-[a-z\\d]{2,8})+)*(?:-x(?:-[a-z\\d]{1,8})+)?' +
    '|x(?:-[a-z\\d]{1,8})+' +
    '|en-gb-oed|i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)|sgn-(?:be-fr|be-nl|ch-de))$',
  'i',
);

// SRI §3.5 hash-expression with the digest length each algorithm produces (base64, '=' optional).
const SRI = /^(?:sha256-[A-Za-z0-9+/]{43}=?|sha384-[A-Za-z0-9+/]{64}|sha512-[A-Za-z0-9+/]{86}(?:==)?)(?:\?[\x21-\x7e]*)?$/;

// Bitstring Status List §2.1: statusListIndex is a decimal integer written as a string.
const STATUS_INDEX = /^(?:0|[1-9]\d*)$/;

// Multihash codes (multicodec table) of the digests a related resource can carry, with their lengths.
const MULTIHASH_LENGTHS: Record<number, number> = {
  18: 32, // sha2-256
  19: 64, // sha2-512
  32: 48, // sha2-384
  20: 64, // sha3-512
  21: 48, // sha3-384
  22: 32, // sha3-256
  45600: 32, // blake2b-256
  45632: 64, // blake2b-512
  30: 32, // blake3 (default length)
};

/** An absolute URI or IRI: `https://…`, `did:…`, `urn:uuid:…`. */
export function isUrl(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 65_536 &&
    URL_SCHEME.test(value) &&
    !URL_FORBIDDEN.test(value) &&
    !(value.includes('%') && URL_BAD_ESCAPE.test(value))
  );
}

export function isDataUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const comma = value.indexOf(',');
  if (comma < 0 || comma > 4096 || !DATA_URL_HEADER.test(value.slice(0, comma))) return false;
  const data = value.slice(comma + 1);
  return !DATA_URL_FORBIDDEN.test(data) && !(data.includes('%') && URL_BAD_ESCAPE.test(data));
}

export function isLanguageTag(value: string): boolean {
  return value.length <= 256 && LANGUAGE_TAG.test(value);
}

export function isSriDigest(value: string): boolean {
  // One or more hash-expressions separated by white space (SRI §3.5 integrity metadata).
  const parts = value.trim().split(/[ \t\n\f\r]+/);
  return value.length <= 4096 && parts.length > 0 && parts[0] !== '' && parts.every((p) => SRI.test(p));
}

export function isStatusIndex(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 32 && STATUS_INDEX.test(value);
}

// Multihash codes of the SHA-2 digests, whose values a known resource can be compared with.
const SHA2_CODES: Record<number, DigestAlgorithm> = { 18: 'sha2-256', 32: 'sha2-384', 19: 'sha2-512' };
// A bare digest (no multihash header), read by its length as the SHA-2 digest of that size:
// the form of VCDM 2.0's digestMultibase example ("base64-url-nopad-encoded SHA2-256").
const BARE_LENGTHS: Record<number, DigestAlgorithm> = { 32: 'sha2-256', 48: 'sha2-384', 64: 'sha2-512' };

/** A digestMultibase value, decoded; `algorithm` is set for the SHA-2 digests. */
export interface MultibaseDigest {
  digest: Uint8Array;
  algorithm: DigestAlgorithm | undefined;
}

/**
 * A multibase ('u' base64url or 'z' base58btc) digest: a multihash whose code is known and
 * whose length matches (Data Integrity §2.6), or a bare SHA-2 digest of 32, 48 or 64 bytes.
 */
export function decodeMultibaseDigest(value: string): MultibaseDigest | undefined {
  // The longest valid value, a 64-byte digest behind a 4-byte multihash header, is 94
  // characters in base58btc (92 in base64url), prefix included. Longer ones are refused before decoding:
  // base58 decoding takes time quadratic in the length (180 digests of 1,024 characters,
  // a 191 KB credential, took 300–630 ms).
  if (value.length < 2 || value.length > 100) return undefined;
  let bytes: Uint8Array | undefined;
  if (value[0] === 'u') bytes = base64urlDecode(value.slice(1));
  else if (value[0] === 'z') {
    try {
      bytes = base58btc.decode(value);
    } catch {
      return undefined;
    }
  }
  if (!bytes) return undefined;
  const bare = BARE_LENGTHS[bytes.length];
  if (bare) return { digest: bytes, algorithm: bare };
  let pos = 0;
  const varint = (): number => {
    let n = 0;
    for (let shift = 0; shift < 28 && pos < bytes.length; shift += 7) {
      const b = bytes[pos++] as number;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    return -1;
  };
  const code = varint();
  const length = varint();
  if (code < 0 || MULTIHASH_LENGTHS[code] !== length || bytes.length - pos !== length) return undefined;
  return { digest: bytes.subarray(pos), algorithm: SHA2_CODES[code] };
}

export function isMultibaseDigest(value: string): boolean {
  return decodeMultibaseDigest(value) !== undefined;
}

/**
 * Milliseconds of a data-model date, or undefined. `withoutOffset` also reads an XML Schema
 * dateTime that has no time zone (allowed by VCDM 1.1) as UTC, as VCDM 2.0 §5.8 asks.
 */
export function parseDataModelDate(value: string, withoutOffset: boolean): number | undefined {
  const ms = parseDateTimeStamp(value);
  if (ms !== undefined || !withoutOffset || value.length > 60 || /(?:Z|[+-]\d\d:\d\d)$/.test(value)) return ms;
  return parseDateTimeStamp(`${value}Z`);
}

/** RFC 6901 reference token: '~' as '~0', '/' as '~1'. */
export function escapePointer(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key;
}

/** A short description of a value for a message: quoted strings cut at 100 characters. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `a ${typeof value}`;
}
