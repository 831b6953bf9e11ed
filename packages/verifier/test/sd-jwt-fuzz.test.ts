// Mutated SD-JWTs: a presentation with key binding never verifies once changed; an
// issued SD-JWT may lose disclosures (a holder may withhold any) but never verifies
// with a claim the issuer did not sign. Nothing throws.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../src/index.js';
import type { DisclosedClaim } from '../src/types.js';
import { didKey, NOW } from './helpers/producers.js';
import { issueSdJwt, presentSdJwt } from './helpers/sd-jwt.js';

// A bounded run in `pnpm test`; FUZZ_RUNS=20000 (as `pnpm test:fuzz` gives fuzz.test.ts) for a long one.
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const verifier = createVerifier({ now: NOW });
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A random mutation: replace, insert or delete characters, flip a base64url bit, or drop or repeat a ~-part. */
const mutation = (token: string) =>
  fc.oneof(
    fc
      .record({ at: fc.nat(token.length - 1), ch: fc.string({ minLength: 1, maxLength: 1 }) })
      .map(({ at, ch }) => token.slice(0, at) + ch + token.slice(at + 1)),
    fc.record({ at: fc.nat(token.length), s: fc.string({ maxLength: 8 }) }).map(({ at, s }) => token.slice(0, at) + s + token.slice(at)),
    fc
      .record({ at: fc.nat(token.length - 1), n: fc.integer({ min: 1, max: 60 }) })
      .map(({ at, n }) => token.slice(0, at) + token.slice(at + n)),
    fc.record({ at: fc.nat(token.length - 1), bit: fc.integer({ min: 0, max: 5 }) }).map(({ at, bit }) => {
      const idx = ALPHABET.indexOf(token[at] as string);
      if (idx < 0) return `${token}x`;
      return token.slice(0, at) + ALPHABET[idx ^ (1 << bit)] + token.slice(at + 1);
    }),
    fc.record({ i: fc.nat(), repeat: fc.boolean() }).map(({ i, repeat }) => {
      const parts = token.split('~');
      const at = i % parts.length;
      parts.splice(at, repeat ? 0 : 1, ...(repeat ? [parts[at] as string] : []));
      return parts.join('~');
    }),
  );

describe('fuzzing SD-JWTs: mutations never verify a claim the issuer did not sign, and never throw', () => {
  let issued: string;
  let presented: string;
  let signed: DisclosedClaim[];
  beforeAll(async () => {
    const issuer = didKey();
    const holder = didKey('P-256');
    issued = await issueSdJwt(issuer, { holder });
    presented = await presentSdJwt(issuer, issued, { nationality: true, address: { locality: true } }, { holder, nonce: 'n', aud: 'a' });
    const r = await verifier.verifyCredential(issued);
    if (!r.verified || r.format !== 'dc+sd-jwt') throw new Error('the issued SD-JWT does not verify');
    signed = JSON.parse(JSON.stringify(r.disclosed));
  });

  it('a presentation with key binding', async () => {
    expect((await verifier.verifyPresentation(presented, { nonce: 'n', audience: 'a' })).verified).toBe(true);
    await fc.assert(
      fc.asyncProperty(mutation(presented), async (mutated) => {
        fc.pre(mutated.trim() !== presented);
        const r = await verifier.verifyPresentation(mutated, { nonce: 'n', audience: 'a' });
        expect(r.verified).toBe(false);
        if (!r.verified) expect(r.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('an issued SD-JWT', async () => {
    await fc.assert(
      fc.asyncProperty(mutation(issued), async (mutated) => {
        const r = await verifier.verifyCredential(mutated);
        if (!r.verified) {
          expect(r.errors.length).toBeGreaterThan(0);
          return;
        }
        // Only dropping disclosures (or a no-op) can leave it verified: what it shows was signed.
        expect(r.format).toBe('dc+sd-jwt');
        if (r.format !== 'dc+sd-jwt') return;
        // An array element's path moves when an earlier element is withheld: elements are
        // matched by the array they sit in, named claims by their path.
        const slot = (d: DisclosedClaim) => (d.name === undefined ? `${d.path.slice(0, d.path.lastIndexOf('/'))}/[]` : d.path);
        for (const d of JSON.parse(JSON.stringify(r.disclosed)) as DisclosedClaim[]) {
          const same = signed.filter((s) => slot(s) === slot(d));
          expect(same.length, d.path).toBeGreaterThan(0);
          if (typeof d.value !== 'object') expect(same.map((s) => s.value)).toContainEqual(d.value);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
