// `tradewind issue --credential FILE|-`: a whole credential document, signed as written.
// Threats: a document quietly rewritten on its way to the signature (a member dropped,
// a date normalised, the caller's status entry replaced); a refusal that names one
// problem at a time, or none with its path; a file that is not a document (missing,
// not JSON, an array, too large to verify, nested to overflow the stack) reaching the
// issuer; two ways to say what to issue given at once, one of them silently ignored.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../src/io.js';
import { main } from '../src/main.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-issue-credential-'));
const db = join(dir, 'issuer.db');
const env = { TRADEWIND_SECRET: 'document issuer secret', TRADEWIND_ISSUER_DB: db };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const r = await runMain(['issuer', 'init', '--status-base-url', 'https://registry.gov.example/status'], { env });
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

const CALLER_STATUS = {
  id: 'https://registry.gov.example/own-status/7#1234',
  type: 'BitstringStatusListEntry',
  statusPurpose: 'suspension',
  statusListIndex: '1234',
  statusListCredential: 'https://registry.gov.example/own-status/7',
};

/** A VCDM 2.0 document with members a convenience request cannot express. */
function v2Document(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', { nid: 'https://registry.gov.example/vocab#' }],
    type: ['VerifiableCredential', 'NationalIdCredential'],
    name: [
      { '@value': 'National identity card', '@language': 'en' },
      { '@value': "Carte nationale d'identité", '@language': 'fr' },
    ],
    description: 'Issued by the Registrar General',
    validFrom: '2026-03-01T08:30:00.125-04:00',
    validUntil: '2036-03-01T08:30:00.125-04:00',
    credentialSubject: { id: 'did:example:ana', givenName: 'Ana', familyName: 'Joseph', birthDate: '1990-02-11' },
    credentialStatus: [CALLER_STATUS],
    ...extra,
  };
}

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

const NOW = { now: '2027-01-01T00:00:00Z', status: { onUnavailable: 'warn' as const } };

