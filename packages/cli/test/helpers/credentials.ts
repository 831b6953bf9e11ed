// Credentials made with jose, an independent producer: the CLI must accept what any
// conformant VC-JOSE-COSE signer writes, not only Tradewind's own issuer.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStatusBitstring, setStatusBit } from '@tradewind/core';
import { encodeStatusList } from '@tradewind/core/status-list';
import { SignJWT } from 'jose';

export interface TestKey {
  did: string;
  kid: string;
  privateKey: KeyObject;
}

/** A fresh Ed25519 key and its did:jwk. */
export function didJwk(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { kty, crv, x } = publicKey.export({ format: 'jwk' });
  const did = `did:jwk:${Buffer.from(JSON.stringify({ kty, crv, x })).toString('base64url')}`;
  return { did, kid: `${did}#0`, privateKey };
}

export const SUBJECT = 'did:example:asha';

const DAY = 86_400_000;
/** Validity of the test credentials: from yesterday until a year from now, whenever the tests run. */
export const VALID_FROM = new Date(Math.floor(Date.now() / 1000) * 1000 - DAY);
export const VALID_UNTIL = new Date(VALID_FROM.getTime() + 366 * DAY);

/** A VCDM 2.0 national-ID credential secured as `vc+jwt`, valid from {@link VALID_FROM} until {@link VALID_UNTIL}. */
export function vcJwt(issuer: TestKey, overrides: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: 'urn:uuid:3f6c1d2e-8a4b-4c5d-9e0f-1a2b3c4d5e6f',
    type: ['VerifiableCredential', 'NationalIdCredential'],
    issuer: issuer.did,
    validFrom: VALID_FROM.toISOString(),
    validUntil: VALID_UNTIL.toISOString(),
    credentialSubject: { id: SUBJECT, givenName: 'Asha', familyName: 'Ramdial', nationality: 'TT' },
    ...overrides,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid, typ: 'vc+jwt' })
    .sign(issuer.privateKey);
}

/** A VCDM 2.0 presentation (`vp+jwt`) by `holder`, credentials enveloped. */
export function vpJwt(holder: TestKey, credentials: string[], claims: Record<string, unknown> = {}): Promise<string> {
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
    .setProtectedHeader({ alg: 'EdDSA', kid: holder.kid, typ: 'vp+jwt' })
    .sign(holder.privateKey);
}

export const STATUS_URL = 'https://id.gov.tt/status/1';

/** A `credentialStatus` entry pointing at bit `index` of the revocation list at `url`. */
export function statusEntry(url: string, index: number): Record<string, string> {
  return {
    id: `${url}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: url,
  };
}

/** A revocation status list credential published at `url` with the given bits set, signed by `issuer`. */
export function statusListJwt(issuer: TestKey, url: string, revoked: number[]): Promise<string> {
  const bits = createStatusBitstring();
  for (const i of revoked) setStatusBit(bits, i, true);
  return new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuer.did,
    validFrom: VALID_FROM.toISOString(),
    validUntil: VALID_UNTIL.toISOString(),
    credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encodeStatusList(bits) },
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid, typ: 'vc+jwt' })
    .sign(issuer.privateKey);
}

/** The same token with one character of the payload changed: the signature no longer covers it. */
export function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.credentialSubject.familyName = 'Ramdiel';
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

/** A fresh temp directory and a function writing files into it. */
export function tempFiles(): { dir: string; write(name: string, content: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'tradewind-cli-'));
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}
