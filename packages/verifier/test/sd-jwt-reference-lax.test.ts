// Why the verifier processes disclosures itself: SD-JWTs that @sd-jwt/sd-jwt-vc 0.19.0
// (the reference library, whose verify rests on @sd-jwt/decode's unpacking) accepts,
// each against a rule of the SD-JWT specification, and that Tradewind refuses. The
// verifier README lists these cases; if a library upgrade starts refusing one, this test
// says the README needs its table updated.
import { createPublicKey, verify } from 'node:crypto';
import { digest } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { describe, expect, it } from 'vitest';
import { verifyCredential } from '../src/index.js';
import { didKey, NOW } from './helpers/producers.js';
import { craft, digestOf, disclosure, NOW_S } from './helpers/sd-jwt.js';

const b64u = (s: string) => Buffer.from(s).toString('base64url');
const issuer = didKey();
const base = { iss: issuer.did, vct: 'NationalIdCredential', iat: NOW_S };
const given = disclosure('given_name', 'Maria');
const element = disclosure('BB');
const proto = b64u('["salt","__proto__",{"admin":true}]');
const sdName = b64u('["salt","_sd",["x"]]');
const iss = b64u(`["salt","iss","${issuer.did}"]`);

const reference = new SDJwtVcInstance({
  verifier: async (data: string, signature: string) =>
    verify(
      null,
      Buffer.from(data),
      createPublicKey({ key: issuer.publicJwk as never, format: 'jwk' }),
      Buffer.from(signature, 'base64url'),
    ),
  hasher: (data: string | ArrayBuffer, alg?: string) => digest(data, alg),
  hashAlg: 'sha-256',
});

const CASES: Array<[what: string, payload: Record<string, unknown>, disclosures: string[], theirClaims?: Record<string, unknown>]> = [
  ['a digest twice in _sd', { ...base, _sd: [digestOf(given), digestOf(given)] }, [given]],
  ['the same disclosure presented twice', { ...base, _sd: [digestOf(given)] }, [given, given]],
  ['a disclosure the payload does not reference', { ...base, _sd: [] }, [given]],
  [
    'a disclosed name that overrides a plain claim',
    { ...base, given_name: 'Signed', _sd: [digestOf(given)] },
    [given],
    { given_name: 'Maria' },
  ],
  ['a claim named __proto__', { ...base, _sd: [digestOf(proto)] }, [proto]],
  ['a claim named _sd', { ...base, _sd: [digestOf(sdName)] }, [sdName], { _sd: ['x'] }],
  ['an array-element disclosure in _sd', { ...base, _sd: [digestOf(element)] }, [element]],
  ['an object-property disclosure as an array element', { ...base, list: [{ '...': digestOf(given) }] }, [given], { list: ['Maria'] }],
  ['a padded (non-canonical) disclosure', { ...base, _sd: [digestOf(`${given}=`)] }, [`${given}=`]],
  ['iss from a disclosure', { vct: 'NationalIdCredential', iat: NOW_S, _sd: [digestOf(iss)] }, [iss], { iss: issuer.did }],
  ['_sd that is not an array', { ...base, _sd: digestOf(given) }, [given]],
];

describe('SD-JWTs the reference library accepts and Tradewind refuses (DISCLOSURE_INVALID)', () => {
  for (const [what, payload, disclosures, theirClaims] of CASES) {
    it(what, async () => {
      const token = await craft(issuer, payload, disclosures);
      const theirs = await reference.verify(token);
      if (theirClaims) expect(theirs.payload).toMatchObject(theirClaims);
      const ours = await verifyCredential(token, { now: NOW });
      expect(ours.verified ? [] : ours.errors.map((e) => e.code)).toEqual(['DISCLOSURE_INVALID']);
    });
  }
});
