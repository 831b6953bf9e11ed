// Whole credential documents as a national identity scheme writes them, and keys and
// DIDs made without Tradewind (node:crypto, did:key and did:jwk encoded here from their
// specifications), for the interop tests of whole VCDM documents.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';

export const VCDM2 = 'https://www.w3.org/ns/credentials/v2';
export const VCDM1 = 'https://www.w3.org/2018/credentials/v1';

/** Bytes of the holder's photo; `relatedResource` pins them by digest. */
export const PHOTO = Buffer.from('JPEG stand-in: portrait of the holder, 413x531, taken at enrolment');

/** `sha384-…`: the Subresource Integrity form of a digest (VCDM 2.0 §5.3 `digestSRI`). */
export const PHOTO_SRI = `sha384-${createHash('sha384').update(PHOTO).digest('base64')}`;

/** A multibase (base64url, `u`) multihash (sha2-256: 0x12, 32 bytes) of the card's JSON Schema (`digestMultibase`). */
export const SCHEMA_DIGEST_MULTIBASE = `u${Buffer.concat([
  Buffer.from([0x12, 0x20]),
  createHash('sha256').update('{"$id":"https://id.gov.tt/schemas/national-id.json"}').digest(),
]).toString('base64url')}`;

/** The scheme's own status entry (a list it runs itself), given by the caller. */
export const CALLER_STATUS = {
  id: 'https://status.id.gov.tt/lists/card-loss/7#48213',
  type: 'BitstringStatusListEntry',
  statusPurpose: 'suspension',
  statusListIndex: '48213',
  statusListCredential: 'https://status.id.gov.tt/lists/card-loss/7',
};

/**
 * A VCDM 2.0 national identity credential with everything a real scheme carries. No
 * `id`: the issuer assigns it. `issuer` is an object whose `id` is `issuerDid`.
 */
export function nationalIdDocument(issuerDid: string, holderDid: string): Record<string, unknown> {
  return {
    '@context': [
      VCDM2,
      {
        nid: 'https://id.gov.tt/vocab#',
        NationalIdCredential: 'nid:NationalIdCredential',
        IdentityCard: 'nid:IdentityCard',
        givenName: 'https://schema.org/givenName',
        familyName: 'https://schema.org/familyName',
        birthDate: { '@id': 'https://schema.org/birthDate', '@type': 'http://www.w3.org/2001/XMLSchema#date' },
        nationality: 'nid:nationality',
        cardNumber: 'nid:cardNumber',
        IdentityProofing: 'nid:IdentityProofing',
        TrustFrameworkPolicy: 'nid:TrustFrameworkPolicy',
        ManualRefreshService: 'nid:ManualRefreshService',
      },
    ],
    type: ['VerifiableCredential', 'NationalIdCredential'],
    name: [
      { '@value': 'National Identity Card', '@language': 'en' },
      { '@value': "Carte nationale d'identité", '@language': 'fr' },
    ],
    description: 'Identity of a citizen of Trinidad and Tobago, as registered by the Registrar General.',
    issuer: {
      id: issuerDid,
      name: 'Registrar General, Trinidad and Tobago',
      description: [
        { '@value': 'Civil registry of Trinidad and Tobago', '@language': 'en' },
        { '@value': 'Registre civil de Trinité-et-Tobago', '@language': 'fr' },
      ],
    },
    validFrom: '2026-03-01T08:30:00.125-04:00',
    validUntil: '2036-03-01T08:30:00.125-04:00',
    credentialSubject: [
      {
        id: holderDid,
        givenName: 'Asha',
        familyName: 'Ramdial',
        birthDate: '1991-07-14',
        nationality: 'TT',
        name: [
          { '@value': 'Asha Ramdial', '@language': 'en' },
          { '@value': 'Asha Ramdial', '@language': 'fr' },
        ],
      },
      { id: 'urn:tt:nid:card:TT-0481-2213', type: 'IdentityCard', cardNumber: 'TT-0481-2213', name: 'Card TT-0481-2213' },
    ],
    evidence: [
      {
        id: 'urn:tt:nid:enrolment:2026-0311-77',
        type: ['IdentityProofing'],
        verifier: 'https://id.gov.tt/offices/port-of-spain',
        evidenceDocument: ['BirthCertificate', 'Passport'],
        subjectPresence: 'Physical',
        documentPresence: 'Physical',
        time: '2026-02-11T09:12:44.5-04:00',
      },
    ],
    termsOfUse: [
      {
        type: 'TrustFrameworkPolicy',
        trustFramework: 'CARICOM Mutual Recognition of Identity',
        policyId: 'https://caricom.example/policies/identity/2026',
        legalBasis: 'Civil Registration Act, Chap. 44:01',
      },
    ],
    refreshService: { id: 'https://id.gov.tt/refresh/TT-0481-2213', type: 'ManualRefreshService' },
    relatedResource: [
      { id: 'https://id.gov.tt/photos/TT-0481-2213.jpg', mediaType: 'image/jpeg', digestSRI: PHOTO_SRI },
      { id: 'https://id.gov.tt/schemas/national-id.json', mediaType: 'application/schema+json', digestMultibase: SCHEMA_DIGEST_MULTIBASE },
    ],
    credentialStatus: [CALLER_STATUS],
  };
}

