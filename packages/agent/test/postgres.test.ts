import { TradewindError } from '@tradewind/core';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type PostgresServer, startPostgres } from '../../../scripts/postgres.mjs';
import {
  applyMigrations,
  asStorageFailure,
  inspectMigrations,
  openAgent,
  parseDatabaseLocation,
  toPostgresPlaceholders,
} from '../src/index.js';

const KDF = { N: 2 ** 10, r: 8, p: 1 };

class AddWidgets1799000000000 implements MigrationInterface {
  name = 'AddWidgets1799000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "widget" ("id" integer PRIMARY KEY NOT NULL)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "widget"`);
  }
}

describe('database locations and SQL for both engines', () => {
  test('a postgres:// or postgresql:// URL is PostgreSQL, anything else a SQLite path; the display form has no password', () => {
    expect(parseDatabaseLocation('issuer.db')).toEqual({ engine: 'sqlite', path: 'issuer.db', display: 'issuer.db' });
    const pg = parseDatabaseLocation('postgres://issuer:s3cret@db.internal:5432/issuer?sslmode=require&password=other');
    expect(pg.engine).toBe('postgres');
    expect(pg.display).not.toContain('s3cret');
    expect(pg.display).not.toContain('other');
    expect(pg.display).toContain('issuer@db.internal:5432/issuer');
    expect(parseDatabaseLocation('POSTGRESQL://h/db').engine).toBe('postgres');
    expect(() => parseDatabaseLocation('')).toThrow(TradewindError);
    expect(() => parseDatabaseLocation('postgres://[bad')).toThrow(/not a valid PostgreSQL connection URL/);
  });

  test('? placeholders become $n outside literals, quoted identifiers and comments', () => {
    expect(toPostgresPlaceholders(`SELECT "a?" FROM "t" WHERE "k" = ? AND "v" <> '?''?' -- ?\n AND "x" IN (?, ?) /* ? */`)).toBe(
      `SELECT "a?" FROM "t" WHERE "k" = $1 AND "v" <> '?''?' -- ?\n AND "x" IN ($2, $3) /* ? */`,
    );
    expect(toPostgresPlaceholders('SELECT 1')).toBe('SELECT 1');
  });

  test('storage failures of either engine become typed errors, without the password', () => {
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    expect(asStorageFailure(unique, 'cannot insert')).toMatchObject({ code: 'ALREADY_EXISTS' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 postgres://u:pw@h/db'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    const failure = asStorageFailure(refused, 'cannot read', 'postgres://u@h/db') as TradewindError;
    expect(failure.code).toBe('STORAGE_ERROR');
    expect(failure.message).toContain('unreachable');
    expect(failure.message).not.toContain('pw');
    expect(asStorageFailure(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }), 'x')).toMatchObject({
      code: 'STORAGE_ERROR',
    });
    const noPassword = asStorageFailure(
      new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'),
      'cannot open',
      'postgres://u@h/db',
    );
    expect(noPassword).toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('PGPASSWORD') });
    const bug = new TypeError('x is undefined');
    expect(asStorageFailure(bug, 'x')).toBe(bug);
  });
});

