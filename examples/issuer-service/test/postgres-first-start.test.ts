import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, testEngine } from '../../../test/support/database.js';
import { newAdminKey } from '../src/auth.js';
import { loadConfig } from '../src/config.js';
import { type RunningService, startService } from '../src/service.js';
import { STATE_MIGRATIONS } from '../src/state-migrations.js';
import { SECRET, TEST_KDF } from './helpers.js';

// Instances of one agency started at the same moment on a new database: one creates the
// tables and the DID, the others wait for it and find them.
describe(`four instances started at once on an empty database (${testEngine()})`, () => {
  let dir: string;
  let services: RunningService[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tw-first-start-'));
  });
  afterAll(async () => {
    await Promise.allSettled(services.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('all start, on one DID and one set of tables, each migration recorded once', async () => {
    const database = await testDatabase(dir, 'first_start');
    const config = loadConfig({
      env: {},
      overrides: {
        port: 0,
        baseUrl: 'https://registry.gov.example',
        database,
        ...(testEngine() === 'sqlite' ? { stateDatabase: join(dir, 'state.db') } : {}),
        batchFolder: join(dir, 'batch-jobs'),
        secret: SECRET,
        adminKeyHashes: [newAdminKey().hash],
        kdf: TEST_KDF,
        logLevel: 'silent',
      },
    });
    const logger = pino({ level: 'silent' });
    const started = await Promise.allSettled(Array.from({ length: 4 }, () => startService(config, { logger })));
    services = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(started.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
    expect(new Set(services.map((s) => s.did))).toEqual(new Set(['did:web:registry.gov.example']));
    expect(services.filter((s) => s.firstStart)).toHaveLength(1);
    const first = services[0] as RunningService;
    expect((await first.context.issuer.listDids()).map((d) => d.did)).toEqual(['did:web:registry.gov.example']);
    // One key: a DID created twice over would carry the second instance's key beside the first's.
    const document = (await first.context.issuer.didWebDocument('did:web:registry.gov.example')) as { verificationMethod: unknown[] };
    expect(document.verificationMethod).toHaveLength(1);
    const recorded = await first.context.state.all<{ name: string }>('SELECT name FROM service_migrations ORDER BY name');
    expect(recorded.map((r) => r.name)).toEqual(STATE_MIGRATIONS.map((m) => m.name).sort());
  });
});
