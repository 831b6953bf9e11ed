// SD-JWT VC interop with @sd-jwt/sd-jwt-vc (an independent producer and verifier), in
// both directions, for EdDSA and ES256 issuers and holders:
// - @sd-jwt/sd-jwt-vc issues → the Tradewind wallet receives and presents chosen claims →
//   the Tradewind verifier and @sd-jwt/sd-jwt-vc both verify the presentation;
// - the Tradewind issuer issues → @sd-jwt/sd-jwt-vc presents with the holder's key →
//   the Tradewind verifier verifies;
// - the Tradewind issuer issues → the Tradewind wallet presents → @sd-jwt/sd-jwt-vc
//   verifies with the key binding required (nonce; audience read from its result).
// Real SQLite files, real signatures; issuer DIDs are did:key and did:jwk, which the
// verifier resolves offline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DidKeyResolver } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier, type VerifiedSdJwtCredential, type VerifiedSdJwtPresentation } from '@tradewind/verifier';
import { openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALGS,
  type Alg,
  codes,
  didJwk,
  didKeyFor,
  disclosuresOf,
  expectedDisclosures,
  holderJwk,
  NATIONAL_ID,
  NATIONAL_ID_FRAME,
  publicJwk,
  sdJwtLibrary,
  type TestKey,
  unb64json,
} from './helpers.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const NONCE = 'interop-nonce-7d1c';
const AUDIENCE = 'https://bank.example.bb';
const BASE = 'https://registry.gov.tt/status';