describe('tradewind issue --credential: a whole document, signed as written', () => {
  it('signs a VCDM 2.0 document from a file as vc+jwt, keeping every member and adding only issuer, id and its status entry', async () => {
    const document = v2Document();
    const file = write('national-id.json', JSON.stringify(document, null, 2));
    const r = await runMain(['issue', '--credential', file], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Issued urn:uuid:\S+ \(vc\+jwt\) by did:key:z6Mk/);
    const jwt = r.stdout.trim();
    const payload = payloadOf(jwt);
    for (const [key, value] of Object.entries(document)) {
      if (key === 'credentialStatus') continue;
      expect(JSON.stringify(payload[key]), key).toBe(JSON.stringify(value));
    }
    // The caller's own entry first, as given; the issuer's allocated revocation entry after it.
    const status = payload.credentialStatus as Array<Record<string, unknown>>;
    expect(status[0]).toEqual(CALLER_STATUS);
    expect(status.slice(1).map((s) => s.statusPurpose)).toEqual(['revocation']);
    expect(Object.keys(payload).sort()).toEqual([...Object.keys(document), 'id', 'issuer'].sort());
    expect(payload.id).toMatch(/^urn:uuid:/);

    const verified = await verifyCredential(jwt, NOW);
    expect(verified.verified, JSON.stringify(verified)).toBe(true);
    if (verified.verified) {
      expect(verified.format).toBe('vc+jwt');
      expect(verified.credential.name).toEqual(document.name);
    }
  });

  it('reads the document from stdin; a VCDM 1.1 document is issued as jwt_vc, --json prints the result', async () => {
    const document = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      id: 'urn:example:birth-1',
      type: ['VerifiableCredential', 'BirthCertificate'],
      issuanceDate: '2026-03-01T08:30:00-04:00',
      credentialSubject: { id: 'did:example:baby', name: 'Léa' },
    };
    const r = await runMain(['issue', '--credential', '-', '--status', 'none', '--json'], { env, stdin: JSON.stringify(document) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { id: string; format: string; status: unknown[]; jwt: string; reemitted: boolean };
    expect(out).toMatchObject({ id: 'urn:example:birth-1', format: 'jwt_vc', status: [], reemitted: false });
    const payload = payloadOf(out.jwt);
    expect(payload.jti).toBe('urn:example:birth-1');
    expect(payload.sub).toBe('did:example:baby');
    const vc = payload.vc as Record<string, unknown>;
    expect(vc.credentialSubject).toEqual(document.credentialSubject);
    expect(vc.issuanceDate).toBe(document.issuanceDate);
    const verified = await verifyCredential(out.jwt, NOW);
    expect(verified.verified, JSON.stringify(verified)).toBe(true);
    expect(verified.verified && verified.format).toBe('jwt_vc');
  });

  it('tradewind verify names every subject of a credential about several', async () => {
    const document = v2Document({
      credentialSubject: [
        { id: 'did:example:ana', givenName: 'Ana' },
        { id: 'urn:example:card:TT-1', cardNumber: 'TT-1' },
        { cardNumber: 'no id' },
      ],
      credentialStatus: undefined,
    });
    const issued = await runMain(
      ['issue', '--credential', write('subjects.json', JSON.stringify(document)), '--status', 'none', '--out', join(dir, 'subjects.jwt')],
      {
        env,
      },
    );
    expect(issued.code, issued.stderr).toBe(0);
    const r = await runMain(['verify', join(dir, 'subjects.jwt')], { env });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ {2}subjects {4}did:example:ana, urn:example:card:TT-1, \(no id\)$/m);
  });

  it('--record-key makes a retry safe: a second issue is ALREADY_EXISTS (exit 1), --reemit prints the same credential', async () => {
    const file = write('retry.json', JSON.stringify(v2Document({ credentialStatus: undefined })));
    const args = ['issue', '--credential', file, '--record-key', 'nid-000123', '--status', 'revocation,suspension', '--json'];
    const first = await runMain(args, { env });
    expect(first.code, first.stderr).toBe(0);
    const issued = JSON.parse(first.stdout) as { id: string; status: unknown[]; jwt: string };
    expect(issued.status).toHaveLength(2);

    const again = await runMain(args, { env });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error.code).toBe('ALREADY_EXISTS');

    const reemitted = await runMain([...args, '--reemit'], { env });
    expect(reemitted.code, reemitted.stderr).toBe(0);
    const out = JSON.parse(reemitted.stdout) as { id: string; status: unknown[]; jwt: string; reemitted: boolean };
    expect(out.reemitted).toBe(true);
    expect(out.id).toBe(issued.id);
    expect(payloadOf(out.jwt)).toEqual(payloadOf(issued.jwt));
  });

  it('--out writes the JWT to a file and says so on stdout', async () => {
    const file = write('out.json', JSON.stringify(v2Document()));
    const target = join(dir, 'national-id.jwt');
    const r = await runMain(['issue', '--credential', file, '--out', target], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Issued urn:uuid:\\S+ \\(vc\\+jwt\\) by did:key:\\S+, written to ${target}\\n$`));
    const jwt = readFileSync(target, 'utf8').trim();
    expect((await verifyCredential(jwt, NOW)).verified).toBe(true);

    const noFolder = await runMain(['issue', '--credential', file, '--out', join(dir, 'absent', 'x.jwt')], { env });
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toMatch(/its folder does not exist/);
  });

  it('what the request asks that the document cannot be: INVALID_ARGUMENT (exit 2); a document of no known data model: MALFORMED at /@context (exit 1)', async () => {
    const file = write('v2.json', JSON.stringify(v2Document()));
    const wrongFormat = await runMain(['issue', '--credential', file, '--format', 'jwt_vc', '--json'], { env });
    expect(wrongFormat.code).toBe(2);
    expect(JSON.parse(wrongFormat.stderr).error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/VCDM 2\.0/) });

    const proof = write('proof.json', JSON.stringify(v2Document({ proof: { type: 'DataIntegrityProof' } })));
    const withProof = await runMain(['issue', '--credential', proof], { env });
    expect(withProof.code).toBe(2);
    expect(withProof.stderr).toMatch(/INVALID_ARGUMENT: .*proof/);

    const unknown = write('no-model.json', JSON.stringify(v2Document({ '@context': ['https://schema.org/'] })));
    const r = await runMain(['issue', '--credential', unknown, '--json'], { env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'MALFORMED', issues: [{ path: '/@context' }] });

    const none = await runMain(['issue', '--credential', file, '--status', 'none', '--json'], { env });
    expect(none.code, none.stderr).toBe(0);
    const out = JSON.parse(none.stdout) as { status: unknown[]; jwt: string };
    expect(out.status).toEqual([]);
    // Only the caller's own entry remains.
    expect(payloadOf(out.jwt).credentialStatus).toEqual([CALLER_STATUS]);
  });

  it('committed but not written out (EFBIG on stdout): the message says how to re-emit a document that had no id, and doing so prints it', async () => {
    const document = v2Document();
    const file = write('undelivered.json', JSON.stringify(document));
    let stderr = '';
    const io: Io = {
      stdout: () => {
        throw Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG', syscall: 'write' });
      },
      stderr: (t) => {
        stderr += t;
      },
      async *stdin() {},
      env,
    };
    expect(await main(['issue', '--credential', file], io)).toBe(2);
    expect(stderr).toMatch(/STORAGE_ERROR: .* was committed to the issuer database/);
    const hint = /add "id": "(urn:uuid:[0-9a-f-]+)" to the document and re-emit it with: (tradewind issue .*--reemit)$/.exec(
      stderr.trimEnd(),
    );
    expect(hint, stderr).not.toBeNull();
    const [, id, command] = hint as RegExpExecArray;
    writeFileSync(file, JSON.stringify({ ...document, id }));
    const again = await runMain((command as string).split(' ').slice(1), { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`^Re-emitted ${id} `));
    expect(payloadOf(again.stdout.trim()).id).toBe(id);

    // A document with its own id is found by it: the same command with --reemit, nothing to add.
    stderr = '';
    const named = write('undelivered-named.json', JSON.stringify({ ...document, id: 'urn:example:nid:undelivered' }));
    expect(await main(['issue', '--credential', named], io)).toBe(2);
    expect(stderr).toMatch(
      /once the problem is fixed, re-emit it with: tradewind issue --credential \S+undelivered-named\.json --reemit$/m,
    );
  });

  it('a document the issuer refuses: every violation with its path, one line each; --json carries them as issues; exit 1', async () => {
    const bad = v2Document({
      type: ['NationalIdCredential'],
      id: null,
      validFrom: '1 March 2026',
      credentialSubject: {},
    });
    const file = write('bad.json', JSON.stringify(bad));
    const logged = async () => (JSON.parse((await runMain(['issuer', 'log', '--json'], { env })).stdout) as unknown[]).length;
    const before = await logged();
    const human = await runMain(['issue', '--credential', file], { env });
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('');
    const lines = human.stderr.trimEnd().split('\n');
    // A headline naming the file and the count, then one line per violation, its path into the file first.
    expect(lines[0]).toMatch(new RegExp(`^tradewind issue: MALFORMED: .*not valid \\(${file}\\): ${lines.length - 1} problems$`));
    const paths = lines.slice(1).map((l) => /^ {2}(\/\S*): \S/.exec(l)?.[1]);
    expect(paths).not.toContain(undefined);
    expect(paths).toEqual(expect.arrayContaining(['/type', '/id', '/validFrom', '/credentialSubject']));

    const json = await runMain(['issue', '--credential', file, '--json'], { env });
    expect(json.code).toBe(1);
    expect(json.stderr.trimEnd().split('\n')).toHaveLength(1);
    const error = JSON.parse(json.stderr).error as { code: string; issues: Array<{ path: string; message: string }> };
    expect(error.code).toBe('MALFORMED');
    expect(error.issues.map((i) => i.path)).toEqual(paths);
    for (const issue of error.issues) expect(issue.message.length).toBeGreaterThan(0);

    // Nothing was issued for it.
    expect(await logged()).toBe(before);
  });
});

describe('tradewind issue --credential: a refusal quoting the file or the document stays on its lines', () => {
  it('control characters and line breaks in the file name and the values are escaped, never printed', async () => {
    const hostile = v2Document({ validFrom: '\u001b[32m2026\nVERIFIED', type: ['\u202eNationalId'] });
    const r = await runMain(['issue', '--credential', write('bad\u001b[31m\nVERIFIED\u0007.json', JSON.stringify(hostile))], { env });
    expect(r.code).toBe(1);
    for (const control of ['\u001b', '\u0007', '\u202e', '\r']) expect(r.stderr).not.toContain(control);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^tradewind issue: MALFORMED: .*\(.*bad\\u001B\[31m\\nVERIFIED\\u0007\.json\): 2 problems$/);
    expect(lines).toHaveLength(3);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}\/\S*: /);
  });
});

describe('tradewind issue --credential: problems with the file or the flags are usage errors (exit 2), found before the database is opened', () => {
  // No database at all: each of these must fail on the file or the flags first.
  const noDb = { TRADEWIND_SECRET: 's', TRADEWIND_ISSUER_DB: join(tmpdir(), 'tw-no-such-dir', 'none.db') };
  const good = () => write('good.json', JSON.stringify(v2Document()));

  it.each([
    [['--type', 'NationalIdCredential'], /--credential and --type are two ways to say what to issue/],
    [['--claim', 'givenName=Ana'], /--credential and --claim are two ways/],
    [['--subject', 'subject.json'], /--credential and --subject are two ways/],
    [['--id', 'urn:example:1'], /instead of --id, give its "id" in the document/],
    [['--valid-from', '2026-01-01T00:00:00Z'], /instead of --valid-from, give its "validFrom"/],
    [['--valid-until', '2036-01-01T00:00:00Z'], /instead of --valid-until, give its "validUntil"/],
    [['--issuer', 'did:example:other'], /instead of --issuer, give its "issuer"/],
    [['--subject-id', 'did:example:ana'], /instead of --subject-id, give its "credentialSubject"/],
  ])('with %j', async (extra, message) => {
    const r = await runMain(['issue', '--credential', good(), ...extra], { env: noDb });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    const json = await runMain(['issue', '--credential', good(), ...extra, '--json'], { env: noDb });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
  });

  it.each([
    ['missing', () => join(dir, 'absent.json'), /cannot read credential file .*absent\.json: no such file/, 'NOT_FOUND'],
    ['not JSON', () => write('not.json', '{"type": ['), /credential file .*not\.json is not JSON/, 'INVALID_ARGUMENT'],
    [
      'an array',
      () => write('array.json', '[{"type":"VerifiableCredential"}]'),
      /must hold the credential as a JSON object, not an array/,
      'INVALID_ARGUMENT',
    ],
    ['a string', () => write('string.json', '"eyJhbGciOi"'), /must hold the credential as a JSON object, not a string/, 'INVALID_ARGUMENT'],
    ['empty', () => write('empty.json', '\n'), /credential file .*empty\.json is empty/, 'INVALID_ARGUMENT'],
    [
      'not UTF-8',
      () => write('latin1.json', Buffer.concat([Buffer.from('{"name":"Jos'), Buffer.from([0xe9]), Buffer.from('"}')])),
      /is not valid UTF-8/,
      'INVALID_ARGUMENT',
    ],
    [
      'more JSON than an issued credential may carry',
      () => write('large.json', JSON.stringify(v2Document({ description: 'x'.repeat(130 * 1024) }))),
      /credential file .*large\.json holds \d+ bytes of JSON \(without indentation\), more than the 131072 an issued credential may carry/,
      'LIMIT_EXCEEDED',
    ],
    [
      'nested 10,000 deep',
      () => write('deep.json', `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
      /nests deeper than 32 levels/,
      'LIMIT_EXCEEDED',
    ],
    [
      'a __proto__ member',
      () => write('proto.json', '{"type":["VerifiableCredential"],"credentialSubject":{"__proto__":{"admin":true}}}'),
      /the name at \/credentialSubject\/__proto__ is not allowed/,
      'INVALID_ARGUMENT',
    ],
  ])('a file that is %s', async (_what, file, message, code) => {
    const path = file();
    const r = await runMain(['issue', '--credential', path], { env: noDb });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    const json = await runMain(['issue', '--credential', path, '--json'], { env: noDb });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('an oversized file on stdin is refused while it is read', async () => {
    const r = await runMain(['issue', '--credential', '-'], { env: noDb, stdin: `{"description":"${'x'.repeat(1100 * 1024)}"}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/credential file stdin is larger than 1 MiB, the most tradewind reads for it/);
  });

  it('indentation does not count: a pretty-printed document within the limit is read', async () => {
    // 5,000 short claims indented by 40 spaces: over the limit on disk, a third of it as
    // compact JSON. It reaches the issuer (here: the missing database), not a size error.
    const claims = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`c${i}`, 'v']));
    const text = JSON.stringify(v2Document({ credentialSubject: { id: 'did:example:ana', ...claims } }), null, 40);
    expect(Buffer.byteLength(text)).toBeGreaterThan(131_072);
    const r = await runMain(['issue', '--credential', write('pretty.json', text)], { env: noDb });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no issuer database at/);
  });

  it('--reemit needs the document id or --record-key', async () => {
    const noId = write('no-id.json', JSON.stringify(v2Document()));
    const r = await runMain(['issue', '--credential', noId, '--reemit'], { env: noDb });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--reemit needs the id the credential was issued with in the document, or its --record-key/);
  });

  it('--help shows both forms', async () => {
    const r = await runMain(['issue', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tradewind issue --credential FILE\|-/);
    expect(r.stdout).toMatch(/--credential FILE\|- +the whole credential document as JSON \(at most 128 KiB\n +without indentation\)/);
  });
});
