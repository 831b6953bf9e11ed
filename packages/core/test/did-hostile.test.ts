import { generateKeyPairSync } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { DidKeyResolver, MAX_DID_LENGTH } from '../src/index.js';

describe('DIDs from untrusted input', () => {
  it('refuses DIDs over the length of their method before decoding them (DID_UNRESOLVABLE)', async () => {
    const dids = new DidKeyResolver({ didWebFetcher: async () => ({}) });
    for (const did of [
      `did:key:z6Mk${'A'.repeat(200_000)}`,
      `did:key:z6Mk${'A'.repeat(45)}`, // one character too many for an Ed25519 key
      `did:key:zDn${'A'.repeat(47)}`,
      `did:key:z${'A'.repeat(MAX_DID_LENGTH.key)}`,
      `did:jwk:${'e'.repeat(MAX_DID_LENGTH.jwk)}`,
      `did:web:${'a.'.repeat(MAX_DID_LENGTH.web)}tt`,
      `did:example:${'x'.repeat(MAX_DID_LENGTH.other)}`,
    ]) {
      await expect(dids.resolve(did), did.slice(0, 30)).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    }
  });

  it('resolves an X25519 did:key as a key agreement key that authorises nothing else', async () => {
    const { publicKey } = generateKeyPairSync('x25519');
    const x = publicKey.export({ format: 'jwk' }).x as string;
    const id = base58btc.encode(Uint8Array.from([0xec, 0x01, ...Buffer.from(x, 'base64url')]));
    const did = `did:key:${id}`;
    const dids = new DidKeyResolver();
    const doc = await dids.resolve(did);
    expect(doc.verificationMethod?.[0]?.publicKeyJwk).toEqual({ kty: 'OKP', crv: 'X25519', x });
    expect(await dids.keysFor(did, 'assertionMethod')).toEqual([]);
    await expect(dids.keyFor(did, `${did}#${id}`, 'assertionMethod')).rejects.toMatchObject({
      code: 'KEY_NOT_FOUND',
      message: expect.stringMatching(/X25519 key agreement key \(keyAgreement\), not a signing key/),
    });
    await expect(dids.keyFor(did, undefined, 'authentication')).rejects.toMatchObject({
      code: 'KEY_NOT_FOUND',
      message: expect.stringMatching(/not a signing key/),
    });
  });

  it('finds no keys in a did:web document of the wrong shape, without throwing anything but KEY_NOT_FOUND', async () => {
    const did = 'did:web:registry.gov.tt';
    for (const body of [
      { id: did, verificationMethod: { id: `${did}#k` }, assertionMethod: [`${did}#k`] },
      { id: did, verificationMethod: [null, 42, 'x', { id: 7 }], assertionMethod: [null, 42, { id: null }] },
      { id: did, verificationMethod: [], assertionMethod: 'all' },
    ]) {
      const dids = new DidKeyResolver({ didWebFetcher: async () => body });
      expect(await dids.keysFor(did, 'assertionMethod')).toEqual([]);
      await expect(dids.keyFor(did, `${did}#k`, 'assertionMethod')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
      await expect(dids.keyFor(did, undefined, 'assertionMethod')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    }
  });

  it('refuses a JWK whose coordinate is not canonical base64url: one key, one spelling (KEY_NOT_FOUND)', async () => {
    const did = 'did:web:registry.gov.tt';
    const x = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = x.slice(0, -1) + alphabet[alphabet.indexOf(x.at(-1) as string) | 1];
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(x, 'base64url'));
    const doc = (xs: string) => ({
      id: did,
      verificationMethod: [
        { id: `${did}#k`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: xs } },
      ],
      assertionMethod: ['#k'],
    });
    expect(await new DidKeyResolver({ documents: [doc(x)] }).keysFor(did, 'assertionMethod')).toHaveLength(1);
    const dids = new DidKeyResolver({ documents: [doc(twin)] });
    expect(await dids.keysFor(did, 'assertionMethod')).toEqual([]);
    await expect(dids.keyFor(did, '#k', 'assertionMethod')).rejects.toMatchObject({
      code: 'KEY_NOT_FOUND',
      message: expect.stringMatching(/not an Ed25519 or P-256 public key/),
    });
  });
});
