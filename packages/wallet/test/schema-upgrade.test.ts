// A wallet written by schema 1 (test/fixtures/wallet-schema-1.sqlite, made by the wallet of
// 3fbc539): it held a JwtProof2020 credential with the wrapper's claims ("Mallory") and
// one ES256 credential twice (two signatures over the same content). Opening it upgrades
// it in place to schema 2.
import { copyFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './fixtures.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/wallet-schema-1.sqlite', import.meta.url));
const facts = JSON.parse(readFileSync(`${FIXTURE}.json`, 'utf8')) as {
  secret: string;
  holder: string;
  ids: Record<'bare' | 'wrapped' | 'enveloped' | 'es1' | 'es2', { id: string }>;
  jwts: Record<'bare' | 'jwtVc' | 'envJwt' | 'es1' | 'es2', string>;
};
const tmp = tempDir();
const path = tmp.file('old.db');
let wallet: Wallet;

beforeAll(async () => {
  copyFileSync(FIXTURE, path);
  wallet = await openWallet({ path, secret: facts.secret, create: false });
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

describe('a schema 1 wallet', () => {
  it('opens, upgrades and stays sound, with its DIDs', async () => {
    expect(await wallet.integrityCheck()).toBe('ok');
    expect((await wallet.listDids()).map((d) => d.did)).toEqual([facts.holder]);
  });

  it('keeps one copy of a credential it held twice (re-signed ES256)', async () => {
    expect(await wallet.count()).toBe(4);
    const a = await wallet.get(facts.ids.es1.id);
    const b = await wallet.get(facts.ids.es2.id);
    expect(b.id).toBe(a.id);
    expect(await wallet.find({ type: 'ResidencePermit' })).toHaveLength(1);
  });

  it('no longer returns the unverified claims of a JwtProof2020 wrapper: the credential is its JWT', async () => {
    const c = await wallet.get(facts.ids.wrapped.id);
    expect(JSON.stringify(c)).not.toContain('Mallory');
    expect(c.credential).toBe(facts.jwts.jwtVc);
    expect(c.raw).toBe(facts.jwts.jwtVc);
  });

  it('rebuilds an envelope around its JWT and keeps bare JWTs as they were', async () => {
    const env = await wallet.get(facts.ids.enveloped.id);
    expect(env.raw).toBe(facts.jwts.envJwt);
    expect(env.credential).toEqual({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: `data:application/vc+jwt,${facts.jwts.envJwt}`,
      type: 'EnvelopedVerifiableCredential',
    });
    expect((await wallet.get(facts.ids.bare.id)).raw).toBe(facts.jwts.bare);
  });

  it('answers to the old ids and the new ones, and knows a re-received credential', async () => {
    const bare = await wallet.get(facts.ids.bare.id);
    expect(bare.id).not.toBe(facts.ids.bare.id);
    expect((await wallet.get(bare.id)).raw).toBe(facts.jwts.bare);
    const again = await wallet.receive(facts.jwts.bare);
    expect(again.added).toBe(false);
    expect(again.credential.id).toBe(bare.id);
    await wallet.delete(facts.ids.enveloped.id);
    expect(await wallet.count()).toBe(3);
  });

  it('keeps answering to the old ids in a wallet restored from its backup', async () => {
    const restored = await openWallet({ path: tmp.file('restored.db'), secret: 'another', kdf: { N: 1024, r: 8, p: 1 } });
    try {
      await restored.importBackup(await wallet.exportBackup('pass', { kdf: { log2N: 10, r: 8, p: 1 } }), 'pass');
      expect((await restored.get(facts.ids.bare.id)).raw).toBe(facts.jwts.bare);
      expect((await restored.get(facts.ids.es2.id)).id).toBe((await wallet.get(facts.ids.es1.id)).id);
    } finally {
      await restored.close();
    }
  });

  it('opens again without changing anything', async () => {
    const before = await wallet.list();
    const again = await openWallet({ path, secret: facts.secret, create: false });
    try {
      expect(await again.list()).toEqual(before);
    } finally {
      await again.close();
    }
  });
});
