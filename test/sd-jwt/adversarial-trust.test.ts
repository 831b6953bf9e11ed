// Hostile issuers against the built @tradewind/verifier's SD-JWT trust rules: https issuer
// names that only look like a recognised one, x5c chains anchored for someone else or
// against the X.509 path rules, and vct values that only look like a recognised credential
// type. Certificates are the verifier's test fixtures
// (packages/verifier/test/fixtures/x509/generate.sh), and a few made here with openssl.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lowSSignature } from '@tradewind/core';
import { createVerifier, type VerifyOptions } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recognitionListJwt } from '../../packages/verifier/test/helpers/producers.js';
import { codes, didKeyFor, disclosure, publicJwk, sha256, type TestKey } from './helpers.js';

const ISS = 'https://issuer.example.org';
const dir = new URL('../../packages/verifier/test/fixtures/x509/', import.meta.url);
const pem = (name: string) => readFileSync(new URL(`${name}.pem`, dir), 'utf8');
const der = (name: string) => new X509Certificate(pem(name)).raw.toString('base64');
const b64u = (x: Buffer | string) => Buffer.from(x).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const holder = didKeyFor('EdDSA');
const nationality = disclosure('c2FsdC1uYXQ', 'nationality', 'LC');

type Signer = { alg: 'EdDSA'; sign: (data: string) => string };
const fixtureSigner = (name: string): Signer => {
  const key = createPrivateKey(pem(`${name}.key`));
  return { alg: 'EdDSA', sign: (data) => b64u(sign(null, Buffer.from(data), key)) };
};
const keySigner = (k: TestKey): Signer => ({ alg: 'EdDSA', sign: (data) => b64u(sign(null, Buffer.from(data), k.privateKey)) });

function issued(signer: Signer, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const body = { iat: now() - 60, vct: 'NationalIdCredential', cnf: { jwk: publicJwk(holder) }, _sd: [sha256(nationality)], ...payload };
  const input = `${b64u(JSON.stringify({ alg: signer.alg, typ: 'dc+sd-jwt', ...header }))}.${b64u(JSON.stringify(body))}`;
  return `${input}.${signer.sign(input)}~${nationality}~`;
}

const entry = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  country: 'LC',
  name: 'Saint Lucia Civil Registry',
  credentialTypes: ['NationalIdCredential'],
  assuranceLevel: 'high',
  ...extra,
});

/** Options with one recognition list (valid until 2027) of `entries`, signed by a fresh anchor. */
async function listed(entries: unknown[]): Promise<VerifyOptions> {
  const anchor = didKeyFor('EdDSA');
  const recognitionLists = [await recognitionListJwt(anchor, entries, { nextUpdate: '2099-01-01T00:00:00Z' })];
  return { policy: { anchors: [anchor.did] }, recognitionLists } as VerifyOptions;
}
const check = async (sdJwt: string, options: VerifyOptions) => codes(await createVerifier(options).verifyCredential(sdJwt));