/** A VCDM 1.1 birth certificate (one subject), for `jwt_vc`. */
export function birthCertificateDocument(issuerDid: string, holderDid: string): Record<string, unknown> {
  return {
    '@context': [VCDM1, { bc: 'https://registry.gov.bb/vocab#', BirthCertificate: 'bc:BirthCertificate', placeOfBirth: 'bc:placeOfBirth' }],
    id: 'urn:bb:birth:1991-07-14-0042',
    type: ['VerifiableCredential', 'BirthCertificate'],
    issuer: { id: issuerDid, name: 'Registration Department, Barbados' },
    issuanceDate: '2026-03-01T08:30:00.125-04:00',
    expirationDate: '2046-03-01T08:30:00.125-04:00',
    credentialSubject: { id: holderDid, givenName: 'Asha', familyName: 'Ramdial', birthDate: '1991-07-14', placeOfBirth: 'Bridgetown' },
    evidence: [{ id: 'urn:bb:register:1991:0042', type: ['RegisterEntry'], verifier: 'https://registry.gov.bb' }],
    termsOfUse: [{ type: 'IssuerPolicy', id: 'https://registry.gov.bb/policies/1', profile: 'https://registry.gov.bb/profiles/birth' }],
    refreshService: { id: 'https://registry.gov.bb/refresh/0042', type: 'ManualRefreshService' },
  };
}

// --- keys and DIDs, encoded here from the did:key and did:jwk specifications ---------

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58btc(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

export function base58btcDecode(text: string): Uint8Array {
  let n = 0n;
  for (const c of text) {
    const v = BASE58.indexOf(c);
    if (v < 0) throw new Error(`not base58btc: ${c}`);
    n = n * 58n + BigInt(v);
  }
  const hex = n === 0n ? '' : n.toString(16);
  const body = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  let zeros = 0;
  while (text[zeros] === '1') zeros++;
  return Buffer.concat([Buffer.alloc(zeros), body]);
}

export interface ForeignKey {
  did: string;
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  publicJwk: { kty: string; crv: string; x: string; y?: string };
}

/** A fresh key and its DID: `did:jwk` or `did:key` (Ed25519: multicodec 0xed; P-256: 0x1200, compressed point). */
export function foreignKey(method: 'jwk' | 'key', curve: 'Ed25519' | 'P-256'): ForeignKey {
  const pair = curve === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = pair.publicKey.export({ format: 'jwk' });
  const publicJwk =
    curve === 'Ed25519'
      ? { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string }
      : { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string };
  const alg = curve === 'Ed25519' ? 'EdDSA' : 'ES256';
  if (method === 'jwk') {
    const did = `did:jwk:${Buffer.from(JSON.stringify(publicJwk)).toString('base64url')}`;
    return { did, kid: `${did}#0`, alg, privateKey: pair.privateKey, publicJwk };
  }
  const x = Buffer.from(publicJwk.x, 'base64url');
  const key =
    curve === 'Ed25519'
      ? Buffer.concat([Buffer.from([0xed, 0x01]), x])
      : Buffer.concat([Buffer.from([0x80, 0x24, (Buffer.from(publicJwk.y as string, 'base64url').at(-1) as number) & 1 ? 0x03 : 0x02]), x]);
  const id = `z${base58btc(key)}`;
  return { did: `did:key:${id}`, kid: `did:key:${id}#${id}`, alg, privateKey: pair.privateKey, publicJwk };
}

/** The payload of a compact JWS as its exact UTF-8 text. */
export function payloadText(jws: string): string {
  return Buffer.from(jws.split('.')[1] as string, 'base64url').toString('utf8');
}

/** The exact JSON text of `"name":value` as JSON.stringify writes a member. */
export function memberText(name: string, value: unknown): string {
  return `${JSON.stringify(name)}:${JSON.stringify(value)}`;
}
