import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecognizedKey } from '@tradewind/core';
import { openIssuer } from '@tradewind/issuer';
import { createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

const SECRET = 'caricom anchor secret';
const env = { TRADEWIND_SECRET: SECRET };
/** Cheap scrypt for the test databases (stored with each database, so the CLI opens them with it). */
const TEST_KDF = { N: 1024, r: 8, p: 1 };
const OTHER_ANCHOR = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

let dir: string;
let anchorDb: string;
let anchorDid: string;
let ttDid: string;
let ttKeys: RecognizedKey[];

const file = (name: string) => join(dir, name);

function listJson(overrides: Record<string, unknown> = {}) {
  return {
    sequence: 3,
    nextUpdate: '2027-01-01T00:00:00Z',
    // Before every --now below: a list is not applied before its validFrom.
    validFrom: '2025-01-01T00:00:00Z',
    name: 'CARICOM mutual recognition',
    entries: [
      {
        id: OTHER_ANCHOR,
        country: 'BB',
        name: 'Barbados Registration Department',
        credentialTypes: ['NationalIdCredential'],
        assuranceLevel: 'high',
        validFrom: '2024-01-01T00:00:00Z',
        validUntil: '2026-01-01T00:00:00Z',
      },
      {
        id: ttDid,
        country: 'TT',
        name: 'Registrar General TT',
        credentialTypes: ['NationalIdCredential', 'DriverLicence'],
        assuranceLevel: 'substantial',
        keys: ttKeys,
      },
    ],
    ...overrides,
  };
}

function writeList(name: string, list: unknown): string {
  writeFileSync(file(name), typeof list === 'string' ? list : JSON.stringify(list, null, 2));
  return file(name);
}

async function signList(name: string, list: unknown = listJson(), extra: string[] = []): Promise<string> {
  const signed = await runMain(['recognition-list', 'sign', writeList(name, list), '--db', anchorDb, ...extra], { env });
  expect(signed.code, signed.stderr).toBe(0);
  const jwt = file(`${name}.jwt`);
  writeFileSync(jwt, signed.stdout);
  return jwt;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-cli-recognition-'));
  anchorDb = file('anchor.db');
  const anchor = await openIssuer({ path: anchorDb, secret: SECRET, create: true, kdf: TEST_KDF });
  anchorDid = (await anchor.createDid()).did;
  await anchor.close();
  const tt = await openIssuer({ path: file('tt.db'), secret: SECRET, create: true, kdf: TEST_KDF });
  ttDid = (await tt.createDid({ method: 'web', domain: 'registry.gov.tt' })).did;
  ttKeys = await tt.recognitionKeys(ttDid);
  await tt.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradewind recognition-list sign', () => {
  it('signs the list with the anchor database: the JWT on stdout, a list the verifier loads', async () => {
    const signed = await runMain(['recognition-list', 'sign', writeList('list.json', listJson()), '--db', anchorDb], { env });
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout.trim()).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(signed.stderr).toBe(`Signed recognition list 3 (2 entries) by ${anchorDid}\n`);

    const verifier = createVerifier({ policy: { anchors: [anchorDid] }, recognitionLists: [signed.stdout.trim()] });
    const status = await verifier.recognitionStatus();
    expect(status?.problems).toEqual([]);
    expect(status?.lists).toEqual([expect.objectContaining({ anchor: anchorDid, sequence: 3, issuers: 2 })]);
  });

  it('writes --out, takes id and validity from the file and --valid-until, and prints JSON', async () => {
    const out = file('out.jwt');
    const list = listJson({ id: 'https://caricom.example/recognition-list', validFrom: '2026-01-01T00:00:00Z' });
    const signed = await runMain(
      [
        'recognition-list',
        'sign',
        writeList('dated.json', list),
        '--db',
        anchorDb,
        '--out',
        out,
        '--valid-until',
        '2027-02-01T00:00:00Z',
        '--json',
      ],
      { env },
    );
    expect(signed.code, signed.stderr).toBe(0);
    const result = JSON.parse(signed.stdout) as Record<string, unknown>;
    expect(result).toEqual({ issuer: anchorDid, sequence: 3, entries: 2, out, jwt: expect.stringMatching(/^ey/) });
    expect(readFileSync(out, 'utf8').trim()).toBe(result.jwt);

    const inspected = await runMain(['recognition-list', 'inspect', out, '--now', '2026-06-01T00:00:00Z', '--json']);
    const report = JSON.parse(inspected.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      id: 'https://caricom.example/recognition-list',
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2027-02-01T00:00:00Z',
    });

    const human = await runMain(['recognition-list', 'sign', file('dated.json'), '--db', anchorDb, '--out', file('out2.jwt')], { env });
    expect(human.stdout).toBe(`Signed recognition list 3 (2 entries) by ${anchorDid}, written to ${file('out2.jwt')}\n`);
  });

  it('reads the list from stdin', async () => {
    const signed = await runMain(['recognition-list', 'sign', '-', '--db', anchorDb], { env, stdin: JSON.stringify(listJson()) });
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toMatch(/^ey/);
  });

  it('refuses an invalid list with INVALID_ARGUMENT and its JSON path, exit 2, before asking for the secret', async () => {
    const noKeys = listJson();
    delete (noKeys.entries[1] as { keys?: unknown }).keys;
    const badCountry = listJson();
    (badCountry.entries[0] as { country: string }).country = 'Barbados';
    const cases: Array<[string, unknown, RegExp]> = [
      ['no-keys.json', noKeys, /did:web issuer must have its keys listed.*\(at \/entries\/1\/keys in .*no-keys\.json\)/],
      ['country.json', badCountry, /country must be an ISO 3166-1 alpha-2 code \(at \/entries\/0\/country in/],
      ['sequence.json', listJson({ sequence: -1 }), /sequence must be a non-negative integer \(at \/sequence in/],
      ['next.json', listJson({ nextUpdate: '2027-01-01' }), /nextUpdate must be a date-time with a timezone \(at \/nextUpdate in/],
      ['unknown.json', listJson({ issuer: anchorDid }), /unknown key "issuer".*\(at \/issuer in/],
      ['until.json', listJson({ validUntil: 'next year' }), /validUntil expects an RFC 3339 date-time.*\(at \/validUntil in/],
      [
        'order.json',
        listJson({ validFrom: '2027-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }),
        /validFrom is after validUntil \(at \/validUntil in/,
      ],
      ['array.json', [], /the list is a JSON object \(in .*array\.json\)/],
    ];
    for (const [name, list, message] of cases) {
      const result = await runMain(['recognition-list', 'sign', writeList(name, list), '--db', anchorDb]);
      expect(result.code, name).toBe(2);
      expect(result.stderr, name).toMatch(/^tradewind recognition-list sign: INVALID_ARGUMENT: /);
      expect(result.stderr, name).toMatch(message);
    }
    const json = await runMain(['recognition-list', 'sign', file('country.json'), '--db', anchorDb, '--json'], { env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('/entries/0/country') },
    });
  });

  it('usage errors exit 2: unreadable or non-JSON file, missing database, bad --valid-until; a wrong secret exits 1', async () => {
    const missing = await runMain(['recognition-list', 'sign', file('absent.json'), '--db', anchorDb], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read list file .*absent\.json: no such file/);

    const notJson = await runMain(['recognition-list', 'sign', writeList('text.json', 'sequence: 3'), '--db', anchorDb], { env });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/is not JSON/);

    const noDb = await runMain(['recognition-list', 'sign', file('list.json'), '--db', file('absent.db')], { env });
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toMatch(/tradewind issuer init/);

    const badUntil = await runMain(['recognition-list', 'sign', file('list.json'), '--db', anchorDb, '--valid-until', '2027-02-30'], {
      env,
    });
    expect(badUntil.code).toBe(2);
    expect(badUntil.stderr).toMatch(/--valid-until expects an RFC 3339 date-time/);

    const noFile = await runMain(['recognition-list', 'sign', '--db', anchorDb], { env });
    expect(noFile.code).toBe(2);

    const wrong = await runMain(['recognition-list', 'sign', file('list.json'), '--db', anchorDb], { env: { TRADEWIND_SECRET: 'not it' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/WRONG_SECRET: the secret does not open/);

    const unknownIssuer = await runMain(['recognition-list', 'sign', file('list.json'), '--db', anchorDb, '--issuer', OTHER_ANCHOR], {
      env,
    });
    expect(unknownIssuer.code).toBe(1);
    expect(unknownIssuer.stderr).toMatch(/NOT_FOUND: .* is not managed by this database/);
    expect(unknownIssuer.stdout).toBe('');
  });
});

describe('tradewind recognition-list inspect', () => {
  it('round trip: a list signed by the given anchor, fresh at --now, shows its entries (exit 0)', async () => {
    const jwt = await signList('round.json');
    const result = await runMain([
      'recognition-list',
      'inspect',
      jwt,
      '--anchor',
      OTHER_ANCHOR,
      '--anchor',
      anchorDid,
      '--now',
      '2026-06-01T00:00:00Z',
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^VALID recognition list\n/);
    expect(out).toContain(`signer      ${anchorDid}\n`);
    expect(out).toContain('anchor      one of the given anchors');
    expect(out).toContain('name        CARICOM mutual recognition');
    expect(out).toContain('sequence    3');
    expect(out).toContain('next update 2027-01-01T00:00:00Z (fresh at 2026-06-01T00:00:00.000Z)');
    expect(out).toMatch(/COUNTRY +ASSURANCE +NAME +DID +CREDENTIAL TYPES +WINDOW +KEYS/);
    expect(out).toMatch(
      /BB +high +Barbados Registration Department +did:key:z6MkhaXgBZDvotDkL525…EGta2doK +NationalIdCredential +2024-01-01 – 2026-01-01 retired +0/,
    );
    expect(out).toMatch(/TT +substantial +Registrar General TT +did:web:registry\.gov\.tt +NationalIdCredential, DriverLicence +… – … +1/);
    expect(result.stderr).toBe('');

    const before = await runMain(['recognition-list', 'inspect', jwt, '--anchor', anchorDid, '--now', '2025-06-01T00:00:00Z']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/2024-01-01 – 2026-01-01 +0/);
    expect(before.stdout).not.toMatch(/retired/);
  });

  it('--json: the structured report', async () => {
    const jwt = await signList('json.json');
    const result = await runMain(['recognition-list', 'inspect', jwt, '--anchor', anchorDid, '--now', '2026-06-01T12:00:00Z', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toEqual({
      valid: true,
      signer: anchorDid,
      signatureValid: true,
      anchors: [anchorDid],
      signerIsAnchor: true,
      now: '2026-06-01T12:00:00.000Z',
      name: 'CARICOM mutual recognition',
      sequence: 3,
      validFrom: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      nextUpdate: '2027-01-01T00:00:00Z',
      fresh: true,
      entries: [
        {
          id: OTHER_ANCHOR,
          country: 'BB',
          name: 'Barbados Registration Department',
          assuranceLevel: 'high',
          credentialTypes: ['NationalIdCredential'],
          validFrom: '2024-01-01T00:00:00Z',
          validUntil: '2026-01-01T00:00:00Z',
          retired: true,
          keys: 0,
        },
        {
          id: ttDid,
          country: 'TT',
          name: 'Registrar General TT',
          assuranceLevel: 'substantial',
          credentialTypes: ['NationalIdCredential', 'DriverLicence'],
          retired: false,
          keys: 1,
        },
      ],
      errors: [],
    });
  });

  it('without --anchor the signature is checked and the signer is said not to be checked against an anchor', async () => {
    const jwt = await signList('no-anchor.json');
    const human = await runMain(['recognition-list', 'inspect', jwt, '--now', '2026-06-01T00:00:00Z']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('anchor      not checked against an anchor (pass --anchor DID)');
    const json = JSON.parse((await runMain(['recognition-list', 'inspect', jwt, '--now', '2026-06-01T00:00:00Z', '--json'])).stdout);
    expect(json).toMatchObject({ valid: true, signatureValid: true, signerIsAnchor: null, anchors: [] });
  });

  it('a list signed by someone other than the given anchors: exit 1, TRUST_LIST_INVALID, contents still shown', async () => {
    const jwt = await signList('other.json');
    const result = await runMain(['recognition-list', 'inspect', jwt, '--anchor', OTHER_ANCHOR, '--now', '2026-06-01T00:00:00Z']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^NOT VALID recognition list\n/);
    expect(result.stdout).toContain('anchor      NOT one of the given anchors');
    expect(result.stdout).toContain('signature   valid');
    expect(result.stdout).toContain(
      `TRUST_LIST_INVALID: recognition list is signed by ${anchorDid}, which is not one of the given anchors`,
    );
    const json = JSON.parse(
      (await runMain(['recognition-list', 'inspect', jwt, '--anchor', OTHER_ANCHOR, '--now', '2026-06-01T00:00:00Z', '--json'])).stdout,
    );
    expect(json).toMatchObject({ valid: false, signatureValid: true, signerIsAnchor: false, errors: [{ code: 'TRUST_LIST_INVALID' }] });
  });

  it('a tampered list fails its signature: exit 1, TRUST_LIST_INVALID, no entries shown', async () => {
    const jwt = readFileSync(await signList('tamper.json'), 'utf8').trim();
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.credentialSubject.entries[0].assuranceLevel = 'low';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const path = writeList('tampered.jwt', forged);

    const result = await runMain(['recognition-list', 'inspect', path, '--anchor', anchorDid, '--now', '2026-06-01T00:00:00Z']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('signature   INVALID');
    expect(result.stdout).toMatch(/TRUST_LIST_INVALID: recognition list does not verify: SIGNATURE_INVALID/);
    expect(result.stdout).not.toContain('Barbados');
    const json = JSON.parse((await runMain(['recognition-list', 'inspect', path, '--anchor', anchorDid, '--json'])).stdout);
    expect(json).toMatchObject({ valid: false, signer: anchorDid, signatureValid: false, errors: [{ code: 'TRUST_LIST_INVALID' }] });
    expect(json.entries).toBeUndefined();

    const garbage = await runMain(['recognition-list', 'inspect', writeList('garbage.jwt', 'not a token'), '--json']);
    expect(garbage.code).toBe(1);
    expect(JSON.parse(garbage.stdout)).toMatchObject({ valid: false, signer: null, errors: [{ code: 'TRUST_LIST_INVALID' }] });
  });

  it('a list past nextUpdate at --now is stale: exit 1, TRUST_LIST_STALE; so is one past its validUntil', async () => {
    const jwt = await signList('stale.json');
    const result = await runMain(['recognition-list', 'inspect', jwt, '--anchor', anchorDid, '--now', '2027-01-01T00:00:01Z']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('next update 2027-01-01T00:00:00Z (due since 2027-01-01T00:00:00Z: STALE)');
    expect(result.stdout).toContain('TRUST_LIST_STALE: recognition list 3 was due for update at 2027-01-01T00:00:00Z');
    const json = JSON.parse(
      (await runMain(['recognition-list', 'inspect', jwt, '--anchor', anchorDid, '--now', '2027-02-01T00:00:00Z', '--json'])).stdout,
    );
    expect(json).toMatchObject({ valid: false, signatureValid: true, fresh: false, errors: [{ code: 'TRUST_LIST_STALE' }] });

    const expiring = await signList('expiring.json', listJson({ nextUpdate: '2028-01-01T00:00:00Z' }), [
      '--valid-until',
      '2027-06-01T00:00:00Z',
    ]);
    const expired = await runMain(['recognition-list', 'inspect', expiring, '--anchor', anchorDid, '--now', '2027-07-01T00:00:00Z']);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toContain('list expired at 2027-06-01T00:00:00Z: STALE');
    expect(expired.stdout).toContain('TRUST_LIST_STALE: recognition list 3 expired at 2027-06-01T00:00:00Z');
  });

  it('usage errors exit 2: missing file, bad --now, an --anchor that is not a DID, no file', async () => {
    const jwt = file('round.json.jwt');
    const cases: Array<[string[], RegExp]> = [
      [[file('absent.jwt')], /cannot read recognition list .*absent\.jwt: no such file/],
      [[jwt, '--now', 'tomorrow'], /--now expects an RFC 3339 date-time/],
      [[jwt, '--now', '2026-06-01'], /--now expects an RFC 3339 date-time/],
      [[jwt, '--anchor', 'caricom'], /--anchor takes a DID/],
      [[], /takes one signed list file/],
      [[jwt, '--anchors', anchorDid], /Unknown option '--anchors'/],
    ];
    for (const [args, message] of cases) {
      const result = await runMain(['recognition-list', 'inspect', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });
});

describe('tradewind recognition-list keys', () => {
  it('prints the keys a list entry needs for a did:web DID of the database', async () => {
    const r = await runMain(['recognition-list', 'keys', ttDid, '--db', file('tt.db'), '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(ttKeys);
    expect(ttKeys[0]?.kid.startsWith(`${ttDid}#`)).toBe(true);
  });

  it('exits 1 NOT_FOUND for a DID the database does not hold, 2 for something that is not a DID', async () => {
    const other = await runMain(['recognition-list', 'keys', OTHER_ANCHOR, '--db', file('tt.db'), '--json'], { env });
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stderr).error.code).toBe('NOT_FOUND');
    expect((await runMain(['recognition-list', 'keys', 'registry.gov.tt', '--db', file('tt.db')], { env })).code).toBe(2);
  });
});
