// A trust anchor lists an https issuer that signs SD-JWT VCs with an x5c chain (MOSIP
// Inji's form): its entry pins the issuing CA. Verifiers recognise the chain's leaf key
// through that entry, within the entry's window only.
import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from './helpers/temp-issuer.js';

const ISS = 'https://issuer.example.org';
const fixtures = new URL('../../verifier/test/fixtures/x509/', import.meta.url);
const pem = (name: string) => readFileSync(new URL(`${name}.pem`, fixtures), 'utf8');
const der = (name: string) => new X509Certificate(pem(name)).raw.toString('base64');
const b64u = (x: Buffer | string) => Buffer.from(x).toString('base64url');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// Inside the fixtures' certificate windows (they start when generate.sh ran).
const start = Date.parse(new X509Certificate(pem('leaf-ed25519')).validFrom);
const NOW = start + 10 * 86_400_000;

/** An SD-JWT VC without disclosures, signed by the leaf-ed25519 fixture key with its chain in x5c. */
function x5cSdJwt(iat: number): string {
  const header = { alg: 'EdDSA', typ: 'dc+sd-jwt', x5c: [der('leaf-ed25519'), der('ca-ed25519')] };
  const payload = { iss: ISS, vct: 'NationalIdCredential', iat: Math.floor(iat / 1000), given_name: 'Asha' };
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${b64u(sign(null, Buffer.from(input), createPrivateKey(pem('leaf-ed25519.key'))))}~`;
}

const kdf = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
let anchor: Issuer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-recognition-https-'));
  anchor = await openIssuer({ database: await testDatabase(dir, 'anchor'), secret: 'anchor secret', kdf });
});
afterAll(async () => {
  await anchor.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = {
  id: ISS,
  country: 'LC',
  name: 'Saint Lucia Civil Registry',
  credentialTypes: ['NationalIdCredential'],
  assuranceLevel: 'high' as const,
};

describe('recognition lists for https issuers with x509 pins', () => {
  it("signs a list pinning an https issuer's CA; verifiers recognise the x5c leaf it issued, within the entry's window", async () => {
    const caricom = await anchor.createDid();
    const list = await anchor.signRecognitionList({
      issuer: caricom.did,
      sequence: 1,
      validFrom: iso(start),
      nextUpdate: iso(NOW + 30 * 86_400_000),
      entries: [{ ...entry, validUntil: iso(NOW - 86_400_000), x509: { certificates: [der('ca-ed25519')] } }],
    });
    const options = { now: new Date(NOW), policy: { anchors: [caricom.did] }, recognitionLists: [list] };
    const r = await verifyCredential(x5cSdJwt(NOW - 2 * 86_400_000), options);
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) {
      expect(r.format).toBe('dc+sd-jwt');
      expect(r.keyId).toBe(
        `x5c#${createHash('sha256')
          .update(Buffer.from(der('leaf-ed25519'), 'base64'))
          .digest('base64url')}`,
      );
      expect(r.recognition).toMatchObject({ source: 'list', country: 'LC', anchor: caricom.did });
    }
    // Issued after the entry's accreditation ended: its pins no longer vouch for the key.
    const late = await verifyCredential(x5cSdJwt(NOW - 3_600_000), options);
    expect(late.verified ? [] : late.errors.map((e) => e.code)).toEqual(['UNTRUSTED_ISSUER']);
    if (!late.verified) expect(late.errors[0]?.message).toContain('was not recognised at the credential');
  });

  it('refuses to sign an https entry that carries neither keys nor x509, or a pin that is not base64 DER', async () => {
    const caricom = await anchor.createDid();
    const request = (extra: Record<string, unknown>) => ({
      issuer: caricom.did,
      sequence: 1,
      nextUpdate: iso(NOW + 86_400_000),
      entries: [{ ...entry, ...extra }],
    });
    await expect(anchor.signRecognitionList(request({}) as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/entries/0/keys',
    });
    await expect(anchor.signRecognitionList(request({ x509: { certificates: ['not base64'] } }) as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: '/entries/0/x509/certificates/0',
    });
  });
});
