// Credentials made by independent producers: `jose` for VC-JOSE-COSE (vc+jwt, vp+jwt)
// and did-jwt / did-jwt-vc for the VCDM 1.1 JWT encoding, exactly as Veramo uses them.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { lowSSignature } from '@tradewind/core';
import { EdDSASigner, ES256Signer } from 'did-jwt';
import { createVerifiableCredentialJwt, createVerifiablePresentationJwt } from 'did-jwt-vc';
import { SignJWT } from 'jose';
import { base58btc } from 'multiformats/bases/base58';

export interface TestKey {
  did: string;
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  publicJwk: JsonWebKey;
  /** did-jwt signer */
  signer: ReturnType<typeof EdDSASigner>;
}

const b64u = (s: string) => Buffer.from(s, 'base64url');

/** A did:key (Ed25519 or P-256) with its private key, built from the multicodec table by hand. */
export function didKey(kind: 'Ed25519' | 'P-256' = 'Ed25519'): TestKey {
  if (kind === 'Ed25519') {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const id = base58btc.encode(Uint8Array.from([0xed, 0x01, ...b64u(jwk.x as string)]));
    const did = `did:key:${id}`;
    const d = b64u(privateKey.export({ format: 'jwk' }).d as string);
    return {
      did,
      kid: `${did}#${id}`,
      alg: 'EdDSA',
      privateKey,
      publicJwk: jwk,
      signer: EdDSASigner(Uint8Array.from([...d, ...b64u(jwk.x as string)])),
    };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const y = b64u(jwk.y as string);
  const compressed = [((y[31] as number) & 1) === 1 ? 0x03 : 0x02, ...b64u(jwk.x as string)];
  const id = base58btc.encode(Uint8Array.from([0x80, 0x24, ...compressed]));
  const did = `did:key:${id}`;
  const d = b64u(privateKey.export({ format: 'jwk' }).d as string);
  const es256 = ES256Signer(d);
  // did-jwt (noble, lowS off) and jose (node:crypto) return the high-S twin half the
  // time; the verifier accepts only low S, as the Tradewind signer emits it.
  const signer = async (data: string | Uint8Array) => b64uLowS((await es256(data)) as string);
  return { did, kid: `${did}#${id}`, alg: 'ES256', privateKey, publicJwk: jwk, signer };
}

async function b64uLowS(signature: string): Promise<string> {
  return Buffer.from(await lowSSignature(b64u(signature))).toString('base64url');
}

/** A compact JWS with its ES256 signature in low-S form (other algorithms unchanged). */
export async function lowS(jws: string): Promise<string> {
  const parts = jws.split('.');
  if (JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString()).alg !== 'ES256') return jws;
  return `${parts[0]}.${parts[1]}.${await b64uLowS(parts[2] as string)}`;
}

/** A did:jwk for a fresh Ed25519 key. */
export function didJwk(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const did = `did:jwk:${Buffer.from(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x })).toString('base64url')}`;
  const d = b64u(privateKey.export({ format: 'jwk' }).d as string);
  return {
    did,
    kid: `${did}#0`,
    alg: 'EdDSA',
    privateKey,
    publicJwk: jwk,
    signer: EdDSASigner(Uint8Array.from([...d, ...b64u(jwk.x as string)])),
  };
}

export const NOW = new Date('2026-06-01T12:00:00Z');
const sec = (d: Date) => Math.floor(d.getTime() / 1000);

/** A VCDM 2.0 credential secured with jose as `vc+jwt`. */
export async function vcJwt(
  issuer: TestKey,
  overrides: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
    id: 'urn:uuid:6a9c92a9-2530-4e2b-9776-530467e9bbe0',
    type: ['VerifiableCredential', 'NationalIdCredential'],
    issuer: issuer.did,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2031-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:holder', givenName: 'Asha', familyName: 'Ramdial', nationality: 'TT' },
    ...overrides,
  };
  return lowS(
    await new SignJWT(credential)
      .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'vc+jwt', ...header })
      .sign(issuer.privateKey),
  );
}

/** A VCDM 1.1 credential as did-jwt-vc (and so Veramo) encodes it: `jwt_vc`. */
export async function jwtVc(
  issuer: TestKey,
  subject = 'did:example:holder',
  options: { nbf?: Date; exp?: Date; vc?: Record<string, unknown> } = {},
): Promise<string> {
  return createVerifiableCredentialJwt(
    {
      sub: subject,
      nbf: sec(options.nbf ?? new Date('2026-01-01T00:00:00Z')),
      ...(options.exp ? { exp: sec(options.exp) } : {}),
      jti: 'urn:uuid:0d2e3e4c-91a5-4a0e-8a3e-6a5f7a1b2c3d',
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'BirthCertificateCredential'],
        credentialSubject: { givenName: 'Kemar', birthCountry: 'JM' },
        ...options.vc,
      },
    },
    { did: issuer.did, signer: issuer.signer, alg: issuer.alg },
  );
}

/** A VCDM 1.1 VP-JWT made by did-jwt-vc with nonce and audience. */
export async function jwtVp(holder: TestKey, credentials: string[], binding: { nonce?: string; aud?: string } = {}): Promise<string> {
  return createVerifiablePresentationJwt(
    {
      vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials },
      ...(binding.nonce ? { nonce: binding.nonce } : {}),
      ...(binding.aud ? { aud: binding.aud } : {}),
    },
    { did: holder.did, signer: holder.signer, alg: holder.alg },
  );
}

/** A VCDM 2.0 presentation secured with jose as `vp+jwt`, credentials enveloped. */
export async function vpJwt(holder: TestKey, credentials: string[], claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiablePresentation'],
    holder: holder.did,
    verifiableCredential: credentials.map((jwt) => ({
      '@context': 'https://www.w3.org/ns/credentials/v2',
      id: `data:application/vc+jwt,${jwt}`,
      type: 'EnvelopedVerifiableCredential',
    })),
    ...claims,
  })
    .setProtectedHeader({ alg: holder.alg, kid: holder.kid, typ: 'vp+jwt' })
    .sign(holder.privateKey)
    .then(lowS);
}

/** Replaces one segment of a compact JWS with base64url of new JSON. */
export function withSegment(jwt: string, index: 0 | 1, value: Record<string, unknown>): string {
  const parts = jwt.split('.');
  parts[index] = Buffer.from(JSON.stringify(value)).toString('base64url');
  return parts.join('.');
}

export function decodeSegment(jwt: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[index] as string, 'base64url').toString());
}

/**
 * A RecognitionList credential (vc+jwt) signed by `anchor`, valid from 2026-05-01 with
 * its next update due 2026-07-01; `subject` overrides members of the list subject
 * (sequence 1 unless given), `claims` members of the credential.
 */
export async function recognitionListJwt(
  anchor: TestKey,
  entries: unknown[],
  subject: Record<string, unknown> = {},
  claims: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential', 'RecognitionList'],
    issuer: anchor.did,
    validFrom: '2026-05-01T00:00:00Z',
    credentialSubject: { sequence: 1, nextUpdate: '2026-07-01T00:00:00Z', entries, ...subject },
    ...claims,
  })
    .setProtectedHeader({ alg: anchor.alg, kid: anchor.kid, typ: 'vc+jwt' })
    .sign(anchor.privateKey);
}
