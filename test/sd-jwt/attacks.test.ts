// Attacks on SD-JWT VCs, over credentials the Tradewind issuer really issued (and, where
// the attack needs a signature the issuer would never make, over SD-JWTs a test key signs
// by hand): each one is refused with its own code, and the untouched form of each is
// accepted, so that no test passes because everything fails.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IssuedCredential, type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier, type VerifiedSdJwtPresentation, type VerifyOptions } from '@tradewind/verifier';
import { openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64json,
  codes,
  didJwk,
  didKeyFor,
  disclosure,
  disclosuresOf,
  issuerJwtOf,
  joseSign,
  kbOf,
  keyBindingJwt,
  NATIONAL_ID,
  NATIONAL_ID_FRAME,
  publicJwk,
  sdJwtLibrary,
  sha256,
  signJws,
  type TestKey,
  unb64json,
  withoutKb,
} from './helpers.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const NONCE = 'attack-nonce-3f9a';
const AUDIENCE = 'https://bank.example.bb';
const BASE = 'https://registry.gov.tt/status';
const now = () => Math.floor(Date.now() / 1000);

let dir: string;
let tt: Issuer;
let ttDid: string;
let rogue: Issuer;
let wallet: Wallet;
/** The holder, a key the test holds, so that an attacker who is the holder can sign key-binding JWTs. */
const holder: TestKey = didKeyFor('EdDSA');
const stranger: TestKey = didKeyFor('EdDSA');
/** Two credentials of one issuer for one holder, without status (the status tests have their own). */
let first: IssuedCredential;
let second: IssuedCredential;
/** One with a Token Status List entry (revocation and suspension). */
let withStatus: IssuedCredential;
let statusLists: Record<string, string>;
let options: VerifyOptions;

/** The claim name a disclosure gives ('' for an array element). */
const nameOf = (d: string) => {
  const decoded = JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[];
  return decoded.length === 3 ? String(decoded[1]) : '';
};
/** The disclosures of `sdJwt` that give the claims `names`, in the order issued. */
const pick = (sdJwt: string, names: string[]) => disclosuresOf(sdJwt).filter((d) => names.includes(nameOf(d)));

/** A presentation of `sdJwt` with the given disclosures, key-bound by `signer` (the holder unless said otherwise). */
async function present(
  sdJwt: string,
  disclosures: string[],
  kb: { nonce?: string; aud?: string; iat?: number; signer?: TestKey; header?: Record<string, unknown> } = {},
): Promise<string> {
  const presented = `${issuerJwtOf(sdJwt)}~${disclosures.map((d) => `${d}~`).join('')}`;
  const signer = kb.signer ?? holder;
  return `${presented}${await keyBindingJwt(
    signer,
    presented,
    { nonce: kb.nonce ?? NONCE, aud: kb.aud ?? AUDIENCE, ...(kb.iat === undefined ? {} : { iat: kb.iat }) },
    kb.header,
  )}`;
}

const verify = (presentation: string, extra: VerifyOptions & { nonce?: string; audience?: string } = {}) =>
  createVerifier({ ...options, ...extra }).verifyPresentation(presentation, { nonce: NONCE, audience: AUDIENCE, ...extra });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-sd-jwt-attacks-'));
  tt = await openIssuer({ path: join(dir, 'tt.db'), secret: 't', kdf, statusListBaseUrl: BASE });
  ttDid = (await tt.createDid({ method: 'key' })).did;
  // Another issuer publishing at the same base URL, as a man in the middle of the status
  // list would: its lists have the very same URLs.
  rogue = await openIssuer({ path: join(dir, 'rogue.db'), secret: 'r', kdf, statusListBaseUrl: BASE });
  await rogue.createDid({ method: 'key' });
  wallet = await openWallet({ path: join(dir, 'wallet.db'), secret: 'w', kdf });
  const request = {
    format: 'dc+sd-jwt' as const,
    type: 'NationalIdCredential',
    credentialSubject: { ...NATIONAL_ID },
    holderKey: publicJwk(holder) as Record<string, string>,
    status: [],
  };
  first = await tt.issue(request);
  second = await tt.issue({ ...request, credentialSubject: { ...NATIONAL_ID, given_name: 'Kemar' } });
  withStatus = await tt.issue({ ...request, status: ['revocation', 'suspension'] });
  statusLists = Object.fromEntries((await tt.statusListTokens()).map((t) => [t.url, t.jwt]));
  options = { status: { lists: statusLists } };
});
afterAll(async () => {
  for (const db of [tt, rogue, wallet]) await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the untouched forms are accepted', () => {
  it('a presentation of two claims of an issued credential verifies', async () => {
    const r = await verify(await present(first.jwt, pick(first.jwt, ['given_name', 'nationality'])));
    expect(codes(r)).toEqual([]);
    const credential = (r as VerifiedSdJwtPresentation).credentials[0];
    expect(credential.issuer).toBe(ttDid);
    expect(credential.claims).toMatchObject({ given_name: 'Asha', nationality: 'TT' });
    expect(credential.claims).not.toHaveProperty('family_name');
  });

  it('so does one with a status entry, its Token Status List checked', async () => {
    const r = await verify(await present(withStatus.jwt, pick(withStatus.jwt, ['nationality'])));
    expect(codes(r)).toEqual([]);
    expect((r as VerifiedSdJwtPresentation).credentials[0].checks).toContain('status');
    expect(withStatus.statusList?.uri.startsWith(`${BASE}/`)).toBe(true);
  });
});

