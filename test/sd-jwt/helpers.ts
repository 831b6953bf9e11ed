// SD-JWTs made outside Tradewind, for the cross-package SD-JWT VC tests: with
// @sd-jwt/sd-jwt-vc (the independent producer and verifier) and, for the forms no honest
// producer makes (a disclosure named __proto__, `alg: none`, a wrong `typ`, an `x5c`
// header), by hand with node:crypto.
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { DidKeyResolver, lowSSignature } from '@tradewind/core';
import type { CredentialVerificationResult, PresentationVerificationResult } from '@tradewind/verifier';
import { didJwk, didKey, type TestKey } from '../../packages/verifier/test/helpers/producers.js';

export { didJwk, didKey, type TestKey };

export type Alg = 'EdDSA' | 'ES256';
export const ALGS: Alg[] = ['EdDSA', 'ES256'];

export const codes = (r: CredentialVerificationResult | PresentationVerificationResult): string[] =>
  r.verified ? [] : r.errors.map((e) => e.code);

/** A did:key of the algorithm's curve (Ed25519 or P-256). */
export const didKeyFor = (alg: Alg): TestKey => didKey(alg === 'EdDSA' ? 'Ed25519' : 'P-256');

const b64u = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');
export const b64json = (value: unknown) => b64u(JSON.stringify(value));
export const unb64json = (text: string): Record<string, unknown> => JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));

/** A JWS signature over `data` in JOSE form (ES256: r‖s, low S, as Tradewind accepts by default). */
export async function joseSign(alg: Alg, privateKey: KeyObject, data: string): Promise<string> {
  if (alg === 'EdDSA') return b64u(sign(null, Buffer.from(data), privateKey));
  return b64u(await lowSSignature(sign('sha256', Buffer.from(data), { key: privateKey, dsaEncoding: 'ieee-p1363' })));
}

export function joseVerify(alg: string, jwk: JsonWebKey, data: string, signature: string): boolean {
  const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const sig = Buffer.from(signature, 'base64url');
  return alg === 'EdDSA'
    ? verify(null, Buffer.from(data), key, sig)
    : verify('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, sig);
}

/** A compact JWS signed with `key` (header and payload taken as given). */
export async function signJws(alg: Alg, privateKey: KeyObject, header: Record<string, unknown>, payload: unknown): Promise<string> {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${await joseSign(alg, privateKey, input)}`;
}

/** A disclosure as its base64url text: `[salt, name, value]`, or `[salt, value]` for an array element. */
export function disclosure(...parts: [string, string, unknown] | [string, unknown]): string {
  return b64json(parts);
}

/** JSON Pointer of one path segment. */
const pointer = (segment: string | number) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`;

/**
 * What a verifier can know from the vector alone, found independently of the code under
 * test: the JSON Pointer of each presented disclosure in the processed claims, in the
 * order of the disclosures, and how many digests stay without a disclosure.
 */
export function expectedDisclosures(payload: unknown, presented: string[]) {
  const byDigest = new Map(presented.map((d) => [sha256(d), d]));
  const paths = new Map<string, string>();
  let digests = 0;
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      let index = 0;
      for (const element of value) {
        const digest =
          element && typeof element === 'object' && !Array.isArray(element) ? (element as Record<string, unknown>)['...'] : undefined;
        if (typeof digest === 'string' && Object.keys(element as object).length === 1) {
          digests++;
          const d = byDigest.get(digest);
          if (!d) continue;
          const [, item] = unb64array(d);
          paths.set(d, path + pointer(index));
          walk(item, path + pointer(index));
        } else {
          walk(element, path + pointer(index));
        }
        index++;
      }
    } else if (value && typeof value === 'object') {
      for (const [name, member] of Object.entries(value)) if (name !== '_sd') walk(member, path + pointer(name));
      for (const digest of ((value as Record<string, unknown>)._sd as string[] | undefined) ?? []) {
        digests++;
        const d = byDigest.get(digest);
        if (!d) continue;
        const [, name, member] = unb64array(d);
        paths.set(d, path + pointer(name as string));
        walk(member, path + pointer(name as string));
      }
    }
  };
  walk(payload, '');
  return { paths: presented.map((d) => paths.get(d)), undisclosed: digests - presented.length };
}

const unb64array = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];

/** The SHA-256 digest of a disclosure (or of a presentation, for `sd_hash`). */
export const sha256 = (text: string) => createHash('sha256').update(text, 'ascii').digest('base64url');

