import { beforeAll, describe, expect, it } from 'vitest';
import { parseStatusListFlag } from '../src/verify/status-list-flags.js';
import {
  didJwk,
  STATUS_URL,
  SUBJECT,
  statusEntry,
  statusListJwt,
  type TestKey,
  tamper,
  tempFiles,
  VALID_FROM,
  VALID_UNTIL,
  vcJwt,
  vpJwt,
} from './helpers/credentials.js';
import { runMain } from './helpers/run-main.js';

const files = tempFiles();
let issuer: TestKey;
let holder: TestKey;
let jwt: string;
let good: string;

beforeAll(async () => {
  issuer = didJwk();
  holder = didJwk();
  jwt = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha', familyName: 'Ramdial' } });
  good = files.write('good.jwt', `${await vcJwt(issuer)}\n`);
});

describe('tradewind verify: credentials', () => {
  it('verifies a vc+jwt credential and prints a summary', async () => {
    const r = await runMain(['verify', good]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^VERIFIED\n/);
    expect(r.stdout).toContain(`format      vc+jwt`);
    expect(r.stdout).toContain(`issuer      ${issuer.did}`);
    expect(r.stdout).toContain(`subject     ${SUBJECT}`);
    expect(r.stdout).toContain('types       VerifiableCredential, NationalIdCredential');
    expect(r.stdout).toContain(`valid       from ${VALID_FROM.toISOString()} until ${VALID_UNTIL.toISOString()}`);
    expect(r.stdout).toContain(`key         ${issuer.kid}`);
  });

  it('reads the input from stdin with -, trimming surrounding whitespace', async () => {
    const r = await runMain(['verify', '-'], { stdin: `\n  ${jwt} \r\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VERIFIED/);
  });

  it('accepts JSON input (an enveloped credential)', async () => {
    const enveloped = {
      '@context': 'https://www.w3.org/ns/credentials/v2',
      id: `data:application/vc+jwt,${jwt}`,
      type: 'EnvelopedVerifiableCredential',
    };
    const r = await runMain(['verify', files.write('enveloped.json', JSON.stringify(enveloped, null, 2))]);
    expect(r.code).toBe(0);
  });

  it('rejects a tampered credential with SIGNATURE_INVALID, exit 1', async () => {
    const r = await runMain(['verify', '-'], { stdin: tamper(jwt) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^NOT VERIFIED\n/);
    expect(r.stdout).toMatch(/^ {2}SIGNATURE_INVALID: /m);
    expect(r.stderr).toBe('');
  });

  it.each([
    ['text', 'this is not a credential'],
    ['empty input', ''],
    ['JSON that is not a credential', '{"hello": "world"}'],
    ['broken JSON', '{"hello": '],
    ['a JWT without a credential', 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.AAAA'],
  ])('answers MALFORMED with exit 1 for %s', async (_name, input) => {
    const r = await runMain(['verify', '-', '--json'], { stdin: input });
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.verified).toBe(false);
    expect(result.errors.map((e: { code: string }) => e.code)).toContain('MALFORMED');
  });

  it('prints the verification result object with --json, dates as ISO strings', async () => {
    const r = await runMain(['verify', good, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      verified: true,
      format: 'vc+jwt',
      issuer: issuer.did,
      subject: SUBJECT,
      keyId: issuer.kid,
      validFrom: VALID_FROM.toISOString(),
      validUntil: VALID_UNTIL.toISOString(),
      warnings: [],
      header: { alg: 'EdDSA', typ: 'vc+jwt' },
    });
    expect(result.credential.type).toEqual(['VerifiableCredential', 'NationalIdCredential']);
  });

  it('accepts --now as an RFC 3339 date-time with Z or an offset, with or without a fraction', async () => {
    const inside = new Date(VALID_FROM.getTime() + 3_600_000);
    const sameInstantAtMinus4 = `${new Date(inside.getTime() - 4 * 3_600_000).toISOString().slice(0, 19)}-04:00`;
    for (const now of [inside.toISOString(), `${inside.toISOString().slice(0, 19)}Z`, sameInstantAtMinus4]) {
      expect((await runMain(['verify', good, '--now', now])).code, now).toBe(0);
    }
  });

  it('--now after validUntil makes the credential EXPIRED, before validFrom NOT_YET_VALID', async () => {
    const later = new Date(VALID_UNTIL.getTime() + 86_400_000).toISOString();
    const expired = await runMain(['verify', good, '--now', later]);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toMatch(/^ {2}EXPIRED: /m);
    const earlier = await runMain(['verify', good, '--now', '2000-01-01T00:00:00Z']);
    expect(earlier.code).toBe(1);
    expect(earlier.stdout).toMatch(/^ {2}NOT_YET_VALID: /m);
  });

  it.each([
    'yesterday',
    '2027-13-45T00:00:00Z',
    '1700000000',
    '2027-01-01T25:00:00Z',
    '2027-02-30',
    '2027-04-31T10:00Z',
    '2027-01-01T23:60:00Z',
    '2027-01-01T10:00',
    '2027-01-01',
    '2027-01-01T10:00Z',
    '2027-01-01T10:00:00',
    '2027-01-01 10:00:00Z',
    '2027-01-01T10:00:00+0400',
    'Fri, 01 Jan 2027 10:00:00 GMT',
  ])('refuses --now %s (not RFC 3339 with a zone) as a usage error', async (now) => {
    const r = await runMain(['verify', good, '--now', now]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--now expects an RFC 3339 date-time');
  });
});

describe('tradewind verify: usage errors exit 2', () => {
  it.each([
    ['a missing file', ['verify', '/nonexistent/credential.jwt'], 'cannot read input /nonexistent/credential.jwt: no such file'],
    ['a directory', ['verify', '.'], 'cannot read input .: it is a directory'],
    ['an unknown flag', ['verify', 'x.jwt', '--trust-me'], "Unknown option '--trust-me'"],
    ['a flag without its value', ['verify', 'x.jwt', '--policy'], "'--policy"],
    ['no file', ['verify'], 'verify needs a file to verify, or - for stdin'],
    ['two files', ['verify', 'a.jwt', 'b.jwt'], 'one file at a time'],
  ])('%s', async (_name, argv, message) => {
    const r = await runMain(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("Run 'tradewind verify --help' for usage.");
  });

  it('reports usage errors as one JSON line on stderr under --json', async () => {
    const r = await runMain(['verify', '/nonexistent/credential.jwt', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({
      error: { code: 'NOT_FOUND', message: 'cannot read input /nonexistent/credential.jwt: no such file' },
    });
  });
});

describe('tradewind verify --policy', () => {
  it('accepts a credential from an issuer the policy trusts', async () => {
    const policy = files.write('trusting.json', JSON.stringify({ trustedIssuers: [issuer.did] }));
    expect((await runMain(['verify', good, '--policy', policy])).code).toBe(0);
  });

  it('rejects a credential from any other issuer with UNTRUSTED_ISSUER', async () => {
    const policy = files.write('other.json', JSON.stringify({ trustedIssuers: [didJwk().did] }));
    const r = await runMain(['verify', good, '--policy', policy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}UNTRUSTED_ISSUER: /m);
  });

  it.each([
    ['unknown keys', { trustedIssuers: [], trustedIssuer: ['did:key:z6Mk'] }, 'unknown policy key "trustedIssuer" (at /trustedIssuer)'],
    ['a non-array trustedIssuers', { trustedIssuers: 'did:key:z6Mk' }, 'trustedIssuers must be an array of DIDs'],
    [
      'an entry that is not a DID',
      { trustedIssuers: ['https://issuer.example'] },
      'trustedIssuers must be an array of DIDs (at /trustedIssuers)',
    ],
    ['a JSON array', [], 'a policy is a JSON object'],
  ])('refuses a policy with %s (exit 2)', async (name, policy, message) => {
    const r = await runMain(['verify', good, '--policy', files.write(`${name}.json`, JSON.stringify(policy))]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });

  it('refuses a policy file that is not JSON or does not exist (exit 2)', async () => {
    const notJson = await runMain(['verify', good, '--policy', files.write('policy.yaml', 'trustedIssuers: []')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('is not JSON');
    const missing = await runMain(['verify', good, '--policy', '/nonexistent/policy.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read policy file /nonexistent/policy.json');
  });
});

describe('tradewind verify --status-list', () => {
  it('splits URL=FILE at the last =, since URLs carry = in queries', () => {
    expect(parseStatusListFlag('https://id.gov.tt/status?list=3=./lists/3.jwt')).toEqual({
      url: 'https://id.gov.tt/status?list=3',
      file: './lists/3.jwt',
    });
  });

  it('checks status offline against the given list: REVOKED when the bit is set, exit 1', async () => {
    const list = files.write('revocation-1.jwt', await statusListJwt(issuer, STATUS_URL, [42]));
    const revoked = files.write('revoked.jwt', await vcJwt(issuer, { credentialStatus: statusEntry(STATUS_URL, 42) }));
    const kept = files.write('kept.jwt', await vcJwt(issuer, { credentialStatus: statusEntry(STATUS_URL, 43) }));
    const r = await runMain(['verify', revoked, '--status-list', `${STATUS_URL}=${list}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}REVOKED: /m);
    expect((await runMain(['verify', kept, '--status-list', `${STATUS_URL}=${list}`])).code).toBe(0);
  });

  it('fails a credential with a status entry when its list is not given (STATUS_UNAVAILABLE)', async () => {
    const jwtWithStatus = await vcJwt(issuer, { credentialStatus: statusEntry(STATUS_URL, 42) });
    const other = files.write('other-list.jwt', await statusListJwt(issuer, 'https://id.gov.tt/status/9', []));
    const r = await runMain(['verify', '-', '--status-list', `https://id.gov.tt/status/9=${other}`, '--json'], { stdin: jwtWithStatus });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code)).toEqual(['STATUS_UNAVAILABLE']);
  });

  it.each([
    ['no =', ['--status-list', 'https://id.gov.tt/status/1'], '--status-list expects URL=FILE'],
    ['no file', ['--status-list', 'https://id.gov.tt/status/1='], '--status-list expects URL=FILE'],
    ['a relative URL', ['--status-list', 'status/1=list.jwt'], 'is not an absolute URL'],
    [
      'a missing file',
      ['--status-list', 'https://id.gov.tt/s=/nonexistent/list.jwt'],
      'cannot read status list file /nonexistent/list.jwt',
    ],
    ['the same URL twice', ['--status-list', 'https://a.example/s=x', '--status-list', 'https://a.example/s=y'], 'more than once'],
  ])('refuses %s (exit 2)', async (_name, flags, message) => {
    const args = flags.map((f) => f.replace(/=(x|y)$/, `=${files.write('list.jwt', 'x')}`));
    const r = await runMain(['verify', good, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('tradewind verify: presentations', () => {
  it('verifies a vp+jwt with its nonce and audience, listing the credentials', async () => {
    const vp = await vpJwt(holder, [jwt], { nonce: 'n-4711', aud: 'https://bank.example.bb' });
    const r = await runMain(['verify', '-', '--nonce', 'n-4711', '--audience', 'https://bank.example.bb'], { stdin: vp });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VERIFIED presentation\n/);
    expect(r.stdout).toContain(`holder      ${holder.did}`);
    expect(r.stdout).toContain('credentials 1');
    expect(r.stdout).toContain(`issuer      ${issuer.did}`);
  });

  it('rejects a presentation with another nonce (NONCE_MISMATCH, exit 1)', async () => {
    const vp = await vpJwt(holder, [jwt], { nonce: 'n-4711' });
    const r = await runMain(['verify', '-', '--nonce', 'n-9999', '--json'], { stdin: vp });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code)).toContain('NONCE_MISMATCH');
  });

  it('detects a presentation in JSON form by its type', async () => {
    const vp = await vpJwt(holder, [jwt]);
    const enveloped = {
      '@context': 'https://www.w3.org/ns/credentials/v2',
      id: `data:application/vp+jwt,${vp}`,
      type: 'EnvelopedVerifiablePresentation',
    };
    const r = await runMain(['verify', '-', '--json'], { stdin: JSON.stringify(enveloped) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, format: 'vp+jwt', holder: holder.did });
  });

  it('does not accept a bare credential when a nonce or audience is required', async () => {
    const r = await runMain(['verify', good, '--nonce', 'n-4711', '--audience', 'https://bank.example.bb', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code)).toEqual(['NONCE_MISMATCH', 'AUDIENCE_MISMATCH']);
  });
});

describe('tradewind verify: recognition policies', () => {
  async function list(anchor: TestKey, entries: unknown[]): Promise<string> {
    const { SignJWT } = await import('jose');
    return new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'RecognitionList'],
      issuer: anchor.did,
      credentialSubject: { sequence: 3, nextUpdate: new Date(VALID_UNTIL).toISOString().replace('.000Z', 'Z'), entries },
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: `${anchor.did}#0`, typ: 'vc+jwt' })
      .sign(anchor.privateKey);
  }
  const entry = (did: string, assuranceLevel: string) => ({
    id: did,
    country: 'TT',
    name: 'Registrar General',
    credentialTypes: ['NationalIdCredential'],
    assuranceLevel,
  });

  it('recognises an issuer through a list file named by the policy, relative to the policy', async () => {
    const anchor = didJwk();
    files.write('rl-caricom.jwt', await list(anchor, [entry(issuer.did, 'substantial')]));
    const policy = files.write('rl-bank.json', JSON.stringify({ anchors: [anchor.did], recognitionLists: ['rl-caricom.jwt'] }));
    const r = await runMain(['verify', good, '--policy', policy, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).recognition).toMatchObject({ source: 'list', country: 'TT', assuranceLevel: 'substantial' });
  });

  it('exits 1 with NOT_RECOGNIZED when the policy asks for a higher assurance', async () => {
    const anchor = didJwk();
    files.write('rl-jm.jwt', await list(anchor, [entry(issuer.did, 'substantial')]));
    const policy = files.write(
      'rl-border.json',
      JSON.stringify({
        anchors: [anchor.did],
        recognitionLists: ['rl-jm.jwt'],
        accept: [{ countries: '*', credentialTypes: '*', minAssurance: 'high' }],
      }),
    );
    const r = await runMain(['verify', good, '--policy', policy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('NOT_RECOGNIZED');
  });

  it('exits 1 with TRUST_LIST_INVALID for a list not signed by the anchor', async () => {
    files.write('rl-forged.jwt', await list(didJwk(), [entry(issuer.did, 'high')]));
    const policy = files.write('rl-forged.json', JSON.stringify({ anchors: [didJwk().did], recognitionLists: ['rl-forged.jwt'] }));
    const r = await runMain(['verify', good, '--policy', policy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('TRUST_LIST_INVALID');
  });

  it('exits 2 when a list file named by the policy is missing', async () => {
    const policy = files.write('rl-missing.json', JSON.stringify({ anchors: [didJwk().did], recognitionLists: ['nowhere.jwt'] }));
    const r = await runMain(['verify', good, '--policy', policy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nowhere.jwt');
  });
});

describe('tradewind verify: a bare VERIFIED says what it rests on', () => {
  it('without a policy: any issuer with a valid signature is accepted, and status is not present', async () => {
    const r = await runMain(['verify', good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}trust {7}any issuer with a valid signature is accepted \(no recognition policy\)$/m);
    expect(r.stdout).toMatch(/^ {2}status {6}not present \(the credential names no status list\)$/m);
  });

  it('status checked against a given list', async () => {
    const list = files.write('summary-list.jwt', await statusListJwt(issuer, STATUS_URL, []));
    const kept = files.write('summary-kept.jwt', await vcJwt(issuer, { credentialStatus: statusEntry(STATUS_URL, 7) }));
    const r = await runMain(['verify', kept, '--status-list', `${STATUS_URL}=${list}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}status {6}checked$/m);
  });

  it('status NOT CHECKED when the policy lets an unavailable list pass with a warning', async () => {
    const withStatus = files.write('summary-unchecked.jwt', await vcJwt(issuer, { credentialStatus: statusEntry(STATUS_URL, 7) }));
    const policy = files.write('summary-warn.json', JSON.stringify({ trustedIssuers: [issuer.did], status: { onUnavailable: 'warn' } }));
    const r = await runMain(['verify', withStatus, '--policy', policy]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}status {6}NOT CHECKED: /m);
  });

  it('with a policy: says how the issuer is trusted instead', async () => {
    const policy = files.write('summary-trusting.json', JSON.stringify({ trustedIssuers: [issuer.did] }));
    const r = await runMain(['verify', good, '--policy', policy]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('any issuer with a valid signature');
    expect(r.stdout, r.stdout).toMatch(/^ {2}trust {7}(accepted by|trusted issuer of) the recognition policy$/m);
  });

  it('a presentation without a policy says so once, and status per credential', async () => {
    const vp = await vpJwt(holder, [jwt]);
    const r = await runMain(['verify', '-'], { stdin: vp });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}trust {7}any issuer with a valid signature is accepted \(no recognition policy\)$/m);
    expect(r.stdout).toMatch(/^ {4}status {6}not present/m);
    expect(r.stdout.match(/any issuer with a valid signature/g)).toHaveLength(1);
  });

  it('--json keeps the verification result object as the verifier returns it', async () => {
    const r = await runMain(['verify', good, '--json']);
    expect(Object.keys(JSON.parse(r.stdout))).not.toContain('trust');
  });
});
