// SD-JWT VCs under a recognition policy, end to end through verifyCredential and
// verifyPresentation: vct as the credential type, https issuers with listed keys, and
// x5c chains (as MOSIP Inji issues them) anchored by a list or by the caller.
import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyCredential, verifyPresentation } from '../src/index.js';
import { didJwk, didKey, recognitionListJwt, type TestKey } from './helpers/producers.js';
import { digestOf, disclosure, publicJwkOf, withKb } from './helpers/sd-jwt.js';

const ISS = 'https://issuer.example.org';
const dir = new URL('./fixtures/x509/', import.meta.url);
const pem = (name: string) => readFileSync(new URL(`${name}.pem`, dir), 'utf8');
const cert = (name: string) => new X509Certificate(pem(name));
const der = (name: string) => cert(name).raw.toString('base64');
const b64u = (x: Buffer | string) => Buffer.from(x).toString('base64url');
const codes = (r: { verified: boolean; errors?: Array<{ code: string }> }) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));

// Recognition lists in the helpers hold from 2026-05-01 to their next update 2026-07-01;
// the certificates from when they were made. Either clock suits its own tests.
const LIST_NOW = new Date('2026-06-01T12:00:00Z');
const CERT_NOW = new Date(Date.parse(cert('leaf-ed25519').validFrom) + 86_400_000);
const sec = (d: Date) => Math.floor(d.getTime() / 1000);

const entry = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  country: 'LC',
  name: 'Saint Lucia Civil Registry',
  credentialTypes: ['NationalIdCredential'],
  assuranceLevel: 'high',
  ...extra,
});

/** An issuer-signed JWT by a raw key (test fixtures), with one disclosure of nationality. */
async function issued(
  signer: { sign: (data: string) => string; alg: string },
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const d = disclosure('nationality', 'LC');
  const input = `${b64u(JSON.stringify({ alg: signer.alg, typ: 'dc+sd-jwt', ...header }))}.${b64u(JSON.stringify({ ...payload, _sd: [digestOf(d)] }))}`;
  return `${input}.${signer.sign(input)}~${d}~`;
}

const fixtureSigner = (name: string) => {
  const key = createPrivateKey(pem(`${name}.key`));
  return { alg: 'EdDSA', sign: (data: string) => b64u(sign(null, Buffer.from(data), key)) };
};
const testKeySigner = (k: TestKey) => ({ alg: k.alg, sign: (data: string) => b64u(sign(null, Buffer.from(data), k.privateKey)) });

