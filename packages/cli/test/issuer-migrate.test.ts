// `tradewind issuer migrate` and how the other issuer commands treat a database whose
// schema is not the one of this version. Threats: a new version that silently migrates
// a production database on the first command an operator runs; a migration that stops
// half-way and leaves a schema no version can open; a database made by a newer version
// opened (and written) by an older one; a PostgreSQL password printed in an error or a
// deployment log. (The upgrade of a 3fbc539 database on both engines, through the built
// CLI, is packages/issuer/test/upgrade-3fbc539.test.ts.)
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectMigrations, migrationNames } from '@tradewind/agent';
import { ISSUER_MIGRATIONS } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

const FIXTURE = fileURLToPath(new URL('../../issuer/test/fixtures/issuer-3fbc539.db', import.meta.url));
const MANIFEST = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../issuer/test/fixtures/issuer-3fbc539.json', import.meta.url)), 'utf8'),
) as {
  secret: string;
  logSize: number;
};
const env = { TRADEWIND_SECRET: MANIFEST.secret };
let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-cli-migrate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the 3fbc539 issuer database (migrations pending). */
function oldDatabase(): string {
  const path = join(dir, `old-${++n}.db`);
  copyFileSync(FIXTURE, path);
  return path;
}

/** Runs SQL on a SQLite file, outside the code under test. */
function sqlite(path: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as {
    Database: new (
      path: string,
    ) => { all(sql: string, cb: (e: Error | null, rows: Array<Record<string, unknown>>) => void): void; close(cb: () => void): void };
  };
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path);
    db.all(sql, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows))));
  });
}

