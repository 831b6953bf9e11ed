// The SD-JWT VC specification's examples, the SD-JWT specification's and the reference
// implementation's test cases (packages/verifier/test/fixtures/sd-jwt-vectors: where they
// come from is in its README), through @tradewind/verifier: each one verifies with
// exactly the claims the reference implementation's verifier gives, and each mutation of
// one is refused with its code.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JsonObject } from '@tradewind/core';
import type { RecognitionPolicy, VerifyOptions } from '@tradewind/verifier';
import { verifyCredential, verifyPresentation } from '@tradewind/verifier';
import { beforeAll, describe, expect, it } from 'vitest';
import * as browser from '../../packages/verifier/src/index.browser.js';
import { processDisclosures } from '../../packages/verifier/src/sd-jwt/process.js';
import { recognitionListJwt } from '../../packages/verifier/test/helpers/producers.js';
import { b64json, codes, didKey, disclosuresOf, expectedDisclosures, issuerJwtOf, joseVerify, kbOf, sha256, withoutKb } from './helpers.js';

interface Vector {
  id: string;
  kind: 'sd-jwt-vc' | 'sd-jwt' | 'json-serialization';
  typ: string;
  issuer: string;
  nonce?: string;
  audience?: string;
  keyBindingIssuedAt?: number;
  issuance: string;
  presentation: string;
  issuerPayload: Record<string, unknown>;
  disclosures: Array<{ encoded: string; decoded: unknown[]; presented: boolean }>;
  decoys: number;
  expected: { presentation: Record<string, unknown>; issuance: Record<string, unknown> };
}

const fixtures = JSON.parse(
  readFileSync(new URL('../../packages/verifier/test/fixtures/sd-jwt-vectors/vectors.json', import.meta.url), 'utf8'),
) as { keys: { issuer: JsonWebKey; holder: JsonWebKey }; vectors: Vector[] };
const { vectors } = fixtures;
const vcVectors = vectors.filter((v) => v.kind === 'sd-jwt-vc');
const kbVectors = vcVectors.filter((v) => v.keyBindingIssuedAt !== undefined);
const plainVectors = vectors.filter((v) => v.kind === 'sd-jwt');
const jsonVectors = vectors.filter((v) => v.kind === 'json-serialization');

/** The key id the header of `oauth-sd-jwt-vc/01` names; the other examples have no kid. */
const KID_01 = 'doc-signer-05-25-2022';

let base: VerifyOptions;
/** A list of the same anchor naming another P-256 key for the same issuers, under the same kids. */
let otherKeyList: string;

/** Evaluation time: when the generator signed the key-binding JWTs (they all ran within a second). */
const evaluatedAt = (v?: Vector) => new Date(((v?.keyBindingIssuedAt ?? kbVectors[0]?.keyBindingIssuedAt) as number) * 1000);

beforeAll(async () => {
  // The examples' issuers are https URLs with a raw P-256 key: a recognition list signed
  // by an anchor the policy names lists that key for each of them.
  const anchor = didKey();
  const issuers = [...new Set(vcVectors.map((v) => v.issuer))];
  const listOf = (key: JsonWebKey) =>
    recognitionListJwt(
      anchor,
      issuers.map((id, i) => ({
        id,
        country: 'ZZ',
        name: `Example issuer ${i + 1}`,
        credentialTypes: ['*'],
        assuranceLevel: 'high',
        keys: [{ ...key, kid: id === 'https://example.com/issuer' ? KID_01 : `${id}#key-1` }],
      })),
      { nextUpdate: '2036-01-01T00:00:00Z' },
      { validFrom: '2026-01-01T00:00:00Z' },
    );
  const list = await listOf(fixtures.keys.issuer);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  otherKeyList = await listOf({ kty: other.kty, crv: other.crv, x: other.x, y: other.y } as JsonWebKey);
  const policy: RecognitionPolicy = { anchors: [anchor.did] };
  // The generator's ES256 signatures are not normalised to low S (see the README).
  base = { policy, recognitionLists: [list], allowHighS: true };
});

const unb64jsonArray = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];

