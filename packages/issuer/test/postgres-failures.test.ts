// PostgreSQL connections that fail before any SQL runs: each is a STORAGE_ERROR that
// names the database by its URL without the password, never an UNEXPECTED driver
// error. Runs in the issuer-postgres project only.
import { applyMigrations, inspectMigrations } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { ISSUER_MIGRATIONS, openIssuer } from '@tradewind/issuer';
import { describe, expect, it } from 'vitest';
import { testEngine, testPostgresDatabase } from '../../../test/support/database.js';
import { TEST_KDF as kdf } from './helpers/temp-issuer.js';

describe.skipIf(testEngine() !== 'postgres')('PostgreSQL connections that fail', () => {
  it('sslmode=require against a server without TLS is STORAGE_ERROR naming the database, without its password', async () => {
    const url = new URL(await testPostgresDatabase('ssl'));
    url.password = 'pw-not-for-logs';
    url.searchParams.set('sslmode', 'require');
    // Opening the issuer, and what `tradewind issuer migrate` and the service's migrate do without the secret.
    for (const attempt of [
      () => openIssuer({ database: url.href, secret: 's', kdf }),
      () => inspectMigrations({ database: url.href, migrations: ISSUER_MIGRATIONS }),
      () => applyMigrations({ database: url.href, migrations: ISSUER_MIGRATIONS }),
    ]) {
      const refused = await attempt().catch((e: unknown) => e);
      expect(refused, String(attempt)).toBeInstanceOf(TradewindError);
      expect(refused).toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('does not support SSL') });
      expect((refused as Error).message).toContain(`@${url.host}${url.pathname}`);
      expect((refused as Error).message).not.toContain('pw-not-for-logs');
    }
  });
});
