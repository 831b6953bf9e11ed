// Identities and credentials for the benchmarks, made by independent producers:
// did-jwt-vc (as Veramo uses it) for `jwt_vc` and `jwt_vp`, jose for `vc+jwt`. The
// did:key identifiers are encoded here by hand from the multicodec table, so nothing
// of ours produces what ours then verifies.
import { generateKeyPairSync, sign } from 'node:crypto';
import { createVerifiableCredentialJwt, createVerifiablePresentationJwt } from 'did-jwt-vc';
import { SignJWT } from 'jose';

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58btc(bytes) {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE58_ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return `z${out}`;
}

const b64u = (s) => Buffer.from(s, 'base64url');

/**
 * A fresh Ed25519 did:key (multicodec 0xed01) with its keys and a did-jwt signer.
 * The signer uses node:crypto rather than did-jwt's pure-JS EdDSASigner only because
 * the batch rows need 10,000 credentials quickly; Ed25519 is deterministic, so the
 * signatures are byte for byte the same.
 */
export function ed25519DidKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // The raw public key from its SubjectPublicKeyInfo (RFC 8410): Node 20 can deadlock on a
  // JWK export of a key generateKeyPairSync has just made.
  const x = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const id = base58btc(Uint8Array.from([0xed, 0x01, ...x]));
  const did = `did:key:${id}`;
  return {
    did,
    kid: `${did}#${id}`,
    alg: 'EdDSA',
    privateKey,
    publicKey,
    signer: async (data) => sign(null, typeof data === 'string' ? Buffer.from(data) : data, privateKey).toString('base64url'),
  };
}

const sec = (ms) => Math.floor(ms / 1000);
const VALID_FROM = Date.parse('2026-01-01T00:00:00Z');
const VALID_UNTIL = Date.parse('2036-01-01T00:00:00Z');

/** A VCDM 1.1 credential as a JWT (`jwt_vc`), signed with did-jwt-vc. `n` makes it distinct. */
export function jwtVc(issuer, subject, n = 0) {
  return createVerifiableCredentialJwt(
    {
      sub: subject,
      nbf: sec(VALID_FROM),
      exp: sec(VALID_UNTIL),
      jti: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'NationalIdCredential'],
        credentialSubject: { givenName: 'Asha', familyName: 'Ramdial', nationality: 'TT', birthDate: '1990-04-12' },
      },
    },
    { did: issuer.did, signer: issuer.signer, alg: 'EdDSA' },
  );
}

/** A VCDM 2.0 credential secured with JOSE (`vc+jwt`), signed with jose. `n` makes it distinct. */
export function vcJwt(issuer, subject, n = 0) {
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
    id: `urn:uuid:00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
    type: ['VerifiableCredential', 'NationalIdCredential'],
    issuer: issuer.did,
    validFrom: new Date(VALID_FROM).toISOString(),
    validUntil: new Date(VALID_UNTIL).toISOString(),
    credentialSubject: { id: subject, givenName: 'Asha', familyName: 'Ramdial', nationality: 'TT', birthDate: '1990-04-12' },
  };
  return new SignJWT(credential).setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid, typ: 'vc+jwt' }).sign(issuer.privateKey);
}

/** A VCDM 1.1 presentation as a JWT (`jwt_vp`) by `holder`, bound to a nonce and audience. */
export function jwtVp(holder, credentials, { nonce, audience }) {
  return createVerifiablePresentationJwt(
    {
      vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials },
      nonce,
      aud: audience,
    },
    { did: holder.did, signer: holder.signer, alg: 'EdDSA' },
  );
}

/** The parts of a compact JWS a raw signature check needs: signing input and signature bytes. */
export function jwsParts(jwt) {
  const [header, payload, signature] = jwt.split('.');
  return { data: Buffer.from(`${header}.${payload}`), signature: b64u(signature) };
}