describe('disclosures', () => {
  it('a tampered disclosure (another value under the same salt), even with a fresh key binding: DISCLOSURE_INVALID', async () => {
    const [nationality] = pick(first.jwt, ['nationality']) as [string];
    const [salt, name] = JSON.parse(Buffer.from(nationality, 'base64url').toString()) as [string, string, string];
    const forged = disclosure(salt, name, 'BB');
    expect(codes(await verify(await present(first.jwt, [forged])))).toEqual(['DISCLOSURE_INVALID']);
    // The same disclosure text with one character of the JSON changed (a space added).
    const respaced = Buffer.from(Buffer.from(nationality, 'base64url').toString().replace(',', ', ')).toString('base64url');
    expect(codes(await verify(await present(first.jwt, [respaced])))).toEqual(['DISCLOSURE_INVALID']);
  });

  it('a disclosure from another credential of the same issuer and holder: DISCLOSURE_INVALID', async () => {
    const [theirName] = pick(second.jwt, ['given_name']) as [string];
    expect(codes(await verify(await present(first.jwt, [...pick(first.jwt, ['nationality']), theirName])))).toEqual(['DISCLOSURE_INVALID']);
    // In place of the credential's own, too.
    expect(codes(await verify(await present(first.jwt, [theirName])))).toEqual(['DISCLOSURE_INVALID']);
  });

  it('the same disclosure twice: DISCLOSURE_INVALID', async () => {
    const [nationality] = pick(first.jwt, ['nationality']) as [string];
    expect(codes(await verify(await present(first.jwt, [nationality, nationality])))).toEqual(['DISCLOSURE_INVALID']);
  });

  it('a disclosure that is not base64url JSON of 2 or 3 elements: DISCLOSURE_INVALID', async () => {
    for (const junk of [b64json(['salt']), b64json({ salt: 'x' }), 'not*base64', b64json(['s', 'a', 'b', 'c'])]) {
      expect(codes(await verify(await present(first.jwt, [junk])))).toEqual(['DISCLOSURE_INVALID']);
    }
  });
});