/** A port on 127.0.0.1 nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const allNames = () => migrationNames(ISSUER_MIGRATIONS);

describe('tradewind issuer migrate', () => {
  it('on an up-to-date database: lists what is applied, exits 0 with and without --check, changes nothing', async () => {
    const db = join(dir, 'new.db');
    expect((await runMain(['issuer', 'init', '--db', db, '--no-did'], { env })).code).toBe(0);
    const before = readFileSync(db);
    const check = await runMain(['issuer', 'migrate', '--db', db, '--check', '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual({
      engine: 'sqlite',
      location: db,
      applied: allNames(),
      pending: [],
      migrated: [],
      upToDate: true,
    });
    const human = await runMain(['issuer', 'migrate', '--db', db]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`Database: ${db} (sqlite)`);
    expect(human.stdout).toContain(`Applied: ${allNames().length} migrations`);
    expect(human.stdout).toMatch(/Up to date: nothing to apply\.\n$/);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it('needs no secret; reads the database from $TRADEWIND_ISSUER_DB too', async () => {
    const db = oldDatabase();
    const r = await runMain(['issuer', 'migrate', '--check'], { env: { TRADEWIND_ISSUER_DB: db } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('Not applied (--check). Apply them with: tradewind issuer migrate --db');
  });

  it('on a 3fbc539 database: --check exits 1 and applies nothing; migrate applies every pending migration; --check then exits 0', async () => {
    const db = oldDatabase();
    const pending = (await inspectMigrations({ database: db, migrations: ISSUER_MIGRATIONS })).pending;
    expect(pending.length).toBeGreaterThan(0);
    const check = await runMain(['issuer', 'migrate', '--db', db, '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`Pending: ${pending.length} migration`);
    expect(readFileSync(db).equals(readFileSync(FIXTURE))).toBe(true);

    const apply = await runMain(['issuer', 'migrate', '--db', db, '--json']);
    expect(apply.code, apply.stderr).toBe(0);
    const report = JSON.parse(apply.stdout) as { pending: string[]; migrated: string[]; upToDate: boolean };
    expect(report.pending).toEqual(pending);
    expect(report.migrated).toEqual(pending);
    expect(report.upToDate).toBe(true);
    expect((await runMain(['issuer', 'migrate', '--db', db, '--check'])).code).toBe(0);

    const log = await runMain(['issuer', 'log', '--db', db, '--json'], { env });
    expect(log.code, log.stderr).toBe(0);
    expect(JSON.parse(log.stdout)).toHaveLength(MANIFEST.logSize);
  });

  it('every issuer command refuses a database with pending migrations: MIGRATION_REQUIRED naming tradewind issuer migrate, nothing written', async () => {
    const db = oldDatabase();
    const commands = [
      ['issuer', 'log'],
      ['issue', '--type', 'T', '--claim', 'a=1', '--status', 'none'],
      ['did', 'list'],
      ['did', 'create'],
      ['status', 'revoke', 'urn:uuid:8bee6a25-0000-0000-0000-000000000000'],
      ['status', 'publish', '--out', join(dir, 'lists')],
      ['recognition-list', 'keys', 'did:web:registry.gov.example:issuers:civil'],
    ];
    for (const command of commands) {
      const r = await runMain([...command, '--db', db, '--json'], { env });
      expect(r.code, `${command.join(' ')}: ${r.stderr}`).toBe(1);
      const { error } = JSON.parse(r.stderr) as { error: { code: string; message: string } };
      expect(error.code, command.join(' ')).toBe('MIGRATION_REQUIRED');
      expect(error.message).toContain(`tradewind issuer migrate --db ${db}`);
    }
    const human = await runMain(['issuer', 'log', '--db', db], { env });
    expect(human.stderr).toMatch(
      /^tradewind issuer log: MIGRATION_REQUIRED: .*AddReemissionSafety1764300200000.*tradewind issuer migrate --db /,
    );
    expect(readFileSync(db).equals(readFileSync(FIXTURE))).toBe(true);
  });

  it('all or nothing: a migration that fails half-way leaves the database as it was, STORAGE_ERROR, exit 2', async () => {
    const db = oldDatabase();
    // A column in the way of AddStatusListVersion, which runs after AddReemissionSafety
    // has added tw_issuance_log.content_digest and the tw_reemission table.
    await sqlite(db, 'ALTER TABLE "tw_status_list" ADD COLUMN "version" integer');
    const before = await inspectMigrations({ database: db, migrations: ISSUER_MIGRATIONS });
    const r = await runMain(['issuer', 'migrate', '--db', db, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.code).toBe('STORAGE_ERROR');
    expect(await inspectMigrations({ database: db, migrations: ISSUER_MIGRATIONS })).toEqual(before);
    const columns = (await sqlite(db, `PRAGMA table_info("tw_issuance_log")`)).map((c) => c.name);
    expect(columns).not.toContain('content_digest');
    expect(await sqlite(db, `SELECT "name" FROM "sqlite_master" WHERE "name" = 'tw_reemission'`)).toEqual([]);
    expect(JSON.parse(r.stderr).error.message).toContain(db);
  });

  it('a database migrated by a newer version: STORAGE_ERROR naming the unknown migrations, exit 2, for migrate and every other command', async () => {
    const db = join(dir, 'newer.db');
    expect((await runMain(['issuer', 'init', '--db', db, '--no-did'], { env })).code).toBe(0);
    await sqlite(db, `INSERT INTO "migrations" ("timestamp", "name") VALUES (1999999999999, 'AddSomethingLater1999999999999')`);
    for (const args of [
      ['issuer', 'migrate', '--check'],
      ['issuer', 'migrate'],
      ['issuer', 'log'],
    ]) {
      const r = await runMain([...args, '--db', db, '--json'], { env });
      expect(r.code, args.join(' ')).toBe(2);
      const { error } = JSON.parse(r.stderr) as { error: { code: string; message: string } };
      expect(error.code).toBe('STORAGE_ERROR');
      expect(error.message).toContain('AddSomethingLater1999999999999');
      expect(error.message).toMatch(/newer version/);
    }
  });

  it('usage errors: no database, a missing file, an empty file, a positional argument (exit 2)', async () => {
    const none = await runMain(['issuer', 'migrate', '--json']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stderr).error.message).toMatch(/no issuer database given/);
    const missing = await runMain(['issuer', 'migrate', '--db', join(dir, 'absent.db'), '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr).error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('tradewind issuer init'),
    });
    const extra = await runMain(['issuer', 'migrate', '--db', oldDatabase(), 'now']);
    expect(extra.code).toBe(2);
  });
});

describe('issuer commands on PostgreSQL URLs', () => {
  it('an unreachable server: STORAGE_ERROR naming the location without its password, exit 2', async () => {
    const port = await closedPort();
    const url = `postgres://issuer:pa55-w0rd@127.0.0.1:${port}/registry`;
    const shown = `postgres://issuer@127.0.0.1:${port}/registry`;
    for (const args of [
      ['issuer', 'migrate', '--db', url],
      ['issuer', 'migrate', '--db', url, '--check'],
      ['issuer', 'log', '--db', url],
      ['issuer', 'init', '--db', url],
      ['issue', '--db', url, '--type', 'T', '--claim', 'a=1'],
    ]) {
      const r = await runMain([...args, '--json'], { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      const { error } = JSON.parse(r.stderr) as { error: { code: string; message: string } };
      expect(error.code).toBe('STORAGE_ERROR');
      expect(error.message).toContain(shown);
      expect(r.stderr + r.stdout).not.toContain('pa55-w0rd');
      const human = await runMain(args, { env });
      expect(human.stderr).toContain(shown);
      expect(human.stderr).not.toContain('pa55-w0rd');
    }
  });
});
