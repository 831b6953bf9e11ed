// `tradewind issue --format dc+sd-jwt` and the Token Status Lists `tradewind status
// publish` writes. Threats: a flag that is silently ignored (a disclose list, a holder
// key), a holder private key accepted as a binding, an SD-JWT flag taken for another
// format, a token list left unpublished or published where verifiers do not look.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-issue-sd-jwt-'));
const db = join(dir, 'issuer.db');
const env = { TRADEWIND_SECRET: 'sd-jwt issuer secret', TRADEWIND_ISSUER_DB: db };
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const r = await runMain(['issuer', 'init', '--status-base-url', 'https://registry.gov.example/status'], { env });
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

function parts(sdJwt: string): { payload: Record<string, unknown>; names: unknown[] } {
  const [jwt, ...rest] = sdJwt.trim().split('~');
  return {
    payload: JSON.parse(Buffer.from((jwt as string).split('.')[1] as string, 'base64url').toString()),
    names: rest.filter((d) => d !== '').map((d) => (JSON.parse(Buffer.from(d, 'base64url').toString()) as unknown[])[1]),
  };
}

describe('tradewind issue --format dc+sd-jwt', () => {
  it('issues an SD-JWT VC bound to the --subject-id DID, every claim disclosable, and prints it', async () => {
    const r = await runMain(
      [
        'issue',
        '--format',
        'dc+sd-jwt',
        '--type',
        'NationalIdCredential',
        '--subject-id',
        HOLDER,
        '--claim',
        'given_name=Ana',
        '--claim',
        'nationality=TT',
        '--claim',
        'birthdate=1990-05-17',
        '--status',
        'revocation,suspension',
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('(dc+sd-jwt)');
    const { payload, names } = parts(r.stdout);
    expect(payload).toMatchObject({ vct: 'NationalIdCredential', _sd_alg: 'sha-256', cnf: { jwk: { kty: 'OKP', crv: 'Ed25519' } } });
    expect(new Set(names)).toEqual(new Set(['given_name', 'nationality', 'birthdate', 'age_over_18']));
    const result = await verifyCredential(r.stdout.trim(), { status: { onUnavailable: 'warn' } });
    expect(result.verified).toBe(true);
  });

  it('--vct, --disclose (names, dotted paths, pointers), --holder-jwk, --decoys and --json', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const key = join(dir, 'holder.jwk');
    writeFileSync(key, JSON.stringify(jwk));
    const subject = join(dir, 'subject.json');
    writeFileSync(subject, JSON.stringify({ given_name: 'Ana', family_name: 'Joseph', address: { locality: 'Arima', country: 'TT' } }));
    const r = await runMain(
      [
        'issue',
        '--format',
        'dc+sd-jwt',
        '--type',
        'Person',
        '--vct',
        'urn:eudi:pid:1',
        '--subject',
        subject,
        '--disclose',
        'given_name,address.locality,/family_name',
        '--holder-jwk',
        key,
        '--decoys',
        '0',
        '--json',
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { jwt: string; format: string; disclosable: string[]; statusList: { idx: number; uri: string } };
    expect(out.format).toBe('dc+sd-jwt');
    expect(out.disclosable).toEqual(['/given_name', '/family_name', '/address/locality']);
    expect(out.statusList.uri).toMatch(/^https:\/\/registry\.gov\.example\/status\/token\/[0-9]+$/);
    const { payload, names } = parts(out.jwt);
    expect(payload.vct).toBe('urn:eudi:pid:1');
    expect(payload.cnf).toEqual({ jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } });
    expect(new Set(names)).toEqual(new Set(['given_name', 'family_name', 'locality']));
    expect((payload._sd as string[]).length).toBe(2);
    expect((payload.address as Record<string, unknown>).country).toBe('TT');
  });

  it('refuses a private holder key, an unknown claim to disclose, SD-JWT flags without the format, and a document', async () => {
    const priv = join(dir, 'private.jwk');
    writeFileSync(priv, JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })));
    const base = ['issue', '--format', 'dc+sd-jwt', '--type', 'T', '--claim', 'a=1', '--json'];
    const privateKey = await runMain([...base, '--holder-jwk', priv], { env });
    expect(privateKey.code).toBe(2);
    expect(JSON.parse(privateKey.stderr).error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('private member d'),
    });
    const unknown = await runMain([...base, '--disclose', 'b'], { env });
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr).error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('/b names no claim'),
    });
    for (const flags of [
      ['--disclose', 'a,'],
      ['--holder-binding', 'x5c'],
      ['--decoys', '-1'],
      ['--holder-jwk', join(dir, 'missing.jwk')],
    ]) {
      const r = await runMain([...base, ...flags], { env });
      expect(r.code, flags.join(' ')).toBe(2);
    }
    const withoutFormat = await runMain(['issue', '--type', 'T', '--claim', 'a=1', '--vct', 'X'], { env });
    expect(withoutFormat.code).toBe(2);
    expect(withoutFormat.stderr).toContain('--vct goes with --format dc+sd-jwt');
    const document = join(dir, 'doc.json');
    writeFileSync(
      document,
      JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], credentialSubject: { a: 1 } }),
    );
    const fromDocument = await runMain(['issue', '--format', 'dc+sd-jwt', '--credential', document], { env });
    expect(fromDocument.code).toBe(2);
    expect(fromDocument.stderr).toContain('not from a --credential document');
  });

  it('tradewind issue-batch --format dc+sd-jwt issues an SD-JWT VC per record, each bound to its subjectId', async () => {
    const input = join(dir, 'people.csv');
    writeFileSync(input, `subjectId,given_name,birthdate\n${HOLDER},Ana,2001-02-03\n${HOLDER},Ben,2012-02-03\n`);
    const out = join(dir, 'people.issued.jsonl');
    const r = await runMain(['issue-batch', input, '--type', 'NationalIdCredential', '--format', 'dc+sd-jwt', '--out', out, '--json'], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ issued: 2, invalidCount: 0 });
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { format: string; jwt: string });
    expect(lines.map((l) => l.format)).toEqual(['dc+sd-jwt', 'dc+sd-jwt']);
    const ages = [];
    for (const { jwt } of lines) {
      const result = await verifyCredential(jwt, { status: { onUnavailable: 'warn' } });
      expect(result.verified).toBe(true);
      ages.push((result as { claims: Record<string, unknown> }).claims.age_over_18);
      expect(parts(jwt).payload.cnf).toMatchObject({ jwk: { crv: 'Ed25519' } });
    }
    expect(ages).toEqual([true, false]);
  });

  it('tradewind status revoke changes the token list, and status publish writes it to DIR/token/<n>', async () => {
    const issued = await runMain(['issue', '--format', 'dc+sd-jwt', '--type', 'T', '--claim', 'a=1', '--json'], { env });
    expect(issued.code, issued.stderr).toBe(0);
    const { id, statusList, jwt } = JSON.parse(issued.stdout) as { id: string; jwt: string; statusList: { idx: number; uri: string } };
    expect((await runMain(['status', 'revoke', id], { env })).code).toBe(0);
    const out = join(dir, 'published');
    const published = await runMain(['status', 'publish', '--out', out, '--json'], { env });
    expect(published.code, published.stderr).toBe(0);
    const n = statusList.uri.slice(statusList.uri.lastIndexOf('/') + 1);
    expect(JSON.parse(published.stdout)).toContainEqual({ url: statusList.uri, file: join(out, 'token', n) });
    const token = readFileSync(join(out, 'token', n), 'utf8');
    expect(getListFromStatusListJWT(token).getStatus(statusList.idx)).toBe(1);
    const manifest = JSON.parse(readFileSync(join(out, 'token', 'status-lists.json'), 'utf8')) as Array<{ url: string; file: string }>;
    expect(manifest).toContainEqual(expect.objectContaining({ url: statusList.uri, file: n }));
    const result = await verifyCredential(jwt, { status: { lists: { [statusList.uri]: token } } });
    expect(result).toMatchObject({ verified: false, errors: [expect.objectContaining({ code: 'REVOKED' })] });
    const help = await runMain(['status', 'publish', '--help'], { env });
    expect(help.stdout).toContain('DIR/token/<n>');
  });
});