describe('SD-JWT VC specification examples and test vectors', () => {
  it('has the examples it is meant to run', () => {
    expect(vcVectors.map((v) => v.id)).toEqual([
      'oauth-sd-jwt-vc/01',
      'oauth-sd-jwt-vc/02',
      'oauth-sd-jwt-vc/03-pid',
      'oauth-selective-disclosure-jwt/arf-pid',
    ]);
    expect(kbVectors).toHaveLength(3);
    expect(plainVectors.length).toBeGreaterThanOrEqual(25);
  });

  describe.each(vcVectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const now = evaluatedAt(v);

    it('verifies the whole issuance with every claim the reference verifier gives, and nothing else', async () => {
      const r = await verifyCredential(v.issuance, { ...base, now });
      expect(codes(r)).toEqual([]);
      if (!r.verified || r.format !== 'dc+sd-jwt') throw new Error('not an SD-JWT VC result');
      expect(r.claims).toEqual(v.expected.issuance);
      expect(r.issuer).toBe(v.issuer);
      expect(r.vct).toBe(v.issuerPayload.vct);
      expect(r.mediaType).toBe('dc+sd-jwt');
      const expected = expectedDisclosures(v.issuerPayload, disclosuresOf(v.issuance));
      expect(r.disclosed.map((d) => d.path)).toEqual(expected.paths);
      expect(r.undisclosed).toBe(expected.undisclosed);
      expect(r.undisclosed).toBe(v.decoys);
      expect(r.recognition).toBeDefined();
    });

    it('verifies the presentation with exactly the disclosed claims', async () => {
      const r = await verifyCredential(v.presentation, { ...base, now });
      expect(codes(r)).toEqual([]);
      if (!r.verified || r.format !== 'dc+sd-jwt') throw new Error('not an SD-JWT VC result');
      expect(r.claims).toEqual(v.expected.presentation);
      const presented = disclosuresOf(v.presentation);
      // The holder's disclosures, in the order the holder put them (not the issuer's).
      expect([...presented].sort()).toEqual(
        v.disclosures
          .filter((d) => d.presented)
          .map((d) => d.encoded)
          .sort(),
      );
      const expected = expectedDisclosures(v.issuerPayload, presented);
      expect(r.disclosed.map((d) => d.path)).toEqual(expected.paths);
      expect(r.undisclosed).toBe(expected.undisclosed);
      if (v.keyBindingIssuedAt !== undefined) {
        expect(r.keyBinding).toEqual({ nonce: v.nonce, audience: v.audience, issuedAt: now });
      } else {
        expect(r.keyBinding).toBeUndefined();
      }
    });

    if (v.keyBindingIssuedAt !== undefined) {
      it('verifies it as a presentation bound to its nonce and audience', async () => {
        const r = await verifyPresentation(v.presentation, { ...base, now, nonce: v.nonce, audience: v.audience });
        expect(codes(r)).toEqual([]);
        if (!r.verified || r.format !== 'dc+sd-jwt') throw new Error('not an SD-JWT presentation result');
        expect(r.credentials[0].claims).toEqual(v.expected.presentation);
        expect(r.nonce).toBe(v.nonce);
        expect(r.audience).toEqual([v.audience]);
        expect(r.holder).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:[A-Za-z0-9_-]{43}$/);
      });

      it('refuses it for another nonce or audience, or once stale', async () => {
        const other = await verifyPresentation(v.presentation, { ...base, now, nonce: 'another-nonce', audience: v.audience });
        expect(codes(other)).toEqual(['NONCE_MISMATCH']);
        const elsewhere = await verifyPresentation(v.presentation, { ...base, now, nonce: v.nonce, audience: 'https://other.example' });
        expect(codes(elsewhere)).toEqual(['AUDIENCE_MISMATCH']);
        const later = new Date(now.getTime() + 3_600_000);
        expect(codes(await verifyPresentation(v.presentation, { ...base, now: later, nonce: v.nonce, audience: v.audience }))).toEqual([
          'HOLDER_BINDING',
        ]);
      });

      it('refuses it without its key-binding JWT, or with the key-binding JWT of another vector', async () => {
        const dropped = withoutKb(v.presentation);
        expect(codes(await verifyPresentation(dropped, { ...base, now, nonce: v.nonce, audience: v.audience }))).toEqual([
          'HOLDER_BINDING',
        ]);
        // Same holder key, same nonce and audience: only sd_hash tells them apart.
        const other = kbVectors.find((x) => x.id !== v.id) as Vector;
        const foreign = `${dropped}${kbOf(other.presentation)}`;
        const r = await verifyPresentation(foreign, { ...base, now, nonce: v.nonce, audience: v.audience });
        expect(codes(r)).toEqual(['HOLDER_BINDING']);
        // A disclosure withheld after the holder signed (the last one, which no other
        // disclosure needs): sd_hash no longer matches either.
        const parts = v.presentation.split('~');
        const shorter = [...parts.slice(0, -2), parts.at(-1)].join('~');
        expect(codes(await verifyPresentation(shorter, { ...base, now, nonce: v.nonce, audience: v.audience }))).toEqual([
          'HOLDER_BINDING',
        ]);
      });
    } else {
      it('is not a presentation: without a key-binding JWT verifyPresentation refuses it', async () => {
        expect(codes(await verifyPresentation(v.presentation, { ...base, now, nonce: 'n', audience: 'https://verifier.example' }))).toEqual(
          ['HOLDER_BINDING'],
        );
      });
    }

    it('refuses the presentation with one of its disclosures changed', async () => {
      const [shown] = disclosuresOf(v.presentation) as [string, ...string[]];
      const decoded = unb64jsonArray(shown);
      const changed = b64json([...decoded.slice(0, -1), 'changed']);
      const tampered = v.presentation.replace(`~${shown}~`, `~${changed}~`);
      expect(codes(await verifyCredential(tampered, { ...base, now }))).toEqual(['DISCLOSURE_INVALID']);
    });

    it('verifies the same way through the browser build (WebCrypto)', async () => {
      const r = await browser.verifyCredential(v.presentation, { ...base, now });
      expect(codes(r)).toEqual([]);
      if (!r.verified || r.format !== 'dc+sd-jwt') throw new Error('not an SD-JWT VC result');
      expect(r.claims).toEqual(v.expected.presentation);
    });

    it('refuses a changed disclosure, a disclosure twice, and one of another credential', async () => {
      const [first] = disclosuresOf(v.issuance) as [string, ...string[]];
      const decoded = unb64jsonArray(first);
      const changed = b64json([...decoded.slice(0, -1), 'changed']);
      const tampered = v.issuance.replace(`~${first}~`, `~${changed}~`);
      expect(codes(await verifyCredential(tampered, { ...base, now }))).toEqual(['DISCLOSURE_INVALID']);
      const twice = `${v.issuance}${first}~`;
      expect(codes(await verifyCredential(twice, { ...base, now }))).toEqual(['DISCLOSURE_INVALID']);
      const other = vcVectors.find((x) => x.id !== v.id && x.issuer === v.issuer) ?? (vcVectors.find((x) => x.id !== v.id) as Vector);
      const stranger = disclosuresOf(other.issuance).find((d) => !disclosuresOf(v.issuance).includes(d)) as string;
      expect(codes(await verifyCredential(`${v.issuance}${stranger}~`, { ...base, now }))).toEqual(['DISCLOSURE_INVALID']);
    });

    it('refuses it when nothing anchors the https issuer key (KEY_NOT_FOUND), or a list names another key (SIGNATURE_INVALID)', async () => {
      expect(codes(await verifyCredential(v.issuance, { now, allowHighS: true }))).toEqual(['KEY_NOT_FOUND']);
      expect(codes(await verifyCredential(v.issuance, { ...base, recognitionLists: [otherKeyList], now }))).toEqual(['SIGNATURE_INVALID']);
    });
  });

  describe("plain SD-JWTs (typ example+sd-jwt, no vct): processed by the verifier's SD-JWT processing", () => {
    // They are not SD-JWT VCs, so verifyCredential refuses them; the processing of their
    // disclosures (the part they test) runs on its own here, after their signature is
    // checked with node:crypto.
    const process = (v: Vector, sdJwt: string) => {
      const jwt = issuerJwtOf(sdJwt);
      const [h, p, signature] = jwt.split('.') as [string, string, string];
      expect(joseVerify('ES256', fixtures.keys.issuer, `${h}.${p}`, signature)).toBe(true);
      const presented = disclosuresOf(sdJwt);
      return processDisclosures(v.issuerPayload as JsonObject, presented, presented.map(sha256), 32);
    };

    it.each(plainVectors.map((v) => [v.id, v] as const))('%s: the claims the reference verifier gives', (_id, v) => {
      const presentation = process(v, v.presentation);
      expect(presentation.claims).toEqual(v.expected.presentation);
      const expected = expectedDisclosures(v.issuerPayload, disclosuresOf(v.presentation));
      expect(presentation.disclosed.map((d) => d.path)).toEqual(expected.paths);
      expect(presentation.undisclosed).toBe(expected.undisclosed);
      const issuance = process(v, v.issuance);
      expect(issuance.claims).toEqual(v.expected.issuance);
      expect(issuance.undisclosed).toBe(v.decoys);
    });

    it.each(plainVectors.map((v) => [v.id, v] as const))('%s is not an SD-JWT VC: verifyCredential refuses it', async (_id, v) => {
      expect(v.typ).toBe('example+sd-jwt');
      const r = await verifyCredential(v.issuance, { ...base, now: evaluatedAt() });
      // header_mod's header has "kid": 42, which is no JOSE header at all.
      expect(codes(r)).toEqual([v.id.endsWith('/header_mod') ? 'MALFORMED' : 'UNSUPPORTED_FORMAT']);
    });
  });

  describe('JWS JSON serialization', () => {
    it.each(jsonVectors.map((v) => [v.id, v] as const))('%s is refused as UNSUPPORTED_FORMAT', async (_id, v) => {
      for (const input of [JSON.stringify(v.presentation), JSON.stringify(v.issuance)]) {
        const r = await verifyCredential(input, { ...base, now: evaluatedAt() });
        expect(codes(r)).toEqual(['UNSUPPORTED_FORMAT']);
      }
    });
  });
});
