import { readdirSync } from 'node:fs';
import { TradewindError } from '@tradewind/core';
import { CredentialRejectedError, openWallet, restoreWallet, type Wallet } from '@tradewind/wallet';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealBackup } from '../src/backup/container.js';
import { issuer, SECRET, TEST_BACKUP_KDF, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
const tt = issuer('key');
let wallet: Wallet;
let path: string;

beforeAll(async () => {
  path = tmp.file('batch.db');
  wallet = await openWallet({ path, secret: SECRET, kdf: TEST_KDF });
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

const batch = (type: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => vcJwt(tt, `did:example:${type}-${i}`, { type })));

describe('batch import', () => {
  it('stores a whole batch and reports the ids in input order', async () => {
    const jwts = await batch('Whole', 50);
    const ids = await wallet.receiveAll(jwts);
    expect(ids).toHaveLength(50);
    expect((await wallet.find({ type: 'Whole' })).map((c) => c.raw)).toEqual(jwts);
    expect(await Promise.all(ids.map(async (id) => (await wallet.get(id)).raw))).toEqual(jwts);
  });

  it('stores nothing of a batch in which one credential fails, and lists every refused one', async () => {
    const jwts = await batch('Mixed', 20);
    jwts[7] = await vcJwt(tt, 'did:example:x', {
      type: 'Mixed',
      validFrom: new Date('2020-01-01T00:00:00Z'),
      validUntil: new Date('2021-01-01T00:00:00Z'),
    });
    jwts[13] = 'garbage';
    const before = await wallet.count();
    const error = await wallet.receiveAll(jwts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialRejectedError);
    const rejected = error as CredentialRejectedError;
    expect(rejected.code).toBe('EXPIRED');
    expect(rejected.rejected.map((r) => [r.index, r.errors[0]?.code])).toEqual([
      [7, 'EXPIRED'],
      [13, 'MALFORMED'],
    ]);
    expect(rejected.errors.map((e) => e.path?.split('/')[1])).toEqual(['7', '13']);
    expect(await wallet.count()).toBe(before);
    expect(await wallet.find({ type: 'Mixed' })).toEqual([]);
  });

  it('stores a credential repeated in one batch once', async () => {
    const [jwt] = await batch('Repeated', 1);
    const ids = await wallet.receiveAll([jwt as string, jwt as string]);
    expect(ids[0]).toBe(ids[1]);
    expect(await wallet.find({ type: 'Repeated' })).toHaveLength(1);
  });

  it('commits concurrent receives together and reports duplicates as not added', async () => {
    const jwts = await batch('Concurrent', 40);
    const results = await Promise.all([...jwts, ...jwts.slice(0, 10)].map((j) => wallet.receive(j)));
    expect(results.filter((r) => r.added)).toHaveLength(40);
    expect(await wallet.find({ type: 'Concurrent' })).toHaveLength(40);
  });

  it('stores what verifyAll verified, and refuses entries that did not verify', async () => {
    const jwts = await batch('PreVerified', 10);
    const checked = await wallet.verifyAll(jwts);
    const ids = await wallet.storeVerified(checked);
    expect(ids).toHaveLength(10);
    const failed = await wallet.verifyAll(['garbage']);
    const error = await wallet.storeVerified(failed).catch((e: unknown) => e);
    expect((error as TradewindError).code).toBe('INVALID_ARGUMENT');
  });

  it('refuses a batch that is not an array with INVALID_ARGUMENT', async () => {
    const error = await wallet.receiveAll('x' as unknown as string[]).catch((e: unknown) => e);
    expect((error as TradewindError).code).toBe('INVALID_ARGUMENT');
  });
});

describe('readers during a write (WAL)', () => {
  it('keeps answering queries, from committed data only, while another connection holds a write open', async () => {
    const committed = await wallet.receiveAll(await batch('BeforeWrite', 3));
    const other = new sqlite3.Database(path);
    const exec = (sql: string) => new Promise<void>((resolve, reject) => other.exec(sql, (e) => (e ? reject(e) : resolve())));
    try {
      await exec('BEGIN IMMEDIATE');
      await exec(`INSERT INTO wallet_credential (id, raw, raw_kind, format, issuer, types, received_at)
                  VALUES ('in-flight', 'x.y.z', 'jwt', 'vc+jwt', 'did:example:i', '["VerifiableCredential","InFlight"]', 0)`);
      // The write is in progress (uncommitted, lock held): reads still work and do not see it.
      expect((await wallet.find({ type: 'BeforeWrite' })).map((c) => c.id)).toEqual(committed);
      expect(await wallet.find({ type: 'InFlight' })).toEqual([]);
      await expect(wallet.get('in-flight')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await exec('ROLLBACK');
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe('restore failing halfway', () => {
  it('removes what it imported and leaves the wallet empty', async () => {
    const target = await openWallet({ path: tmp.file('half.db'), secret: SECRET, kdf: TEST_KDF });
    try {
      const source = await openWallet({ path: tmp.file('half-source.db'), secret: SECRET, kdf: TEST_KDF });
      await source.createDid();
      const good = JSON.parse(JSON.stringify(await (await import('../src/holder-keys.js')).exportDids(source.agent)));
      await source.close();
      // The second DID's key has a type no key manager here can import: the restore
      // fails after the first DID is in.
      const broken = { ...good[0], did: 'did:example:broken', keys: [{ ...good[0].keys[0], kid: 'broken-key', type: 'Bls12381G2' }] };
      const file = await sealBackup(
        { type: 'tradewind-wallet-backup', version: 1, createdAt: new Date().toISOString(), dids: [good[0], broken], credentials: [] },
        'pass',
        TEST_BACKUP_KDF,
      );
      const error = await target.importBackup(file, 'pass').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TradewindError);
      expect((error as TradewindError).code).toBe('BACKUP_INVALID');
      expect(await target.listDids()).toEqual([]);
      expect(await target.count()).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('restoreWallet leaves no file behind when the restore fails after the database was created', async () => {
    const source = await openWallet({ path: tmp.file('rw-source.db'), secret: SECRET, kdf: TEST_KDF });
    await source.createDid();
    const [good] = JSON.parse(JSON.stringify(await (await import('../src/holder-keys.js')).exportDids(source.agent)));
    await source.close();
    const file = await sealBackup(
      {
        type: 'tradewind-wallet-backup',
        version: 2,
        createdAt: new Date().toISOString(),
        dids: [good, { ...good, did: 'did:example:broken', keys: [{ ...good.keys[0], kid: 'broken-key', type: 'Bls12381G2' }] }],
        credentials: [],
      },
      'pass',
      TEST_BACKUP_KDF,
    );
    const target = tmp.file('restore-wallet.db');
    const error = await restoreWallet({ path: target, secret: SECRET, kdf: TEST_KDF }, file, 'pass').catch((e: unknown) => e);
    expect((error as TradewindError).code).toBe('BACKUP_INVALID');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('restore-wallet.db'))).toEqual([]);
    const refused = await restoreWallet({ path: target, secret: SECRET }, file, 'wrong').catch((e: unknown) => e);
    expect((refused as TradewindError).code).toBe('BACKUP_INVALID');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('restore-wallet.db'))).toEqual([]);
  });

  it('keeps the wallet empty when a storage fault stops the restore after its DIDs, and the retry completes it', async () => {
    const source = await openWallet({ path: tmp.file('fault-source.db'), secret: SECRET, kdf: TEST_KDF });
    const targetPath = tmp.file('fault.db');
    const target = await openWallet({ path: targetPath, secret: SECRET, kdf: TEST_KDF });
    const other = new sqlite3.Database(targetPath);
    const exec = (sql: string) => new Promise<void>((resolve, reject) => other.exec(sql, (e) => (e ? reject(e) : resolve())));
    try {
      const holder = (await source.createDid()).did;
      await source.receiveAll(await batch('FaultRestore', 5));
      await source.receive(await vcJwt(tt, holder, { type: 'FaultRestore' }));
      const file = await source.exportBackup('pass', { kdf: TEST_BACKUP_KDF });
      // A real SQLite failure at the critical point: the DIDs and keys are written, the credentials are not.
      await exec(`CREATE TRIGGER fault BEFORE INSERT ON wallet_credential BEGIN SELECT RAISE(ABORT, 'simulated I/O fault'); END;`);
      const error = await target.importBackup(file, 'pass').catch((e: unknown) => e);
      expect((error as TradewindError).code).toBe('STORAGE_ERROR');
      expect(await target.listDids()).toEqual([]);
      expect(await target.count()).toBe(0);
      await exec('DROP TRIGGER fault');
      expect(await target.importBackup(file, 'pass')).toEqual({ dids: [holder], credentials: 6 });
      expect((await target.listDids()).map((d) => d.did)).toEqual([holder]);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
      await source.close();
      await target.close();
    }
  });
});
