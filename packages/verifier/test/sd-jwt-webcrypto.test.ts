// SD-JWT VCs through the browser entry point (WebCrypto: asynchronous hashing and keys).
import { describe, expect, it } from 'vitest';
import * as web from '../src/index.browser.js';
import { didJwk, didKey, NOW } from './helpers/producers.js';
import { craft, digestOf, disclosure, issueSdJwt, NOW_S, presentSdJwt, withKb } from './helpers/sd-jwt.js';

const codes = (r: { verified: boolean; errors?: Array<{ code: string }> }) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));
const expected = { now: NOW, nonce: 'n-1', audience: 'https://age.example.lc' };

describe('SD-JWT VC with the WebCrypto backend', () => {
  it('verifies credentials and presentations (EdDSA and ES256, cnf.jwk and cnf.kid, sha-256 and sha-512)', async () => {
    for (const [issuer, holder, byKid, hashAlg] of [
      [didKey(), didKey('P-256'), false, 'sha-256'],
      [didKey('P-256'), didJwk(), true, 'sha-512'],
    ] as const) {
      const sdJwt = await issueSdJwt(issuer, { holder, byKid, hashAlg });
      const c = await web.verifyCredential(sdJwt, { now: NOW });
      expect(c.verified, JSON.stringify(c)).toBe(true);
      if (hashAlg !== 'sha-256') continue;
      const presented = await presentSdJwt(issuer, sdJwt, { age_over_18: true }, { holder, nonce: 'n-1', aud: 'https://age.example.lc' });
      const p = await web.verifyPresentation(presented, expected);
      expect(p.verified, JSON.stringify(p)).toBe(true);
      if (p.verified && p.format === 'dc+sd-jwt') {
        expect(p.credentials[0].disclosed).toEqual([{ path: '/age_over_18', name: 'age_over_18', value: true }]);
        expect(p.holder).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:/);
      }
    }
  });

  it('refuses a tampered disclosure, a foreign key binding and a wrong sd_hash', async () => {
    const issuer = didKey();
    const holder = didKey();
    const d = disclosure('age_over_18', true);
    const sdJwt = await craft(issuer, { iss: issuer.did, vct: 'X', iat: NOW_S, cnf: { jwk: holder.publicJwk }, _sd: [digestOf(d)] }, [d]);
    const other = disclosure('age_over_18', false);
    expect(codes(await web.verifyCredential(sdJwt.replace(d, other), { now: NOW }))).toEqual(['DISCLOSURE_INVALID']);
    const kb = { nonce: 'n-1', aud: 'https://age.example.lc' };
    expect(codes(await web.verifyPresentation(await withKb(sdJwt, didKey(), kb), expected))).toEqual(['HOLDER_BINDING']);
    expect(codes(await web.verifyPresentation(await withKb(sdJwt, holder, { ...kb, sd_hash: digestOf(`${sdJwt}x`) }), expected))).toEqual([
      'HOLDER_BINDING',
    ]);
    expect((await web.verifyPresentation(await withKb(sdJwt, holder, kb), expected)).verified).toBe(true);
  });
});
