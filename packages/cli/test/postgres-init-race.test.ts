// Two `tradewind issuer init` on one empty PostgreSQL database at the same moment (two
// operators, or a deployment script run on two machines): one creates the issuer
// database, the other is refused as a second init is. The cli-postgres project runs it;
// skipped on SQLite, whose init builds the file under another name and links it into place.
import { openIssuer } from '@tradewind/issuer';
import { describe, expect, it } from 'vitest';
import { testEngine, testPostgresDatabase } from '../../../test/support/database.js';
import { runMain } from './helpers/run-main.js';

const env = { TRADEWIND_SECRET: 'cli init race secret' };
const BASE = 'https://registry.gov.example/status';

describe.skipIf(testEngine() !== 'postgres')('issuer init twice at once on one PostgreSQL database', () => {
  it('one init creates the database and its DID, the other is ALREADY_EXISTS; the database holds one DID', async () => {
    for (let round = 0; round < 3; round++) {
      const db = await testPostgresDatabase('init_race');
      const runs = await Promise.all(
        [0, 1].map(() => runMain(['issuer', 'init', '--db', db, '--status-base-url', BASE, '--json'], { env })),
      );
      const done = runs.filter((r) => r.code === 0);
      expect(done, runs.map((r) => r.stderr).join('\n')).toHaveLength(1);
      const refused = runs.find((r) => r.code !== 0);
      expect(refused?.code).toBe(2);
      expect(JSON.parse(refused?.stderr ?? '{}').error).toMatchObject({ code: 'ALREADY_EXISTS' });
      const created = JSON.parse(done[0]?.stdout ?? '{}') as { did: string };
      const issuer = await openIssuer({ database: db, secret: env.TRADEWIND_SECRET });
      try {
        expect((await issuer.listDids()).map((d) => d.did)).toEqual([created.did]);
        expect(issuer.defaultDid).toBe(created.did);
      } finally {
        await issuer.close();
      }
    }
  });
});
