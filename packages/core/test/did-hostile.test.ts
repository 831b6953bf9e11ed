import { generateKeyPairSync } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { checkEd25519PublicKey, DidKeyResolver, didWebUrl, MAX_DID_LENGTH, toPublicJwk, verificationMethodJwk } from '../src/index.js';

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

  // Small-order points (libsodium's list) and non-canonical encodings (y ≥ p, or the sign
  // bit set where x = 0): OpenSSL and WebCrypto accept them, and with the identity as key
  // the signature R = identity, S = 0 verifies every message.
  const WEAK_ED25519 = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000080',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    '0000000000000000000000000000000000000000000000000000000000000080',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  ].map((hex) => Buffer.from(hex, 'hex'));

  it('refuses small-order and non-canonically encoded Ed25519 keys, anyone can sign for them, however they are carried', async () => {
    for (const raw of WEAK_ED25519) {
      const x = raw.toString('base64url');
      expect(() => checkEd25519PublicKey(raw), x).toThrow(expect.objectContaining({ code: 'KEY_NOT_FOUND' }));
      expect(() => toPublicJwk({ kty: 'OKP', crv: 'Ed25519', x }), x).toThrow(expect.objectContaining({ code: 'KEY_NOT_FOUND' }));
      const multibase = base58btc.encode(Uint8Array.from([0xed, 0x01, ...raw]));
      for (const vm of [{ publicKeyMultibase: multibase }, { publicKeyBase58: base58btc.encode(raw).slice(1) }]) {
        await expect(verificationMethodJwk({ id: 'did:web:registry.gov.tt#k', ...vm }), x).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
      }
      const dids = new DidKeyResolver();
      await expect(dids.resolve(`did:key:${multibase}`), multibase).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
      const jwk = `did:jwk:${Buffer.from(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x })).toString('base64url')}`;
      expect(await dids.keysFor(jwk, 'assertionMethod'), x).toEqual([]);
      await expect(dids.keyFor(jwk, `${jwk}#0`, 'assertionMethod')).rejects.toMatchObject({
        code: 'KEY_NOT_FOUND',
        message: expect.stringMatching(/small order|not canonically encoded/),
      });
    }
    // Real keys pass, including ones whose encoding has the sign bit set.
    for (let i = 0; i < 32; i++) {
      const x = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string;
      expect(() => checkEd25519PublicKey(Buffer.from(x, 'base64url'))).not.toThrow();
    }
  });

  it('refuses did:key spellings that give a key a second DID: overlong multicodec varints, uncompressed P-256, unknown codecs', async () => {
    const ed = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const [x, y] = [Buffer.from(p256.x as string, 'base64url'), Buffer.from(p256.y as string, 'base64url')];
    const dids = new DidKeyResolver();
    const resolve = (bytes: number[]) => dids.resolve(`did:key:${base58btc.encode(Uint8Array.from(bytes))}`);
    expect((await resolve([0xed, 0x01, ...ed])).verificationMethod).toHaveLength(1);
    expect((await resolve([0x80, 0x24, (y[31] as number) & 1 ? 0x03 : 0x02, ...x])).verificationMethod).toHaveLength(1);
    for (const bytes of [
      [0xed, 0x81, 0x00, ...ed], // 0xed as a three-byte varint
      [0xed, 0x81, 0x80, 0x00, ...ed],
      [0xe7, 0x81, 0x00, 0x02, ...x], // secp256k1-pub, overlong
      [0x80, 0x24, 0x04, ...x, ...y], // uncompressed P-256
      [0x00, 0xed, 0x01, ...ed],
      [0x99, 0x99, 0x01, ...ed],
      [0x85, 0x24, ...x, ...y], // rsa-pub: not a key type read here
    ]) {
      await expect(resolve(bytes), Buffer.from(bytes.slice(0, 3)).toString('hex')).rejects.toMatchObject({
        code: 'DID_UNRESOLVABLE',
        message: expect.not.stringMatching(/TypeError|Cannot read/),
      });
    }
  });

  it('refuses DID URLs (path, query, fragment) and characters outside DID syntax where a DID is resolved (DID_UNRESOLVABLE)', async () => {
    const x = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string;
    const did = `did:key:${base58btc.encode(Uint8Array.from([0xed, 0x01, ...Buffer.from(x, 'base64url')]))}`;
    const dids = new DidKeyResolver();
    expect(await dids.keysFor(did, 'assertionMethod')).toHaveLength(1);
    for (const alias of [`${did}/path`, `${did}?service=x`, `${did}#${did.slice(8)}`, `${did} `, `did:KEY:${did.slice(8)}`, `${did}:`]) {
      await expect(dids.keysFor(alias, 'assertionMethod'), alias).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    }
  });

  it('refuses a did:web document listing more verification methods than any issuer has, before parsing its keys (DID_UNRESOLVABLE)', async () => {
    const did = 'did:web:registry.gov.tt';
    const x = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string;
    const method = (i: number) => ({
      id: `#k${i}`,
      type: 'JsonWebKey2020',
      controller: did,
      publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x },
    });
    const documents = [
      { id: did, verificationMethod: Array.from({ length: 100_000 }, (_, i) => method(i)), assertionMethod: ['#k0'] },
      { id: did, verificationMethod: [method(0)], assertionMethod: Array.from({ length: 100_000 }, () => '#k0') },
      { id: did, assertionMethod: Array.from({ length: 5_000 }, (_, i) => method(i)) },
    ];
    for (const doc of documents) {
      const dids = new DidKeyResolver({ didWebFetcher: async () => doc });
      const started = performance.now();
      await expect(dids.keysFor(did, 'assertionMethod')).rejects.toMatchObject({
        code: 'DID_UNRESOLVABLE',
        message: expect.stringMatching(/more than the 256 read/),
      });
      expect(performance.now() - started).toBeLessThan(1_000);
    }
    const fine = { id: did, verificationMethod: Array.from({ length: 256 }, (_, i) => method(i)), assertionMethod: ['#k7'] };
    expect(await new DidKeyResolver({ didWebFetcher: async () => fine }).keysFor(did, 'assertionMethod')).toHaveLength(1);
  });

  it('never reads a configuration string such as "false" as allowing private did:web hosts', async () => {
    const fetched: string[] = [];
    const didWebFetcher = async (url: string) => {
      fetched.push(url);
      return {};
    };
    for (const value of ['false', 'no', 1]) {
      expect(() => new DidKeyResolver({ didWebFetcher, allowInsecureDidWeb: value as never })).toThrow(TypeError);
      expect(() => didWebUrl('did:web:127.0.0.1', value as never)).toThrow(expect.objectContaining({ code: 'DID_UNRESOLVABLE' }));
    }
    for (const [name, value] of [
      ['cacheSize', '10'],
      ['didWebTtlMs', -1],
      ['cacheSize', Number.NaN],
    ] as const) {
      expect(() => new DidKeyResolver({ [name]: value as never }), name).toThrow(TypeError);
    }
    expect(fetched).toEqual([]);
  });
});
