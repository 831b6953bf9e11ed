// Upgrading in place a database made by the issuer of commit 3fbc539 (before re-emission
// safety, status list versions and PostgreSQL), on the engine of the test project: the
// committed SQLite fixture (copied), or on PostgreSQL the 3fbc539 migrations plus the
// fixture's rows (fixtures/legacy-3fbc539.ts). Threat: an upgrade that loses or
// rewrites what agencies already issued, re-uses status indexes already handed out
// (two credentials revoked by one bit), drops a revocation from the published lists,
// or leaves keys the new version cannot read; or a new version that quietly migrates
// a database its operator did not choose to migrate.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectMigrations, migrationNames } from '@tradewind/agent';
import { getStatusBit, TradewindError } from '@tradewind/core';
import { decodeStatusList } from '@tradewind/core/status-list';
import { ISSUER_MIGRATIONS, type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine, testPostgresDatabase } from '../../../test/support/database.js';
import {
  buildPostgres3fbc539,
  copySqliteFixture,
  execute,
  fixtureCredentials,
  MIGRATIONS_3FBC539,
  MANIFEST_3FBC539 as manifest,
  postgresSnapshot,
} from './fixtures/legacy-3fbc539.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
const engine = testEngine();
let dir: string;
let database: string;
let issuer: Issuer | undefined;

function tradewind(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRADEWIND_SECRET: manifest.secret },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, as a process running alongside others. */
function tradewindAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** A 3fbc539 database on the engine of this run. */
async function oldDatabase(name: string): Promise<string> {
  if (engine === 'sqlite') return copySqliteFixture(dir, `${name}.db`);
  const url = await testPostgresDatabase(name);
  await buildPostgres3fbc539(url);
  return url;
}

/** What the database holds, to tell that a refused open changed nothing. */
async function snapshot(): Promise<string> {
  if (engine === 'sqlite') return createHash('sha256').update(readFileSync(database)).digest('hex');
  return postgresSnapshot(database);
}

