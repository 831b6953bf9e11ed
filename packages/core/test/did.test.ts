import { generateKeyPairSync } from 'node:crypto';
import { Resolver } from 'did-resolver';
import { getResolver } from 'key-did-resolver';
import { describe, expect, it } from 'vitest';
import {
  DidKeyResolver,
  didWebUrl,
  isLoopbackOrPrivate,
  jwkToMultikey,
  multikeyToJwk,
  TradewindError,
  verificationMethodJwk,
} from '../src/index.js';

const reference = new Resolver(getResolver());

// did:key test vectors from the W3C CCG did:key spec (https://w3c-ccg.github.io/did-key-spec/).
const ED25519 = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const P256 = 'did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169';

async function referenceJwk(did: string) {
  const { didDocument } = await reference.resolve(did);
  return verificationMethodJwk(didDocument?.verificationMethod?.[0] as unknown as Record<string, unknown>);
}

describe('did:key', () => {
  it('resolves the spec vectors to the same keys as key-did-resolver', async () => {
    const dids = new DidKeyResolver();
    for (const did of [ED25519, P256]) {
      const [key] = await dids.keysFor(did, 'assertionMethod');
      expect(key?.jwk).toEqual(await referenceJwk(did));
      expect(key?.id).toBe(`${did}#${did.slice(8)}`);
    }
  });

  it('round-trips generated keys through multikey', async () => {
    for (const type of ['ed25519', 'ec'] as const) {
      const { publicKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const jwk = publicKey.export({ format: 'jwk' });
      const multikey = jwkToMultikey(jwk as never);
      const back = await multikeyToJwk(multikey);
      expect(back.x).toBe(jwk.x);
      expect(back.y).toBe(jwk.y);
      expect(await referenceJwk(`did:key:${multikey}`)).toEqual(back);
    }
  });

  it('reports a malformed did:key as DID_UNRESOLVABLE', async () => {
    const dids = new DidKeyResolver();
    for (const did of ['did:key:z6MkNOT!base58', 'did:key:zDnShort', 'did:key:', 'not-a-did']) {
      await expect(dids.keysFor(did, 'assertionMethod')).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    }
  });

  it('keeps key types it does not verify with out of the authorised keys', async () => {
    // secp256k1 did:key (spec vector): resolvable, but no key Tradewind can verify with.
    const dids = new DidKeyResolver();
    expect(await dids.keysFor('did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', 'assertionMethod')).toEqual([]);
  });
});

describe('did:jwk', () => {
  it('resolves an Ed25519 did:jwk, with #0 for assertion and authentication', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const did = `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
    const dids = new DidKeyResolver();
    const key = await dids.keyFor(did, `${did}#0`, 'authentication');
    expect(key.jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
    await expect(dids.keyFor(did, '#0', 'assertionMethod')).resolves.toMatchObject({ id: `${did}#0` });
  });

  it('refuses private keys and encryption-only keys', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const priv = `did:jwk:${Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' }))).toString('base64url')}`;
    await expect(new DidKeyResolver().keysFor(priv, 'assertionMethod')).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    const enc = `did:jwk:${Buffer.from(JSON.stringify({ kty: 'OKP', crv: 'X25519', use: 'enc', x: 'A'.repeat(43) })).toString('base64url')}`;
    expect(await new DidKeyResolver().keysFor(enc, 'assertionMethod')).toEqual([]);
  });
});

describe('did:web', () => {
  it('maps DIDs to https URLs per the did:web method', () => {
    expect(didWebUrl('did:web:registry.gov.tt').href).toBe('https://registry.gov.tt/.well-known/did.json');
    expect(didWebUrl('did:web:id.gov.bb:issuers:nid').href).toBe('https://id.gov.bb/issuers/nid/did.json');
    expect(didWebUrl('did:web:example.com%3A8443').href).toBe('https://example.com:8443/.well-known/did.json');
  });

  it('refuses loopback and private hosts unless allowed', () => {
    for (const host of ['localhost', '127.0.0.1', '10.1.2.3', '192.168.0.1', '172.20.0.1', '169.254.169.254', '[::1]']) {
      expect(isLoopbackOrPrivate(host), host).toBe(true);
      expect(() => didWebUrl(`did:web:${encodeURIComponent(host)}`)).toThrow();
    }
    expect(isLoopbackOrPrivate('registry.gov.tt')).toBe(false);
    expect(didWebUrl('did:web:127.0.0.1%3A8080', true).href).toBe('http://127.0.0.1:8080/.well-known/did.json');
  });

  it('is unresolvable without a fetcher, and never touches the network', async () => {
    await expect(new DidKeyResolver().resolve('did:web:registry.gov.tt')).rejects.toBeInstanceOf(TradewindError);
  });

  it('refuses a fetched document whose id is another DID', async () => {
    const dids = new DidKeyResolver({ didWebFetcher: async () => ({ id: 'did:web:evil.example' }) });
    await expect(dids.resolve('did:web:registry.gov.tt')).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
  });
});
