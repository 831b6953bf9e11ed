// Two instances of the issuer on one database doing the same thing at the same moment
// (each Issuer has its own connections, as separate processes would): on SQLite they
// queue on the write lock, on PostgreSQL (issuer-postgres project) their READ COMMITTED
// transactions run side by side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KDF as kdf, testDatabase } from './helpers/temp-issuer.js';

const BASE = 'https://registry.gov.example/status';
const secret = 'race secret';
let dir: string;
const opened: Issuer[] = [];

async function open(database: string, extra: Record<string, unknown> = {}): Promise<Issuer> {
  const issuer = await openIssuer({ database, secret, kdf, statusListBaseUrl: BASE, ...extra });
  opened.push(issuer);
  return issuer;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-races-'));
});

afterAll(async () => {
  for (const issuer of opened) await issuer.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('two instances racing on one database', () => {
  it('two rotations of one did:web DID at once: one key current, every other retired in one chain, nothing orphaned', async () => {
    const database = await testDatabase(dir, 'rotate');
    const a = await open(database);
    const { did } = await a.createDid({ method: 'web', domain: 'registry.gov.example' });
    const b = await open(database);
    const results = await Promise.allSettled([a.rotateKey(did), b.rotateKey(did)]);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(TradewindError);
    const rotated = results.filter((r) => r.status === 'fulfilled').length;
    expect(rotated).toBeGreaterThan(0);
    const c = await open(database);
    const [current, ...retired] = await c.signingKeys(did);
    expect(current?.state).toBe('current');
    expect(retired.map((k) => k.state)).toEqual(retired.map(() => 'retired'));
    // Every key stored for the DID is the current one or a retired one: none left aside.
    const stored = (await c.agent.query(`SELECT "kid" FROM "key" WHERE "identifierDid" = ?`, [did])) as Array<{ kid: string }>;
    expect(stored).toHaveLength(1 + rotated);
    expect(retired).toHaveLength(rotated);
    // Each rotation retired the key the other had made current, never the same key twice.
    const metas = (await c.agent.query(`SELECT "kid", "meta" FROM "key" WHERE "identifierDid" = ?`, [did])) as Array<{
      kid: string;
      meta: string;
    }>;
    const replacedBy = metas.map((m) => (JSON.parse(m.meta) as { replacedBy?: string }).replacedBy).filter((k) => k !== undefined);
    expect(new Set(replacedBy).size).toBe(rotated);
    // The instances that rotated sign with the key the database holds as current.
    for (const issuer of [a, b]) {
      const issued = await issuer.issue({ issuer: did, type: 'RaceCredential', credentialSubject: { id: 'did:example:x' } });
      const kid = JSON.parse(Buffer.from(issued.jwt.split('.')[0] as string, 'base64url').toString()).kid;
      expect(kid).toBe(current?.verificationMethod);
    }
  });

  it('two instances creating the first DIDs of a new database at once agree on the default issuer, and so does a later open', async () => {
    const database = await testDatabase(dir, 'default_did');
    const [a, b] = await Promise.all([open(database), open(database)]);
    const [da, db] = await Promise.all([a.createDid(), b.createDid()]);
    expect(da.did).not.toBe(db.did);
    expect([da.did, db.did]).toContain(a.defaultDid);
    expect(b.defaultDid).toBe(a.defaultDid);
    const c = await open(database);
    expect(c.defaultDid).toBe(a.defaultDid);
    // What each issues without naming an issuer is signed by that one DID.
    for (const issuer of [a, b]) {
      const issued = await issuer.issue({ type: 'RaceCredential', credentialSubject: { id: 'did:example:y' } });
      expect(issued.issuer).toBe(c.defaultDid);
    }
  });

  it('one record key issued through two instances at once: one credential, the other ALREADY_EXISTS naming the record key', async () => {
    const database = await testDatabase(dir, 'record_key');
    const a = await open(database);
    await a.createDid();
    const b = await open(database);
    const request = { recordKey: 'civil-2026-000042', type: 'RaceCredential', credentialSubject: { id: 'did:example:z' } };
    const results = await Promise.allSettled([a.issue(request), b.issue(request)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(TradewindError);
    expect(refused.reason).toMatchObject({ code: 'ALREADY_EXISTS', path: '/recordKey' });
    expect(await a.log({ type: 'RaceCredential' })).toHaveLength(1);
  });

  it('the same extract run through two instances at once: every record issued once, each run skipping what the other issued', async () => {
    const database = await testDatabase(dir, 'batch');
    const a = await open(database);
    await a.createDid();
    const b = await open(database);
    const text = Array.from({ length: 40 }, (_, i) => JSON.stringify({ recordKey: `r-${i}`, subjectId: `did:example:r${i}` })).join('\n');
    const options = { type: 'RaceCredential', transactionSize: 5 };
    const [ra, rb] = await Promise.all([
      a.issueBatch({ text, format: 'jsonl' }, options),
      b.issueBatch({ text, format: 'jsonl' }, options),
    ]);
    expect(ra.invalidCount + rb.invalidCount).toBe(0);
    expect(ra.issued + rb.issued).toBe(40);
    expect(ra.issued + ra.skipped).toBe(40);
    expect(rb.issued + rb.skipped).toBe(40);
    const log = await a.log({ type: 'RaceCredential' });
    expect(log.map((l) => l.recordKey).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `r-${i}`).sort());
  });

  it('one did:web DID created through two instances at once: one DID with one key, the other instance told it exists', async () => {
    const database = await testDatabase(dir, 'did_web');
    const [a, b] = await Promise.all([open(database), open(database)]);
    const domain = 'civil.registry.gov.example';
    const results = await Promise.allSettled([a.createDid({ method: 'web', domain }), b.createDid({ method: 'web', domain })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'ALREADY_EXISTS' });
    const did = `did:web:${domain}`;
    const keys = (await a.agent.query(`SELECT "kid" FROM "key" WHERE "identifierDid" = ?`, [did])) as unknown[];
    expect(keys).toHaveLength(1);
    // The losing instance's new key is not left behind in the database, attached to nothing.
    const stray = (await a.agent.query(`SELECT "kid" FROM "key" WHERE "identifierDid" IS NULL`)) as unknown[];
    expect(stray).toHaveLength(0);
    const c = await open(database);
    const [only] = await c.signingKeys(did);
    expect((await c.didWebDocument(did)).verificationMethod).toHaveLength(1);
    // Both instances sign with that key.
    for (const issuer of [a, b]) {
      const issued = await issuer.issue({ issuer: did, type: 'RaceCredential', credentialSubject: { id: 'did:example:w' } });
      expect(JSON.parse(Buffer.from(issued.jwt.split('.')[0] as string, 'base64url').toString()).kid).toBe(only?.verificationMethod);
    }
  });

  it('a key rotation through one instance while another issues: nothing is signed with a key dated after its retirement', async () => {
    const database = await testDatabase(dir, 'rotate_issue');
    const a = await open(database);
    const b = await open(database);
    const tomorrow = new Date(Date.now() + 86_400_000);
    for (let round = 0; round < 8; round++) {
      const { did } = await a.createDid({ method: 'web', domain: `r${round}.registry.gov.example` });
      await a.issue({ issuer: did, type: 'Warm', credentialSubject: { id: 'did:example:warm' } }); // the key is cached
      const requests = Array.from({ length: 40 }, (_, n) => ({ issuer: did, type: 'RaceCredential', credentialSubject: { n } }));
      const [issued, rotation] = await Promise.allSettled([a.issueMany(requests, tomorrow), b.rotateKey(did)]);
      expect(issued.status).toBe('fulfilled');
      // A rotation that comes second is refused: the retired key would no longer cover what it signed.
      if (rotation.status === 'rejected') expect(rotation.reason).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/now' });
      const keys = await b.signingKeys(did);
      for (const credential of (issued as PromiseFulfilledResult<Awaited<ReturnType<Issuer['issueMany']>>>).value) {
        const kid = JSON.parse(Buffer.from(credential.jwt.split('.')[0] as string, 'base64url').toString()).kid;
        const key = keys.find((k) => k.verificationMethod === kid);
        expect(key, kid).toBeDefined();
        if (key?.state === 'retired') expect(Date.parse(credential.issuedAt)).toBeLessThan(Date.parse(key.retiredAt as string));
      }
    }
  });

  it('one credential revoked and suspended through two instances at once: each change made once, the list version moved once per change', async () => {
    const database = await testDatabase(dir, 'status');
    const a = await open(database);
    await a.createDid();
    const b = await open(database);
    const issued = await a.issueMany(
      Array.from({ length: 6 }, (_, n) => ({ type: 'RaceCredential', credentialSubject: { n }, status: ['revocation', 'suspension'] })),
    );
    const before = await a.statusListVersions();
    const changes = await Promise.all(
      issued.flatMap((c) => [a.revoke(c.id), b.revoke(c.id), a.suspend(c.id), b.suspend(c.id), b.revoke(c.id)]),
    );
    // Per credential and purpose exactly one call changed the bit.
    for (const c of issued)
      for (const purpose of ['revocation', 'suspension'])
        expect(changes.filter((x) => x.credentialId === c.id && x.purpose === purpose && x.changed)).toHaveLength(1);
    const after = await b.statusListVersions();
    const moved = [...after].reduce((sum, [id, v]) => sum + v - (before.get(id) ?? 0), 0);
    expect(moved).toBe(issued.length * 2);
    for (const logged of await b.log({ type: 'RaceCredential' })) expect([logged.revoked, logged.suspended]).toEqual([true, true]);
  });

  it('a rotation at the default time while another instance issues succeeds, and every credential verifies under its key period', async () => {
    const database = await testDatabase(dir, 'rotate_now');
    const a = await open(database);
    const b = await open(database);
    for (let round = 0; round < 4; round++) {
      const { did } = await a.createDid({ method: 'web', domain: `n${round}.registry.gov.example` });
      await a.issue({ issuer: did, type: 'Warm', credentialSubject: { id: 'did:example:warm' } });
      const requests = Array.from({ length: 150 }, (_, n) => ({ issuer: did, type: 'RaceCredential', credentialSubject: { n } }));
      const [issued, rotation] = await Promise.all([a.issueMany(requests), b.rotateKey(did)]);
      const keys = await b.signingKeys(did);
      expect(keys.find((k) => k.state === 'retired')?.verificationMethod).toBe(rotation.previous.verificationMethod);
      for (const credential of issued) {
        const kid = JSON.parse(Buffer.from(credential.jwt.split('.')[0] as string, 'base64url').toString()).kid;
        const key = keys.find((k) => k.verificationMethod === kid);
        expect(key, kid).toBeDefined();
        if (key?.state === 'retired')
          expect(Math.floor(Date.parse(credential.issuedAt) / 1000) * 1000).toBeLessThanOrEqual(Date.parse(key.retiredAt as string));
      }
    }
  });
});

describe('orders that SQLite gave for free', () => {
  it('lists DIDs in the order they were created, also after a rotation rewrote the first one', async () => {
    const database = await testDatabase(dir, 'did_order');
    const a = await open(database);
    const created = [
      (await a.createDid({ method: 'web', domain: 'first.registry.gov.example' })).did,
      (await a.createDid()).did,
      (await a.createDid({ method: 'jwk' })).did,
    ];
    await a.rotateKey(created[0] as string);
    await a.rotateKey(created[0] as string);
    const b = await open(database);
    expect((await b.listDids()).map((d) => d.did)).toEqual(created);
  });
});
