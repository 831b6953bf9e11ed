// A backup of the service's PostgreSQL database as the operator's guide describes it:
// pg_dump, pg_restore into an empty database, the same secret; and what the dump holds.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries } from '../../../scripts/postgres.mjs';
import { testEngine, testPostgresDatabase } from '../../../test/support/database.js';
import { credentialDocument, freePort, post, SECRET, startTestService, type TestService } from './helpers.js';

const run = promisify(execFile);

describe.skipIf(testEngine() !== 'postgres')('pg_dump and pg_restore of the service database', () => {
  const running: TestService[] = [];
  afterAll(async () => {
    for (const s of running) await s.stop().catch(() => undefined);
  });

  it('a restored dump serves the same DID, keys, log and statuses with the same secret; the dump does not hold the secret; another secret is refused', async () => {
    const original = await testPostgresDatabase('backup');
    const port = await freePort();
    const at = { port, baseUrl: `http://127.0.0.1:${port}` };
    const first = await startTestService({ database: original, ...at });
    running.push(first);
    const envelopes: string[] = [];
    for (const name of ['kept', 'revoked']) {
      const res = await post(
        `${first.base}/credentials/issue`,
        { credential: credentialDocument({ id: `did:example:${name}` }) },
        first.adminKey,
      );
      expect(res.status).toBe(201);
      envelopes.push(((await res.json()) as { verifiableCredential: { id: string } }).verifiableCredential.id);
    }
    const jwtOf = (id: string) => id.slice(id.indexOf(',') + 1);
    const revokedId = decodeJwt(jwtOf(envelopes[1] as string)).id as string;
    const revoked = await post(
      `${first.base}/credentials/status`,
      { credentialId: revokedId, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true },
      first.adminKey,
    );
    expect(revoked.status).toBe(200);
    await first.stop();
    running.pop();

    const bin = findPostgresBinaries();
    const dump = join(first.dir, '..', `tw-backup-${port}.dump`);
    try {
      await run(join(bin, 'pg_dump'), ['-Fc', '-d', original, '-f', dump]);
      // The dump holds the keys encrypted, never the secret that opens them.
      const bytes = await readFile(dump);
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.includes(Buffer.from(SECRET))).toBe(false);

      const restored = await testPostgresDatabase('restored');
      await run(join(bin, 'pg_restore'), ['--no-owner', '-d', restored, dump]);

      // Another secret does not open the restored keys.
      await expect(startTestService({ database: restored, ...at, secret: 'not the secret' })).rejects.toMatchObject({
        code: 'WRONG_SECRET',
      });

      const second = await startTestService({ database: restored, ...at });
      running.push(second);
      expect(second.did).toBe(first.did);
      expect(second.firstStart).toBe(false);
      const verify = async (id: string) => {
        const res = await post(`${second.base}/credentials/verify`, {
          verifiableCredential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'EnvelopedVerifiableCredential', id },
        });
        return (await res.json()) as { verified: boolean; errors: Array<{ code: string }> };
      };
      expect((await verify(envelopes[0] as string)).verified).toBe(true);
      expect((await verify(envelopes[1] as string)).errors.map((e) => e.code)).toContain('REVOKED');
      // The restored keys sign, and new status indexes avoid the old ones.
      const next = await post(
        `${second.base}/credentials/issue`,
        { credential: credentialDocument({ id: 'did:example:after' }) },
        second.adminKey,
      );
      expect(next.status).toBe(201);
      const slots = (id: string) =>
        (decodeJwt(jwtOf(id)).credentialStatus as Array<{ statusListCredential: string; statusListIndex: string }>).map(
          (e) => `${e.statusListCredential}#${e.statusListIndex}`,
        );
      const after = ((await next.json()) as { verifiableCredential: { id: string } }).verifiableCredential.id;
      expect((await verify(after)).verified).toBe(true);
      const old = new Set(envelopes.flatMap(slots));
      for (const slot of slots(after)) expect(old.has(slot)).toBe(false);
      expect((await second.context.issuer.log({ limit: 10 })).length).toBe(3);
    } finally {
      await rm(dump, { force: true });
    }
  }, 120_000);
});