describe('caller-anchored x5c: the leaf must name the issuer', () => {
  const caller = { trustedCertificates: [pem('ca-ed25519')] };
  const x5c = (leaf: string) => ({ x5c: [der(leaf), der('ca-ed25519')] });

  it('control: the leaf naming the issuer (URI, or DNS for the host) verifies', async () => {
    expect(await check(issued(fixtureSigner('leaf-ed25519'), x5c('leaf-ed25519'), { iss: ISS }), caller)).toEqual([]);
    expect(await check(issued(fixtureSigner('leaf-dns'), x5c('leaf-dns'), { iss: ISS }), caller)).toEqual([]);
  });

  it('issuer names that only contain the certified host: refused', async () => {
    for (const iss of [
      'https://issuer.example.org.evil.example',
      'https://evil.example/issuer.example.org',
      'https://evil.example/?host=issuer.example.org',
      'https://issuer.example.org@evil.example',
      'https://evil-issuer.example.org',
      'https://xn--issuer-example-org.evil',
    ]) {
      const r = await check(issued(fixtureSigner('leaf-dns'), x5c('leaf-dns'), { iss }), caller);
      expect(r, iss).not.toEqual([]);
      expect(
        r.every((c) => c === 'UNTRUSTED_ISSUER' || c === 'MALFORMED'),
        `${iss}: ${r}`,
      ).toBe(true);
    }
  });

  it('a leaf certified for another host, under the same trusted CA: UNTRUSTED_ISSUER', async () => {
    expect(await check(issued(fixtureSigner('wrong-san'), x5c('wrong-san'), { iss: ISS }), caller)).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('the issuer spelled otherwise (upper case host, default port, dot segments): MALFORMED, never matched loosely', async () => {
    for (const iss of ['https://ISSUER.example.org', 'https://issuer.example.org:443', 'https://issuer.example.org/a/../']) {
      const r = await check(issued(fixtureSigner('leaf-ed25519'), x5c('leaf-ed25519'), { iss }), caller);
      expect(r, iss).toEqual(['MALFORMED']);
    }
  });

  it('a chain through a leaf that is not a CA, or without its CA, with another CA trusted: UNTRUSTED_ISSUER', async () => {
    const under = issued(fixtureSigner('under-leaf'), { x5c: [der('under-leaf'), der('leaf-ed25519'), der('ca-ed25519')] }, { iss: ISS });
    expect(await check(under, caller)).toEqual(['UNTRUSTED_ISSUER']);
    const impostor = issued(fixtureSigner('other-leaf'), { x5c: [der('other-leaf'), der('other-ca')] }, { iss: ISS });
    expect(await check(impostor, caller)).toEqual(['UNTRUSTED_ISSUER']);
    // The impostor's chain with the trusted CA appended after its own: the path is broken.
    const appended = issued(fixtureSigner('other-leaf'), { x5c: [der('other-leaf'), der('ca-ed25519')] }, { iss: ISS });
    expect(await check(appended, caller)).toEqual(['UNTRUSTED_ISSUER']);
  });

  it("an x5c leaf signing with a DID issuer's name: the DID's own key decides, the certificate does not", async () => {
    const did = didKeyFor('EdDSA');
    // Signed by the certificate's key, naming the DID and its kid: the DID key does not verify it.
    const forged = issued(fixtureSigner('leaf-ed25519'), { kid: did.kid, ...x5c('leaf-ed25519') }, { iss: did.did });
    expect(await check(forged, caller)).not.toEqual([]);
    // Signed by the DID key with an unrelated x5c beside it: the DID key verifies it.
    const honest = issued(keySigner(did), { kid: did.kid, x5c: [der('other-leaf')] }, { iss: did.did });
    expect(await check(honest, {})).toEqual([]);
  });
});

describe('x5c anchored by a CA a recognition list pins', () => {
  const x5c = (leaf: string) => ({ x5c: [der(leaf), der('ca-ed25519')] });
  /** A recognition list whose entry for ISS pins the CA (not a leaf) of ISS's certificate. */
  const pinningCa = () => listed([entry(ISS, { x509: { certificates: [der('ca-ed25519')] } })]);

  it('control: the leaf certified for the issuer verifies', async () => {
    expect(await check(issued(fixtureSigner('leaf-ed25519'), x5c('leaf-ed25519'), { iss: ISS }), await pinningCa())).toEqual([]);
  });

  it('a leaf the same CA certified for another host (SAN https://other.example.org) cannot sign as the issuer: UNTRUSTED_ISSUER', async () => {
    // SD-JWT VC (x5c key validation): the iss URI must match a SAN of the leaf. A CA pinned
    // for one issuer usually certifies others too (a national PKI); a pin of the leaf itself
    // or of its key identifies the issuer's own certificate, a CA pin does not.
    const forged = issued(fixtureSigner('wrong-san'), x5c('wrong-san'), { iss: ISS });
    expect(await check(forged, await pinningCa())).toEqual(['UNTRUSTED_ISSUER']);
  });
});

describe('recognition lists: https issuers and vct', () => {
  const listKey = didKeyFor('EdDSA');
  const keys = [{ kid: 'key-1', ...publicJwk(listKey) }];

  it('control: the listed https issuer with its key verifies and is recognised', async () => {
    const options = await listed([entry('https://a.example', { keys })]);
    expect(await check(issued(keySigner(listKey), { kid: 'key-1' }, { iss: 'https://a.example' }), options)).toEqual([]);
  });

  it('issuer ids that extend or resemble the listed one get none of its keys', async () => {
    const options = await listed([entry('https://a.example', { keys })]);
    for (const iss of ['https://a.example.evil', 'https://a.example/x', 'https://a.example:8443', 'https://b.example']) {
      const r = await check(issued(keySigner(listKey), { kid: 'key-1' }, { iss }), options);
      expect(r, iss).not.toEqual([]);
    }
  });

  it('vct that only resembles the listed type (case, space, wildcard, prefix, array): NOT_RECOGNIZED or MALFORMED', async () => {
    const options = await listed([entry('https://a.example', { keys })]);
    for (const vct of ['nationalidcredential', 'NationalIdCredential ', '*', 'NationalId', 'NationalIdCredential2']) {
      const r = await check(issued(keySigner(listKey), { kid: 'key-1' }, { iss: 'https://a.example', vct }), options);
      expect(r, vct).toEqual(['NOT_RECOGNIZED']);
    }
    const arr = await check(
      issued(keySigner(listKey), { kid: 'key-1' }, { iss: 'https://a.example', vct: ['NationalIdCredential'] }),
      options,
    );
    expect(arr).toEqual(['MALFORMED']);
  });

  it('an entry limited to vc+jwt does not recognise dc+sd-jwt', async () => {
    const options = await listed([entry('https://a.example', { keys, formats: ['vc+jwt'] })]);
    expect(await check(issued(keySigner(listKey), { kid: 'key-1' }, { iss: 'https://a.example' }), options)).toEqual(['NOT_RECOGNIZED']);
  });

  it('a key listed for one https issuer does not sign for another listed one', async () => {
    const other = didKeyFor('EdDSA');
    const options = await listed([
      entry('https://a.example', { keys }),
      entry('https://b.example', { keys: [{ kid: 'key-1', ...publicJwk(other) }] }),
    ]);
    const r = await check(issued(keySigner(listKey), { kid: 'key-1' }, { iss: 'https://b.example' }), options);
    expect(r).toEqual(['SIGNATURE_INVALID']);
  });
});

describe('X.509 path rules a caller-anchored chain must keep (RFC 5280 §4.2.1.3, §4.2.1.9, §6.1.4)', () => {
  // Made here with the openssl command line: root (trusted by the caller) → interA
  // (pathLenConstraint 0) → interB → leaf; and a leaf whose keyUsage forbids signatures.
  let pki: string;
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'pipe' });
  const key = (name: string) => run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  const cert = (name: string, parent: string, extensions: string) => {
    key(name);
    run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    writeFileSync(join(pki, `${name}.ext`), extensions);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${parent}.pem`,
      '-CAkey',
      `${parent}.key`,
      '-CAcreateserial',
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  };
  const file = (name: string) => readFileSync(join(pki, name), 'utf8');
  const certDer = (name: string) => new X509Certificate(file(`${name}.pem`)).raw.toString('base64');

  beforeAll(() => {
    pki = mkdtempSync(join(tmpdir(), 'tradewind-sd-jwt-adv-pki-'));
    key('root');
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      'root.key',
      '-subj',
      '/CN=Root',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'root.pem',
    );
    const leafExt =
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=URI:https://issuer.example.org\n';
    cert('interA', 'root', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n');
    cert('interB', 'interA', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n');
    cert('deep', 'interB', leafExt);
    cert('good', 'interA', leafExt);
    cert(
      'agreement',
      'root',
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyAgreement\nextendedKeyUsage=serverAuth\nsubjectAltName=URI:https://issuer.example.org\n',
    );
  });
  afterAll(() => rmSync(pki, { recursive: true, force: true }));

  async function issuedBy(leaf: string, chain: string[]): Promise<string> {
    const signer = createPrivateKey(file(`${leaf}.key`));
    const header = { alg: 'ES256', typ: 'dc+sd-jwt', x5c: chain.map(certDer) };
    const body = {
      iss: ISS,
      iat: Math.floor(Date.now() / 1000) - 60,
      vct: 'NationalIdCredential',
      cnf: { jwk: publicJwk(holder) },
      _sd: [sha256(nationality)],
    };
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(body))}`;
    const signature = await lowSSignature(sign('sha256', Buffer.from(input), { key: signer, dsaEncoding: 'ieee-p1363' }));
    return `${input}.${b64u(Buffer.from(signature))}~${nationality}~`;
  }
  const verifier = () => createVerifier({ trustedCertificates: [file('root.pem')] });

  it('control: a leaf of interA (pathLenConstraint 0 allows it) verifies', async () => {
    expect(codes(await verifier().verifyCredential(await issuedBy('good', ['good', 'interA'])))).toEqual([]);
  });

  it('a leaf under a CA that interA (pathLenConstraint 0) may not have certified: UNTRUSTED_ISSUER', async () => {
    // openssl verify: "path length constraint exceeded".
    const sdJwt = await issuedBy('deep', ['deep', 'interB', 'interA']);
    expect(codes(await verifier().verifyCredential(sdJwt))).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('a leaf whose keyUsage does not allow digital signatures (a key-agreement TLS certificate): UNTRUSTED_ISSUER', async () => {
    const sdJwt = await issuedBy('agreement', ['agreement']);
    expect(codes(await verifier().verifyCredential(sdJwt))).toEqual(['UNTRUSTED_ISSUER']);
  });
});
