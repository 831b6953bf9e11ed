import { TradewindError } from '@tradewind/core';
import { verifyPresentation } from '@tradewind/verifier';
import { BACKUP_MAGIC, openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, jwtVc, SECRET, TEST_BACKUP_KDF, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
const tt = issuer('key');
let source: Wallet;
let backup: Buffer;
let holders: string[];
let ids: string[];
const PASS = 'long passphrase for the backup';
let n = 0;
const fresh = () => openWallet({ path: tmp.file(`fresh-${n++}.db`), secret: 'another secret', kdf: TEST_KDF });

beforeAll(async () => {
  source = await openWallet({ path: tmp.file('source.db'), secret: SECRET, kdf: TEST_KDF });
  holders = [
    (await source.createDid({ method: 'key', keyType: 'Ed25519' })).did,
    (await source.createDid({ method: 'jwk', keyType: 'P-256' })).did,
  ];
  ids = await source.receiveAll([
    await vcJwt(tt, holders[0] as string, { type: 'NationalIdCredential' }),
    await jwtVc(tt, holders[1] as string, { type: 'DrivingPermit' }),
  ]);
  await source.receive({
    '@context': 'https://www.w3.org/ns/credentials/v2',
    id: `data:application/vc+jwt,${await vcJwt(tt, holders[0] as string, { type: 'Passport' })}`,
    type: 'EnvelopedVerifiableCredential',
  });
  backup = await source.exportBackup(PASS, { kdf: TEST_BACKUP_KDF });
});
afterAll(async () => {
  await source.close();
  tmp.cleanup();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

async function expectUntouched(w: Wallet): Promise<void> {
  expect(await w.count()).toBe(0);
  expect(await w.listDids()).toEqual([]);
}

describe('backup', () => {
  it('writes the documented header: magic, version, KDF parameters', () => {
    expect(backup.subarray(0, 8).equals(BACKUP_MAGIC)).toBe(true);
    expect([backup[8], backup[9], backup[10], backup[11], backup[12]]).toEqual([1, 1, 10, 8, 1]);
  });

  it('restores keys, DIDs and credentials into an empty wallet with another secret', async () => {
    const w = await fresh();
    try {
      const summary = await w.importBackup(backup, PASS);
      expect(summary.credentials).toBe(3);
      expect(summary.dids.sort()).toEqual([...holders].sort());
      expect((await w.listDids()).map((d) => d.did).sort()).toEqual([...holders].sort());
      const before = await source.list();
      const after = await w.list();
      expect(after).toEqual(before);
      expect((await w.find({ type: 'Passport' }))[0]?.credential).toEqual((await source.find({ type: 'Passport' }))[0]?.credential);
      // The restored keys sign: a presentation from the restored wallet verifies.
      const vp = await w.present({ credentials: [ids[1] as string], audience: 'https://bank.example.jm', nonce: 'abc' });
      expect((await verifyPresentation(vp, { audience: 'https://bank.example.jm', nonce: 'abc' })).verified).toBe(true);
    } finally {
      await w.close();
    }
  });

  it('refuses a wrong passphrase with BACKUP_INVALID and leaves the wallet untouched', async () => {
    const w = await fresh();
    try {
      expect(await codeOf(w.importBackup(backup, 'wrong passphrase'))).toBe('BACKUP_INVALID');
      await expectUntouched(w);
    } finally {
      await w.close();
    }
  });

  it('refuses a file with any changed byte (header, salt, iv, tag, ciphertext) with BACKUP_INVALID', async () => {
    const w = await fresh();
    try {
      for (const offset of [0, 8, 9, 11, 12, 20, 33, 45, 60, backup.length - 1]) {
        const damaged = Buffer.from(backup);
        damaged[offset] = (damaged[offset] as number) ^ 0x01;
        expect(await codeOf(w.importBackup(damaged, PASS))).toBe('BACKUP_INVALID');
      }
      await expectUntouched(w);
    } finally {
      await w.close();
    }
  });

  it('refuses a truncated file, an empty file and a file that is not a backup with BACKUP_INVALID', async () => {
    const w = await fresh();
    try {
      expect(await codeOf(w.importBackup(backup.subarray(0, backup.length - 10), PASS))).toBe('BACKUP_INVALID');
      expect(await codeOf(w.importBackup(backup.subarray(0, 30), PASS))).toBe('BACKUP_INVALID');
      expect(await codeOf(w.importBackup(new Uint8Array(0), PASS))).toBe('BACKUP_INVALID');
      expect(await codeOf(w.importBackup(Buffer.from('{"dids":[],"credentials":[]}'), PASS))).toBe('BACKUP_INVALID');
      await expectUntouched(w);
    } finally {
      await w.close();
    }
  });

  it('refuses an unknown version and out-of-range KDF cost before deriving a key', async () => {
    const w = await fresh();
    try {
      const v2 = Buffer.from(backup);
      v2[8] = 2;
      expect(await codeOf(w.importBackup(v2, PASS))).toBe('BACKUP_INVALID');
      const costly = Buffer.from(backup);
      costly[10] = 40; // N = 2^40 would exhaust memory
      const started = Date.now();
      expect(await codeOf(w.importBackup(costly, PASS))).toBe('BACKUP_INVALID');
      expect(Date.now() - started).toBeLessThan(1000);
      await expectUntouched(w);
    } finally {
      await w.close();
    }
  });

  it('refuses a hostile 73-byte header asking for a 2 GiB scrypt with BACKUP_INVALID, before deriving any key', async () => {
    const hostile = (log2N: number, r: number, p: number) =>
      Buffer.concat([BACKUP_MAGIC, Buffer.from([1, 1, log2N, r, p]), Buffer.alloc(28, 7), Buffer.alloc(16), Buffer.alloc(16)]);
    expect(hostile(20, 16, 1)).toHaveLength(73);
    const w = await fresh();
    try {
      const started = performance.now();
      // Every parameter set the wallet does not write: N = 2^20 with r = 16 is 2 GiB.
      for (const [log2N, r, p] of [
        [20, 16, 1],
        [18, 8, 1],
        [17, 9, 1],
        [17, 8, 2],
        [15, 1, 1],
        [15, 8, 4],
        [9, 8, 1],
        [255, 255, 255],
      ] as const) {
        expect(await codeOf(w.importBackup(hostile(log2N, r, p), PASS))).toBe('BACKUP_INVALID');
      }
      // Less than one honest key derivation at the smallest cost the wallet writes.
      expect(performance.now() - started).toBeLessThan(250);
      await expectUntouched(w);
    } finally {
      await w.close();
    }
  });

  it('writes only the KDF parameters it reads back (log2N 10..17, r 8, p 1)', async () => {
    for (const kdf of [
      { log2N: 18, r: 8, p: 1 },
      { log2N: 15, r: 16, p: 1 },
      { log2N: 15, r: 8, p: 2 },
    ]) {
      expect(await codeOf(source.exportBackup(PASS, { kdf }))).toBe('INVALID_ARGUMENT');
    }
  });

  it('restores into an empty wallet only (INVALID_ARGUMENT otherwise)', async () => {
    expect(await codeOf(source.importBackup(backup, PASS))).toBe('INVALID_ARGUMENT');
    expect(await source.count()).toBe(3);
  });

  it('refuses an empty passphrase and a non-byte input with INVALID_ARGUMENT', async () => {
    expect(await codeOf(source.exportBackup(''))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(source.exportBackup(PASS, { kdf: { log2N: 4, r: 8, p: 1 } }))).toBe('INVALID_ARGUMENT');
    const w = await fresh();
    try {
      expect(await codeOf(w.importBackup('file' as unknown as Uint8Array, PASS))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(w.importBackup(backup, ''))).toBe('INVALID_ARGUMENT');
    } finally {
      await w.close();
    }
  });

  it('uses a fresh salt and iv for every export', async () => {
    const again = await source.exportBackup(PASS, { kdf: TEST_BACKUP_KDF });
    expect(again.subarray(13, 41).equals(backup.subarray(13, 41))).toBe(false);
  });
});