describe('key binding', () => {
  it('a presentation without its key-binding JWT: HOLDER_BINDING', async () => {
    const p = await present(first.jwt, pick(first.jwt, ['nationality']));
    expect(codes(await verify(withoutKb(p)))).toEqual(['HOLDER_BINDING']);
  });

  it('a key-binding JWT signed by a key other than cnf: HOLDER_BINDING', async () => {
    expect(codes(await verify(await present(first.jwt, pick(first.jwt, ['nationality']), { signer: stranger })))).toEqual([
      'HOLDER_BINDING',
    ]);
  });

  it('a key-binding JWT of another presentation (sd_hash over other disclosures): HOLDER_BINDING', async () => {
    const a = await present(first.jwt, pick(first.jwt, ['nationality']));
    const b = await present(first.jwt, pick(first.jwt, ['given_name']));
    expect(codes(await verify(`${withoutKb(a)}${kbOf(b)}`))).toEqual(['HOLDER_BINDING']);
  });

  it('a key-binding JWT whose typ is not kb+jwt: HOLDER_BINDING', async () => {
    const p = await present(first.jwt, pick(first.jwt, ['nationality']), { header: { typ: 'JWT' } });
    expect(codes(await verify(p))).toEqual(['HOLDER_BINDING']);
  });

  it('replayed: to another nonce NONCE_MISMATCH, another audience AUDIENCE_MISMATCH, stale or future iat HOLDER_BINDING', async () => {
    const p = await present(first.jwt, pick(first.jwt, ['nationality']));
    expect(codes(await verify(p, { nonce: 'the-next-nonce' }))).toEqual(['NONCE_MISMATCH']);
    expect(codes(await verify(p, { audience: 'https://shop.example.jm' }))).toEqual(['AUDIENCE_MISMATCH']);
    const stale = await present(first.jwt, pick(first.jwt, ['nationality']), { iat: now() - 3_600 });
    expect(codes(await verify(stale))).toEqual(['HOLDER_BINDING']);
    const future = await present(first.jwt, pick(first.jwt, ['nationality']), { iat: now() + 3_600 });
    expect(codes(await verify(future))).toEqual(['HOLDER_BINDING']);
    // Within a window the verifier widens, the stale one passes (the check is the window, nothing else).
    expect(codes(await verify(stale, { sdJwt: { keyBindingMaxAgeSeconds: 7_200 } }))).toEqual([]);
  });

  it('a presentation the wallet made, replayed elsewhere: NONCE_MISMATCH / AUDIENCE_MISMATCH', async () => {
    const me = await wallet.createDid({ method: 'jwk', keyType: 'P-256' });
    const issued = await tt.issue({
      format: 'dc+sd-jwt',
      type: 'NationalIdCredential',
      credentialSubject: { id: me.did, ...NATIONAL_ID },
      holderBinding: 'kid',
      status: [],
    });
    const { credential } = await wallet.receive(issued.jwt);
    const { presentation } = await wallet.presentSdJwt({
      credential: credential.id,
      disclose: ['age_over_18'],
      nonce: NONCE,
      audience: AUDIENCE,
    });
    expect(codes(await verify(presentation))).toEqual([]);
    expect(codes(await verify(presentation, { nonce: 'n2' }))).toEqual(['NONCE_MISMATCH']);
    expect(codes(await verify(presentation, { audience: 'https://shop.example.jm' }))).toEqual(['AUDIENCE_MISMATCH']);
  });
});

describe('algorithms and media types', () => {
  /** An SD-JWT VC a did:key test issuer signs with @sd-jwt/sd-jwt-vc, bound to the holder. */
  async function libraryIssued(issuer: TestKey, header: Record<string, unknown> = {}): Promise<string> {
    const library = sdJwtLibrary({ issuer: { alg: issuer.alg, privateKey: issuer.privateKey, publicJwk: publicJwk(issuer) } });
    return library.issue(
      { iss: issuer.did, iat: now() - 60, vct: 'NationalIdCredential', cnf: { jwk: publicJwk(holder) }, ...NATIONAL_ID, age_over_18: true },
      NATIONAL_ID_FRAME,
      { header: { kid: issuer.kid, ...header } },
    );
  }

  it('alg none on the issuer JWT: UNSUPPORTED_ALGORITHM', async () => {
    const [h, payload] = issuerJwtOf(first.jwt).split('.') as [string, string];
    const none = `${b64json({ ...unb64json(h), alg: 'none' })}.${payload}.`;
    const forged = first.jwt.replace(issuerJwtOf(first.jwt), none);
    expect(codes(await verify(await present(forged, pick(forged, ['nationality']))))).toEqual(['UNSUPPORTED_ALGORITHM']);
    expect(codes(await createVerifier(options).verifyCredential(forged))).toEqual(['UNSUPPORTED_ALGORITHM']);
  });

  it('alg none on the key-binding JWT: UNSUPPORTED_ALGORITHM', async () => {
    const p = await present(first.jwt, pick(first.jwt, ['nationality']));
    const presented = withoutKb(p);
    const payload = { iat: now(), nonce: NONCE, aud: AUDIENCE, sd_hash: sha256(presented) };
    const none = `${b64json({ alg: 'none', typ: 'kb+jwt' })}.${b64json(payload)}.`;
    expect(codes(await verify(`${presented}${none}`))).toEqual(['UNSUPPORTED_ALGORITHM']);
  });

  it('a wrong typ (JWT, vc+jwt, none at all): UNSUPPORTED_FORMAT; vc+sd-jwt is read unless acceptVcSdJwt is off', async () => {
    const issuer = didKeyFor('ES256');
    const good = await libraryIssued(issuer);
    const withTyp = (typ: string | undefined) => libraryIssued(issuer, { typ });
    expect(codes(await verify(await present(good, pick(good, ['nationality']))))).toEqual([]);
    for (const typ of ['JWT', 'vc+jwt', 'example+sd-jwt']) {
      const sdJwt = await withTyp(typ);
      expect(unb64json(issuerJwtOf(sdJwt).split('.')[0] as string).typ).toBe(typ);
      expect(codes(await verify(await present(sdJwt, pick(sdJwt, ['nationality']))))).toEqual(['UNSUPPORTED_FORMAT']);
    }
    const untyped = await signJws(
      'ES256',
      issuer.privateKey,
      { alg: 'ES256', kid: issuer.kid },
      unb64json(issuerJwtOf(good).split('.')[1] as string),
    );
    const bare = good.replace(issuerJwtOf(good), untyped);
    expect(codes(await verify(await present(bare, pick(bare, ['nationality']))))).toEqual(['UNSUPPORTED_FORMAT']);

    const legacy = await withTyp('vc+sd-jwt');
    const read = await verify(await present(legacy, pick(legacy, ['nationality'])));
    expect(codes(read)).toEqual([]);
    expect((read as VerifiedSdJwtPresentation).credentials[0].mediaType).toBe('vc+sd-jwt');
    expect((read as VerifiedSdJwtPresentation).credentials[0].format).toBe('dc+sd-jwt');
    expect(codes(await verify(await present(legacy, pick(legacy, ['nationality'])), { sdJwt: { acceptVcSdJwt: false } }))).toEqual([
      'UNSUPPORTED_FORMAT',
    ]);
  });
});

