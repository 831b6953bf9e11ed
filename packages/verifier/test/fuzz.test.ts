import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, verifyPresentation } from '../src/index.js';
import { didKey, jwtVc, jwtVp, NOW, vcJwt } from './helpers/producers.js';

// A bounded run in `pnpm test`; `pnpm test:fuzz` sets FUZZ_RUNS for a long one.
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const verifier = createVerifier({ now: NOW });

/** A random mutation of a token: flip, insert, delete or replace characters, or swap segments. */
const mutation = (token: string) =>
  fc.oneof(
    fc
      .record({ at: fc.nat(token.length - 1), ch: fc.string({ minLength: 1, maxLength: 1 }) })
      .map(({ at, ch }) => token.slice(0, at) + ch + token.slice(at + 1)),
    fc.record({ at: fc.nat(token.length), s: fc.string({ maxLength: 8 }) }).map(({ at, s }) => token.slice(0, at) + s + token.slice(at)),
    fc
      .record({ at: fc.nat(token.length - 1), n: fc.integer({ min: 1, max: 40 }) })
      .map(({ at, n }) => token.slice(0, at) + token.slice(at + n)),
    fc.integer({ min: 0, max: 2 }).map((i) => {
      const parts = token.split('.');
      parts[i] = parts[i]?.split('').reverse().join('') ?? '';
      return parts.join('.');
    }),
    fc.record({ at: fc.nat(token.length - 1), bit: fc.integer({ min: 0, max: 5 }) }).map(({ at, bit }) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const idx = alphabet.indexOf(token[at] as string);
      if (idx < 0) return `${token}x`;
      return token.slice(0, at) + alphabet[idx ^ (1 << bit)] + token.slice(at + 1);
    }),
  );

describe('fuzzing: mutated tokens never verify and never throw', () => {
  let tokens: Record<string, string>;
  let holderVp: string;
  beforeAll(async () => {
    const issuer = didKey();
    const holder = didKey();
    tokens = {
      'vc+jwt': await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } }),
      jwt_vc: await jwtVc(didKey('P-256'), holder.did),
    };
    holderVp = await jwtVp(holder, [tokens['vc+jwt'] as string], { nonce: 'n', aud: 'a' });
  });

  for (const format of ['vc+jwt', 'jwt_vc']) {
    it(`${format} credentials`, async () => {
      const token = tokens[format] as string;
      expect((await verifier.verifyCredential(token)).verified).toBe(true);
      await fc.assert(
        fc.asyncProperty(mutation(token), async (mutated) => {
          fc.pre(mutated.trim() !== token); // surrounding whitespace is not part of the token
          const r = await verifier.verifyCredential(mutated);
          // Every byte string has one base64url spelling, so no mutation verifies: one
          // that only changed trailing bits is refused as non-canonical.
          expect(r.verified).toBe(false);
          if (!r.verified) expect(r.errors.length).toBeGreaterThan(0);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('presentations', async () => {
    await fc.assert(
      fc.asyncProperty(mutation(holderVp), async (mutated) => {
        fc.pre(mutated.trim() !== holderVp);
        const r = await verifyPresentation(mutated, { now: NOW, nonce: 'n', audience: 'a' });
        expect(r.verified).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary values and JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.json(), fc.string()), async (value) => {
        const r = await verifier.verifyCredential(value);
        expect(r.verified).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});
