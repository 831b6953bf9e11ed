// A PostgreSQL connection cut while an issuance transaction holds it (signing): the
// issuance fails whole with STORAGE_ERROR, the process lives on. PostgreSQL project only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relay } from './helpers/tcp-relay.js';
import { TEST_KDF as kdf, testDatabase, testEngine } from './helpers/temp-issuer.js';

const BASE = 'https://registry.gov.example/status';
const secret = 'shared database secret';
let dir: string;
const opened: Issuer[] = [];

async function open(database: string, extra: Record<string, unknown> = {}): Promise<Issuer> {
  const issuer = await openIssuer({ database, secret, kdf, statusListBaseUrl: BASE, ...extra });
  opened.push(issuer);
  return issuer;
}

describe.skipIf(testEngine() !== 'postgres')('a connection lost in the middle of an issuance transaction', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tradewind-pg-'));
  });
  afterAll(async () => {
    for (const issuer of opened) await issuer.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is STORAGE_ERROR naming the database, and nothing is issued', async () => {
    const database = await testDatabase(dir, 'midtx');
    const target = new URL(database);
    const setup = await open(database);
    await setup.createDid();
    const way = await relay(target);
    try {
      const issuer = await open(`postgres://postgres:s3cret-pw@127.0.0.1:${way.port}${target.pathname}`);
      await issuer.issue({ type: 'T', credentialSubject: { n: 0 } });
      const kms = issuer.agent.kms;
      const sign = kms.signBytes.bind(kms);
      let cut = false;
      kms.signBytes = async (...args: Parameters<typeof sign>) => {
        if (!cut) {
          cut = true;
          await way.down(); // while the transaction signs, its connection goes
          await way.up();
        }
        return sign(...args);
      };
      const error = await issuer
        .issueMany(Array.from({ length: 20 }, (_, n) => ({ type: 'Lost', credentialSubject: { n }, recordKey: `lost-${n}` })))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining(`127.0.0.1:${way.port}`) });
      expect(await setup.log({ type: 'Lost' })).toHaveLength(0);
    } finally {
      await way.down();
    }
  });
});
