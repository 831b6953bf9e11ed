// Hostile requests to the built @tradewind/issuer and @tradewind/wallet for SD-JWT VCs:
// claims that would shadow what the issuer signs, disclose lists that reach prototypes
// or nothing, credentials bound to someone else, and a wallet database edited behind the
// wallet's back. Each refusal is a typed error; what is issued or presented still verifies.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier, type VerifiedSdJwtCredential } from '@tradewind/verifier';
import { openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, didKeyFor, disclosuresOf, issuerJwtOf, keyBindingJwt, NATIONAL_ID, publicJwk, sha256, unb64json } from './helpers.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const NONCE = 'holder-adv-nonce';
const AUDIENCE = 'https://bank.example.bb';
const stranger = didKeyFor('EdDSA');

let dir: string;
let issuer: Issuer;
let wallet: Wallet;
let holderDid: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-sd-jwt-adv-holder-'));
  issuer = await openIssuer({ path: join(dir, 'issuer.db'), secret: 'i', kdf, statusListBaseUrl: 'https://registry.gov.lc/status' });
  await issuer.createDid({ method: 'key' });
  wallet = await openWallet({ path: join(dir, 'wallet.db'), secret: 'w', kdf });
  holderDid = (await wallet.createDid({ method: 'key' })).did;
});
afterAll(async () => {
  await issuer?.close();
  await wallet?.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (extra: Record<string, unknown> = {}) =>
  ({
    format: 'dc+sd-jwt',
    type: 'NationalIdCredential',
    credentialSubject: { id: holderDid, ...NATIONAL_ID },
    status: [],
    ...extra,
  }) as Parameters<Issuer['issue']>[0];

/** The code a promise rejects with, or 'resolved'. Anything but a TradewindError is a failure of the test. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    if (!(e instanceof TradewindError)) throw e;
    return e.code;
  }
}

describe('issuer: claims that would shadow what it signs', () => {
  it('control: an SD-JWT VC with its own iss, vct, cnf verifies', async () => {
    const issued = await issuer.issue(request());
    const r = (await createVerifier().verifyCredential(issued.jwt)) as VerifiedSdJwtCredential;
    expect(codes(r)).toEqual([]);
    expect(r.claims.nationality).toBe('TT');
  });

  it('registered and SD-JWT names in credentialSubject are refused, at the top and nested', async () => {
    for (const name of ['iss', 'cnf', 'vct', 'status', 'exp', 'nbf', 'iat', 'sub', '_sd', '_sd_alg', '...', 'vct#integrity']) {
      const code = await refusal(
        issuer.issue(request({ credentialSubject: { id: holderDid, ...NATIONAL_ID, [name]: 'did:example:evil' } })),
      );
      expect(['INVALID_ARGUMENT', 'MALFORMED'], name).toContain(code);
    }
    for (const name of ['_sd', '...', '_sd_alg']) {
      const subject = { id: holderDid, ...NATIONAL_ID, address: { ...NATIONAL_ID.address, [name]: ['x'] } };
      expect(['INVALID_ARGUMENT', 'MALFORMED'], name).toContain(await refusal(issuer.issue(request({ credentialSubject: subject }))));
    }
  });

  it('__proto__ and constructor as claim names are refused, nothing polluted', async () => {
    const subject = JSON.parse(`{"id":"${holderDid}","given_name":"Asha","__proto__":{"polluted":true}}`);
    expect(['INVALID_ARGUMENT', 'MALFORMED']).toContain(await refusal(issuer.issue(request({ credentialSubject: subject }))));
    const nested = JSON.parse(`{"id":"${holderDid}","address":{"constructor":{"prototype":{"polluted":true}}}}`);
    const code = await refusal(issuer.issue(request({ credentialSubject: nested })));
    expect(['INVALID_ARGUMENT', 'MALFORMED']).toContain(code);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a caller-supplied age_over_18 that birthdate contradicts is refused', async () => {
    const subject = { id: holderDid, ...NATIONAL_ID, birthdate: '2015-01-01', age_over_18: true };
    expect(await refusal(issuer.issue(request({ credentialSubject: subject })))).toBe('INVALID_ARGUMENT');
  });

  it('age_over_18 for a minor is false, and a credential made adult by a future validFrom is not valid before then', async () => {
    const minor = await issuer.issue(request({ credentialSubject: { id: holderDid, given_name: 'Kai', birthdate: '2015-03-01' } }));
    const r = (await createVerifier().verifyCredential(minor.jwt)) as VerifiedSdJwtCredential;
    expect(r.claims.age_over_18).toBe(false);
    const later = new Date(Date.UTC(2033, 3, 1));
    const adult = await issuer.issue(
      request({ credentialSubject: { id: holderDid, given_name: 'Kai', birthdate: '2015-03-01' }, validFrom: later.toISOString() }),
    );
    const payload = unb64json(issuerJwtOf(adult.jwt).split('.')[1] as string);
    const disclosed = disclosuresOf(adult.jwt).map((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[]);
    expect(disclosed.find((d) => d[1] === 'age_over_18')?.[2]).toBe(true);
    // The claim is true only from validFrom on: the credential must say so (nbf), and so not verify today.
    expect(payload.nbf).toBe(Math.floor(later.getTime() / 1000));
    expect(codes(await createVerifier().verifyCredential(adult.jwt))).toEqual(['NOT_YET_VALID']);
  });

  it('disclose pointers to registered claims, prototypes, nothing, or not pointers: refused', async () => {
    for (const disclose of [
      ['/iss'],
      ['/cnf'],
      ['/vct'],
      ['/status'],
      ['/exp'],
      ['/__proto__'],
      ['/constructor'],
      ['/no_such_claim'],
      ['given_name'],
      [''],
      ['/'],
      ['/given_name', '/given_name'],
      [42],
      '/given_name',
    ]) {
      const code = await refusal(issuer.issue(request({ disclose })));
      expect(['INVALID_ARGUMENT', 'MALFORMED'], JSON.stringify(disclose)).toContain(code);
    }
  });

  it('a holder key with private material, of another curve, or symmetric: refused', async () => {
    for (const holderKey of [
      { ...publicJwk(stranger), d: 'AAAA' },
      { kty: 'EC', crv: 'secp256k1', x: 'AAAA', y: 'AAAA' },
      { kty: 'oct', k: 'c2VjcmV0' },
      { kty: 'RSA', n: 'AQAB', e: 'AQAB' },
    ]) {
      const code = await refusal(issuer.issue(request({ holderKey })));
      expect(code, JSON.stringify(holderKey)).toBe('INVALID_ARGUMENT');
    }
  });

  it('decoys out of range, and claims over the size limit: refused', async () => {
    for (const decoys of [-1, 33, 1.5, '3', 1e9]) {
      expect(await refusal(issuer.issue(request({ decoys }))), String(decoys)).toBe('INVALID_ARGUMENT');
    }
    const huge = { id: holderDid, given_name: 'x'.repeat(2 * 1024 * 1024) };
    expect(['LIMIT_EXCEEDED', 'INVALID_ARGUMENT']).toContain(await refusal(issuer.issue(request({ credentialSubject: huge }))));
  });
});

describe('issuer: what an issued SD-JWT VC gives away', () => {
  it('salts of at least 128 bits, never repeated; _sd sorted; 2 to 4 top-level decoys by default', async () => {
    const salts = new Set<string>();
    let count = 0;
    for (let i = 0; i < 12; i++) {
      const { jwt } = await issuer.issue(request());
      const payload = unb64json(issuerJwtOf(jwt).split('.')[1] as string) as { _sd: string[] };
      const disclosed = disclosuresOf(jwt).map((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[]);
      for (const [salt] of disclosed) {
        expect(typeof salt).toBe('string');
        expect(Buffer.from(salt as string, 'base64url').length).toBeGreaterThanOrEqual(16);
        salts.add(salt as string);
        count++;
      }
      expect(payload._sd).toEqual([...payload._sd].sort());
      const topLevel = disclosuresOf(jwt).filter((d) => payload._sd.includes(sha256(d))).length;
      const decoys = payload._sd.length - topLevel;
      expect(decoys).toBeGreaterThanOrEqual(2);
      expect(decoys).toBeLessThanOrEqual(4);
    }
    expect(salts.size).toBe(count);
  });
});

describe('wallet: receive and present', () => {
  let id: string;
  beforeAll(async () => {
    const issued = await issuer.issue(request());
    id = (await wallet.receive(issued.jwt)).credential.id;
  });

  it('control: a presentation of one claim verifies and shows only it', async () => {
    const { presentation } = await wallet.presentSdJwt({ credential: id, disclose: ['nationality'], nonce: NONCE, audience: AUDIENCE });
    const r = await createVerifier().verifyPresentation(presentation, { nonce: NONCE, audience: AUDIENCE });
    expect(codes(r)).toEqual([]);
    if (r.verified && 'credentials' in r) {
      const claims = (r.credentials[0] as VerifiedSdJwtCredential).claims;
      expect(claims.nationality).toBe('TT');
      expect(claims.given_name).toBeUndefined();
      expect(claims.birthdate).toBeUndefined();
    }
  });

  it('an SD-JWT VC bound to a key the wallet does not hold: HOLDER_BINDING, nothing stored', async () => {
    const before = (await wallet.list()).length;
    const foreign = await issuer.issue(request({ holderKey: publicJwk(stranger) }));
    const e = await wallet.receive(foreign.jwt).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(JSON.stringify((e as { rejected?: unknown }).rejected ?? (e as TradewindError).code)).toContain('HOLDER_BINDING');
    const unbound = await issuer.issue(request({ credentialSubject: { ...NATIONAL_ID } }));
    const u = await wallet.receive(unbound.jwt).catch((x: unknown) => x);
    // An SD-JWT VC bound to no one cannot be presented with key binding: not taken in silently as the holder's.
    // An SD-JWT VC bound to no one cannot be presented with key binding: refused as the holder's.
    expect(JSON.stringify((u as { rejected?: unknown }).rejected)).toContain('HOLDER_BINDING');
    expect((await wallet.list()).length).toBeGreaterThanOrEqual(before);
  });

  it('a presentation with a key-binding JWT attached is not received as a credential of the wallet owner', async () => {
    const issued = await issuer.issue(request());
    const presented = `${issuedWithout(issued.jwt)}`;
    const withKb = `${presented}${await keyBindingJwt(stranger, presented, { nonce: NONCE, aud: AUDIENCE })}`;
    const e = await wallet.receive(withKb).catch((x: unknown) => x);
    expect(JSON.stringify((e as { rejected?: unknown }).rejected)).toContain('MALFORMED');
  });

  it('disclose lists naming no claim, prototypes, the root, or not strings: INVALID_ARGUMENT, nothing signed', async () => {
    for (const disclose of [
      ['/__proto__'],
      ['__proto__'],
      ['constructor'],
      ['toString'],
      ['/'],
      [''],
      ['/address/__proto__'],
      ['address.constructor'],
      ['/no_such'],
      [42],
      [null],
      ['/given_name/0'],
    ]) {
      const code = await refusal(wallet.presentSdJwt({ credential: id, disclose: disclose as string[], nonce: NONCE, audience: AUDIENCE }));
      expect(code, JSON.stringify(disclose)).toBe('INVALID_ARGUMENT');
    }
    expect(await refusal(wallet.presentSdJwt({ credential: id, disclose: 'given_name' as never, nonce: NONCE, audience: AUDIENCE }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await refusal(wallet.presentSdJwt({ credential: id, disclose: [], nonce: '', audience: AUDIENCE }))).toBe('INVALID_ARGUMENT');
    expect(await refusal(wallet.presentSdJwt({ credential: id, disclose: [], nonce: NONCE, audience: '' }))).toBe('INVALID_ARGUMENT');
    expect(await refusal(wallet.presentSdJwt({ credential: 'nope', disclose: [], nonce: NONCE, audience: AUDIENCE }))).toBe('NOT_FOUND');
  });

  it('1000 repeated paths give the same presentation as one, each disclosure once', async () => {
    const { presentation } = await wallet.presentSdJwt({
      credential: id,
      disclose: Array.from({ length: 1000 }, () => 'address.locality'),
      nonce: NONCE,
      audience: AUDIENCE,
    });
    const parts = presentation.split('~').slice(1, -1);
    expect(new Set(parts).size).toBe(parts.length);
    const r = await createVerifier().verifyPresentation(presentation, { nonce: NONCE, audience: AUDIENCE });
    expect(codes(r)).toEqual([]);
  });

  it('a credential edited in the wallet database (a disclosure swapped): presentSdJwt refuses it, DISCLOSURE_INVALID', async () => {
    const fresh = await issuer.issue(request());
    const stored = (await wallet.receive(fresh.jwt)).credential.id;
    const nat = disclosuresOf(fresh.jwt).find((d) => Buffer.from(d, 'base64url').toString('utf8').includes('"nationality"')) as string;
    const [salt] = JSON.parse(Buffer.from(nat, 'base64url').toString('utf8')) as [string];
    const forged = Buffer.from(JSON.stringify([salt, 'nationality', 'US'])).toString('base64url');
    const db = join(dir, 'wallet.db');
    const sql = `UPDATE wallet_credential SET raw = replace(raw, '${nat}', '${forged}') WHERE id = '${stored}';`;
    execFileSync('sqlite3', [db, sql]);
    // The wallet does not sign a key binding over a credential its issuer did not sign as stored.
    const edited = await refusal(wallet.presentSdJwt({ credential: stored, disclose: ['nationality'], nonce: NONCE, audience: AUDIENCE }));
    expect(edited).toBe('DISCLOSURE_INVALID');
    // Junk in place of the credential: a typed error, not a crash.
    execFileSync('sqlite3', [db, `UPDATE wallet_credential SET raw = 'x~~~' WHERE id = '${stored}';`]);
    const code = await refusal(wallet.presentSdJwt({ credential: stored, disclose: ['nationality'], nonce: NONCE, audience: AUDIENCE }));
    expect(code).toBe('MALFORMED');
  });

  it('receiving the full credential after a stripped copy of it keeps every disclosure (the holder can present them)', async () => {
    const full = (await issuer.issue(request())).jwt;
    // The same issuer-signed JWT with only given_name: a valid SD-JWT, as anyone who once saw a presentation of it can make.
    const givenName = disclosuresOf(full).filter((d) => Buffer.from(d, 'base64url').toString('utf8').includes('"given_name"'));
    const stripped = `${issuerJwtOf(full)}~${givenName.join('~')}~`;
    const first = await wallet.receive(stripped);
    expect(await wallet.disclosableClaims(first.credential.id)).toHaveLength(1);
    // Now the holder receives the credential as issued.
    const second = await wallet.receive(full);
    expect(second).toMatchObject({ added: false, updated: true });
    expect(second.credential.id).toBe(first.credential.id);
    expect((await wallet.disclosableClaims(second.credential.id)).length).toBe(disclosuresOf(full).length);
    const { presentation } = await wallet.presentSdJwt({
      credential: second.credential.id,
      disclose: ['nationality'],
      nonce: NONCE,
      audience: AUDIENCE,
    });
    expect(codes(await createVerifier().verifyPresentation(presentation, { nonce: NONCE, audience: AUDIENCE }))).toEqual([]);
  });
});

/** An issued SD-JWT as is (it ends with "~"). */
function issuedWithout(sdJwt: string): string {
  return sdJwt.endsWith('~') ? sdJwt : `${sdJwt}~`;
}
