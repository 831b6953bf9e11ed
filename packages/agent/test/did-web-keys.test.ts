// A did:web DID outlives its keys: a rotated key must never take over its predecessor's
// verification method id, or verifiers and recognition lists cannot tell the keys apart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMS_NAME, openAgent, toManagedDid } from '@tradewind/agent';
import { jwkThumbprint } from '@tradewind/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-did-web-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('did:web verification method ids', () => {
  it('gives every new did:web key a verification method id of its own, derived from the key', async () => {
    // The same DID created twice, as an agency does when it moves to a new key (and database).
    const ids: string[] = [];
    for (const [i, keyType] of (['Ed25519', 'Ed25519', 'P-256'] as const).entries()) {
      const agent = await openAgent({ path: join(dir, `rotation-${i}.db`), secret: 's', kdf });
      try {
        const web = await agent.createDid({ method: 'web', keyType, domain: 'registry.gov.example' });
        expect(web.verificationMethod).toBe(`did:web:registry.gov.example#${await jwkThumbprint(web.publicJwk)}`);
        const doc = await agent.didWebDocument(web.did);
        expect(doc.verificationMethod?.map((vm) => vm.id)).toEqual([web.verificationMethod]);
        // Stable across reopening: the id is recomputed from the stored key and its marker.
        const again = await agent.listDids();
        expect(again.find((d) => d.did === web.did)?.verificationMethod).toBe(web.verificationMethod);
        ids.push(web.verificationMethod);
      } finally {
        await agent.close();
      }
    }
    expect(new Set(ids).size).toBe(3);
    const reopened = await openAgent({ path: join(dir, 'rotation-0.db'), secret: 's', kdf });
    try {
      expect((await reopened.getDid('did:web:registry.gov.example')).verificationMethod).toBe(ids[0]);
    } finally {
      await reopened.close();
    }
  });

  it('keeps #key-1 for a did:web DID created before ids were derived from keys', async () => {
    const agent = await openAgent({ path: join(dir, 'legacy.db'), secret: 's', kdf });
    try {
      // What createDid stored before: a did:web key without the verification method marker.
      const identifier = await agent.veramo.didManagerCreate({
        provider: 'did:web',
        kms: KMS_NAME,
        alias: 'old.gov.example',
        options: { keyType: 'Ed25519' },
      });
      expect(toManagedDid(identifier).verificationMethod).toBe('did:web:old.gov.example#key-1');
      expect((await agent.getDid('did:web:old.gov.example')).verificationMethod).toBe('did:web:old.gov.example#key-1');
    } finally {
      await agent.close();
    }
  });
});
