import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPostgres3fbc539, copySqliteFixture, MANIFEST_3FBC539 } from '../../../packages/issuer/test/fixtures/legacy-3fbc539.js';
import { testEngine, testPostgresDatabase } from '../../../test/support/database.js';
import { newAdminKey } from '../src/auth.js';
import { loadConfig } from '../src/config.js';
import { applyServiceMigrations, inspectServiceMigrations, migrationsRequired } from '../src/migrations.js';
import { startService } from '../src/service.js';
import { STATE_MIGRATIONS } from '../src/state-migrations.js';
import { StateStore } from '../src/state-store.js';
import { freePort } from './helpers.js';

const logger = pino({ level: 'silent' });

// A database an older version wrote: the issuer's from 3fbc539 (the committed fixture),
// the service's state with only its first migration. The service must not start on it
// until `tradewind-issuer-service migrate` has brought both up to date.
describe(`start on an older database (${testEngine()})`, () => {
  let dir: string;
  let database: string;
  let stateDatabase: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tw-service-migrations-'));
    if (testEngine() === 'postgres') {
      database = await testPostgresDatabase('service_upgrade');
      await buildPostgres3fbc539(database);
      stateDatabase = database;
    } else {
      database = copySqliteFixture(dir);
      stateDatabase = join(dir, 'state.db');
    }
    const old = await StateStore.open(stateDatabase, { migrations: STATE_MIGRATIONS.slice(0, 1) });
    await old.close();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function config() {
    return loadConfig({
      env: {},
      overrides: {
        port: await freePort(),
        baseUrl: 'https://registry.gov.example/issuers/civil',
        database,
        stateDatabase,
        batchFolder: join(dir, 'batch-jobs'),
        secret: MANIFEST_3FBC539.secret,
        adminKeyHashes: [newAdminKey().hash],
        logLevel: 'silent',
      },
    });
  }

  it('refuses to start, naming what each database lacks and the command that applies it; starts once it has run', async () => {
    const settings = await config();
    const refusal = await startService(settings, { logger, configFile: '/etc/tradewind/service.json' }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(refusal?.code).toBe('MIGRATION_REQUIRED');
    expect(refusal?.message).toContain(`the issuer database ${database}`);
    expect(refusal?.message).toContain('AddReemissionSafety1764300200000');
    expect(refusal?.message).toContain(
      `the service state database ${stateDatabase} needs ${STATE_MIGRATIONS.slice(1)
        .map((m) => m.name)
        .join(', ')}`,
    );
    expect(refusal?.message).toContain('`tradewind-issuer-service migrate --config /etc/tradewind/service.json`');

    // Nothing was migrated by the refused start.
    const before = await inspectServiceMigrations(settings);
    expect(migrationsRequired(before)).toBe(true);
    expect(before.issuer.fresh).toBe(false);
    expect(before.state).toMatchObject({ fresh: false, applied: ['oid4vci-1'], unknown: [] });
    expect(before.state.pending).toEqual(STATE_MIGRATIONS.slice(1).map((m) => m.name));

    const applied = await applyServiceMigrations(settings);
    expect(applied.issuer).toEqual(before.issuer.pending);
    expect(applied.state).toEqual(before.state.pending);
    expect(migrationsRequired(await inspectServiceMigrations(settings))).toBe(false);
    expect(await applyServiceMigrations(settings)).toEqual({ issuer: [], state: [] });

    const service = await startService(settings, { logger });
    try {
      expect(service.firstStart).toBe(false);
      expect(service.did).toBe(MANIFEST_3FBC539.dids.web.did);
      const log = await service.context.issuer.log({ limit: 1000 });
      expect(log).toHaveLength(MANIFEST_3FBC539.logSize);
    } finally {
      await service.close();
    }
  });

  it('refuses a state database that a newer version migrated (STORAGE_ERROR), and leaves it as it is', async () => {
    const settings = await config();
    await applyServiceMigrations(settings);
    const state = await StateStore.open(stateDatabase);
    await state.run('INSERT INTO service_migrations (name, applied_at) VALUES (?, ?)', [
      'from-a-newer-version-1',
      new Date().toISOString(),
    ]);
    await state.close();
    await expect(startService(settings, { logger })).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining('from-a-newer-version-1'),
    });
    const found = await inspectServiceMigrations(settings);
    expect(found.state.unknown).toEqual(['from-a-newer-version-1']);
  });
});
