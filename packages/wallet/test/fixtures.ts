// Credentials from independent producers: jose for VC-JOSE-COSE (`vc+jwt`) and
// did-jwt-vc for the VCDM 1.1 JWT encoding (`jwt_vc`), as Veramo makes it. Issuers are
// did:key / did:jwk identities built here by hand, not by the wallet's own agent.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdDSASigner } from 'did-jwt';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import { SignJWT } from 'jose';

export interface TestIssuer {
  did: string;
  kid: string;
  privateKey: KeyObject;
  signer: ReturnType<typeof EdDSASigner>;
}

const b64u = (s: string) => Buffer.from(s, 'base64url');
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** base58btc (the `z` multibase) of bytes. */
function base58(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** An Ed25519 issuer as did:key (multicodec 0xed01) or did:jwk. */
export function issuer(method: 'key' | 'jwk' = 'key'): TestIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const d = b64u(privateKey.export({ format: 'jwk' }).d as string);
  const signer = EdDSASigner(Uint8Array.from([...d, ...b64u(jwk.x as string)]));
  if (method === 'jwk') {
    const did = `did:jwk:${Buffer.from(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: jwk.x })).toString('base64url')}`;
    return { did, kid: `${did}#0`, privateKey, signer };
  }
  const id = `z${base58(Uint8Array.from([0xed, 0x01, ...b64u(jwk.x as string)]))}`;
  return { did: `did:key:${id}`, kid: `did:key:${id}#${id}`, privateKey, signer };
}

export const NOW = new Date('2026-06-01T12:00:00Z');
const sec = (d: Date) => Math.floor(d.getTime() / 1000);

export interface CredentialOptions {
  type?: string;
  id?: string;
  validFrom?: Date;
  validUntil?: Date;
  claims?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A VCDM 2.0 credential secured with jose (`vc+jwt`) about `subject`. */
export function vcJwt(iss: TestIssuer, subject: string, o: CredentialOptions = {}): Promise<string> {
  const credential: Record<string, unknown> = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: o.id ?? `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', o.type ?? 'NationalIdCredential'],
    issuer: iss.did,
    validFrom: (o.validFrom ?? new Date('2026-01-01T00:00:00Z')).toISOString(),
    validUntil: (o.validUntil ?? new Date('2031-01-01T00:00:00Z')).toISOString(),
    credentialSubject: { id: subject, givenName: 'Asha', familyName: 'Ramdial', nationality: 'TT', ...o.claims },
  };
  if (o.status) credential.credentialStatus = o.status;
  return new SignJWT(credential).setProtectedHeader({ alg: 'EdDSA', kid: iss.kid, typ: 'vc+jwt' }).sign(iss.privateKey);
}

/** A VCDM 1.1 credential as did-jwt-vc encodes it (`jwt_vc`) about `subject`. */
export function jwtVc(iss: TestIssuer, subject: string, o: CredentialOptions = {}): Promise<string> {
  return createVerifiableCredentialJwt(
    {
      sub: subject,
      nbf: sec(o.validFrom ?? new Date('2026-01-01T00:00:00Z')),
      ...(o.validUntil ? { exp: sec(o.validUntil) } : {}),
      jti: o.id ?? `urn:uuid:${crypto.randomUUID()}`,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', o.type ?? 'BirthCertificateCredential'],
        credentialSubject: { givenName: 'Kemar', birthCountry: 'JM', ...o.claims },
        ...(o.status ? { credentialStatus: o.status } : {}),
      },
    },
    { did: iss.did, signer: iss.signer, alg: 'EdDSA' },
  );
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tw-wallet-'));
  return { dir, file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Cheap scrypt for test databases (the default costs ~100 ms per open). */
export const TEST_KDF = { N: 1024, r: 8, p: 1 };
export const TEST_BACKUP_KDF = { log2N: 10, r: 8, p: 1 };
export const SECRET = 'correct horse battery staple';
