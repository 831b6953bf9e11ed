import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, testEngine } from '../../../test/support/database.js';
import { CLAIM_LEASE_MS, Oid4vciStore, randomToken, sha256, TX_CODE_ATTEMPTS } from '../src/oid4vci/store.js';
import { STATE_MIGRATIONS } from '../src/state-migrations.js';
import { StateStore } from '../src/state-store.js';

const SECRET = 'state concurrency test secret';
const HOUR = 3_600_000;

// Two service instances' state stores on one database (on PostgreSQL their transactions
// really run at once; on SQLite they queue on the file's lock): every single-use
// guarantee must hold across them.
describe(`the OpenID4VCI state shared by two instances (${testEngine()})`, () => {
  let dir: string;
  let a: StateStore;
  let b: StateStore;
  let stores: Oid4vciStore[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-state-race-'));
    const database = await testDatabase(dir, 'state');
    // Both start at once on the empty database: one creates the tables, the other finds them.
    [a, b] = await Promise.all([
      StateStore.open(database, { migrations: STATE_MIGRATIONS, migrate: 'refuse', poolSize: 8 }),
      StateStore.open(database, { migrations: STATE_MIGRATIONS, migrate: 'refuse', poolSize: 8 }),
    ]);
    stores = [new Oid4vciStore(a, SECRET), new Oid4vciStore(b, SECRET)];
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newOffer(txCode?: string, recordKey = `record-${randomToken()}`) {
    const store = stores[0] as Oid4vciStore;
    const offerId = randomToken();
    const idHash = sha256(offerId);
    const code = store.preAuthorizedCode(offerId);
    const now = Date.now();
    const created = await store.createOffer({
      id_hash: idHash,
      code_hash: sha256(code),
      credential_configuration_id: 'NationalIdCredential',
      request: '{}',
      record_key: recordKey,
      tx_code_hash: txCode === undefined ? null : store.txCodeHash(idHash, txCode),
      tx_code_length: txCode?.length ?? null,
      tx_code_input_mode: txCode === undefined ? null : 'numeric',
      created_at: now,
      expires_at: now + HOUR,
    });
    return { created, code, idHash };
  }

  it('recorded each migration once, though both instances started on the empty database at once', async () => {
    const rows = await a.all<{ name: string }>('SELECT name FROM service_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(STATE_MIGRATIONS.map((m) => m.name).sort());
  });

  it('redeems a pre-authorized code once when 16 redemptions race through both instances', async () => {
    const { code } = await newOffer();
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (stores[i % 2] as Oid4vciStore).redeem(code, undefined, now, HOUR)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(15);
    for (const r of refused) expect(r).toMatchObject({ ok: false, error: 'invalid_grant', reason: 'used' });
    expect(await a.get<{ n: number }>('SELECT count(*) AS n FROM oid4vci_token')).toMatchObject({ n: expect.any(Number) });
    const tokens = await a.all(
      'SELECT t.token_hash FROM oid4vci_token t JOIN oid4vci_offer o ON o.id_hash = t.offer_hash WHERE o.code_hash = ?',
      [sha256(code)],
    );
    expect(tokens).toHaveLength(1);
  });

  it(`counts every wrong transaction code of a race: ${TX_CODE_ATTEMPTS} are answered, then the offer is locked, also for the right one`, async () => {
    const { code, idHash } = await newOffer('123456');
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (stores[i % 2] as Oid4vciStore).redeem(code, String(900000 + i), now, HOUR)),
    );
    const reasons = results.map((r) => (r.ok ? 'ok' : r.reason));
    expect(reasons.filter((r) => r === 'tx_code_wrong')).toHaveLength(TX_CODE_ATTEMPTS);
    expect(reasons.filter((r) => r === 'tx_code_locked')).toHaveLength(12 - TX_CODE_ATTEMPTS);
    expect(await a.get('SELECT tx_code_attempts FROM oid4vci_offer WHERE id_hash = ?', [idHash])).toEqual({
      tx_code_attempts: TX_CODE_ATTEMPTS,
    });
    expect(await (stores[1] as Oid4vciStore).redeem(code, '123456', now, HOUR)).toMatchObject({ ok: false, reason: 'tx_code_locked' });
  });

  it('spends a c_nonce once when 16 requests race through both instances', async () => {
    const now = Date.now();
    const nonce = await (stores[0] as Oid4vciStore).createNonce(now, HOUR);
    const spent = await Promise.all(Array.from({ length: 16 }, (_, i) => (stores[i % 2] as Oid4vciStore).consumeNonce(nonce, now)));
    expect(spent.filter(Boolean)).toHaveLength(1);
  });

  it('claims an offer for issuance once when 16 credential requests race through both instances', async () => {
    const { idHash } = await newOffer();
    const now = Date.now();
    const claims = await Promise.all(Array.from({ length: 16 }, (_, i) => (stores[i % 2] as Oid4vciStore).claimIssuance(idHash, now)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('keeps one live offer per record key when 8 offers for it are created at once through both instances', async () => {
    const recordKey = `record-${randomToken()}`;
    const store = (i: number) => stores[i % 2] as Oid4vciStore;
    const now = Date.now();
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const idHash = sha256(randomToken());
        return store(i).createOffer({
          id_hash: idHash,
          code_hash: sha256(randomToken()),
          credential_configuration_id: 'NationalIdCredential',
          request: '{}',
          record_key: recordKey,
          tx_code_hash: null,
          tx_code_length: null,
          tx_code_input_mode: null,
          created_at: now,
          expires_at: now + HOUR,
        });
      }),
    );
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await a.all('SELECT id_hash FROM oid4vci_offer WHERE record_key = ?', [recordKey])).toHaveLength(1);
  });

  it('cleans up expired nonces and offers while 40 nonces and 16 offers are created at once through both instances', async () => {
    const past = Date.now() - HOUR;
    for (let i = 0; i < 50; i++)
      await a.run('INSERT INTO oid4vci_nonce (nonce_hash, created_at, expires_at) VALUES (?, ?, ?)', [
        sha256(randomToken()),
        past,
        past + 1,
      ]);
    const stale = await Promise.all(Array.from({ length: 20 }, () => newOffer()));
    const staleIds = stale.map((o) => o.idHash);
    for (const id of staleIds) await a.run('UPDATE oid4vci_offer SET expires_at = ? WHERE id_hash = ?', [past + 1, id]);
    const now = Date.now();
    const [nonces, offers] = await Promise.all([
      Promise.all(Array.from({ length: 40 }, (_, i) => (stores[i % 2] as Oid4vciStore).createNonce(now, HOUR))),
      Promise.all(Array.from({ length: 16 }, () => newOffer())),
    ]);
    expect(new Set(nonces).size).toBe(40);
    expect(offers.every((o) => o.created)).toBe(true);
    expect(await a.get('SELECT count(*) AS n FROM oid4vci_nonce WHERE expires_at <= ?', [now])).toEqual({ n: 0 });
    const kept = await a.all<{ request: string | null }>(
      `SELECT request FROM oid4vci_offer WHERE id_hash IN (${staleIds.map(() => '?').join(', ')})`,
      staleIds,
    );
    expect(kept).toHaveLength(20);
    expect(kept.every((r) => r.request === null)).toBe(true);
  });

  it('lets an offer whose claim was neither completed nor released be claimed again after CLAIM_LEASE_MS, never a completed one', async () => {
    const store = stores[1] as Oid4vciStore;
    const { idHash } = await newOffer();
    const now = Date.now();
    expect(await store.claimIssuance(idHash, now)).toBe(true);
    expect(await store.claimIssuance(idHash, now + CLAIM_LEASE_MS - 1)).toBe(false);
    expect(await store.claimIssuance(idHash, now + CLAIM_LEASE_MS)).toBe(true);
    await store.completeIssuance(idHash, 'urn:uuid:issued');
    expect(await store.claimIssuance(idHash, now + 10 * CLAIM_LEASE_MS)).toBe(false);
  });
});
