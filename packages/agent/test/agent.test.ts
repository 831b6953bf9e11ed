import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, type TradewindAgent } from '@tradewind/agent';
import { base64urlDecode, DidKeyResolver, TradewindError, utf8Encode } from '@tradewind/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Cheap KDF in tests; the cost is stored per database, the default is the production one.
const kdf = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-agent-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verifyJws(jws: string, jwk: object): boolean {
  const [h, p, s] = jws.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string };
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  const data = utf8Encode(`${h}.${p}`);
  const sig = base64urlDecode(s) as Uint8Array;
  return header.alg === 'EdDSA' ? verify(null, data, key, sig) : verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
}

function readIfThere(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

describe('openAgent', () => {
  it('creates did:key, did:jwk and did:web DIDs with Ed25519 and P-256 keys and lists them', async () => {
    const agent = await openAgent({ path: join(dir, 'dids.db'), secret: 's3cret', kdf });
    try {
      const edKey = await agent.createDid({ method: 'key', keyType: 'Ed25519' });
      const p256Key = await agent.createDid({ method: 'key', keyType: 'P-256' });
      const jwk = await agent.createDid({ method: 'jwk', keyType: 'P-256' });
      const web = await agent.createDid({ method: 'web', keyType: 'Ed25519', domain: 'registry.gov.example' });
      expect(edKey.did).toMatch(/^did:key:z6Mk/);
      expect(p256Key.did).toMatch(/^did:key:zDn/);
      expect(jwk.did).toMatch(/^did:jwk:/);
      expect(web.did).toBe('did:web:registry.gov.example');
      expect((await agent.listDids()).map((d) => d.did).sort()).toEqual([edKey.did, p256Key.did, jwk.did, web.did].sort());

      // The did:key DIDs resolve (independently of Veramo) to the key the agent signs with.
      const resolver = new DidKeyResolver();
      for (const d of [edKey, p256Key, jwk]) {
        const resolved = await resolver.keyFor(d.did, d.verificationMethod, 'assertionMethod');
        expect(resolved.jwk).toMatchObject({ x: d.publicJwk.x, crv: d.publicJwk.crv });
      }
      const doc = await agent.didWebDocument(web.did);
      expect(doc.verificationMethod?.[0]?.publicKeyJwk).toEqual(web.publicJwk);
      expect(doc.assertionMethod).toEqual([web.verificationMethod]);
    } finally {
      await agent.close();
    }
  });

  it('encodes a P-256 did:jwk whose coordinates start with a zero byte with its own key', async () => {
    const agent = await openAgent({ path: join(dir, 'p256.db'), secret: 's3cret', kdf });
    try {
      // A key whose y coordinate starts with 0x00 (about 1 in 256): the case that
      // hex-from-bigint encoders get wrong.
      let privateKeyHex = '';
      for (;;) {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const jwk = privateKey.export({ format: 'jwk' });
        if (Buffer.from(jwk.y as string, 'base64url')[0] === 0) {
          privateKeyHex = Buffer.from(jwk.d as string, 'base64url').toString('hex');
          break;
        }
      }
      const key = await agent.veramo.keyManagerImport({ kms: 'local', type: 'Secp256r1', privateKeyHex });
      const identifier = await agent.veramo.didManagerCreate({ provider: 'did:jwk', kms: 'local', options: { keyRef: key.kid } });
      const d = await agent.getDid(identifier.did);
      const resolved = await new DidKeyResolver().keyFor(d.did, d.verificationMethod, 'assertionMethod');
      expect(resolved.jwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: d.publicJwk.x, y: d.publicJwk.y });
      expect(Buffer.from(resolved.jwk.y as string, 'base64url')).toHaveLength(32);
      expect(verifyJws(await agent.signJwt({}, { n: 1 }, d.keyId), resolved.jwk)).toBe(true);
    } finally {
      await agent.close();
    }
  });

  it('signs JWS with node:crypto: EdDSA and ES256 with raw r||s signatures', async () => {
    const agent = await openAgent({ path: join(dir, 'sign.db'), secret: 's3cret', kdf });
    try {
      for (const keyType of ['Ed25519', 'P-256'] as const) {
        const did = await agent.createDid({ keyType });
        const jws = await agent.signJwt({ typ: 'JWT', kid: did.verificationMethod }, { iss: did.did }, did.keyId);
        expect(JSON.parse(Buffer.from(jws.split('.')[0] as string, 'base64url').toString()).alg).toBe(did.alg);
        expect(base64urlDecode(jws.split('.')[2] as string)).toHaveLength(64);
        expect(verifyJws(jws, did.publicJwk)).toBe(true);
        // Veramo's own signing entry point reaches the same KMS.
        const sig = await agent.veramo.keyManagerSign({ keyRef: did.keyId, data: 'abc', encoding: 'utf-8' });
        expect(Buffer.from(sig, 'base64url')).toHaveLength(64);
      }
      const ed = await agent.createDid();
      await expect(agent.signJwt({ alg: 'ES256' }, {}, ed.keyId)).rejects.toMatchObject({ code: 'UNSUPPORTED_ALGORITHM' });
      await expect(agent.sign('no-such-key', new Uint8Array(1))).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    } finally {
      await agent.close();
    }
  });

  it('reopens with the same secret and signs with the stored keys', async () => {
    const path = join(dir, 'reopen.db');
    const first = await openAgent({ path, secret: 'correct horse', kdf });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const did = await first.createDid({ keyType: 'P-256' });
    await first.close();
    const second = await openAgent({ path, secret: 'correct horse', create: false });
    try {
      const jws = await second.signJwt({}, { n: 1 }, did.keyId);
      expect(verifyJws(jws, did.publicJwk)).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('rejects a wrong secret with WRONG_SECRET and leaves the file unchanged', async () => {
    const path = join(dir, 'wrong.db');
    const agent = await openAgent({ path, secret: 'right', kdf });
    await agent.createDid();
    await agent.close();
    const before = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    const error = await openAgent({ path, secret: 'wrong', kdf }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TradewindError);
    expect((error as TradewindError).code).toBe('WRONG_SECRET');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  it('stores no private key bytes in the database file, and exported keys sign as their DIDs in a database with another secret', async () => {
    const path = join(dir, 'leak.db');
    const agent = await openAgent({ path, secret: 'leak-test', kdf });
    const dids = [await agent.createDid({ keyType: 'Ed25519' }), await agent.createDid({ method: 'jwk', keyType: 'P-256' })];
    const exported = await agent.exportKeys(dids.map((d) => d.keyId));
    expect(exported.map((k) => [k.kid, k.type])).toEqual([
      [dids[0]?.keyId, 'Ed25519'],
      [dids[1]?.keyId, 'Secp256r1'],
    ]);
    // Without kids: every key of the database.
    expect((await agent.exportKeys()).map((k) => k.kid).sort()).toEqual(dids.map((d) => d.keyId).sort());
    const identifiers = await Promise.all(dids.map((d) => agent.veramo.didManagerGet({ did: d.did })));
    await expect(agent.exportKeys(['no-such-key'])).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    await agent.close();
    await expect(agent.exportKeys()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    // Into a fresh database with a different secret, through Veramo's import.
    const copyPath = join(dir, 'leak-copy.db');
    const copy = await openAgent({ path: copyPath, secret: 'another secret', kdf });
    try {
      for (const id of identifiers) {
        await copy.veramo.didManagerImport({
          did: id.did,
          provider: id.provider,
          keys: id.keys.map((k) => {
            const key = exported.find((e) => e.kid === k.kid);
            expect(key?.publicKeyHex).toBe(k.publicKeyHex);
            return { kid: k.kid, kms: 'local', type: k.type, privateKeyHex: key?.privateKeyHex as string };
          }),
          services: [],
        });
      }
      for (const d of dids) {
        const imported = await copy.getDid(d.did);
        expect(imported.publicJwk).toEqual(d.publicJwk);
        expect(verifyJws(await copy.signJwt({ kid: imported.verificationMethod }, { iss: d.did }, imported.keyId), d.publicJwk)).toBe(true);
      }
    } finally {
      await copy.close();
    }

    for (const file of [path, copyPath]) {
      const haystacks = [readFileSync(file), readIfThere(`${file}-wal`)];
      for (const key of exported) {
        // Ed25519 keys are stored as seed || public key: look for the secret seed alone.
        const raw = Buffer.from(key.privateKeyHex, 'hex').subarray(0, 32);
        for (const haystack of haystacks) {
          expect(haystack.includes(raw)).toBe(false);
          for (const form of [raw.toString('hex'), raw.toString('hex').toUpperCase(), raw.toString('base64'), raw.toString('base64url')]) {
            expect(haystack.includes(Buffer.from(form))).toBe(false);
          }
        }
      }
    }
  });

  it('reports a missing database with NOT_FOUND and bad arguments with INVALID_ARGUMENT', async () => {
    await expect(openAgent({ path: join(dir, 'absent.db'), secret: 'x', create: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(openAgent({ path: join(dir, 'x.db'), secret: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const agent: TradewindAgent = await openAgent({ path: join(dir, 'args.db'), secret: 'x', kdf });
    try {
      await expect(agent.createDid({ method: 'web' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(agent.createDid({ keyType: 'secp256k1' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(agent.getDid('did:key:z6MkunknownXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    } finally {
      await agent.close();
    }
  });
});
