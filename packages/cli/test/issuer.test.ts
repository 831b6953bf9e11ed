import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

let dir: string;
let db: string;
const env = { TRADEWIND_SECRET: 'cli agency secret' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-cli-issuer-'));
  db = join(dir, 'registry.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradewind issuer / did / issue / issue-batch / status', () => {
  it('issuer init needs a secret, creates the database and its first DID once', async () => {
    const noSecret = await runMain(['issuer', 'init', '--db', db]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/no secret given/);
    expect(existsSync(db)).toBe(false);

    const init = await runMain(['issuer', 'init', '--db', db, '--status-base-url', 'https://registry.gov.example/status', '--json'], {
      env,
    });
    expect(init.code, init.stderr).toBe(0);
    const created = JSON.parse(init.stdout) as { did: string; statusListBaseUrl: string };
    expect(created.did).toMatch(/^did:key:z6Mk/);
    expect(created.statusListBaseUrl).toBe('https://registry.gov.example/status');

    const again = await runMain(['issuer', 'init', '--db', db], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('issue prints a credential the verifier accepts; clear errors for a wrong secret and a missing database', async () => {
    const issued = await runMain(
      [
        'issue',
        '--db',
        db,
        '--type',
        'NationalIdCredential',
        '--claim',
        'givenName=Ana',
        '--subject-id',
        'did:example:ana',
        '--status',
        'revocation,suspension',
        '--json',
      ],
      { env },
    );
    expect(issued.code, issued.stderr).toBe(0);
    const out = JSON.parse(issued.stdout) as { id: string; jwt: string; status: unknown[] };
    expect(out.status).toHaveLength(2);
    expect((await verifyCredential(out.jwt, { status: { onUnavailable: 'warn' } })).verified).toBe(true);

    const human = await runMain(['issue', '--db', db, '--type', 'T', '--claim', 'a=1', '--format', 'jwt_vc', '--status', 'none'], { env });
    expect(human.code).toBe(0);
    expect(human.stdout.trim()).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(human.stderr).toMatch(/^Issued urn:uuid:.* \(jwt_vc\)/);

    const wrong = await runMain(['issue', '--db', db, '--type', 'T', '--claim', 'a=1'], { env: { TRADEWIND_SECRET: 'not it' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/WRONG_SECRET: the secret does not open/);

    const missing = await runMain(['issue', '--db', join(dir, 'absent.db'), '--type', 'T', '--claim', 'a=1'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/tradewind issuer init/);
    expect(existsSync(join(dir, 'absent.db'))).toBe(false);

    const badFlag = await runMain(['issue', '--db', db, '--type', 'T', '--claim', 'a=1', '--format', 'ldp_vc'], { env });
    expect(badFlag.code).toBe(2);
    const badRequest = await runMain(['issue', '--db', db, '--type', 'T', '--claim', 'a=1', '--valid-until', 'soon', '--json'], { env });
    expect(badRequest.code).toBe(2);
    expect(JSON.parse(badRequest.stderr).error.code).toBe('INVALID_ARGUMENT');
  });

  it('issue-batch progress to a log (stderr not a terminal) is plain lines at each tenth, without carriage returns', async () => {
    const input = join(dir, 'deaths.jsonl');
    writeFileSync(input, Array.from({ length: 20 }, (_, i) => JSON.stringify({ recordKey: `d${i}`, name: `Name ${i}` })).join('\n'));
    const run = await runMain(['issue-batch', input, '--db', db, '--type', 'DeathCertificate', '--transaction-size', '1'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/\r/);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('issued '));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.at(-1)).toBe('issued 20/20 (100%)');
  });

  it('issue-batch reports malformed records by line, shows progress on stderr and writes the credentials', async () => {
    const input = join(dir, 'births.jsonl');
    writeFileSync(
      input,
      [
        ...Array.from({ length: 7 }, (_, i) => JSON.stringify({ recordKey: `b${i}`, subjectId: `did:example:b${i}`, name: `Baby ${i}` })),
        '{"recordKey": "b7", "name": ',
      ].join('\n'),
    );
    const run = await runMain(['issue-batch', input, '--db', db, '--type', 'BirthCertificate', '--transaction-size', '3'], {
      env,
      terminal: true,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Issued 7, already issued 0, invalid 1/);
    expect(run.stdout).toMatch(/line 8: MALFORMED: not valid JSON/);
    expect(run.stderr).toMatch(/\[#+\s*\] 100% 7\/7/);
    const lines = readFileSync(`${input}.issued.jsonl`, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(7);

    const resumed = await runMain(['issue-batch', input, '--db', db, '--type', 'BirthCertificate', '--json'], { env });
    expect(resumed.code).toBe(1);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ issued: 0, skipped: 7, invalid: [{ line: 8 }] });
  });

  it('status revoke and publish: verifiers then reject the credential as REVOKED', async () => {
    const issued = JSON.parse((await runMain(['issue', '--db', db, '--type', 'T', '--claim', 'a=2', '--json'], { env })).stdout) as {
      id: string;
      jwt: string;
    };
    const revoke = await runMain(['status', 'revoke', issued.id, '--db', db], { env });
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toMatch(/revoked/);
    const unknown = await runMain(['status', 'suspend', 'urn:uuid:00000000-0000-4000-8000-000000000000', '--db', db], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/NOT_FOUND/);

    const out = join(dir, 'public');
    const publish = await runMain(['status', 'publish', '--out', out, '--db', db, '--json'], { env });
    expect(publish.code, publish.stderr).toBe(0);
    const files = JSON.parse(publish.stdout) as Array<{ url: string; file: string }>;
    const lists = Object.fromEntries(files.map((f) => [f.url, readFileSync(f.file, 'utf8')]));
    const result = await verifyCredential(issued.jwt, { status: { lists } });
    expect(result.verified).toBe(false);
    expect(result.errors?.map((e) => e.code)).toContain('REVOKED');

    const log = await runMain(['issuer', 'log', '--db', db, '--type', 'T'], { env });
    expect(log.stdout).toMatch(new RegExp(`${issued.id}.*REVOKED`));
  });

  it('did create / list / document for did:web', async () => {
    const created = await runMain(
      ['did', 'create', '--db', db, '--method', 'web', '--domain', 'registry.gov.example', '--key-type', 'P-256', '--json'],
      { env },
    );
    expect(created.code, created.stderr).toBe(0);
    const did = JSON.parse(created.stdout) as { did: string };
    expect(did.did).toBe('did:web:registry.gov.example');
    const doc = await runMain(['did', 'document', did.did, '--db', db], { env });
    expect(JSON.parse(doc.stdout)).toMatchObject({ id: did.did, verificationMethod: [{ publicKeyJwk: { crv: 'P-256' } }] });
    const list = await runMain(['did', 'list', '--db', db, '--json'], { env });
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(2);
    const noDomain = await runMain(['did', 'create', '--db', db, '--method', 'web'], { env });
    expect(noDomain.code).toBe(2);
  });

  it('refuses a subject file that is not UTF-8 instead of signing U+FFFD', async () => {
    const subject = join(dir, 'latin1-subject.json');
    writeFileSync(subject, Buffer.concat([Buffer.from('{"name":"Jos'), Buffer.from([0xe9]), Buffer.from('"}')]));
    const r = await runMain(['issue', '--db', db, '--type', 'T', '--subject', subject], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not valid UTF-8/);
  });

  it('refuses __proto__, constructor and prototype in claims and batch columns without touching Object.prototype', async () => {
    const claim = await runMain(['issue', '--db', db, '--type', 'T', '--claim', '__proto__=x', '--claim', 'a=1'], { env });
    expect(claim.code).toBe(2);
    expect(claim.stderr).toMatch(/not allowed/);
    const subject = join(dir, 'hostile-subject.json');
    writeFileSync(subject, '{"name":"A","address":{"constructor":{"prototype":{"x":1}}}}');
    const file = await runMain(['issue', '--db', db, '--type', 'T', '--subject', subject], { env });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/\/address\/constructor is not allowed/);

    const csv = join(dir, 'hostile.csv');
    writeFileSync(csv, 'recordKey,__proto__.subjectId,name\nh1,did:example:attacker,Ana\n');
    const batch = await runMain(['issue-batch', csv, '--db', db, '--type', 'T', '--json'], { env });
    expect(batch.code).toBe(1);
    expect(JSON.parse(batch.stdout)).toMatchObject({ issued: 0, invalid: [{ line: 1, code: 'MALFORMED' }] });
    expect(({} as Record<string, unknown>).subjectId).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});
