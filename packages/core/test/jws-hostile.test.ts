import { describe, expect, it } from 'vitest';
import { parseCompactJws } from '../src/index.js';

const seg = (text: string) => Buffer.from(text).toString('base64url');
const SIG = Buffer.alloc(64).toString('base64url');

describe('compact JWS headers from untrusted input', () => {
  it('refuses a header that names a member twice, whichever copy a reader keeps (MALFORMED)', () => {
    for (const header of [
      '{"alg":"none","alg":"EdDSA"}',
      '{"alg":"EdDSA","alg":"none"}',
      '{"alg":"EdDSA","kid":"did:key:a#a","kid":"did:key:b#b"}',
      '{"alg":"EdDSA","\\u0061lg":"none"}',
      '{"alg":"EdDSA","crit":["x"],"crit":[]}',
      '{"__proto__":1,"alg":"EdDSA","__proto__":2}',
    ]) {
      expect(() => parseCompactJws(`${seg(header)}.${seg('{}')}.${SIG}`), header).toThrow(
        expect.objectContaining({ code: 'MALFORMED', message: expect.stringMatching(/more than once/) }),
      );
    }
  });

  it('still reads headers whose strings and nested values hold colons, quotes and braces', () => {
    const header = { alg: 'EdDSA', kid: 'did:web:a.example:b#k:1', x: { a: ['}:{', '"'], b: { c: 1 } }, y: 'a\\":' };
    expect(parseCompactJws(`${seg(JSON.stringify(header))}.${seg('{}')}.${SIG}`).header).toEqual(header);
  });
});