let dir: string;
let wallet: Wallet;
const issuers = new Map<string, { issuer: Issuer; did: string }>();
const verifier = createVerifier();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-sd-jwt-interop-'));
  wallet = await openWallet({ path: join(dir, 'wallet.db'), secret: 'w', kdf });
  for (const alg of ALGS) {
    for (const method of ['key', 'jwk'] as const) {
      const issuer = await openIssuer({ path: join(dir, `issuer-${alg}-${method}.db`), secret: 'i', kdf, statusListBaseUrl: BASE });
      const { did } = await issuer.createDid({ method, keyType: alg === 'EdDSA' ? 'Ed25519' : 'P-256' });
      issuers.set(`${alg}/${method}`, { issuer, did });
    }
  }
});
afterAll(async () => {
  await wallet.close();
  for (const { issuer } of issuers.values()) await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The issuer's public key, as its DID document gives it: what @sd-jwt/sd-jwt-vc verifies with. */
async function issuerJwk(did: string): Promise<JsonWebKey> {
  const [key] = await new DidKeyResolver().keysFor(did, 'assertionMethod');
  return key?.jwk as JsonWebKey;
}

/** Verifies `presentation` with @sd-jwt/sd-jwt-vc, key binding required, and checks its audience. */
async function theirVerify(presentation: string, issuerKey: { alg: Alg; publicJwk: JsonWebKey }) {
  const library = sdJwtLibrary({ issuer: issuerKey });
  const result = await library.verify(presentation, { keyBindingNonce: NONCE });
  expect(result.kb?.payload).toMatchObject({ nonce: NONCE, aud: AUDIENCE });
  return result;
}

describe('@sd-jwt/sd-jwt-vc issues, the Tradewind wallet presents, both verifiers verify', () => {
  for (const issuerAlg of ALGS) {
    for (const holderAlg of ALGS) {
      it(`issuer ${issuerAlg} (did:key), holder ${holderAlg} (cnf.jwk)`, async () => {
        const issuer = didKeyFor(issuerAlg);
        const holder = await wallet.createDid({ method: 'key', keyType: holderAlg === 'EdDSA' ? 'Ed25519' : 'P-256' });
        const jwk = await holderJwk(holder.did);
        const library = sdJwtLibrary({ issuer: { alg: issuerAlg, privateKey: issuer.privateKey, publicJwk: publicJwk(issuer) } });
        const iat = Math.floor(Date.now() / 1000) - 60;
        const issued = await library.issue(
          { iss: issuer.did, iat, exp: iat + 86_400 * 365, vct: 'NationalIdCredential', cnf: { jwk }, ...NATIONAL_ID, age_over_18: true },
          NATIONAL_ID_FRAME,
          { header: { kid: issuer.kid } },
        );
        expect(unb64json(issued.split('.')[0] as string)).toMatchObject({ typ: 'dc+sd-jwt', alg: issuerAlg, kid: issuer.kid });

        const received = await wallet.receive(issued);
        expect(received.credential.format).toBe('dc+sd-jwt');
        const id = received.credential.id;
        const disclosable = (await wallet.disclosableClaims(id)).map((c) => c.path);
        expect(disclosable).toEqual(expect.arrayContaining(['/given_name', '/nationality', '/address/locality', '/age_over_18']));

        const shown = await wallet.presentSdJwt({
          credential: id,
          disclose: ['nationality', 'address.locality'],
          nonce: NONCE,
          audience: AUDIENCE,
        });
        // Ours: exactly the chosen claims (and the address object the locality sits in).
        const ours = (await verifier.verifyPresentation(shown.presentation, {
          nonce: NONCE,
          audience: AUDIENCE,
        })) as VerifiedSdJwtPresentation;
        expect(codes(ours)).toEqual([]);
        const claims = ours.credentials[0].claims;
        expect(claims).toMatchObject({
          iss: issuer.did,
          vct: 'NationalIdCredential',
          nationality: 'TT',
          address: { locality: 'Port of Spain' },
        });
        for (const hidden of ['given_name', 'family_name', 'birthdate', 'place_of_birth', 'age_over_18'])
          expect(claims).not.toHaveProperty(hidden);
        expect(claims.address).toEqual({ locality: 'Port of Spain' });
        expect(ours.credentials[0].disclosed.map((d) => d.path).sort()).toEqual(['/address', '/address/locality', '/nationality']);
        expect(ours.holder).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:/);
        expect(shown.withheld.map((w) => w.path)).toEqual(expect.arrayContaining(['/given_name', '/birthdate', '/address/street_address']));

        // Theirs: the same presentation, the key binding required.
        const theirs = await theirVerify(shown.presentation, { alg: issuerAlg, publicJwk: publicJwk(issuer) });
        expect(theirs.payload).toMatchObject({ nationality: 'TT', address: { locality: 'Port of Spain' } });
        expect(theirs.payload).not.toHaveProperty('given_name');
        expect(theirs.kb?.header).toMatchObject({ typ: 'kb+jwt', alg: holderAlg });
      });
    }
  }
});

describe('the Tradewind issuer issues, @sd-jwt/sd-jwt-vc presents, the Tradewind verifier verifies', () => {
  for (const issuerAlg of ALGS) {
    for (const method of ['key', 'jwk'] as const) {
      for (const holderAlg of ALGS) {
        it(`issuer ${issuerAlg} (did:${method}), holder ${holderAlg} (cnf.jwk)`, async () => {
          const { issuer, did } = issuers.get(`${issuerAlg}/${method}`) as { issuer: Issuer; did: string };
          const holder: TestKey = holderAlg === 'EdDSA' ? didJwk() : didKeyFor('ES256');
          const issued = await issuer.issue({
            format: 'dc+sd-jwt',
            type: 'NationalIdCredential',
            credentialSubject: { ...NATIONAL_ID },
            holderKey: publicJwk(holder) as Record<string, string>,
            status: [],
          });
          expect(issued.format).toBe('dc+sd-jwt');
          const header = unb64json(issued.jwt.split('.')[0] as string);
          expect(header).toMatchObject({ typ: 'dc+sd-jwt', alg: issuerAlg });
          expect(String(header.kid).startsWith(`${did}#`)).toBe(true);

          // @sd-jwt/sd-jwt-vc reads our issuance (issuer key from the DID document) …
          const library = sdJwtLibrary({
            issuer: { alg: issuerAlg, publicJwk: await issuerJwk(did) },
            holder: { alg: holderAlg, privateKey: holder.privateKey },
          });
          const read = await library.verify(issued.jwt);
          expect(read.payload).toMatchObject({ iss: did, vct: 'NationalIdCredential', given_name: 'Asha', age_over_18: true });
          // … and presents two claims with a key-binding JWT the holder's key signs.
          const presentation = await library.present(
            issued.jwt,
            { given_name: true, age_over_18: true },
            { kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: AUDIENCE, nonce: NONCE } } },
          );
          expect(disclosuresOf(presentation)).toHaveLength(2);

          const r = await verifier.verifyPresentation(presentation, { nonce: NONCE, audience: AUDIENCE });
          expect(codes(r)).toEqual([]);
          const credential = (r as VerifiedSdJwtPresentation).credentials[0];
          expect(credential.issuer).toBe(did);
          expect(credential.keyId).toBe(header.kid);
          expect(credential.vct).toBe('NationalIdCredential');
          expect(Object.keys(credential.claims).sort()).toEqual(['age_over_18', 'cnf', 'given_name', 'iat', 'iss', 'vct'].sort());
          expect(credential.claims).toMatchObject({ given_name: 'Asha', age_over_18: true });
          expect(credential.holderKey?.jwk).toMatchObject(publicJwk(holder));
          const expected = expectedDisclosures(unb64json(issued.jwt.split('.')[1] as string), disclosuresOf(presentation));
          expect(credential.disclosed.map((d) => d.path)).toEqual(expected.paths);
          expect(credential.undisclosed).toBe(expected.undisclosed);

          // The wrong nonce is still caught on this path.
          expect(codes(await verifier.verifyPresentation(presentation, { nonce: 'other', audience: AUDIENCE }))).toEqual([
            'NONCE_MISMATCH',
          ]);
        });
      }
    }
  }
});

