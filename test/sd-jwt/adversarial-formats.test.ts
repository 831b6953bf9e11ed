// SD-JWT VCs and the other formats mistaken for one another by the built verifier: a
// Bitstring status list, a Token Status List and an SD-JWT each given where another is
// expected, a recognition list in SD-JWT form, and an SD-JWT inside envelopes and data:
// URLs. None is read as the other; each gives its own code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IssuedCredential, type Issuer, openIssuer } from '@tradewind/issuer';
import { createVerifier, type VerifyOptions } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recognitionListJwt } from '../../packages/verifier/test/helpers/producers.js';
import { codes, didKeyFor, NATIONAL_ID, publicJwk } from './helpers.js';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const holder = didKeyFor('EdDSA');

let dir: string;
let issuer: Issuer;
let issuerDid: string;
let sdJwt: IssuedCredential;
let jwtVc: IssuedCredential;
let tokens: Record<string, string>;
let bitstring: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-sd-jwt-adv-formats-'));
  issuer = await openIssuer({ path: join(dir, 'issuer.db'), secret: 's', kdf, statusListBaseUrl: 'https://registry.gov.lc/status' });
  issuerDid = (await issuer.createDid({ method: 'key' })).did;
  sdJwt = await issuer.issue({
    format: 'dc+sd-jwt',
    type: 'NationalIdCredential',
    credentialSubject: { ...NATIONAL_ID },
    holderKey: publicJwk(holder) as Record<string, string>,
    status: ['revocation'],
  });
  jwtVc = await issuer.issue({
    type: 'NationalIdCredential',
    credentialSubject: { id: holder.did, ...NATIONAL_ID },
    status: ['revocation'],
  });
  tokens = Object.fromEntries((await issuer.statusListTokens()).map((t) => [t.url, t.jwt]));
  bitstring = Object.fromEntries((await issuer.statusListCredentials()).map((t) => [t.url, t.jwt]));
});
afterAll(async () => {
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const check = async (input: unknown, options: VerifyOptions) => codes(await createVerifier(options).verifyCredential(input as string));

describe('status lists of the other kind', () => {
  it('control: each credential verifies with its own list', async () => {
    expect(await check(sdJwt.jwt, { status: { lists: tokens } })).toEqual([]);
    expect(await check(jwtVc.jwt, { status: { lists: bitstring } })).toEqual([]);
  });

  it('a JWT VC whose Bitstring list URL serves an SD-JWT or a Token Status List: STATUS_UNAVAILABLE', async () => {
    const url = jwtVc.status[0]?.statusListCredential as string;
    expect(await check(jwtVc.jwt, { status: { lists: { [url]: sdJwt.jwt } } })).toEqual(['STATUS_UNAVAILABLE']);
    expect(await check(jwtVc.jwt, { status: { lists: { [url]: Object.values(tokens)[0] as string } } })).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('an SD-JWT VC whose token URL serves a Bitstring status list credential or an SD-JWT: STATUS_UNAVAILABLE', async () => {
    const uri = sdJwt.statusList?.uri as string;
    expect(await check(sdJwt.jwt, { status: { lists: { [uri]: Object.values(bitstring)[0] as string } } })).toEqual(['STATUS_UNAVAILABLE']);
    expect(await check(sdJwt.jwt, { status: { lists: { [uri]: sdJwt.jwt } } })).toEqual(['STATUS_UNAVAILABLE']);
  });
});

describe('recognition lists in SD-JWT form', () => {
  it('a list with "~" and disclosures or a key binding after it is refused (TRUST_LIST_INVALID), the plain one read', async () => {
    const anchor = didKeyFor('EdDSA');
    const entry = { id: issuerDid, country: 'LC', name: 'Registry', credentialTypes: ['NationalIdCredential'], assuranceLevel: 'high' };
    const list = await recognitionListJwt(anchor, [entry], { nextUpdate: '2099-01-01T00:00:00Z' });
    const options = (l: string) =>
      ({ policy: { anchors: [anchor.did] }, recognitionLists: [l], status: { lists: tokens } }) as VerifyOptions;
    expect(await check(sdJwt.jwt, options(list))).toEqual([]);
    for (const l of [`${list}~`, `${list}~${list}`]) {
      expect(await check(sdJwt.jwt, options(l))).toEqual(['TRUST_LIST_INVALID']);
      const status = await createVerifier(options(l)).recognitionStatus();
      expect(status?.problems.map((p) => p.code)).toEqual(['TRUST_LIST_INVALID']);
    }
  });
});

describe('an SD-JWT in wrappers', () => {
  const options = () => ({ status: { lists: tokens } });

  it('as an EnvelopedVerifiableCredential: UNSUPPORTED_FORMAT; base64 data: URLs: MALFORMED; a vc+jwt data: URL: UNSUPPORTED_FORMAT', async () => {
    const env = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/dc+sd-jwt,${sdJwt.jwt}`,
    };
    expect(await check(env, options())).toEqual(['UNSUPPORTED_FORMAT']);
    const b64 = `data:application/dc+sd-jwt;base64,${Buffer.from(sdJwt.jwt).toString('base64')}`;
    expect(await check({ ...env, id: b64 }, options())).toEqual(['MALFORMED']);
    expect(await check(b64, options())).toEqual(['MALFORMED']);
    expect(await check(`data:application/vc+jwt,${sdJwt.jwt}`, options())).toEqual(['UNSUPPORTED_FORMAT']);
    // The form the verifier does read: a bare data:application/dc+sd-jwt URL.
    expect(await check(env.id, options())).toEqual([]);
  });
});