describe('the agent on a real PostgreSQL server', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  test('creates, signs, rotates and reopens; transactions roll back as a whole', async () => {
    const url = await server.createDatabase();
    const agent = await openAgent({ database: url, secret: 's', kdf: KDF });
    expect(agent.engine).toBe('postgres');
    const did = await agent.createDid({ method: 'key' });
    const web = await agent.createDid({ method: 'web', domain: 'registry.gov.example' });
    const jwt = await agent.signJwt({ typ: 'JWT', kid: did.verificationMethod }, { iss: did.did }, did.keyId);
    expect(jwt.split('.')).toHaveLength(3);
    const { previous, did: rotated } = await agent.rotateKey(web.did);
    expect(previous.keyId).toBe(web.keyId);
    expect(rotated.keyId).not.toBe(web.keyId);
    expect(await agent.query(`SELECT COUNT(*) AS "n" FROM "key" WHERE "kid" <> ?`, ['none'])).toEqual([{ n: 3 }]);
    await expect(
      agent.transaction(async (q) => {
        await q(`INSERT INTO "tradewind_meta" ("key", "value") VALUES (?, ?)`, ['probe', '1']);
        await q(`INSERT INTO "tradewind_meta" ("key", "value") VALUES (?, ?)`, ['probe', '2']);
      }),
    ).rejects.toThrow();
    expect(await agent.query(`SELECT "value" FROM "tradewind_meta" WHERE "key" = ?`, ['probe'])).toEqual([]);
    await agent.close();

    const again = await openAgent({ database: url, secret: 's', migrate: 'refuse' });
    expect((await again.listDids()).map((d) => d.did).sort()).toEqual([did.did, web.did].sort());
    expect((await again.getDid(web.did)).keyId).toBe(rotated.keyId);
    await again.close();
    await expect(openAgent({ database: url, secret: 'wrong' })).rejects.toMatchObject({ code: 'WRONG_SECRET' });
  });

  test('several agents opening one empty database at once create it once (the schema lock)', async () => {
    const url = await server.createDatabase();
    const agents = await Promise.all([1, 2, 3, 4].map(() => openAgent({ database: url, secret: 's', kdf: KDF })));
    const [first] = agents;
    const created = await first?.createDid();
    for (const a of agents) expect((await a.listDids()).map((d) => d.did)).toEqual([created?.did]);
    await Promise.all(agents.map((a) => a.close()));
    const state = await inspectMigrations({ database: url });
    expect(state.pending).toEqual([]);
    expect(new Set(state.applied).size).toBe(state.applied.length);
  });

  test('pending migrations: refused with MIGRATION_REQUIRED, listed, applied once; a newer database is refused', async () => {
    const url = await server.createDatabase();
    await (await openAgent({ database: url, secret: 's', kdf: KDF })).close();
    const before = await inspectMigrations({ database: url, migrations: [AddWidgets1799000000000] });
    expect(before).toMatchObject({ engine: 'postgres', fresh: false, pending: ['AddWidgets1799000000000'], unknown: [] });
    await expect(openAgent({ database: url, secret: 's', migrate: 'refuse', migrations: [AddWidgets1799000000000] })).rejects.toMatchObject(
      {
        code: 'MIGRATION_REQUIRED',
        message: expect.stringContaining('AddWidgets1799000000000'),
      },
    );
    expect(await applyMigrations({ database: url, migrations: [AddWidgets1799000000000] })).toEqual(['AddWidgets1799000000000']);
    expect(await applyMigrations({ database: url, migrations: [AddWidgets1799000000000] })).toEqual([]);
    const agent = await openAgent({ database: url, secret: 's', migrate: 'refuse', migrations: [AddWidgets1799000000000] });
    expect(await agent.query(`SELECT COUNT(*) AS "n" FROM "widget"`)).toEqual([{ n: 0 }]);
    await agent.close();
    // Opened by this version without the widget migration: the database is newer than it.
    await expect(openAgent({ database: url, secret: 's' })).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining('newer'),
    });
    expect((await inspectMigrations({ database: url })).unknown).toEqual(['AddWidgets1799000000000']);
  });

  test('an unreachable server is STORAGE_ERROR naming the database, never its password', async () => {
    const port = server.port === 1 ? 2 : 1;
    const url = `postgres://tradewind:hunter2@127.0.0.1:${port}/issuer`;
    const error = (await openAgent({ database: url, secret: 's' }).catch((e: unknown) => e)) as TradewindError;
    expect(error).toBeInstanceOf(TradewindError);
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.message).toContain(`127.0.0.1:${port}/issuer`);
    expect(error.message).not.toContain('hunter2');
    await expect(inspectMigrations({ database: url })).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
  });
});