describe('the Tradewind issuer issues, the Tradewind wallet presents, @sd-jwt/sd-jwt-vc verifies', () => {
  for (const issuerAlg of ALGS) {
    for (const holderAlg of ALGS) {
      for (const binding of ['jwk', 'kid'] as const) {
        it(`issuer ${issuerAlg} (did:key), holder ${holderAlg} (did:jwk, cnf.${binding})`, async () => {
          const { issuer, did } = issuers.get(`${issuerAlg}/key`) as { issuer: Issuer; did: string };
          const holder = await wallet.createDid({ method: 'jwk', keyType: holderAlg === 'EdDSA' ? 'Ed25519' : 'P-256' });
          const issued = await issuer.issue({
            format: 'dc+sd-jwt',
            type: 'NationalIdCredential',
            credentialSubject: { id: holder.did, ...NATIONAL_ID },
            holderBinding: binding,
            status: [],
          });
          const cnf = unb64json(issued.jwt.split('.')[1] as string).cnf as { jwk?: JsonWebKey; kid?: string };
          if (binding === 'kid') expect(cnf.kid?.startsWith(`${holder.did}#`)).toBe(true);
          else expect(cnf.jwk).toMatchObject(await holderJwk(holder.did));

          const { credential } = await wallet.receive(issued.jwt);
          const shown = await wallet.presentSdJwt({
            credential: credential.id,
            disclose: ['/nationality'],
            nonce: NONCE,
            audience: AUDIENCE,
          });
          const kbHeader = unb64json(shown.presentation.slice(shown.presentation.lastIndexOf('~') + 1).split('.')[0] as string);
          expect(kbHeader).toMatchObject({ typ: 'kb+jwt', alg: holderAlg });

          const ours = await verifier.verifyPresentation(shown.presentation, { nonce: NONCE, audience: AUDIENCE });
          expect(codes(ours)).toEqual([]);
          expect((ours as VerifiedSdJwtPresentation).holder).toEqual(
            binding === 'kid' ? cnf.kid : expect.stringMatching(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:/),
          );

          if (binding === 'jwk') {
            // @sd-jwt/sd-jwt-vc takes the holder key from cnf.jwk only.
            const theirs = await theirVerify(shown.presentation, { alg: issuerAlg, publicJwk: await issuerJwk(did) });
            expect(theirs.payload).toMatchObject({ iss: did, nationality: 'TT' });
            expect(theirs.payload).not.toHaveProperty('given_name');
          } else {
            // With cnf.kid its KB verifier is ours to give: the holder's key from the DID URL.
            const library = sdJwtLibrary({
              issuer: { alg: issuerAlg, publicJwk: await issuerJwk(did) },
              holderKey: await holderJwk(holder.did),
            });
            const theirs = await library.verify(shown.presentation, { keyBindingNonce: NONCE });
            expect(theirs.kb?.payload).toMatchObject({ nonce: NONCE, aud: AUDIENCE });
            expect(theirs.payload).toMatchObject({ nationality: 'TT' });
          }
        });
      }
    }
  }
});

describe('what the Tradewind verifier makes of a credential alone', () => {
  it('verifyCredential lists exactly the disclosed claims of an @sd-jwt/sd-jwt-vc issuance', async () => {
    const issuer = didKeyFor('EdDSA');
    const holder = didKeyFor('ES256');
    const library = sdJwtLibrary({ issuer: { alg: 'EdDSA', privateKey: issuer.privateKey, publicJwk: publicJwk(issuer) } });
    const iat = Math.floor(Date.now() / 1000) - 60;
    const issued = await library.issue(
      { iss: issuer.did, iat, vct: 'urn:eudi:pid:1', cnf: { jwk: publicJwk(holder) }, ...NATIONAL_ID, age_over_18: true },
      NATIONAL_ID_FRAME,
      { header: { kid: issuer.kid } },
    );
    const r = (await verifier.verifyCredential(issued)) as VerifiedSdJwtCredential;
    expect(codes(r)).toEqual([]);
    expect(r.format).toBe('dc+sd-jwt');
    expect(r.vct).toBe('urn:eudi:pid:1');
    expect(r.claims).toEqual({
      iss: issuer.did,
      iat,
      vct: 'urn:eudi:pid:1',
      cnf: { jwk: publicJwk(holder) },
      ...NATIONAL_ID,
      age_over_18: true,
    });
    expect(r.disclosed).toHaveLength(disclosuresOf(issued).length);
    expect(r.undisclosed).toBe(0);
    expect(r.keyBinding).toBeUndefined();
  });
});
