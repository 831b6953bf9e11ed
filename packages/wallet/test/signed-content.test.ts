// What the wallet keeps is what the issuer signed: never the JSON around a JWT (#9), one
// row per signed credential whatever its encoding or signature (#10), and only results
// its own verification produced (#11).
import { generateKeyPairSync } from 'node:crypto';
import { TradewindError } from '@tradewind/core';
import { verifyCredentials } from '@tradewind/verifier';
import { type CheckedCredential, openWallet, type Wallet } from '@tradewind/wallet';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealBackup } from '../src/backup/container.js';
import { identityOf } from '../src/credential-record.js';
import { issuer, jwtVc, SECRET, TEST_BACKUP_KDF, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
const tt = issuer('key');
let wallet: Wallet;
let holder: string;
let n = 0;
const fresh = () => openWallet({ path: tmp.file(`w-${n++}.db`), secret: SECRET, kdf: TEST_KDF });

beforeAll(async () => {
  wallet = await fresh();
  holder = (await wallet.createDid()).did;
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

const P256_HALF_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n / 2n;

/**
 * A did:jwk P-256 issuer: ES256 signatures are randomised, so signing the same content
 * twice gives two different, valid, canonical (low-S) JWTs.
 */
function p256Issuer() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const did = `did:jwk:${Buffer.from(JSON.stringify(publicKey.export({ format: 'jwk' }))).toString('base64url')}`;
  const sign = async (payload: Record<string, unknown>): Promise<string> => {
    for (;;) {
      const jws = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: `${did}#0`, typ: 'vc+jwt' }).sign(privateKey);
      const s = BigInt(
        `0x${Buffer.from(jws.split('.')[2] as string, 'base64url')
          .subarray(32)
          .toString('hex')}`,
      );
      if (s <= P256_HALF_N) return jws;
    }
  };
  return { did, sign };
}

function credential(issuerDid: string, type: string): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', type],
    issuer: issuerDid,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2031-01-01T00:00:00Z',
    credentialSubject: { id: holder, givenName: 'Asha' },
  };
}

/** The same JWS with the last base64url character of its signature changed in bits that decoding drops. */
function respelled(jws: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(jws.at(-1) as string);
  return jws.slice(0, -1) + alphabet[last ^ 1];
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

describe('the wallet stores what is signed, not the JSON around it', () => {
  it('stores and returns Asha from the JWT, not Mallory from the JwtProof2020 wrapper around it', async () => {
    const jwt = await jwtVc(tt, holder, { type: 'WrappedCredential', claims: { givenName: 'Asha' } });
    const wrapper = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'WrappedCredential', 'AdminCredential'],
      issuer: { id: 'did:example:mallory' },
      issuanceDate: '2026-01-01T00:00:00Z',
      credentialSubject: { id: holder, givenName: 'Mallory', role: 'admin' },
      proof: { type: 'JwtProof2020', jwt },
    };
    const { credential } = await wallet.receive(wrapper);
    for (const c of [credential, await wallet.get(credential.id), ...(await wallet.find({ type: 'WrappedCredential' }))]) {
      expect(JSON.stringify(c)).not.toContain('Mallory');
      expect(JSON.stringify(c)).not.toContain('AdminCredential');
      expect(c.raw).toBe(jwt);
      expect(c.issuer).toBe(tt.did);
      const json = c.credential as { credentialSubject?: unknown; proof?: unknown };
      expect(json.credentialSubject).toMatchObject({ id: holder, givenName: 'Asha' });
      expect(json.proof).toEqual({ type: 'JwtProof2020', jwt });
    }
    expect(await wallet.find({ type: 'AdminCredential' })).toEqual([]);
    // The stored JWT is presentable, like any other.
    await expect(wallet.present({ credentials: [credential.id], audience: 'https://bank.example', nonce: 'n' })).resolves.toMatch(/\./);
  });

  it('refuses an EnvelopedVerifiableCredential with claims beside the signed JWT inside it (MALFORMED at each), and keeps the bare envelope', async () => {
    const jwt = await vcJwt(tt, holder, { type: 'EnvelopedExtra' });
    const envelope = {
      '@context': 'https://www.w3.org/ns/credentials/v2',
      id: `data:application/vc+jwt,${jwt}`,
      type: 'EnvelopedVerifiableCredential',
    };
    await expect(wallet.receive(JSON.stringify({ ...envelope, credentialSubject: { givenName: 'Mallory' } }))).rejects.toMatchObject({
      code: 'MALFORMED',
      path: '/credentialSubject',
    });
    const { credential } = await wallet.receive(JSON.stringify(envelope));
    expect(credential.credential).toEqual({ ...envelope, '@context': ['https://www.w3.org/ns/credentials/v2'] });
    expect(credential.raw).toBe(jwt);
  });

  it('restores no wrapper claims from a backup either', async () => {
    const w = await fresh();
    try {
      const file = await wallet.exportBackup('pass', { kdf: TEST_BACKUP_KDF });
      await w.importBackup(file, 'pass');
      expect(JSON.stringify(await w.list())).not.toContain('Mallory');
    } finally {
      await w.close();
    }
  });
});

