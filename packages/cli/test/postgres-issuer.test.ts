// The issuer commands on a PostgreSQL database (`--db postgres://…`), on the test
// server of test/support (the cli-postgres project; skipped on SQLite). Threats: a
// command that only knows files (refuses a URL, or creates a file named like it);
// `issuer init` that fills a database already in use; a password from the URL in the
// output or an error.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresPool } from '@tradewind/agent';
import { openIssuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine, testPostgresDatabase } from '../../../test/support/database.js';
import { runMain } from './helpers/run-main.js';

const env = { TRADEWIND_SECRET: 'cli postgres agency secret' };
const BASE = 'https://registry.gov.example/status';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-cli-postgres-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The URL with a password in it (the test server trusts 127.0.0.1, so any password opens it). */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.href;
}

describe.skipIf(testEngine() !== 'postgres')('issuer commands with --db postgres://…', () => {
  it('init fills an empty database once; issue, log, status, did and migrate work on it; the password is never printed', async () => {
    const plain = await testPostgresDatabase('cli');
    const db = withPassword(plain, 'pa55-w0rd-in-url');
    const all: string[] = [];
    const run = async (args: string[]) => {
      const r = await runMain([...args, '--db', db], { env });
      all.push(r.stdout, r.stderr);
      return r;
    };

    const init = await run(['issuer', 'init', '--status-base-url', BASE, '--json']);
    expect(init.code, init.stderr).toBe(0);
    const created = JSON.parse(init.stdout) as { db: string; did: string };
    expect(created.db).toBe(plain);
    expect(created.did).toMatch(/^did:key:z6Mk/);
    const again = await run(['issuer', 'init', '--json']);
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stderr).error).toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringContaining('created once') });

    const issued = await run(['issue', '--type', 'NationalIdCredential', '--claim', 'givenName=Ana', '--status', 'revocation', '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const credential = JSON.parse(issued.stdout) as { id: string; jwt: string };
    const log = await run(['issuer', 'log', '--json']);
    expect(log.code, log.stderr).toBe(0);
    expect((JSON.parse(log.stdout) as Array<{ credentialId: string }>).map((e) => e.credentialId)).toEqual([credential.id]);

    expect((await run(['status', 'revoke', credential.id])).code).toBe(0);
    const out = join(dir, 'lists');
    const published = await run(['status', 'publish', '--out', out]);
    expect(published.code, published.stderr).toBe(0);
    const lists: Record<string, string> = {};
    for (const file of readdirSync(out).filter((f) => /^\d+$/.test(f))) {
      lists[`${BASE}/${file}`] = readFileSync(join(out, file), 'utf8');
    }
    const result = await verifyCredential(credential.jwt, { status: { lists } });
    expect(errorCodes(result)).toEqual(['REVOKED']);

    expect((await run(['did', 'create', '--key-type', 'P-256'])).code).toBe(0);
    const dids = await run(['did', 'list', '--json']);
    expect(JSON.parse(dids.stdout)).toHaveLength(2);

    const migrate = await run(['issuer', 'migrate', '--check', '--json']);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(JSON.parse(migrate.stdout)).toMatchObject({ engine: 'postgres', location: plain, pending: [], upToDate: true });

    const human = await run(['issuer', 'migrate']);
    expect(human.stdout).toContain(`Database: ${plain} (postgres)`);
    expect(all.join('\n')).not.toContain('pa55-w0rd-in-url');
  });

  it('init completes an init that stopped half-way (tables, no DID, nothing issued) with the same secret, and refuses any other database', async () => {
    // What a kill between the tables and the first DID leaves behind.
    const db = await testPostgresDatabase('cli_half');
    await (await openIssuer({ database: db, secret: env.TRADEWIND_SECRET })).close();
    const wrong = await runMain(['issuer', 'init', '--db', db, '--status-base-url', BASE, '--json'], {
      env: { TRADEWIND_SECRET: 'not it' },
    });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stderr).error.code).toBe('WRONG_SECRET');
    const completed = await runMain(['issuer', 'init', '--db', db, '--status-base-url', BASE, '--json'], { env });
    expect(completed.code, completed.stderr).toBe(0);
    expect(JSON.parse(completed.stdout)).toMatchObject({ did: expect.stringMatching(/^did:key:/), statusListBaseUrl: BASE });
    const again = await runMain(['issuer', 'init', '--db', db, '--json'], { env });
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stderr).error.code).toBe('ALREADY_EXISTS');
    const dids = await runMain(['did', 'list', '--db', db, '--json'], { env });
    expect(JSON.parse(dids.stdout)).toHaveLength(1);

    // A database some other application uses.
    const other = await testPostgresDatabase('cli_other');
    const pool = createPostgresPool(other);
    await pool.query('CREATE TABLE "orders" ("id" integer)');
    await pool.end();
    const refused = await runMain(['issuer', 'init', '--db', other, '--json'], { env });
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stderr).error).toMatchObject({
      code: 'ALREADY_EXISTS',
      message: expect.stringContaining('not an issuer database'),
    });
  });

  it('an empty database is no issuer database: NOT_FOUND naming tradewind issuer init (exit 2), and nothing is created in it', async () => {
    const db = await testPostgresDatabase('cli_empty');
    for (const args of [
      ['issuer', 'log'],
      ['issue', '--type', 'T', '--claim', 'a=1'],
      ['issuer', 'migrate'],
      ['issuer', 'migrate', '--check'],
    ]) {
      const r = await runMain([...args, '--db', db, '--json'], { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(JSON.parse(r.stderr).error).toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining(`tradewind issuer init --db ${db}`),
      });
    }
    // Still empty: init works on it.
    expect((await runMain(['issuer', 'init', '--db', db, '--no-did'], { env })).code).toBe(0);
  });
});

/** The error codes of a verification result (none when it verified). */
function errorCodes(result: { verified: boolean; errors?: Array<{ code: string }> }): string[] {
  return result.verified ? [] : (result.errors ?? []).map((e) => e.code);
}
