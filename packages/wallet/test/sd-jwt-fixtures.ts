// SD-JWT VCs from an independent producer, @sd-jwt/sd-jwt-vc, signed by did:key / did:jwk
// issuers built here with node:crypto; and its verifier, with a key-binding verifier for
// cnf.jwk and for a cnf.kid that is a did:jwk URL.
import { createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import type { HolderDid } from '@tradewind/wallet';
import { issuer as edIssuer } from './fixtures.js';

export interface SdJwtIssuer {
  did: string;
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  publicJwk: JsonWebKey;
}

/** An issuer: Ed25519 as did:key, or ES256 (P-256) as did:jwk. */
export function sdJwtIssuer(alg: 'EdDSA' | 'ES256' = 'EdDSA'): SdJwtIssuer {
  if (alg === 'EdDSA') {
    const i = edIssuer('key');
    return { did: i.did, kid: i.kid, alg, privateKey: i.privateKey, publicJwk: createPublicKey(i.privateKey).export({ format: 'jwk' }) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const did = `did:jwk:${Buffer.from(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).toString('base64url')}`;
  return { did, kid: `${did}#0`, alg, privateKey, publicJwk: jwk };
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** A raw JOSE signature (Ed25519, or ES256 as r||s with low S, which verifiers require) over a string. */
export function signWith(key: KeyObject, alg: string, data: string): string {
  const bytes = Buffer.from(data);
  if (alg === 'EdDSA') return sign(null, bytes, key).toString('base64url');
  const signature = sign('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' });
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  if (s > P256_N / 2n) Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex').copy(signature, 32);
  return signature.toString('base64url');
}

function verifyWith(jwk: JsonWebKey, data: string, signature: string): boolean {
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const bytes = Buffer.from(data);
  const sig = Buffer.from(signature, 'base64url');
  return jwk.kty === 'OKP' ? verify(null, bytes, key, sig) : verify('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }, sig);
}

export const CLAIMS = {
  given_name: 'Asha',
  family_name: 'Ramdial',
  birthdate: '1990-04-12',
  birth_place: 'San Fernando',
  nationality: 'TT',
  age_over_18: true,
  address: { street_address: '12 Frederick Street', locality: 'Port of Spain', country: 'TT' },
  nationalities: ['TT', 'GD'],
};

export interface IssueOptions {
  /** How cnf names the holder key: its public JWK (default) or its DID URL. */
  binding?: 'jwk' | 'kid';
  vct?: string;
  /** Extra payload claims (plain), e.g. exp. */
  extra?: Record<string, unknown>;
  /** The disclosure frame (default: every claim of {@link CLAIMS} disclosable, address members and nationalities elements too). */
  frame?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  hashAlg?: 'sha-256' | 'sha-384' | 'sha-512';
}

export const DEFAULT_FRAME = {
  _sd: ['given_name', 'family_name', 'birthdate', 'birth_place', 'nationality', 'age_over_18', 'address', 'nationalities'],
  address: { _sd: ['street_address', 'locality'] },
  nationalities: { _sd: [0, 1] },
  _sd_decoy: 2,
};

/** An SD-JWT VC about the holder (cnf), as issued: every disclosure, no key binding. */
export async function issueSdJwt(iss: SdJwtIssuer, holder: HolderDid, o: IssueOptions = {}): Promise<string> {
  const sdjwt = new SDJwtVcInstance({
    signer: (data: string) => signWith(iss.privateKey, iss.alg, data),
    signAlg: iss.alg,
    hasher: digest,
    hashAlg: o.hashAlg ?? 'sha-256',
    saltGenerator: generateSalt,
  });
  const cnf = o.binding === 'kid' ? { kid: holder.verificationMethod } : { jwk: holder.publicJwk };
  return sdjwt.issue(
    {
      iss: iss.did,
      iat: Math.floor(Date.now() / 1000) - 60,
      vct: o.vct ?? 'NationalIdCredential',
      cnf,
      ...(o.claims ?? CLAIMS),
      ...o.extra,
    } as never,
    (o.frame ?? DEFAULT_FRAME) as never,
    { header: { kid: iss.kid } },
  );
}

/** The public JWK of a did:jwk DID (URL). */
function didJwkKey(kid: string): JsonWebKey {
  const did = kid.split('#')[0] as string;
  if (!did.startsWith('did:jwk:')) throw new Error(`not a did:jwk: ${kid}`);
  return JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8')) as JsonWebKey;
}

/**
 * @sd-jwt/sd-jwt-vc's verifier for credentials of `iss` (its key from the test, not from
 * the credential) with the key binding required: the kb-jwt is checked against cnf.jwk,
 * or the did:jwk cnf.kid names.
 */
export function referenceVerifier(iss: SdJwtIssuer): SDJwtVcInstance {
  return new SDJwtVcInstance({
    hasher: digest,
    verifier: (data: string, signature: string) => verifyWith(iss.publicJwk, data, signature),
    kbVerifier: (data: string, signature: string, payload: Record<string, unknown>) => {
      const cnf = payload.cnf as { jwk?: JsonWebKey; kid?: string } | undefined;
      const jwk = cnf?.jwk ?? (cnf?.kid ? didJwkKey(cnf.kid) : undefined);
      if (!jwk) return false;
      return verifyWith(jwk, data, signature);
    },
  });
}

/** The decoded JSON of a compact JWT part. */
export function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The disclosures of a compact SD-JWT as [salt, name?, value] arrays. */
export function disclosuresOf(sdJwt: string): unknown[][] {
  const parts = sdJwt.split('~');
  return parts.slice(1, -1).map((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[]);
}
