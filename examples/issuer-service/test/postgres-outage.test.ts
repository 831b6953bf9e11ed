// The database going away under the service, and not being there at start: a real
// PostgreSQL server of this test's own, stopped (`pg_ctl stop -m fast`) and started
// again on the same data folder and port while the service runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../../../scripts/postgres.mjs';
import { testEngine } from '../../../test/support/database.js';
import { credentialDocument, freePort, post, startTestService, type TestService } from './helpers.js';

const PASSWORD = 'hunter2-never-in-a-log';
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/** A URL with a password (the test server trusts 127.0.0.1, so it is not checked, only carried). */
function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.href;
}

describe('a database that cannot be reached at start', () => {
  it('stops the start with STORAGE_ERROR naming the issuer database without its password', async () => {
    const port = await freePort();
    const database = `postgres://tradewind:${PASSWORD}@127.0.0.1:${port}/issuer`;
    const error = (await startTestService({ database }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.message).toContain(`postgres://tradewind@127.0.0.1:${port}/issuer`);
    expect(error.message).toMatch(/unreachable/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('stops the start with STORAGE_ERROR naming the state database without its password', async () => {
    const port = await freePort();
    const stateDatabase = `postgresql://tradewind:${PASSWORD}@127.0.0.1:${port}/state`;
    const error = (await startTestService({ stateDatabase }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.message).toContain(`postgresql://tradewind@127.0.0.1:${port}/state`);
    expect(error.message).not.toContain(PASSWORD);
  });
});

describe.skipIf(testEngine() !== 'postgres')('PostgreSQL stopped and started again under a running service', () => {
  let server: PostgresServer;
  let service: TestService;

  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
    service = await startTestService({ database: withPassword(await server.createDatabase()) });
  });
  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await server?.stop();
  });

  const issue = (subject: string) =>
    post(`${service.base}/credentials/issue`, { credential: credentialDocument({ id: `did:example:${subject}` }) }, service.adminKey);
  const token = (code: string) =>
    fetch(`${service.base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: PRE_AUTH, 'pre-authorized_code': code }).toString(),
    });
  const logged = async () => (await service.context.issuer.log({ limit: 1000 })).length;

  it('answers 503 with Retry-After while it is down, issues nothing partial, and recovers by itself once it is back', async () => {
    expect((await issue('before')).status).toBe(201);
    const offer = await post(
      `${service.base}/offers`,
      { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Asha' } },
      service.adminKey,
    );
    expect(offer.status).toBe(201);
    const { credentialOffer } = (await offer.json()) as { credentialOffer: { grants: Record<string, { 'pre-authorized_code': string }> } };
    const code = credentialOffer.grants[PRE_AUTH]?.['pre-authorized_code'] as string;
    expect(await logged()).toBe(1);

    await server.pause();
    try {
      // Concurrent requests share one issue group: it fails as a whole, each request answered.
      const during = await Promise.all(Array.from({ length: 6 }, (_, i) => issue(`during-${i}`)));
      for (const res of during) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
        expect(body.errors).toEqual([{ code: 'STORAGE_ERROR', message: 'the service cannot reach its storage; try again later' }]);
      }
      // The OpenID4VCI token endpoint answers in OAuth's shape; the code is not spent.
      const refused = await token(code);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({ error: 'server_error' });
      // Admin writes too.
      const status = await post(
        `${service.base}/credentials/status`,
        {
          credentialId: 'urn:uuid:6a4c3f0e-9a63-4b51-8f55-1f0b5c1f0b5c',
          credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' },
          status: true,
        },
        service.adminKey,
      );
      expect(status.status).toBe(503);
      expect(status.headers.get('retry-after')).toBe('5');
    } finally {
      await server.resume();
    }

    // Back: the pools reconnect on their own (each try is a new request, as a client retries).
    let after: Response | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      after = await issue('after');
      if (after.status !== 503) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(after?.status).toBe(201);
    const granted = await token(code);
    expect(granted.status).toBe(200);
    // Only what was answered 201 is in the issuance log: none of the refused requests left a row.
    expect(await logged()).toBe(2);
    expect(service.logs.join('')).not.toContain(PASSWORD);
    expect(service.logs.join('')).toContain('storage failure');
  });
});
