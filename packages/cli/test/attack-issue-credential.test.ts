// `tradewind issue --credential`: refusals of one member keep their path into the
// document, and a file whose objects repeat a member name is not signed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-attack-issue-credential-'));
const env = { TRADEWIND_SECRET: 'attack document secret', TRADEWIND_ISSUER_DB: join(dir, 'issuer.db') };
const V2 = 'https://www.w3.org/ns/credentials/v2';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let list: string;
beforeAll(async () => {
  const init = await runMain(['issuer', 'init', '--status-base-url', 'https://registry.gov.example/status'], { env });
  expect(init.code, init.stderr).toBe(0);
  const first = await runMain(['issue', '--credential', '-', '--json'], { env, stdin: JSON.stringify(document()) });
  expect(first.code, first.stderr).toBe(0);
  list = (JSON.parse(first.stdout) as { status: Array<{ statusListCredential: string }> }).status[0]?.statusListCredential as string;
}, 60_000);

function document(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': [V2],
    type: ['VerifiableCredential', 'VoterCard'],
    credentialSubject: { id: 'did:example:voter', ward: 'St Ann' },
    ...extra,
  };
}

async function logged(): Promise<number> {
  const r = await runMain(['issuer', 'log', '--json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as unknown[]).length;
}

describe('tradewind issue --credential: a refused member is named by its path in the document', () => {
  it("a status entry into the issuer's own list (spelt otherwise): INVALID_ARGUMENT, exit 2, the path on its own line and in --json", async () => {
    const file = join(dir, 'own-list.json');
    const spelt = list.replace('https://registry.gov.example', 'HTTPS://Registry.Gov.Example:443');
    const entry = { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '5', statusListCredential: spelt };
    writeFileSync(file, JSON.stringify(document({ credentialStatus: [entry] })));
    const before = await logged();
    const human = await runMain(['issue', '--credential', file], { env });
    expect([human.code, human.stdout]).toEqual([2, '']);
    const lines = human.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`tradewind issue: INVALID_ARGUMENT: the credential is refused (${file}): 1 problem`);
    expect(lines[1]).toMatch(
      /^ {2}\/credentialStatus\/0\/statusListCredential: a status entry of the credential points into this issuer's own status lists/,
    );
    const json = await runMain(['issue', '--credential', file, '--json'], { env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr).error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      issues: [{ code: 'INVALID_ARGUMENT', path: '/credentialStatus/0/statusListCredential' }],
    });
    expect(await logged()).toBe(before);
  });

  it('a lone surrogate in a claim: MALFORMED, exit 1, with its path', async () => {
    const json = await runMain(['issue', '--credential', '-', '--json'], {
      env,
      stdin: `{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"ward":"St \\ud800Ann"}}`,
    });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'MALFORMED', issues: [{ path: '/credentialSubject/ward' }] });
  });

  it('a member name twice in one object, or an integer JSON cannot hold exactly: usage error naming it, exit 2, nothing issued', async () => {
    const before = await logged();
    const text = `{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"id":"did:example:shown","ward":"St Ann","id":"did:example:signed"}}`;
    const r = await runMain(['issue', '--credential', '-'], { env, stdin: text });
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain('credential file stdin at /credentialSubject/id: a member name appears twice in one object');
    const escaped = await runMain(['issue', '--credential', '-'], {
      env,
      stdin: `{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"a~b":1,"a\\u007eb":2}}`,
    });
    expect(escaped.code).toBe(2);
    expect(escaped.stderr).toContain('at /credentialSubject/a~0b: a member name appears twice');
    const inArray = await runMain(['issue', '--credential', '-'], {
      env,
      stdin: `{"@context":["${V2}",{"x":"urn:x:"},{"y":"urn:y:","y":"urn:z:"}],"type":["VerifiableCredential"],"credentialSubject":{"a":"}{,\\""}}`,
    });
    expect(inArray.code).toBe(2);
    expect(inArray.stderr).toContain('at /@context/2/y: a member name appears twice');
    const big = await runMain(['issue', '--credential', '-'], {
      env,
      stdin: `{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"ok":[9007199254740991,-1.5e300],"account":[1,12345678901234567890]}}`,
    });
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('at /credentialSubject/account/1: the integer 12345678901234567890 is beyond');
    expect(await logged()).toBe(before);
  });
});

describe('tradewind issue --type: claims that would be signed otherwise than given', () => {
  it('a subject file that repeats a name or holds an inexact integer, and a --claim given twice: usage errors, exit 2', async () => {
    const before = await logged();
    const repeated = await runMain(['issue', '--type', 'VoterCard', '--subject', '-'], { env, stdin: '{"ward":"St Ann","ward":"Arima"}' });
    expect([repeated.code, repeated.stdout]).toEqual([2, '']);
    expect(repeated.stderr).toContain('subject file - at /ward: a member name appears twice');
    const big = await runMain(['issue', '--type', 'VoterCard', '--subject', '-'], { env, stdin: '{"roll":90071992547409931}' });
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('at /roll: the integer 90071992547409931 is beyond');
    const twice = await runMain(['issue', '--type', 'VoterCard', '--claim', 'ward=St Ann', '--claim', 'ward=Arima'], { env });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--claim "ward" is given twice');
    expect(await logged()).toBe(before);
    const fine = await runMain(['issue', '--type', 'VoterCard', '--subject', '-', '--claim', 'ward=Arima'], {
      env,
      stdin: '{"ward":"St Ann"}',
    });
    expect(fine.code, fine.stderr).toBe(0);
  });
});

describe('tradewind issue-batch: every listed line names where its record is at fault', () => {
  it('a refusal whose reason does not say the path gets it before the reason', async () => {
    const file = join(dir, 'records.jsonl');
    writeFileSync(
      file,
      [
        `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"a":1,"a":2}}}`,
        `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential","RecognitionList"],"credentialSubject":{"a":1}}}`,
        `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"iss":"did:example:x","credentialSubject":{"a":1}}}`,
        '',
      ].join('\n'),
    );
    const r = await runMain(['issue-batch', file, '--type', 'VoterCard', '--dry-run'], { env });
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('  line'));
    expect(lines[0]).toBe(
      '  line 1: MALFORMED: /credential/credentialSubject/a: a member name appears twice in one object (JSON keeps only the last)',
    );
    expect(lines[1]).toMatch(/^ {2}line 2: INVALID_ARGUMENT: \/credential\/type\/1: type RecognitionList is not issued from a request/);
    // The path is in the reason already: not twice.
    expect(lines[2]).toMatch(/^ {2}line 3: MALFORMED: the credential \(VCDM 2\.0\) is not valid: \/credential\/iss: /);
  });
});
