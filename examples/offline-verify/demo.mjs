// Offline verification, step by step: an identity agency signs a national ID credential
// with plain `jose` (any conformant VC-JOSE-COSE signer would do), and a verifier checks
// it with @tradewind/verifier — no network, no registry, no shared database. Then the
// two things a verifier must catch: an edited credential and an expired one.
//
// Run: pnpm demo   (from the repository root; builds first)
import { generateKeyPairSync } from 'node:crypto';
import { base64urlEncode, utf8Encode, VCDM_2_CONTEXT } from '@tradewind/core';
import { verifyCredential } from '@tradewind/verifier';
import { SignJWT } from 'jose';

const line = (text = '') => console.log(text);
const step = (n, title) => line(`\n${n}. ${title}`);
const shorten = (s, max = 72) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A fresh Ed25519 key and its did:jwk — the DID is the public key itself, so it resolves offline. */
function newDidJwk() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // The raw public key is the end of its SubjectPublicKeyInfo (RFC 8410). (Node 20 can
  // deadlock on a JWK export of a key generateKeyPairSync has just made.)
  const x = base64urlEncode(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  const did = `did:jwk:${base64urlEncode(utf8Encode(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x })))}`;
  return { did, kid: `${did}#0`, privateKey };
}

/** What the agency signs: a VCDM 2.0 credential, secured with JOSE as `vc+jwt`. */
function signNationalId(agency, holderDid, validity) {
  const credential = {
    '@context': [VCDM_2_CONTEXT],
    id: 'urn:uuid:7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
    type: ['VerifiableCredential', 'NationalIdCredential'],
    issuer: { id: agency.did, name: 'Immigration Division, Ministry of National Security (TT)' },
    ...validity,
    credentialSubject: {
      id: holderDid,
      givenName: 'Asha',
      familyName: 'Ramdial',
      birthDate: '1994-03-17',
      nationality: 'TT',
    },
  };
  return new SignJWT(credential).setProtectedHeader({ alg: 'EdDSA', kid: agency.kid, typ: 'vc+jwt' }).sign(agency.privateKey);
}

/** Prints a verification result; returns the error codes (empty when verified). */
function show(result) {
  if (result.verified) {
    const subject = result.credential.credentialSubject;
    line('   ✔ VERIFIED');
    line(`     format   ${result.format}`);
    line(`     issuer   ${shorten(result.issuer)}`);
    line(`     subject  ${shorten(result.subject ?? '(none)')}  (${subject.givenName} ${subject.familyName}, ${subject.nationality})`);
    line(`     valid    ${result.validFrom?.toISOString() ?? '-'} → ${result.validUntil?.toISOString() ?? 'no expiry'}`);
    return [];
  }
  line('   ✘ NOT VERIFIED');
  for (const e of result.errors) line(`     ${e.code}: ${e.message}`);
  return result.errors.map((e) => e.code);
}

const failures = [];
function expectCodes(what, codes, expected) {
  const ok = expected.length === 0 ? codes.length === 0 : expected.every((c) => codes.includes(c));
  if (!ok) failures.push(`${what}: expected ${expected.join(', ') || 'VERIFIED'}, got ${codes.join(', ') || 'VERIFIED'}`);
}

line('Tradewind — verifying a national ID credential offline');

step(1, 'The identity agency creates its signing key');
const agency = newDidJwk();
line(`   Ed25519 key, published as ${shorten(agency.did)}`);
line('   (did:jwk: the identifier encodes the public key, so any verifier resolves it without a network)');

step(2, 'The agency issues a national ID credential to Asha (VCDM 2.0, vc+jwt)');
const holder = newDidJwk();
const now = Date.now();
const year = 365 * 24 * 3600 * 1000;
const jwt = await signNationalId(agency, holder.did, {
  validFrom: new Date(now - 24 * 3600 * 1000).toISOString(),
  validUntil: new Date(now + 5 * year).toISOString(),
});
line(`   ${jwt.length} characters: ${shorten(jwt, 60)}`);

step(3, 'A verifier at another border checks it — offline');
expectCodes('valid credential', show(await verifyCredential(jwt)), []);

step(4, "Someone edits the credential: a different birth date, the agency's signature kept");
const [header, payload, signature] = jwt.split('.');
const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
claims.credentialSubject.birthDate = '1984-03-17';
const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
expectCodes('tampered credential', show(await verifyCredential(tampered)), ['SIGNATURE_INVALID']);

step(5, 'A credential whose validity ended last year');
const expired = await signNationalId(agency, holder.did, {
  validFrom: new Date(now - 6 * year).toISOString(),
  validUntil: new Date(now - year).toISOString(),
});
expectCodes('expired credential', show(await verifyCredential(expired)), ['EXPIRED']);

step(6, 'Only issuers the verifier recognises: the same valid credential, checked against a list of trusted issuers');
const otherAgency = newDidJwk();
expectCodes('untrusted issuer', show(await verifyCredential(jwt, { trustedIssuers: [otherAgency.did] })), ['UNTRUSTED_ISSUER']);

line();
if (failures.length > 0) {
  for (const f of failures) console.error(`demo: unexpected result — ${f}`);
  process.exitCode = 1;
} else {
  line('Done: valid accepted; tampered, expired and untrusted rejected with stable error codes.');
}
