// Veramo 7 as an independent producer: credentials and presentations it signs (with
// its own key manager, did:key provider and JWT credential provider) verify here, and
// tampering with them is caught.

import { verifyCredential, verifyPresentation } from '@tradewind/verifier';
import { createAgent } from '@veramo/core';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { KeyDIDProvider } from '@veramo/did-provider-key';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem } from '@veramo/kms-local';
import { getResolver as keyDidResolver } from 'key-did-resolver';
import { beforeAll, describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: Veramo's agent type is assembled from its plugins at run time.
let agent: any;
let issuer: string;
let holder: string;

beforeAll(async () => {
  agent = createAgent({
    plugins: [
      new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
      new DIDManager({
        store: new MemoryDIDStore(),
        defaultProvider: 'did:key',
        providers: { 'did:key': new KeyDIDProvider({ defaultKms: 'local' }) },
      }),
      new DIDResolverPlugin({ ...keyDidResolver() }),
      new CredentialPlugin([new CredentialProviderJWT()]),
    ],
  });
  issuer = (await agent.didManagerCreate({ provider: 'did:key', options: { keyType: 'Ed25519' } })).did;
  holder = (await agent.didManagerCreate({ provider: 'did:key', options: { keyType: 'Ed25519' } })).did;
});

async function veramoCredential(): Promise<string> {
  const vc = await agent.createVerifiableCredential({
    credential: {
      issuer: { id: issuer },
      type: ['VerifiableCredential', 'NationalIdCredential'],
      issuanceDate: '2026-01-01T00:00:00Z',
      expirationDate: '2031-01-01T00:00:00Z',
      credentialSubject: { id: holder, givenName: 'Asha', nationality: 'TT' },
    },
    proofFormat: 'jwt',
  });
  return vc.proof.jwt as string;
}

describe('credentials and presentations made by Veramo 7', () => {
  it('verifies a jwt_vc Veramo signed', async () => {
    const r = await verifyCredential(await veramoCredential(), { now: '2026-06-01T00:00:00Z' });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) {
      expect(r.format).toBe('jwt_vc');
      expect(r.issuer).toBe(issuer);
      expect(r.subject).toBe(holder);
      expect(r.validUntil?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
    }
  });

  it('verifies a VP-JWT Veramo signed, with its challenge and domain as nonce and audience', async () => {
    const vp = await agent.createVerifiablePresentation({
      presentation: { holder, verifiableCredential: [await veramoCredential()] },
      proofFormat: 'jwt',
      challenge: 'n-42',
      domain: 'https://bank.example.bb',
    });
    const jwt = vp.proof.jwt as string;
    // Veramo stamps the presentation with the current time: verify it now.
    const r = await verifyPresentation(jwt, { nonce: 'n-42', audience: 'https://bank.example.bb' });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    const wrong = await verifyPresentation(jwt, { nonce: 'n-43', audience: 'https://bank.example.bb' });
    expect(wrong.verified ? [] : wrong.errors.map((e) => e.code)).toEqual(['NONCE_MISMATCH']);
  });

  it('verifies the JSON form Veramo returns (JwtProof2020), by its JWT', async () => {
    const vc = await agent.createVerifiableCredential({
      credential: { issuer: { id: issuer }, type: ['VerifiableCredential'], credentialSubject: { id: holder, givenName: 'Asha' } },
      proofFormat: 'jwt',
    });
    expect(vc.proof.type).toBe('JwtProof2020');
    const r = await verifyCredential(vc);
    expect(r.verified && r.format).toBe('jwt_vc');
  });

  it('rejects a Veramo credential whose claims were edited', async () => {
    const [h, p, s] = (await veramoCredential()).split('.');
    const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    payload.vc.credentialSubject.nationality = 'BB';
    const r = await verifyCredential(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`, {
      now: '2026-06-01T00:00:00Z',
    });
    expect(r.verified ? [] : r.errors.map((e) => e.code)).toEqual(['SIGNATURE_INVALID']);
  });
});