/** The part of a presentation a key-binding JWT's `sd_hash` covers: up to and including the last `~`. */
export const withoutKb = (sdJwt: string) => sdJwt.slice(0, sdJwt.lastIndexOf('~') + 1);
/** The key-binding JWT of a presentation ('' when there is none). */
export const kbOf = (sdJwt: string) => sdJwt.slice(sdJwt.lastIndexOf('~') + 1);
/** The disclosures of an SD-JWT (issued or presented). */
export const disclosuresOf = (sdJwt: string) => sdJwt.split('~').slice(1, -1);
/** The issuer-signed JWT of an SD-JWT. */
export const issuerJwtOf = (sdJwt: string) => sdJwt.slice(0, sdJwt.indexOf('~'));

/** A key-binding JWT over `presentation` (which ends with `~`), signed by `holder`. */
export async function keyBindingJwt(
  holder: { alg: Alg; privateKey: KeyObject },
  presentation: string,
  claims: { nonce: string; aud: string; iat?: number },
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload = { iat: claims.iat ?? Math.floor(Date.now() / 1000), ...claims, sd_hash: sha256(presentation) };
  return signJws(holder.alg, holder.privateKey, { alg: holder.alg, typ: 'kb+jwt', ...header }, payload);
}

/** A holder's public JWK as its DID document gives it (did:key, did:jwk: offline). */
export async function holderJwk(did: string): Promise<JsonWebKey> {
  const [key] = await new DidKeyResolver().keysFor(did, 'authentication');
  if (!key) throw new Error(`no authentication key for ${did}`);
  return key.jwk as JsonWebKey;
}

/** The public JWK of a test key, without anything but the key itself. */
export function publicJwk(key: TestKey): JsonWebKey {
  const { kty, crv, x, y } = key.publicJwk;
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
}

/**
 * @sd-jwt/sd-jwt-vc set up as an issuer (`issuer` signs, with its kid in the header),
 * a holder (`holder` signs key-binding JWTs) and a verifier (the issuer's key; the
 * holder's key from `cnf.jwk`). Signatures are made with node:crypto, ES256 ones in
 * low-S form.
 */
export function sdJwtLibrary(options: {
  issuer?: { alg: Alg; privateKey?: KeyObject; publicJwk: JsonWebKey };
  holder?: { alg: Alg; privateKey: KeyObject };
  /** The holder key key-binding JWTs are checked with, when `cnf` names it by `kid` (the library reads only `cnf.jwk`). */
  holderKey?: JsonWebKey;
}) {
  const { issuer, holder, holderKey } = options;
  return new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
    ...(issuer
      ? {
          ...(issuer.privateKey ? { signer: (data: string) => joseSign(issuer.alg, issuer.privateKey as KeyObject, data) } : {}),
          signAlg: issuer.alg,
          verifier: (data: string, signature: string) => joseVerify(issuer.alg, issuer.publicJwk, data, signature),
        }
      : {}),
    ...(holder ? { kbSigner: (data: string) => joseSign(holder.alg, holder.privateKey, data), kbSignAlg: holder.alg } : {}),
    kbVerifier: (data: string, signature: string, payload: Record<string, unknown>) => {
      const jwk = holderKey ?? (payload.cnf as { jwk?: JsonWebKey } | undefined)?.jwk;
      if (!jwk) return false;
      const header = unb64json(data.split('.')[0] as string);
      return joseVerify(String(header.alg), jwk, data, signature);
    },
  });
}

/** The claims of a national ID as the tests issue it (birthdate gives age_over_18 at the Tradewind issuer). */
export const NATIONAL_ID = {
  given_name: 'Asha',
  family_name: 'Ramdial',
  birthdate: '1990-04-12',
  nationality: 'TT',
  place_of_birth: 'San Fernando',
  address: { street_address: '12 Frederick Street', locality: 'Port of Spain', country: 'TT' },
};

type NationalIdClaim = keyof typeof NATIONAL_ID | 'age_over_18';

/** A disclosure frame making every claim of {@link NATIONAL_ID} disclosable, address members one by one. */
export const NATIONAL_ID_FRAME: { _sd: NationalIdClaim[]; address: { _sd: Array<keyof (typeof NATIONAL_ID)['address']> } } = {
  _sd: ['given_name', 'family_name', 'birthdate', 'nationality', 'place_of_birth', 'address', 'age_over_18'],
  address: { _sd: ['street_address', 'locality', 'country'] },
};
