// The browser build in a real browser: bundled for platform browser with code splitting
// (as a web app's bundler makes it), served on 127.0.0.1 and loaded by a page in
// Chromium, which verifies on its own WebCrypto. Every result must equal what the Node
// build gives for the same input, and the page must reach nothing but 127.0.0.1.
import { createList } from '@digitalbazaar/vc-bitstring-status-list';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as node from '../src/index.js';
import { openVerifierPage, runCase, type VerificationCase, type VerifierPage } from './helpers/browser-page.js';
import { credential, diSigner, issueDi, presentDi } from './helpers/di-issue.js';
import { didKey, jwtVc, NOW, recognitionListJwt, type TestKey, vcJwt } from './helpers/producers.js';
import { issueSdJwt, presentSdJwt } from './helpers/sd-jwt.js';

const now = NOW.toISOString();
const NONCE = 'Yq3Xv8bSx0mQm1kC2f7b0A';
const AUDIENCE = 'redirect_uri:https://border.gov.bb/openid4vp/response';
const LIST_URL = 'https://registry.gov.tt/status/3';

interface Result {
  verified: boolean;
  format?: string;
  errors?: Array<{ code: string }>;
  recognition?: Record<string, unknown>;
  credentials?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}
const codes = (r: Result) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));

let page: VerifierPage;

/** Verifies in Chromium and in Node; the two results must be the same. */
async function inBoth(spec: VerificationCase): Promise<Result> {
  const inBrowser = (await page.run(spec)) as Result;
  const inNode = await runCase(node, spec);
  expect(inBrowser).toEqual(inNode);
  return inBrowser;
}

/** A Bitstring status list made by @digitalbazaar/vc-bitstring-status-list, signed with jose as `vc+jwt`. */
async function statusList(issuer: TestKey, revoked: number[]): Promise<string> {
  const list = await createList({ length: 131_072 });
  for (const i of revoked) list.setStatus(i, true);
  return new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: LIST_URL,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuer.did,
    validFrom: '2026-05-01T00:00:00Z',
    validUntil: '2026-07-01T00:00:00Z',
    credentialSubject: {
      id: `${LIST_URL}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: await list.encode(),
    },
  })
    .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'vc+jwt' })
    .sign(issuer.privateKey);
}

const statusEntry = (index: number) => ({
  id: `${LIST_URL}#${index}`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: String(index),
  statusListCredential: LIST_URL,
});

const isDataIntegrityChunk = (path: string) => page.dataIntegrityChunks.some((name) => path === `/${name}`);

beforeAll(async () => {
  page = await openVerifierPage();
}, 120_000);
afterAll(async () => {
  await page?.close();
});

