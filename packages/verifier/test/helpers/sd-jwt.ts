// SD-JWT VCs for the verifier's tests: made by @sd-jwt/sd-jwt-vc (an independent
// producer) for the honest cases, and by hand (disclosures, digests, signatures built
// here) for the ones no library would make.
import { createHash, sign } from 'node:crypto';
import { generateSalt, digest as sdDigest } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { lowSSignature } from '@tradewind/core';
import { NOW, type TestKey } from './producers.js';

export const NOW_S = Math.floor(NOW.getTime() / 1000);

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** A base64url signature over `data` with a test key (ES256 in low-S form, as the verifier wants). */
export async function signWith(key: TestKey, data: string): Promise<string> {
  if (key.alg === 'ES256') {
    const sig = sign('sha256', Buffer.from(data), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return b64u(await lowSSignature(sig));
  }
  return b64u(sign(null, Buffer.from(data), key.privateKey));
}

/** The holder's public JWK as cnf carries it (no kid, alg or private members). */
export function publicJwkOf(key: TestKey): Record<string, string> {
  const { kty, crv, x, y } = key.publicJwk as Record<string, string>;
  return y === undefined
    ? { kty: kty as string, crv: crv as string, x: x as string }
    : { kty: kty as string, crv: crv as string, x: x as string, y };
}

/** An @sd-jwt/sd-jwt-vc instance that signs as `issuer` and, for key binding, as `holder`. */
export function library(issuer: TestKey, holder?: TestKey, hashAlg: 'sha-256' | 'sha-384' | 'sha-512' = 'sha-256'): SDJwtVcInstance {
  return new SDJwtVcInstance({
    signer: (data: string) => signWith(issuer, data),
    signAlg: issuer.alg,
    hasher: (data: string | ArrayBuffer, alg?: string) => sdDigest(data, alg),
    hashAlg,
    saltGenerator: generateSalt,
    ...(holder ? { kbSigner: (data: string) => signWith(holder, data), kbSignAlg: holder.alg } : {}),
  });
}

export interface IssueOptions {
  holder?: TestKey;
  /** Bind the holder by cnf.kid (its DID URL) instead of cnf.jwk. */
  byKid?: boolean;
  hashAlg?: 'sha-256' | 'sha-384' | 'sha-512';
  /** Claims besides iss, iat, vct and cnf. */
  claims?: Record<string, unknown>;
  frame?: Record<string, unknown>;
  header?: Record<string, unknown>;
  vct?: string;
}

export const PERSON = {
  given_name: 'Maria',
  family_name: 'Baptiste',
  birthdate: '1990-04-12',
  nationality: 'BB',
  age_over_18: true,
  address: { street_address: '1 Bay Street', locality: 'Bridgetown', country: 'BB' },
  nationalities: ['BB', 'LC'],
};

export const PERSON_FRAME = {
  _sd: ['given_name', 'family_name', 'birthdate', 'nationality', 'age_over_18', 'address', 'nationalities'],
  address: { _sd: ['street_address', 'locality'] },
  nationalities: { _sd: [0, 1] },
  _sd_decoy: 2,
};

/** An SD-JWT VC from the reference library, issued by `issuer` (its DID and kid), with every disclosure. */
export async function issueSdJwt(issuer: TestKey, options: IssueOptions = {}): Promise<string> {
  const { holder, hashAlg = 'sha-256', vct = 'NationalIdCredential' } = options;
  const payload: Record<string, unknown> = {
    iss: issuer.did,
    iat: NOW_S - 3600,
    vct,
    ...(holder ? { cnf: options.byKid ? { kid: holder.kid } : { jwk: publicJwkOf(holder) } } : {}),
    ...(options.claims ?? PERSON),
  };
  return library(issuer, holder, hashAlg).issue(payload as never, (options.frame ?? (options.claims ? undefined : PERSON_FRAME)) as never, {
    header: { kid: issuer.kid, ...options.header },
  });
}

/** Presents with the reference library: only the claims of `frame`, with a key-binding JWT when `kb` is given. */
export async function presentSdJwt(
  issuer: TestKey,
  sdJwt: string,
  frame: Record<string, unknown>,
  kb?: { holder: TestKey; nonce: string; aud: string; iat?: number },
): Promise<string> {
  const lib = library(issuer, kb?.holder);
  return lib.present(sdJwt, frame as never, kb ? { kb: { payload: { nonce: kb.nonce, aud: kb.aud, iat: kb.iat ?? NOW_S } } } : undefined);
}

/** A compact JWS signed with a test key, of exactly this header and payload. */
export async function jws(key: TestKey, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${await signWith(key, input)}`;
}

/** A disclosure as its base64url text: [salt, name, value], or [salt, value] for an array element. */
export function disclosure(...parts: [name: string, value: unknown] | [value: unknown]): string {
  return b64u(JSON.stringify([b64u(createHash('sha256').update(Math.random().toString()).digest().subarray(0, 16)), ...parts]));
}

/** The digest of a disclosure (or of any text, such as the presentation for sd_hash). */
export function digestOf(text: string, alg: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  return createHash(alg).update(text, 'ascii').digest('base64url');
}

/** An SD-JWT built by hand: the issuer-signed JWT (typ dc+sd-jwt, the key's kid) and these disclosures, no key binding. */
export async function craft(
  issuer: TestKey,
  payload: Record<string, unknown>,
  disclosures: string[],
  header: Record<string, unknown> = {},
): Promise<string> {
  const jwt = await jws(issuer, { alg: issuer.alg, typ: 'dc+sd-jwt', kid: issuer.kid, ...header }, payload);
  return `${jwt}~${disclosures.map((d) => `${d}~`).join('')}`;
}

/** A key-binding JWT over `presented` (an SD-JWT ending in `~`), appended to it. */
export async function withKb(
  presented: string,
  holder: TestKey,
  payload: { nonce?: unknown; aud?: unknown; iat?: unknown; sd_hash?: unknown } = {},
  header: Record<string, unknown> = {},
  alg: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): Promise<string> {
  const kb = await jws(
    holder,
    { alg: holder.alg, typ: 'kb+jwt', ...header },
    { nonce: 'n-0S6_WzA2Mj', aud: 'https://bank.example.bb', iat: NOW_S, sd_hash: digestOf(presented, alg), ...payload },
  );
  return `${presented}${kb}`;
}

/** An unsigned JWS (alg none), for the refusal tests. */
export function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64u(JSON.stringify({ ...header, alg: 'none' }))}.${b64u(JSON.stringify(payload))}.`;
}
