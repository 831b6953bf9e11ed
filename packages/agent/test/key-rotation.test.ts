// Rotating a did:web key: a new key with a new verification method id, the old one kept
// as retired, all in one transaction; other processes' agents pick the new key up.
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, RETIRED_AT_TERM, type TradewindAgent } from '@tradewind/agent';
import { jwkThumbprint } from '@tradewind/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-rotation-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(name: string): Promise<TradewindAgent> {
  return openAgent({ path: join(dir, name), secret: 's', kdf });
}

describe('rotateKey', () => {
  it('replaces the signing key, keeps the old one as retired with its period, and never reuses an id', async () => {
    const agent = await open('rotate.db');
    try {
      const first = await agent.createDid({ method: 'web', domain: 'registry.gov.example' });
      const t1 = new Date('2026-06-01T10:00:00.750Z');
      const one = await agent.rotateKey(first.did, { now: t1 });
      expect(one.previous).toMatchObject({
        keyId: first.keyId,
        verificationMethod: first.verificationMethod,
        retiredAt: '2026-06-01T10:00:00Z',
      });
      expect(one.previous).not.toHaveProperty('activeFrom');
      expect(one.did.keyId).not.toBe(first.keyId);
      expect(one.did.keyType).toBe('Ed25519');
      expect(one.did.activeFrom).toBe('2026-06-01T10:00:00Z');
      expect(one.did.verificationMethod).toBe(`${first.did}#${await jwkThumbprint(one.did.publicJwk)}`);
      expect(await agent.getDid(first.did)).toEqual(one.did);

      const two = await agent.rotateKey(first.did, { now: new Date('2026-09-01T00:00:00Z'), keyType: 'P-256' });
      expect(two.did.keyType).toBe('P-256');
      expect(two.did.alg).toBe('ES256');
      expect(two.did.retiredKeys?.map((k) => [k.verificationMethod, k.activeFrom, k.retiredAt])).toEqual([
        [one.did.verificationMethod, '2026-06-01T10:00:00Z', '2026-09-01T00:00:00Z'],
        [first.verificationMethod, undefined, '2026-06-01T10:00:00Z'],
      ]);
      const ids = [first, one.did, two.did].map((d) => d.verificationMethod);
      expect(new Set(ids).size).toBe(3);

      // The new key signs; its signature verifies with the public key the document lists.
      const jws = await agent.signJwt({ kid: two.did.verificationMethod }, { iss: first.did }, two.did.keyId);
      const doc = await agent.didWebDocument(first.did);
      expect(doc.verificationMethod?.map((vm) => vm.id)).toEqual([
        two.did.verificationMethod,
        one.did.verificationMethod,
        first.verificationMethod,
      ]);
      expect(doc.assertionMethod).toEqual([two.did.verificationMethod, one.did.verificationMethod, first.verificationMethod]);
      expect(doc.authentication).toEqual([two.did.verificationMethod]);
      expect(doc.verificationMethod?.map((vm) => (vm as Record<string, unknown>)[RETIRED_AT_TERM])).toEqual([
        undefined,
        '2026-09-01T00:00:00Z',
        '2026-06-01T10:00:00Z',
      ]);
      expect(JSON.stringify(doc['@context'])).toContain('https://tradewind.dev/ns#retiredAt');
      const [h, p, sig] = jws.split('.') as [string, string, string];
      const listed = createPublicKey({ key: doc.verificationMethod?.[0]?.publicKeyJwk as never, format: 'jwk' });
      expect(verify('sha256', Buffer.from(`${h}.${p}`), { key: listed, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))).toBe(
        true,
      );

      // Earlier than the current key's start: periods never overlap.
      await expect(agent.rotateKey(first.did, { now: new Date('2026-08-01T00:00:00Z') })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        path: '/now',
      });
      expect((await agent.getDid(first.did)).keyId).toBe(two.did.keyId);
    } finally {
      await agent.close();
    }
    // Reopened: the same keys and periods, read from the database.
    const again = await open('rotate.db');
    try {
      const did = (await again.listDids())[0];
      expect(did?.retiredKeys).toHaveLength(2);
      expect(did?.keyType).toBe('P-256');
    } finally {
      await again.close();
    }
  });

  it('refuses did:key and did:jwk DIDs (the DID is its key) and DIDs of another database', async () => {
    const agent = await open('self.db');
    try {
      for (const method of ['key', 'jwk'] as const) {
        const did = await agent.createDid({ method });
        await expect(agent.rotateKey(did.did)).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
          message: expect.stringContaining('create a new DID'),
        });
        expect(await agent.getDid(did.did)).toEqual(did);
      }
      await expect(agent.rotateKey('did:web:elsewhere.example')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const web = await agent.createDid({ method: 'web', domain: 'self.example' });
      await expect(agent.rotateKey(web.did, { keyType: 'RSA' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(agent.rotateKey(web.did, { now: new Date(Number.NaN) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((await agent.getDid(web.did)).retiredKeys).toBeUndefined();
    } finally {
      await agent.close();
    }
  });

  it('writes nothing when the rotation fails inside its transaction', async () => {
    const agent = await open('atomic.db');
    try {
      const web = await agent.createDid({ method: 'web', domain: 'atomic.example' });
      const count = async () => (await agent.dataSource.query(`SELECT COUNT(*) AS n FROM "private-key"`)) as Array<{ n: number }>;
      const before = await count();
      await expect(
        agent.rotateKey(web.did, {
          check: async () => {
            throw new Error('refused');
          },
        }),
      ).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
      expect(await count()).toEqual(before);
      const again = await agent.getDid(web.did);
      expect(again.keyId).toBe(web.keyId);
      expect(again.retiredKeys).toBeUndefined();
      expect(await agent.dataSource.query(`SELECT "meta" FROM "key" WHERE "kid" = ?`, [web.keyId])).toEqual([
        { meta: JSON.stringify({ verificationMethodId: 'jwk-thumbprint', algorithms: ['EdDSA', 'Ed25519'] }) },
      ]);
    } finally {
      await agent.close();
    }
  });

  it('orders keys retired within one second by what replaced what', async () => {
    const agent = await open('same-second.db');
    try {
      const first = await agent.createDid({ method: 'web', domain: 'fast.example' });
      const now = new Date('2026-07-01T00:00:00Z');
      const ids = [first.verificationMethod];
      for (let i = 0; i < 4; i++) ids.push((await agent.rotateKey(first.did, { now })).did.verificationMethod);
      const did = await agent.getDid(first.did);
      expect(did.verificationMethod).toBe(ids[4]);
      expect(did.retiredKeys?.map((k) => k.verificationMethod)).toEqual([ids[3], ids[2], ids[1], ids[0]]);
      expect(did.retiredKeys?.map((k) => k.retiredAt)).toEqual(Array(4).fill('2026-07-01T00:00:00Z'));
    } finally {
      await agent.close();
    }
  });

  it('stores the new private key encrypted, as createDid does', async () => {
    const path = join(dir, 'at-rest.db');
    const agent = await openAgent({ path, secret: 's', kdf });
    let privateKeyHex: string;
    try {
      const web = await agent.createDid({ method: 'web', domain: 'rest.example' });
      const { did } = await agent.rotateKey(web.did);
      [{ privateKeyHex }] = (await agent.exportKeys([did.keyId])) as [{ privateKeyHex: string }];
    } finally {
      await agent.close();
    }
    const seed = Buffer.from(privateKeyHex.slice(0, 64), 'hex');
    const files = [path, `${path}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
    for (const bytes of files) {
      for (const form of [
        seed,
        Buffer.from(seed.toString('hex')),
        Buffer.from(seed.toString('base64url')),
        Buffer.from(seed.toString('base64')),
      ])
        expect(bytes.includes(form)).toBe(false);
    }
    // Reopened with the secret, the new key signs.
    const again = await openAgent({ path, secret: 's', kdf });
    try {
      const current = await again.getDid('did:web:rest.example');
      await again.signJwt({ kid: current.verificationMethod }, {}, current.keyId);
    } finally {
      await again.close();
    }
  });

  it('an agent on the same file in another connection signs with the new key once it was rotated', async () => {
    const a = await open('shared.db');
    const web = await a.createDid({ method: 'web', domain: 'shared.example' });
    const b = await open('shared.db');
    try {
      expect((await b.getDid(web.did)).keyId).toBe(web.keyId);
      const { did } = await a.rotateKey(web.did);
      expect((await b.getDid(web.did)).keyId).toBe(web.keyId); // cached until it looks
      expect(await b.syncKeys()).toBe(true);
      expect((await b.getDid(web.did)).keyId).toBe(did.keyId);
      expect(await b.syncKeys()).toBe(false);
      // The new key's private key is readable by the other connection (stored encrypted).
      await b.signJwt({ kid: did.verificationMethod }, {}, did.keyId);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