describe('the verifier in Chromium (browser build, WebCrypto)', () => {
  it('loads from 127.0.0.1 in a secure context, without the Data Integrity chunk', async () => {
    expect(page.bundle.nodeImports).toEqual([]);
    expect(await page.page.evaluate(() => [window.isSecureContext, typeof crypto.subtle.verify])).toEqual([true, 'function']);
    expect(page.served).toContain(`/${page.bundle.entryName}`);
    expect(page.dataIntegrityChunks.length).toBeGreaterThan(0);
    expect(page.served.filter(isDataIntegrityChunk)).toEqual([]);
  });

  it('verifies jwt_vc and vc+jwt credentials signed with Ed25519 and with P-256', async () => {
    for (const kind of ['Ed25519', 'P-256'] as const) {
      const issuer = didKey(kind);
      const jwt = await inBoth({ kind: 'credential', input: await jwtVc(issuer), options: { now } });
      expect([jwt.verified, jwt.format, jwt.issuer]).toEqual([true, 'jwt_vc', issuer.did]);
      const jose = await inBoth({ kind: 'credential', input: await vcJwt(issuer), options: { now } });
      expect([jose.verified, jose.format, jose.issuer]).toEqual([true, 'vc+jwt', issuer.did]);
    }
  });

  it('verifies an SD-JWT VC presentation with key binding for this nonce and audience, and only the disclosed claims', async () => {
    const [issuer, holder] = [didKey('P-256'), didKey()];
    const sdJwt = await issueSdJwt(issuer, { holder });
    const presented = await presentSdJwt(
      issuer,
      sdJwt,
      { given_name: true, address: { locality: true } },
      { holder, nonce: NONCE, aud: AUDIENCE },
    );
    const r = await inBoth({ kind: 'presentation', input: presented, options: { now, nonce: NONCE, audience: AUDIENCE } });
    expect([r.verified, r.format], JSON.stringify(r)).toEqual([true, 'dc+sd-jwt']);
    // The address object is disclosed to reach its locality, its street is not.
    const disclosed = (r.credentials?.[0]?.disclosed as Array<{ path: string }>) ?? [];
    expect(disclosed.map((d) => d.path).sort()).toEqual(['/address', '/address/locality', '/given_name']);
    expect(JSON.stringify(r)).not.toContain('Bay Street');
    expect(JSON.stringify(r)).not.toContain('Baptiste');
  });

  it('refuses the SD-JWT VC presentation for another nonce (NONCE_MISMATCH) or audience (AUDIENCE_MISMATCH)', async () => {
    const [issuer, holder] = [didKey(), didKey()];
    const presented = await presentSdJwt(
      issuer,
      await issueSdJwt(issuer, { holder }),
      { given_name: true },
      { holder, nonce: NONCE, aud: AUDIENCE },
    );
    const nonce = await inBoth({
      kind: 'presentation',
      input: presented,
      options: { now, nonce: 'another-session-nonce', audience: AUDIENCE },
    });
    expect(codes(nonce)).toEqual(['NONCE_MISMATCH']);
    const audience = await inBoth({
      kind: 'presentation',
      input: presented,
      options: { now, nonce: NONCE, audience: 'redirect_uri:https://evil.example/cb' },
    });
    expect(codes(audience)).toEqual(['AUDIENCE_MISMATCH']);
  });

  it('recognises issuers from a signed recognition list under a policy: country, name and assurance in the result', async () => {
    const [anchor, tt, bb] = [didKey(), didKey(), didKey('P-256')];
    const list = await recognitionListJwt(
      anchor,
      [
        {
          id: tt.did,
          country: 'TT',
          name: 'Registrar General, Trinidad and Tobago',
          credentialTypes: ['NationalIdCredential'],
          assuranceLevel: 'high',
        },
        {
          id: bb.did,
          country: 'BB',
          name: 'Barbados Registration Department',
          credentialTypes: ['NationalIdCredential'],
          assuranceLevel: 'low',
        },
      ],
      { sequence: 4, name: 'CARICOM mutual recognition' },
    );
    const verifier = {
      now,
      policy: {
        anchors: [anchor.did],
        accept: [{ countries: '*', credentialTypes: ['NationalIdCredential'], minAssurance: 'substantial' }],
      },
      recognitionLists: [list],
    };
    const r = await inBoth({ kind: 'credential', input: await vcJwt(tt), verifier });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    expect(r.recognition).toEqual({
      source: 'list',
      country: 'TT',
      name: 'Registrar General, Trinidad and Tobago',
      assuranceLevel: 'high',
      anchor: anchor.did,
      listSequence: 4,
    });
    // Listed, but below the assurance the policy asks for; and not listed at all.
    expect(codes(await inBoth({ kind: 'credential', input: await vcJwt(bb), verifier }))).toEqual(['NOT_RECOGNIZED']);
    expect(codes(await inBoth({ kind: 'credential', input: await vcJwt(didKey()), verifier }))).toEqual(['UNTRUSTED_ISSUER']);
    // A list signed by someone else is no list.
    const forged = await recognitionListJwt(didKey(), [
      { id: tt.did, country: 'TT', name: 'x', credentialTypes: ['NationalIdCredential'], assuranceLevel: 'high' },
    ]);
    const withForged = { ...verifier, recognitionLists: [forged] };
    expect(codes(await inBoth({ kind: 'credential', input: await vcJwt(tt), verifier: withForged }))).toEqual(['TRUST_LIST_INVALID']);
  });

  it('checks a Bitstring status list: a clear bit verifies, a set bit is REVOKED', async () => {
    const issuer = didKey();
    const lists = { [LIST_URL]: await statusList(issuer, [4242]) };
    const clear = await inBoth({
      kind: 'credential',
      input: await vcJwt(issuer, { credentialStatus: statusEntry(17) }),
      options: { now, status: { lists } },
    });
    expect(clear.verified, JSON.stringify(clear)).toBe(true);
    const revoked = await inBoth({
      kind: 'credential',
      input: await vcJwt(issuer, { credentialStatus: statusEntry(4242) }),
      options: { now, status: { lists } },
    });
    expect(codes(revoked)).toEqual(['REVOKED']);
    const missing = await inBoth({
      kind: 'credential',
      input: await vcJwt(issuer, { credentialStatus: statusEntry(4242) }),
      options: { now },
    });
    expect(codes(missing)).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('rejects a tampered credential (SIGNATURE_INVALID) and input that is no credential (MALFORMED)', async () => {
    for (const kind of ['Ed25519', 'P-256'] as const) {
      const jwt = await vcJwt(didKey(kind));
      const [header, , signature] = jwt.split('.');
      const payload = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString());
      payload.credentialSubject.nationality = 'BB';
      const tampered = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
      expect(codes(await inBoth({ kind: 'credential', input: tampered, options: { now } }))).toEqual(['SIGNATURE_INVALID']);
    }
    for (const garbage of ['not a credential', 'eyJhbGciOiJFZERTQSJ9.e30', { hello: 'world' }, 42]) {
      expect(codes(await inBoth({ kind: 'credential', input: garbage, options: { now } }))).toEqual(['MALFORMED']);
    }
    expect(codes(await inBoth({ kind: 'presentation', input: '~~~', options: { now, nonce: NONCE } }))).toEqual(['MALFORMED']);
  });

  it('verifies a Data Integrity credential (eddsa-rdfc-2022) with the chunk it fetches only then', async () => {
    expect(page.served.filter(isDataIntegrityChunk)).toEqual([]);
    const issuer = await diSigner('eddsa-rdfc-2022', { seed: 71 });
    const vc = await issueDi(credential(issuer.did, 'did:example:alice'), issuer);
    const r = await inBoth({ kind: 'credential', input: vc, options: { now } });
    expect([r.verified, r.format], JSON.stringify(r)).toEqual([true, 'di']);
    // The chunk came from this server when the first Data Integrity credential needed it.
    expect(page.served.filter(isDataIntegrityChunk).sort()).toEqual(page.dataIntegrityChunks.map((name) => `/${name}`).sort());
    const tampered = { ...vc, credentialSubject: { id: 'did:example:alice', name: 'Mallory' } };
    expect(codes(await inBoth({ kind: 'credential', input: tampered, options: { now } }))).toEqual(['SIGNATURE_INVALID']);
  });

  it('verifies a Data Integrity presentation for its challenge and domain, and refuses another challenge (NONCE_MISMATCH)', async () => {
    const [issuer, holder] = [await diSigner('eddsa-rdfc-2022', { seed: 72 }), await diSigner('eddsa-rdfc-2022', { seed: 73 })];
    const vc = await issueDi(credential(issuer.did, holder.did), issuer);
    const vp = await presentDi([vc], holder, { challenge: NONCE, domain: AUDIENCE });
    const ok = await inBoth({ kind: 'presentation', input: vp, options: { now, nonce: NONCE, audience: AUDIENCE } });
    expect([ok.verified, ok.holder], JSON.stringify(ok)).toEqual([true, holder.did]);
    const replayed = await inBoth({
      kind: 'presentation',
      input: vp,
      options: { now, nonce: 'another-session-nonce', audience: AUDIENCE },
    });
    expect(codes(replayed)).toEqual(['NONCE_MISMATCH']);
  });

  it('made no request outside 127.0.0.1', () => {
    expect(page.requested.length).toBeGreaterThan(1);
    expect(page.requested.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    expect(page.requested.every((url) => url.startsWith(`${page.origin}/`))).toBe(true);
  });
});
