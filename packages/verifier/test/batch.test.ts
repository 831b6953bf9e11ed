import { describe, expect, it } from 'vitest';
import { createVerifier, verifyCredentials } from '../src/index.js';
import { decodeSegment, didKey, jwtVc, NOW, vcJwt, withSegment } from './helpers/producers.js';

describe('verifyCredentials (batch)', () => {
  it('returns one result per input, in order, good and bad mixed', async () => {
    const a = didKey();
    const b = didKey('P-256');
    const good = await Promise.all(Array.from({ length: 40 }, (_, i) => vcJwt(i % 2 ? a : b, { id: `urn:uuid:${i}` })));
    const bad = withSegment(good[3] as string, 1, { ...decodeSegment(good[3] as string, 1), id: 'urn:uuid:x' });
    const inputs = [...good, bad, 'garbage', await jwtVc(a)];
    const results = await verifyCredentials(inputs, { now: NOW, concurrency: 8 });
    expect(results).toHaveLength(inputs.length);
    results.slice(0, 40).forEach((r, i) => {
      expect(r.verified).toBe(true);
      if (r.verified) expect(r.credential.id).toBe(`urn:uuid:${i}`);
    });
    expect(results[40]?.verified === false && results[40].errors[0]?.code).toBe('SIGNATURE_INVALID');
    expect(results[41]?.verified === false && results[41].errors[0]?.code).toBe('MALFORMED');
    expect(results[42]?.verified).toBe(true);
  });

  it('applies the verifier policy in the batch form', async () => {
    const a = didKey();
    const verifier = createVerifier({ now: NOW, trustedIssuers: [didKey().did] });
    const [r] = await verifier.verifyCredentials([await vcJwt(a)]);
    expect(r?.verified === false && r.errors[0]?.code).toBe('UNTRUSTED_ISSUER');
  });

  it('rejects a bad concurrency as a programmer error', async () => {
    await expect(verifyCredentials([], { concurrency: 0 })).rejects.toThrow(TypeError);
  });
});