describe('claim names that reach a prototype', () => {
  /** An SD-JWT VC signed by hand: `disclosures` are referenced from the top-level `_sd`. */
  async function handMade(issuer: TestKey, disclosures: string[], plain: string | undefined = undefined): Promise<string> {
    const payload = { iss: issuer.did, iat: now() - 60, vct: 'NationalIdCredential', cnf: { jwk: publicJwk(holder) }, _sd_alg: 'sha-256' };
    const body = JSON.stringify({ ...payload, _sd: disclosures.map(sha256) });
    // A plain member named __proto__ only survives as JSON text.
    const text = plain === undefined ? body : `${body.slice(0, -1)},${plain}}`;
    const input = `${b64json({ alg: issuer.alg, typ: 'dc+sd-jwt', kid: issuer.kid })}.${Buffer.from(text).toString('base64url')}`;
    return `${input}.${await joseSign(issuer.alg, issuer.privateKey, input)}~${disclosures.map((d) => `${d}~`).join('')}`;
  }

  it('a disclosed claim named __proto__, constructor or prototype: DISCLOSURE_INVALID', async () => {
    const issuer = didKeyFor('EdDSA');
    const fine = disclosure('c2FsdC0x', 'given_name', 'Asha');
    const ok = await handMade(issuer, [fine]);
    expect(codes(await verify(await present(ok, [fine])))).toEqual([]);
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const evil = disclosure('c2FsdC0y', name, { isAdmin: true });
      const sdJwt = await handMade(issuer, [fine, evil]);
      expect(codes(await verify(await present(sdJwt, [fine, evil])))).toEqual(['DISCLOSURE_INVALID']);
      // Withheld, it is just a digest: the presentation of the rest verifies, and no prototype changed.
      expect(codes(await verify(await present(sdJwt, [fine])))).toEqual([]);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('a plain claim named __proto__ in the signed payload: MALFORMED', async () => {
    const issuer = didKeyFor('EdDSA');
    const sdJwt = await handMade(issuer, [], '"__proto__":{"isAdmin":true}');
    expect(codes(await verify(await present(sdJwt, [])))).toEqual(['MALFORMED']);
  });
});

describe('status', () => {
  it('revoked and suspended credentials: REVOKED, SUSPENDED', async () => {
    const third = await tt.issue({
      format: 'dc+sd-jwt',
      type: 'NationalIdCredential',
      credentialSubject: { ...NATIONAL_ID },
      holderKey: publicJwk(holder) as Record<string, string>,
      status: ['revocation', 'suspension'],
    });
    await tt.suspend(third.id);
    const lists = Object.fromEntries((await tt.statusListTokens()).map((t) => [t.url, t.jwt]));
    const p = await present(third.jwt, pick(third.jwt, ['nationality']));
    expect(codes(await verify(p, { status: { lists } }))).toEqual(['SUSPENDED']);
    await tt.revoke(third.id);
    const after = Object.fromEntries((await tt.statusListTokens()).map((t) => [t.url, t.jwt]));
    expect(codes(await verify(p, { status: { lists: after } }))).toEqual(['REVOKED']);
    // The other credentials on the same list are untouched.
    expect(codes(await verify(await present(withStatus.jwt, pick(withStatus.jwt, ['nationality'])), { status: { lists: after } }))).toEqual(
      [],
    );
  });

  it('a status list token signed by another issuer, published at the same URL: STATUS_UNAVAILABLE', async () => {
    await rogue.issue({
      format: 'dc+sd-jwt',
      type: 'NationalIdCredential',
      credentialSubject: { ...NATIONAL_ID },
      holderKey: publicJwk(holder) as Record<string, string>,
      status: ['revocation', 'suspension'],
    });
    const rogueTokens = await rogue.statusListTokens();
    const uri = withStatus.statusList?.uri as string;
    const forged = rogueTokens.find((t) => t.url === uri);
    expect(forged).toBeDefined();
    const p = await present(withStatus.jwt, pick(withStatus.jwt, ['nationality']));
    const r = await verify(p, { status: { lists: { ...statusLists, [uri]: forged?.jwt as string } } });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    // With the issuer's own token it verifies; with no token at all it cannot be checked.
    expect(codes(await verify(p))).toEqual([]);
    expect(codes(await verify(p, { status: {} }))).toEqual(['STATUS_UNAVAILABLE']);
  });
});

describe('x5c', () => {
  // MOSIP Inji Certify's form: typ vc+sd-jwt, the issuer key in an x5c chain (with kid and
  // x5t#S256), holder bound by cnf.kid = a did:jwk.
  const ISS = 'https://certify.inji.example';
  let certDer: Buffer;
  let certPem: string;
  let issuerKey: KeyObject;

  beforeAll(() => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    issuerKey = privateKey;
    const keyFile = join(dir, 'x5c-key.pem');
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const certFile = join(dir, 'x5c-cert.pem');
    // A self-signed certificate naming the issuer: all MOSIP's verifier looks at.
    execFileSync('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-subj',
      '/CN=Inji Certify (self-signed)',
      '-addext',
      `subjectAltName=URI:${ISS}`,
      '-days',
      '30',
      '-out',
      certFile,
    ]);
    certPem = readFileSync(certFile, 'utf8');
    certDer = Buffer.from(new X509Certificate(certPem).raw);
  });

  async function mosipStyle(): Promise<{ sdJwt: string; holderKey: TestKey }> {
    const holderKey = didJwk();
    const [given, nationality] = [disclosure('c2FsdC1h', 'given_name', 'Asha'), disclosure('c2FsdC1i', 'nationality', 'TT')];
    const payload = {
      iss: ISS,
      iat: now() - 60,
      vct: 'NationalIdCredential',
      cnf: { kid: holderKey.kid },
      _sd_alg: 'sha-256',
      _sd: [sha256(given), sha256(nationality)],
    };
    const header = {
      alg: 'ES256',
      typ: 'vc+sd-jwt',
      kid: 'inji-certify-key-1',
      x5c: [certDer.toString('base64')],
      'x5t#S256': createHash('sha256').update(certDer).digest('base64url'),
    };
    const jwt = await signJws('ES256', issuerKey, header, payload);
    return { sdJwt: `${jwt}~${given}~${nationality}~`, holderKey };
  }

  it('a self-signed x5c that nothing anchors is refused: UNTRUSTED_ISSUER', async () => {
    const { sdJwt, holderKey } = await mosipStyle();
    const p = await present(sdJwt, disclosuresOf(sdJwt), { signer: holderKey });
    expect(codes(await verify(p))).toEqual(['UNTRUSTED_ISSUER']);
    expect(codes(await createVerifier().verifyCredential(sdJwt))).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('the same credential verifies once the caller anchors that certificate (cnf.kid via did:jwk)', async () => {
    const { sdJwt, holderKey } = await mosipStyle();
    const p = await present(sdJwt, disclosuresOf(sdJwt), { signer: holderKey });
    const r = await verify(p, { trustedCertificates: [certPem] });
    expect(codes(r)).toEqual([]);
    const presented = r as VerifiedSdJwtPresentation;
    expect(presented.holder).toBe(holderKey.kid);
    expect(presented.credentials[0].mediaType).toBe('vc+sd-jwt');
    expect(presented.credentials[0].keyId).toBe(`x5c#${createHash('sha256').update(certDer).digest('base64url')}`);
    // The key binding still has to come from the holder that cnf.kid names.
    expect(codes(await verify(await present(sdJwt, disclosuresOf(sdJwt), { signer: holder }), { trustedCertificates: [certPem] }))).toEqual(
      ['HOLDER_BINDING'],
    );
  });
});