beforeAll(async () => {
  // The CLI runs as users run it: built, in a process of its own. Several builds may
  // share the tree: one at a time, under the build lock where there is one.
  try {
    execFileSync('flock', ['/tmp/tw-build.lock', process.execPath, 'scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  }
  dir = mkdtempSync(join(tmpdir(), 'tradewind-upgrade-3fbc539-'));
  database = await oldDatabase('upgrade_3fbc539');
}, 180_000);
afterAll(async () => {
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

// The steps depend on each other: they run in order on one database.
describe(`upgrading a 3fbc539 issuer database in place (${engine})`, () => {
  const pendingNames = () => migrationNames(ISSUER_MIGRATIONS).filter((n) => !MIGRATIONS_3FBC539.includes(n));

  it('inspectMigrations lists exactly the migrations made after 3fbc539 as pending', async () => {
    const state = await inspectMigrations({ database, migrations: ISSUER_MIGRATIONS });
    expect(state).toMatchObject({ engine, fresh: false, unknown: [] });
    expect(state.applied).toEqual(MIGRATIONS_3FBC539);
    expect(state.pending).toEqual(pendingNames());
    // The issuer's own additions since 3fbc539 are among them.
    expect(state.pending).toEqual(expect.arrayContaining(['AddReemissionSafety1764300200000']));
  });

  it("opening with migrate: 'refuse' throws MIGRATION_REQUIRED naming them and changes nothing", async () => {
    const before = await snapshot();
    const error = await openIssuer({ database, secret: manifest.secret, migrate: 'refuse' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TradewindError);
    expect(error).toMatchObject({ code: 'MIGRATION_REQUIRED' });
    const message = (error as Error).message;
    for (const name of pendingNames()) expect(message).toContain(name);
    expect(message).toContain('tradewind issuer migrate');
    expect(await snapshot()).toBe(before);
  });

  it('the CLI refuses to issue from it, naming tradewind issuer migrate; migrate --check exits 1 and applies nothing', async () => {
    const before = await snapshot();
    const issue = tradewind(['issue', '--db', database, '--type', 'T', '--claim', 'a=1', '--status', 'none', '--json']);
    expect(issue.code, issue.stderr).toBe(1);
    const refused = JSON.parse(issue.stderr).error as { code: string; message: string };
    expect(refused.code).toBe('MIGRATION_REQUIRED');
    expect(refused.message).toContain('tradewind issuer migrate --db');

    const check = tradewind(['issuer', 'migrate', '--db', database, '--check', '--json']);
    expect(check.code, check.stderr).toBe(1);
    expect(JSON.parse(check.stdout)).toMatchObject({
      engine,
      applied: MIGRATIONS_3FBC539,
      pending: pendingNames(),
      migrated: [],
      upToDate: false,
    });
    expect(await snapshot()).toBe(before);
  });

  it('tradewind issuer migrate applies them, and says so; --check then exits 0', () => {
    const human = tradewind(['issuer', 'migrate', '--db', database]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`Pending: ${pendingNames().length} migration`);
    expect(human.stdout).toContain('Applied now, in one transaction');
    for (const name of pendingNames()) expect(human.stdout).toContain(name);

    const check = tradewind(['issuer', 'migrate', '--db', database, '--check', '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ pending: [], migrated: [], upToDate: true });
    expect(JSON.parse(check.stdout).applied).toEqual([...MIGRATIONS_3FBC539, ...pendingNames()]);
  });

  it('every credential of 3fbc539 is still in the log, with its status', async () => {
    issuer = await openIssuer({ database, secret: manifest.secret, migrate: 'refuse' });
    expect(issuer.defaultDid).toBe(manifest.defaultDid);
    expect(issuer.statusListBaseUrl).toBe(manifest.statusListBaseUrl);
    const log = await issuer.log({ limit: 1000 });
    expect(log).toHaveLength(manifest.logSize);
    const byId = new Map(log.map((e) => [e.credentialId, e]));
    for (const c of fixtureCredentials()) {
      const entry = byId.get(c.id);
      expect(entry, c.name ?? c.recordKey).toBeDefined();
      expect({ id: c.id, issuer: entry?.issuer, format: entry?.format, revoked: entry?.revoked, suspended: entry?.suspended }).toEqual({
        id: c.id,
        issuer: c.issuer,
        format: c.format,
        revoked: c.revoked,
        suspended: c.suspended,
      });
    }
    const batch = await issuer.log({ batchId: manifest.batch.batchId });
    expect(batch.map((e) => e.credentialId).sort()).toEqual(manifest.batch.credentials.map((c) => c.id).sort());
  });

  it('the published status lists carry the bits set before the upgrade', async () => {
    const lists = await openedIssuer().statusListCredentials();
    expect(lists.map((l) => l.url).sort()).toEqual(manifest.statusLists.map((l) => l.url).sort());
    const bits = new Map(
      lists.map((l) => [l.url, decodeStatusList((l.credential.credentialSubject as { encodedList: string }).encodedList)]),
    );
    let checked = 0;
    for (const c of fixtureCredentials()) {
      for (const entry of c.status) {
        const list = bits.get(entry.statusListCredential) as Uint8Array;
        const expected = entry.statusPurpose === 'revocation' ? c.revoked : c.suspended;
        expect(getStatusBit(list, Number(entry.statusListIndex)), `${c.id} ${entry.statusPurpose}`).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBe(19);
    for (const l of lists) expect(l.setCount, l.url).toBe(manifest.statusLists.find((m) => m.url === l.url)?.setCount);
  });

  it('the credentials issued by 3fbc539 verify against those lists: revoked, suspended or valid as they were', async () => {
    const lists = Object.fromEntries((await openedIssuer().statusListCredentials()).map((l) => [l.url, l.jwt]));
    const documents = [await openedIssuer().didWebDocument(manifest.dids.web.did)];
    for (const c of fixtureCredentials()) {
      const result = await verifyCredential(c.jwt, { status: { lists }, didResolver: { documents } });
      const codes = errorCodes(result);
      const expected = c.revoked ? ['REVOKED'] : c.suspended ? ['SUSPENDED'] : [];
      expect(codes, c.name ?? c.recordKey).toEqual(expected);
      expect(result.verified, c.name ?? c.recordKey).toBe(expected.length === 0);
    }
  });

  it('the keys made by 3fbc539 still sign: a new credential from each old DID verifies', async () => {
    const documents = [await openedIssuer().didWebDocument(manifest.dids.web.did)];
    for (const [name, did] of Object.entries(manifest.dids)) {
      const issued = await openedIssuer().issue({
        issuer: did.did,
        type: 'UpgradeCheck',
        credentialSubject: { id: 'did:example:after-upgrade', check: name },
        status: [],
      });
      const header = JSON.parse(Buffer.from(issued.jwt.split('.')[0] as string, 'base64url').toString()) as { kid: string; alg: string };
      expect(header.kid, name).toBe(did.verificationMethod);
      expect(header.alg, name).toBe(did.keyType === 'Ed25519' ? 'EdDSA' : 'ES256');
      const result = await verifyCredential(issued.jwt, { didResolver: { documents } });
      expect(errorCodes(result), name).toEqual([]);
      expect(result.verified, name).toBe(true);
    }
  });

  it('revoking and suspending an old credential works and shows in its list', async () => {
    const active = manifest.credentials.find((c) => c.name === 'id-p256-jwtvc-active');
    const reinstated = manifest.credentials.find((c) => c.name === 'birth-p256-vcjwt-reinstated');
    if (!active || !reinstated) throw new Error('fixture manifest lacks its credentials');
    expect(await openedIssuer().revoke(active.id)).toEqual({ credentialId: active.id, purpose: 'revocation', changed: true });
    expect(await openedIssuer().suspend(reinstated.id)).toEqual({ credentialId: reinstated.id, purpose: 'suspension', changed: true });
    const revokedAgain = manifest.credentials.find((c) => c.revoked);
    expect(await openedIssuer().revoke(revokedAgain?.id as string)).toMatchObject({ changed: false });
    expect((await openedIssuer().getIssued(active.id)).revoked).toBe(true);

    const lists = Object.fromEntries((await openedIssuer().statusListCredentials()).map((l) => [l.url, l.jwt]));
    const revoked = await verifyCredential(active.jwt, { status: { lists } });
    expect(errorCodes(revoked)).toEqual(['REVOKED']);
    const suspended = await verifyCredential(reinstated.jwt, { status: { lists } });
    expect(errorCodes(suspended)).toEqual(['SUSPENDED']);
  });

  it('new credentials get status indexes that collide with none handed out before the upgrade', async () => {
    const old = new Set(fixtureCredentials().flatMap((c) => c.status.map((s) => `${s.statusListCredential}#${s.statusListIndex}`)));
    const issued = await openedIssuer().issueMany(
      Array.from({ length: 60 }, (_, i) => ({
        type: 'BirthCertificate',
        credentialSubject: { id: `did:example:new-${i}`, name: `New ${i}` },
        status: ['revocation', 'suspension'] as Array<'revocation' | 'suspension'>,
      })),
    );
    const fresh = issued.flatMap((c) => c.status.map((s) => `${s.statusListCredential}#${s.statusListIndex}`));
    expect(new Set(fresh).size).toBe(120);
    expect(fresh.filter((k) => old.has(k))).toEqual([]);
    // They go into the lists the old credentials are in (list 1 and 2 of the default DID).
    const urls = new Set(issued.flatMap((c) => c.status.map((s) => s.statusListCredential)));
    expect([...urls].sort()).toEqual([`${manifest.statusListBaseUrl}/1`, `${manifest.statusListBaseUrl}/2`]);
    // And start unset: revoking the new ones leaves the old bits as they were.
    const lists = await openedIssuer().statusListCredentials();
    const list1 = lists.find((l) => l.url === `${manifest.statusListBaseUrl}/1`);
    expect(list1?.setCount).toBe(manifest.statusLists.find((l) => l.number === 1)?.setCount);
  });

  it('dc+sd-jwt credentials take a Token Status List of their own after the upgrade; the old lists stay Bitstring lists', async () => {
    const before = (await openedIssuer().statusListCredentials()).map((l) => l.url).sort();
    const issued = await openedIssuer().issueMany(
      Array.from({ length: 5 }, (_, i) => ({
        format: 'dc+sd-jwt' as const,
        type: 'BirthCertificate',
        credentialSubject: { given_name: `New ${i}` },
        status: ['revocation', 'suspension'] as Array<'revocation' | 'suspension'>,
      })),
    );
    const uris = new Set(issued.map((c) => c.statusList?.uri));
    expect(uris.size).toBe(1);
    const uri = [...uris][0] as string;
    expect(uri).toMatch(new RegExp(`^${manifest.statusListBaseUrl}/token/[0-9]+$`));
    expect(manifest.statusLists.map((l) => l.number)).not.toContain(Number(uri.slice(uri.lastIndexOf('/') + 1)));
    expect((await openedIssuer().statusListCredentials()).map((l) => l.url).sort()).toEqual(before);
    await openedIssuer().revoke(issued[0]?.id as string);
    const [token] = await openedIssuer().statusListTokens({ url: uri });
    expect(token?.setCount).toBe(1);
  });

  it('running the 3fbc539 batch extract again issues nothing: its record keys are known', async () => {
    const text = manifest.batch.input.map((line) => JSON.stringify(line)).join('\n');
    const result = await openedIssuer().issueBatch(
      { text, format: 'jsonl' },
      { type: 'BirthCertificate', status: ['revocation', 'suspension'], validUntil: '2036-01-01T00:00:00Z', requiredClaims: ['name'] },
    );
    // The record without a name is refused again, as it was then.
    expect(result).toMatchObject({ issued: 0, skipped: manifest.batch.credentials.length, invalidCount: 1 });
  });
});

describe(`tradewind issuer migrate on other 3fbc539 databases (${engine})`, () => {
  it('all or nothing: a migration failing half-way leaves the database as it was (STORAGE_ERROR, exit 2), and a retry once the cause is gone applies them all', async () => {
    const db = await oldDatabase('upgrade_fails');
    // A column in the way of AddStatusListVersion, which runs after AddReemissionSafety
    // has added tw_issuance_log.content_digest and the tw_reemission table.
    await execute(db, 'ALTER TABLE "tw_status_list" ADD COLUMN "version" integer');
    const before = engine === 'sqlite' ? createHash('sha256').update(readFileSync(db)).digest('hex') : await postgresSnapshot(db);
    const failed = await tradewindAsync(['issuer', 'migrate', '--db', db, '--json']);
    expect(failed.code, failed.stderr).toBe(2);
    const { error } = JSON.parse(failed.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.message).toContain(engine === 'sqlite' ? db : new URL(db).host);
    const after = engine === 'sqlite' ? createHash('sha256').update(readFileSync(db)).digest('hex') : await postgresSnapshot(db);
    expect(after).toBe(before);
    expect((await inspectMigrations({ database: db, migrations: ISSUER_MIGRATIONS })).applied).toEqual(MIGRATIONS_3FBC539);

    await execute(db, 'ALTER TABLE "tw_status_list" DROP COLUMN "version"');
    const retry = await tradewindAsync(['issuer', 'migrate', '--db', db, '--json']);
    expect(retry.code, retry.stderr).toBe(0);
    expect((await inspectMigrations({ database: db, migrations: ISSUER_MIGRATIONS })).pending).toEqual([]);
  });

  it('one applies the migrations, the other finds them applied; each is recorded once', async () => {
    const db = await oldDatabase('upgrade_race');
    const pending = (await inspectMigrations({ database: db, migrations: ISSUER_MIGRATIONS })).pending;
    const runs = await Promise.all([0, 1, 2].map(() => tradewindAsync(['issuer', 'migrate', '--db', db, '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const migrated = runs.map((r) => (JSON.parse(r.stdout) as { migrated: string[] }).migrated);
    expect(migrated.filter((m) => m.length > 0)).toEqual([pending]);
    const after = await inspectMigrations({ database: db, migrations: ISSUER_MIGRATIONS });
    expect(after.applied).toEqual([...MIGRATIONS_3FBC539, ...pending]);
    expect(after.pending).toEqual([]);
  });
});

function openedIssuer(): Issuer {
  if (!issuer) throw new Error('the upgraded issuer was not opened (an earlier step failed)');
  return issuer;
}

/** The error codes of a verification result (none when it verified). */
function errorCodes(result: { verified: boolean; errors?: Array<{ code: string }> }): string[] {
  return result.verified ? [] : (result.errors ?? []).map((e) => e.code);
}