describe('SD-JWT VCs and recognition lists', () => {
  it('recognises a DID issuer for the vct its entry lists, and not for another (NOT_RECOGNIZED at /payload/vct)', async () => {
    const anchor = didKey();
    const issuer = didKey();
    const policy = { anchors: [anchor.did] };
    const recognitionLists = [await recognitionListJwt(anchor, [entry(issuer.did)])];
    const ok = await issued(
      testKeySigner(issuer),
      { kid: issuer.kid },
      { iss: issuer.did, vct: 'NationalIdCredential', iat: sec(LIST_NOW) },
    );
    const r = await verifyCredential(ok, { now: LIST_NOW, policy, recognitionLists });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) expect(r.recognition).toMatchObject({ source: 'list', country: 'LC', anchor: anchor.did });
    expect(r.checks).toEqual(['dataModel', 'disclosures', 'recognition', 'proof', 'validity']);
    const other = await issued(testKeySigner(issuer), { kid: issuer.kid }, { iss: issuer.did, vct: 'urn:eudi:pid:1', iat: sec(LIST_NOW) });
    const o = await verifyCredential(other, { now: LIST_NOW, policy, recognitionLists });
    expect(codes(o)).toEqual(['NOT_RECOGNIZED']);
    expect(o.verified ? undefined : o.errors[0]?.path).toBe('/payload/vct');
    // An entry limited to other formats does not recognise dc+sd-jwt.
    const jwtOnly = [await recognitionListJwt(anchor, [entry(issuer.did, { formats: ['vc+jwt'] })])];
    expect(codes(await verifyCredential(ok, { now: LIST_NOW, policy, recognitionLists: jwtOnly }))).toEqual(['NOT_RECOGNIZED']);
    // A policy's own format list may name dc+sd-jwt; one that leaves it out refuses it.
    const withSdJwt = { ...policy, formats: ['dc+sd-jwt', 'vc+jwt'] };
    expect((await verifyCredential(ok, { now: LIST_NOW, policy: withSdJwt, recognitionLists })).verified).toBe(true);
    const withoutSdJwt = { ...policy, formats: ['vc+jwt', 'di'] };
    expect(codes(await verifyCredential(ok, { now: LIST_NOW, policy: withoutSdJwt, recognitionLists }))).toEqual(['UNSUPPORTED_FORMAT']);
    // An issuer on no list.
    const stranger = didKey();
    const s = await issued(testKeySigner(stranger), { kid: stranger.kid }, { iss: stranger.did, vct: 'NationalIdCredential' });
    expect(codes(await verifyCredential(s, { now: LIST_NOW, policy, recognitionLists }))).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('applies accept rules to the vct', async () => {
    const anchor = didKey();
    const issuer = didKey();
    const recognitionLists = [await recognitionListJwt(anchor, [entry(issuer.did, { credentialTypes: ['*'] })])];
    const sdJwt = await issued(testKeySigner(issuer), { kid: issuer.kid }, { iss: issuer.did, vct: 'NationalIdCredential' });
    const accept = (credentialTypes: string[]) => ({ anchors: [anchor.did], accept: [{ countries: '*' as const, credentialTypes }] });
    expect((await verifyCredential(sdJwt, { now: LIST_NOW, policy: accept(['NationalIdCredential']), recognitionLists })).verified).toBe(
      true,
    );
    expect(codes(await verifyCredential(sdJwt, { now: LIST_NOW, policy: accept(['DriverLicence']), recognitionLists }))).toEqual([
      'NOT_RECOGNIZED',
    ]);
  });

  it('verifies an https issuer with the key its list entry carries, and refuses it without the list', async () => {
    const anchor = didKey();
    const key = didKey();
    const recognitionLists = [await recognitionListJwt(anchor, [entry(ISS, { keys: [{ ...publicJwkOf(key), kid: 'registry-2026' }] })])];
    const sdJwt = await issued(testKeySigner(key), { kid: 'registry-2026' }, { iss: ISS, vct: 'NationalIdCredential', iat: sec(LIST_NOW) });
    const r = await verifyCredential(sdJwt, { now: LIST_NOW, policy: { anchors: [anchor.did] }, recognitionLists });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) {
      expect(r.issuer).toBe(ISS);
      expect(r.keyId).toBe('registry-2026');
    }
    expect(codes(await verifyCredential(sdJwt, { now: LIST_NOW }))).toEqual(['KEY_NOT_FOUND']);
  });

  it('reads a MOSIP Inji style credential (vc+sd-jwt, x5c with kid and x5t#S256, cnf.kid did:jwk, sha-384) only when its chain is anchored', async () => {
    const holder = didJwk();
    const leaf = cert('leaf-ed25519');
    const header = {
      typ: 'vc+sd-jwt',
      kid: 'issuer-key-1',
      x5c: [der('leaf-ed25519'), der('ca-ed25519')],
      'x5t#S256': createHash('sha256').update(leaf.raw).digest('base64url'),
    };
    const d = disclosure('nationality', 'LC');
    const payload = {
      iss: ISS,
      vct: 'NationalIdCredential',
      iat: sec(CERT_NOW) - 60,
      cnf: { kid: holder.kid },
      _sd_alg: 'sha-384',
      _sd: [digestOf(d, 'sha384')],
    };
    const input = `${b64u(JSON.stringify({ alg: 'EdDSA', ...header }))}.${b64u(JSON.stringify(payload))}`;
    const sdJwt = `${input}.${fixtureSigner('leaf-ed25519').sign(input)}~${d}~`;
    const presented = await withKb(sdJwt, holder, { iat: sec(CERT_NOW), nonce: 'n', aud: 'https://verifier.example' }, {}, 'sha384');
    const expected = { now: CERT_NOW, nonce: 'n', audience: 'https://verifier.example' };

    // Unanchored: the x5c leaf is not taken on faith.
    expect(codes(await verifyPresentation(presented, expected))).toEqual(['UNTRUSTED_ISSUER']);
    // Anchored by the caller (the leaf names the issuer in its subjectAltName).
    const r = await verifyPresentation(presented, { ...expected, trustedCertificates: [pem('ca-ed25519')] });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified && r.format === 'dc+sd-jwt') {
      expect(r.holder).toBe(holder.kid);
      const [c] = r.credentials;
      expect(c.mediaType).toBe('vc+sd-jwt');
      expect(c.keyId).toMatch(/^x5c#/);
      expect(c.disclosed).toEqual([{ path: '/nationality', name: 'nationality', value: 'LC' }]);
    }
    // A CA that did not issue this chain anchors nothing.
    expect(codes(await verifyPresentation(presented, { ...expected, trustedCertificates: [pem('other-ca')] }))).toEqual([
      'UNTRUSTED_ISSUER',
    ]);
  });
});
