import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './helpers.js';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The same ES256 JWS with s replaced by n - s: the other, equally valid, encoding of the signature. */
function flipS(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

async function highSCredential(): Promise<{ did: string; jwt: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const did = `did:jwk:${Buffer.from(JSON.stringify({ crv, kty, x, y })).toString('base64url')}`;
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: 'urn:uuid:0c7f2a4e-5b1d-4c3a-9e8f-7d6b5a4c3b2a',
    type: ['VerifiableCredential'],
    issuer: did,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:holder', name: 'A' },
  };
  const jwt = await new SignJWT(credential).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#0` }).sign(privateKey);
  const s = BigInt(
    `0x${Buffer.from(jwt.split('.')[2] as string, 'base64url')
      .subarray(32)
      .toString('hex')}`,
  );
  return { did, jwt: s > P256_N / 2n ? jwt : flipS(jwt) };
}

async function verify(service: TestService, jwt: string) {
  const res = await fetch(`${service.base}/credentials/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      verifiableCredential: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: 'EnvelopedVerifiableCredential',
        id: `data:application/vc+jwt,${jwt}`,
      },
    }),
  });
  return { status: res.status, body: (await res.json()) as { verified: boolean; errors: Array<{ code: string }> } };
}

describe('allowHighS', () => {
  let issuer: { did: string; jwt: string };
  let policyDir: TestService;
  let policy: string;
  beforeAll(async () => {
    issuer = await highSCredential();
    policyDir = await startTestService();
    policy = join(policyDir.dir, 'policy.json');
    await writeFile(policy, JSON.stringify({ trustedIssuers: [issuer.did] }));
  });
  afterAll(() => policyDir.stop());

  it('refuses a high-S ES256 signature by default (SIGNATURE_INVALID), and accepts it with allowHighS', async () => {
    const strict = await startTestService({ recognition: { policy } });
    try {
      const { status, body } = await verify(strict, issuer.jwt);
      expect(status).toBe(400);
      expect(body.errors.map((e) => e.code)).toContain('SIGNATURE_INVALID');
    } finally {
      await strict.stop();
    }
    const lenient = await startTestService({ recognition: { policy }, allowHighS: true });
    try {
      const { status, body } = await verify(lenient, issuer.jwt);
      expect(body.errors).toEqual([]);
      expect(status).toBe(200);
      expect(body.verified).toBe(true);
    } finally {
      await lenient.stop();
    }
  });
});
