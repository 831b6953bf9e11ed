// The Token Status List codec (draft-ietf-oauth-status-list §4.1): `lst` is the status
// bytes ZLIB-deflated, then base64url; decoding is bounded like the Bitstring codec's.
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TradewindError } from '../src/index.js';
import { decodeTokenStatusList, encodeTokenStatusList } from '../src/status-list-codec.js';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'decoded';
  } catch (e) {
    if (e instanceof TradewindError) return e.code;
    throw e;
  }
}

describe('Token Status List codec', () => {
  it('round-trips bytes, and reads ZLIB written by node:zlib', () => {
    const bytes = new Uint8Array(32_768);
    bytes[0] = 0b1001; // index 0 = 1, index 1 = 2 at two bits per status
    bytes[32_767] = 0xff;
    expect(decodeTokenStatusList(encodeTokenStatusList(bytes))).toEqual(bytes);
    expect(decodeTokenStatusList(deflateSync(bytes).toString('base64url'))).toEqual(bytes);
  });

  it('reads the example of draft-ietf-oauth-status-list (1-bit statuses)', () => {
    // §4.1: status[0]=1, [1]=0, [2]=0, [3]=1, [4]=1, [5]=1, [6]=0, [7]=1, [8]=1, [9]=1,
    // [10]=0, [11]=0, [12]=0, [13]=1, [14]=0, [15]=1 -> bytes 0xB9 0xA3.
    expect([...decodeTokenStatusList('eNrbuRgAAhcBXQ')]).toEqual([0xb9, 0xa3]);
  });

  it('refuses what is not base64url ZLIB (MALFORMED)', () => {
    const bytes = new Uint8Array(1024);
    for (const lst of [
      '',
      'not base64url!',
      `u${encodeTokenStatusList(bytes)}`, // multibase prefix: a Bitstring list
      gzipSync(bytes).toString('base64url'), // GZIP, not ZLIB
      encodeTokenStatusList(bytes).slice(0, 12), // truncated
      Buffer.from('just some text here').toString('base64url'),
      42 as unknown as string,
    ]) {
      expect(
        codeOf(() => decodeTokenStatusList(lst)),
        String(lst).slice(0, 40),
      ).toBe('MALFORMED');
    }
  });

  it('stops inflating past maxBytes (LIMIT_EXCEEDED), and takes exactly maxBytes', () => {
    const lst = encodeTokenStatusList(new Uint8Array(4 * 1024 * 1024));
    expect(codeOf(() => decodeTokenStatusList(lst, { maxBytes: 1024 * 1024 }))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => decodeTokenStatusList(lst, { maxBytes: 4 * 1024 * 1024 }))).toBe('decoded');
    // Text longer than any list of maxBytes could be is refused without decoding.
    expect(codeOf(() => decodeTokenStatusList('A'.repeat(2000), { maxBytes: 1000 }))).toBe('LIMIT_EXCEEDED');
  });
});