describe('one credential, one row, whatever its encoding', () => {
  it('stores a credential re-signed with a new ECDSA signature over the same content once', async () => {
    const iss = p256Issuer();
    const content = credential(iss.did, 'ReSigned');
    const first = await iss.sign(content);
    const second = await iss.sign(content);
    expect(second).not.toBe(first);
    const a = await wallet.receive(first);
    const b = await wallet.receive(second);
    expect(a.added).toBe(true);
    expect(b.added).toBe(false);
    expect(b.credential.id).toBe(a.credential.id);
    expect(b.credential.raw).toBe(first);
    expect(await wallet.find({ type: 'ReSigned' })).toHaveLength(1);
    const third = await iss.sign(content);
    expect(await wallet.receiveAll([third, await iss.sign(content)])).toEqual([a.credential.id, a.credential.id]);
    expect(await wallet.find({ type: 'ReSigned' })).toHaveLength(1);
  });

  it('stores a credential once when its signature is spelled with non-zero trailing base64url bits', async () => {
    const jwt = await vcJwt(tt, holder, { type: 'Respelled' });
    const { credential } = await wallet.receive(jwt);
    const variant = respelled(jwt);
    expect(variant).not.toBe(jwt);
    // The verifier may refuse the non-canonical spelling outright; either way the wallet holds one copy.
    const again = await wallet.receive(variant).catch((e: unknown) => e);
    if (!(again instanceof Error)) {
      expect(again.added).toBe(false);
      expect(again.credential.id).toBe(credential.id);
    }
    expect(await wallet.find({ type: 'Respelled' })).toHaveLength(1);
  });

  it('gives a credential one identity whatever the base64url spelling of its header, payload and signature', async () => {
    // Found without the verifier: de-duplication must not depend on it refusing non-canonical spellings.
    // A segment whose length is a multiple of 4 has no spare bits; the claims vary the payload's length.
    let jwt = await vcJwt(tt, holder, { type: 'Spelling' });
    for (let pad = 'x'; (jwt.split('.')[1] as string).length % 4 === 0; pad += 'x') {
      jwt = await vcJwt(tt, holder, { type: 'Spelling', claims: { pad } });
    }
    const flip = (segment: string) => (segment.length % 4 === 0 ? segment : respelled(`x.${segment}`).slice(2));
    const [h, p, sig] = jwt.split('.') as [string, string, string];
    const variants = [`${h}.${flip(p)}.${sig}`, `${h}.${p}.${flip(sig)}`, `${flip(h)}.${flip(p)}.${flip(sig)}`];
    for (const v of variants) {
      expect(v).not.toBe(jwt);
      expect(identityOf(v)).toBe(identityOf(jwt));
    }
    // Different signed content is a different credential.
    expect(identityOf(await vcJwt(tt, holder, { type: 'Spelling' }))).not.toBe(identityOf(jwt));
    // An id is lowercase hex: it can never start with "-" and be taken for a command-line option.
    expect(identityOf(jwt)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stores a bare JWT, its envelope and its JwtProof2020 form once', async () => {
    const jwt = await jwtVc(tt, holder, { type: 'ThreeForms' });
    const ids = await wallet.receiveAll([
      { '@context': 'https://www.w3.org/ns/credentials/v2', id: `data:application/jwt,${jwt}`, type: 'EnvelopedVerifiableCredential' },
      jwt,
      { type: ['VerifiableCredential'], proof: { type: 'JwtProof2020', jwt } },
    ]);
    expect(new Set(ids).size).toBe(1);
    expect(await wallet.find({ type: 'ThreeForms' })).toHaveLength(1);
  });

  it('restores a backup holding one credential in two spellings once', async () => {
    const jwt = await vcJwt(tt, holder, { type: 'TwiceInBackup' });
    const source = await fresh();
    const target = await fresh();
    try {
      await source.receive(jwt);
      const [row] = JSON.parse(JSON.stringify(await (source as unknown as { store: { rows(): Promise<unknown[]> } }).store.rows()));
      const file = await sealBackup(
        {
          type: 'tradewind-wallet-backup',
          version: 2,
          createdAt: new Date().toISOString(),
          dids: [],
          credentials: [row, { ...row, id: 'whatever', raw: respelled(jwt) }],
        },
        'pass',
        TEST_BACKUP_KDF,
      );
      expect((await target.importBackup(file, 'pass')).credentials).toBe(1);
      expect(await target.count()).toBe(1);
    } finally {
      await source.close();
      await target.close();
    }
  });
});

describe('storeVerified stores only what this wallet verified', () => {
  it('refuses a forged verification result, and one straight from the verifier, and stores nothing', async () => {
    const real = await vcJwt(tt, holder, { type: 'Forged' });
    const before = await wallet.count();
    const [fromVerifier] = await verifyCredentials([real]);
    const forged = {
      input: 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJkaWQ6ZXhhbXBsZTptYWxsb3J5In0.',
      verification: { ...(fromVerifier as object), issuer: 'did:example:mallory' },
    };
    for (const entry of [forged, { input: real, verification: fromVerifier }]) {
      expect(await codeOf(wallet.storeVerified([entry as unknown as CheckedCredential]))).toBe('INVALID_ARGUMENT');
    }
    expect(await wallet.count()).toBe(before);
  });

  it('stores what verifyAll verified, as verified, even when the caller changes the result or input afterwards', async () => {
    const jwts = [await vcJwt(tt, holder, { type: 'Checked' }), 'garbage', await vcJwt(tt, holder, { type: 'Checked' })];
    const checked = await wallet.verifyAll(jwts);
    expect(checked.map((c) => c.verification.verified)).toEqual([true, false, true]);
    expect(await codeOf(wallet.storeVerified(checked))).toBe('INVALID_ARGUMENT');
    const good = checked.filter((c) => c.verification.verified);
    const v = good[0]?.verification as { issuer: string; credential: { credentialSubject: { givenName: string } } };
    v.issuer = 'did:example:mallory';
    v.credential.credentialSubject.givenName = 'Mallory';
    expect(() => {
      (good[0] as { input: unknown }).input = 'other';
    }).toThrow();
    const copy = { ...good[1], input: 'eyJhbGciOiJub25lIn0.e30.' } as CheckedCredential;
    expect(await codeOf(wallet.storeVerified([copy]))).toBe('INVALID_ARGUMENT');
    const ids = await wallet.storeVerified(good);
    const stored = await Promise.all(ids.map((id) => wallet.get(id)));
    expect(stored.map((s) => s.raw)).toEqual([jwts[0], jwts[2]]);
    expect(stored.map((s) => s.issuer)).toEqual([tt.did, tt.did]);
    expect(JSON.stringify(stored)).not.toContain('Mallory');
    // A result from another wallet's verifyAll is not this wallet's.
    const other = await fresh();
    try {
      expect(await codeOf(other.storeVerified(good))).toBe('INVALID_ARGUMENT');
    } finally {
      await other.close();
    }
  });
});
