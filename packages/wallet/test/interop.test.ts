// Presentations from the wallet checked by verifiers that are not ours: did-jwt-vc
// (the reference VCDM 1.1 JWT library) and Veramo 7's own verifyPresentation.

import { openWallet, type Wallet } from '@tradewind/wallet';
import { verifyPresentation as didJwtVerifyPresentation } from 'did-jwt-vc';
import { Resolver } from 'did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, jwtVc, SECRET, TEST_KDF, tempDir } from './fixtures.js';

const tmp = tempDir();
const tt = issuer('key');
const AUD = 'https://customs.gov.example.gd';
const NONCE = 'c2c1b7f0-challenge';
let wallet: Wallet;

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('interop.db'), secret: SECRET, kdf: TEST_KDF });
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

describe.each(['Ed25519', 'P-256'] as const)('a jwt_vp from a did:key %s holder', (keyType) => {
  let vp: string;
  let holder: string;

  beforeAll(async () => {
    holder = (await wallet.createDid({ method: 'key', keyType })).did;
    const ids = await wallet.receiveAll([await jwtVc(tt, holder, { type: 'DrivingPermit' })]);
    vp = await wallet.present({ credentials: ids, audience: AUD, nonce: NONCE, format: 'jwt_vp' });
  });

  it('verifies with did-jwt-vc for its audience, and not for another', async () => {
    const resolver = new Resolver({ ...getKeyResolver() });
    const result = await didJwtVerifyPresentation(vp, resolver, { audience: AUD, challenge: NONCE });
    expect(result.verified).toBe(true);
    expect(result.issuer).toBe(holder);
    await expect(didJwtVerifyPresentation(vp, resolver, { audience: 'https://elsewhere.example', challenge: NONCE })).rejects.toThrow();
    await expect(didJwtVerifyPresentation(vp, resolver, { audience: AUD, challenge: 'another' })).rejects.toThrow();
  });

  it('verifies with Veramo verifyPresentation, and not for another challenge', async () => {
    const veramo = wallet.agent.veramo;
    const ok = await veramo.verifyPresentation({ presentation: vp, challenge: NONCE, domain: AUD });
    expect(ok.verified).toBe(true);
    const other = await veramo.verifyPresentation({ presentation: vp, challenge: 'another', domain: AUD });
    expect(other.verified).toBe(false);
  });
});
