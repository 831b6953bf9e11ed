// Base64url (RFC 4648 §5, no padding) for JOSE. Uses Buffer where the runtime has it
// (much faster in Node) and atob/btoa elsewhere, so the module stays browser-safe.

type BufferLike = {
  from(input: string, encoding: 'base64url'): Uint8Array;
  from(input: Uint8Array): { toString(encoding: 'base64url'): string };
};
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Decodes unpadded base64url; returns undefined for anything that is not its one
 * canonical encoding: characters outside the alphabet, padding, an impossible length,
 * or non-zero bits after the last whole byte (RFC 4648 §3.5). Lenient decoders map
 * several strings to the same bytes, so one signature could be stored under many
 * encodings; here every byte string has exactly one spelling.
 */
export function base64urlDecode(input: string): Uint8Array | undefined {
  const rest = input.length % 4;
  if (rest === 1 || !BASE64URL.test(input)) return undefined;
  // The last character carries 4 (rest 2) or 2 (rest 3) bits beyond the final byte.
  if (rest !== 0 && (ALPHABET.indexOf(input[input.length - 1] as string) & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  if (NodeBuffer) return NodeBuffer.from(input, 'base64url');
  const b64 = input.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Decodes standard padded base64 (RFC 4648 §4: `x5c` certificates, PEM bodies); returns
 * undefined for anything that is not its one canonical encoding.
 */
export function base64Decode(input: string): Uint8Array | undefined {
  if (input.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(input)) return undefined;
  return base64urlDecode(input.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
}

/** Encodes bytes as unpadded base64url. */
export function base64urlEncode(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes).toString('base64url');
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i] as number);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding; returns undefined for invalid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
