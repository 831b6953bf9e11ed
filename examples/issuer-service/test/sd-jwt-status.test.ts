import { generateKeyPairSync } from 'node:crypto';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { openIssuer } from '@tradewind/issuer';
import { createVerifier } from '@tradewind/verifier';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, SECRET, startTestService, type TestService } from './helpers.js';

// The Token Status Lists of the service's SD-JWT VCs, served at the `status.status_list.uri`
// the credentials name: media type, caching headers, signed again when a value changes
// (through the service, or through another process on the same database), and read by
// @tradewind/verifier over HTTP. Runs on SQLite and, in service-postgres, on PostgreSQL.

const holderJwk = () => {
  const { kty, crv, x } = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kty, crv, x };
};

/** An SD-JWT VC issued by the service (through its group-commit queue), with where its status sits. */
async function issueSdJwt(service: TestService): Promise<{ id: string; sdJwt: string; uri: string; idx: number }> {
  const issued = await service.context.issue({
    type: 'NationalIdCredential',
    format: 'dc+sd-jwt',
    credentialSubject: { given_name: 'Asha', family_name: 'Ramdial', birthdate: '1991-04-12', nationality: 'TT' },
    holderKey: holderJwk(),
    status: ['revocation', 'suspension'],
  });
  const payload = decodeJwt(issued.jwt.split('~')[0] as string) as { status: { status_list: { idx: number; uri: string } } };
  return { id: issued.id, sdJwt: issued.jwt, uri: payload.status.status_list.uri, idx: payload.status.status_list.idx };
}

const statusAt = (token: string, idx: number) => getListFromStatusListJWT(token).getStatus(idx);

function changeStatus(service: TestService, credentialId: string, statusPurpose: string, status: boolean): Promise<Response> {
  return post(
    `${service.base}/credentials/status`,
    { credentialId, credentialStatus: { type: 'TokenStatusList', statusPurpose }, status },
    service.adminKey,
  );
}

describe('Token Status Lists at the URIs the SD-JWT VCs name', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ statusListValidForSeconds: 3600, statusListMaxAgeSeconds: 120 });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('serves the token as application/statuslist+jwt: typ, sub = its URI, 2-bit list, ETag, Cache-Control within exp, 304', async () => {
    const { uri, idx } = await issueSdJwt(service);
    expect(uri).toMatch(new RegExp(`^${service.config.baseUrl.replace(/[.]/g, '\\.')}/status/token/[1-9][0-9]*$`));
    const res = await fetch(uri);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/statuslist+jwt');
    const etag = res.headers.get('etag') as string;
    expect(etag).toMatch(/^"sha256-[A-Za-z0-9_-]{43}"$/);
    const token = await res.text();
    const header = decodeProtectedHeader(token);
    expect(header.typ).toBe('statuslist+jwt');
    expect(String(header.kid).startsWith(`${service.did}#`)).toBe(true);
    const payload = decodeJwt(token) as { iss: string; sub: string; iat: number; exp: number; ttl?: number; status_list: { bits: number } };
    expect(payload.sub).toBe(uri);
    expect(payload.iss).toBe(service.did);
    expect(payload.status_list.bits).toBe(2);
    expect(payload.exp - payload.iat).toBe(3600);
    // ttl: the lists' HTTP cache lifetime (statusListMaxAgeSeconds, 120 s here).
    expect(payload.ttl).toBe(120);
    const list = getListFromStatusListJWT(token);
    expect(list.statusList.length).toBeGreaterThanOrEqual(131_072);
    expect(statusAt(token, idx)).toBe(0);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(120);
    expect(Date.now() + maxAge * 1000).toBeLessThanOrEqual(payload.exp * 1000);
    expect(res.headers.get('expires')).not.toBeNull();

    // The signed copy is kept until something changes.
    const again = await fetch(uri);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe(token);
    const notModified = await fetch(uri, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    expect((await fetch(uri, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);

    // The Bitstring lists keep their own URLs and media type.
    const vc = await post(
      `${service.base}/credentials/issue`,
      {
        credential: {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiableCredential', 'NationalIdCredential'],
          credentialSubject: { id: 'did:example:ana', givenName: 'Ana' },
        },
      },
      service.adminKey,
    );
    expect(vc.status).toBe(201);
    const { verifiableCredential } = (await vc.json()) as { verifiableCredential: { id: string } };
    const listUrl = (
      decodeJwt(verifiableCredential.id.slice(verifiableCredential.id.indexOf(',') + 1)) as {
        credentialStatus: Array<{ statusListCredential: string }>;
      }
    ).credentialStatus[0]?.statusListCredential as string;
    expect(listUrl).toMatch(/\/status\/[1-9][0-9]*$/);
    const bitstring = await fetch(listUrl);
    expect(bitstring.status).toBe(200);
    expect(bitstring.headers.get('content-type')).toBe('application/vc+jwt');
    // A number is a Bitstring list or a token list, never both: the token's number is no Bitstring list.
    expect((await fetch(`${service.base}/status/${uri.slice(uri.lastIndexOf('/') + 1)}`)).status).toBe(404);
  });

  it('suspend, reinstate and revoke through POST /credentials/status: the token is signed again with 2, 0, then 1 at the index', async () => {
    const { id, uri, idx, sdJwt } = await issueSdJwt(service);
    const first = await fetch(uri);
    let etag = first.headers.get('etag') as string;
    const expectStatus = async (value: number) => {
      const res = await fetch(uri, { headers: { 'if-none-match': etag } });
      expect(res.status).toBe(200);
      const next = res.headers.get('etag') as string;
      expect(next).not.toBe(etag);
      etag = next;
      expect(statusAt(await res.text(), idx)).toBe(value);
    };
    const verifier = () =>
      createVerifier({
        trustedIssuers: [service.did],
        didResolver: { didWebFetcher: async (url) => (await fetch(url)).json(), allowInsecureDidWeb: true },
        status: { provider: { get: async (url) => (await fetch(url)).text() }, allowInsecureUrls: true },
      });
    const codes = async () => {
      const result = await verifier().verifyCredential(sdJwt);
      return result.verified ? [] : result.errors.map((e) => e.code);
    };
    expect(await codes()).toEqual([]);

    expect((await changeStatus(service, id, 'suspension', true)).status).toBe(200);
    await expectStatus(2);
    expect(await codes()).toContain('SUSPENDED');
    expect((await changeStatus(service, id, 'suspension', false)).status).toBe(200);
    await expectStatus(0);
    expect(await codes()).toEqual([]);
    const revoked = await changeStatus(service, id, 'revocation', true);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ credentialId: id, statusPurpose: 'revocation', status: true, changed: true });
    await expectStatus(1);
    expect(await codes()).toContain('REVOKED');
    // Revocation is permanent; a second one changes nothing.
    expect((await changeStatus(service, id, 'revocation', false)).status).toBe(400);
    expect(await (await changeStatus(service, id, 'revocation', true)).json()).toMatchObject({ changed: false });
  });

  it('notices a value changed by another process on the same database, and signs the token again', async () => {
    const { id, uri, idx } = await issueSdJwt(service);
    const etag = (await fetch(uri)).headers.get('etag');
    const other = await openIssuer({ database: service.config.database, secret: SECRET });
    try {
      await other.suspend(id);
    } finally {
      await other.close();
    }
    let res = await fetch(uri);
    for (let i = 0; i < 100 && res.headers.get('etag') === etag; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await fetch(uri);
    }
    expect(res.headers.get('etag')).not.toBe(etag);
    expect(statusAt(await res.text(), idx)).toBe(2);
  });

  it("the service's own verifier reads its tokens in process (nothing fetched): valid, then SUSPENDED at once", async () => {
    const { id, sdJwt } = await issueSdJwt(service);
    const before = await service.context.verifier.verifyCredential(sdJwt);
    expect(before.verified, JSON.stringify(before)).toBe(true);
    expect(before.verified && before.checks).toContain('status');
    expect((await changeStatus(service, id, 'suspension', true)).status).toBe(200);
    const after = await service.context.verifier.verifyCredential(sdJwt);
    expect(after.verified).toBe(false);
    expect(!after.verified && after.errors.map((e) => e.code)).toContain('SUSPENDED');
  });

  it('after a key rotation the token is signed with the new key, and credentials signed before still verify with it', async () => {
    const { uri, sdJwt } = await issueSdJwt(service);
    const before = await fetch(uri);
    const oldKid = decodeProtectedHeader(await before.text()).kid;
    const rotated = await fetch(`${service.base}/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.adminKey}` },
    });
    expect(rotated.status, await rotated.clone().text()).toBe(200);
    const after = await fetch(uri, { headers: { 'if-none-match': before.headers.get('etag') as string } });
    expect(after.status).toBe(200);
    const newKid = decodeProtectedHeader(await after.text()).kid;
    expect(newKid).not.toBe(oldKid);
    expect(String(newKid).startsWith(`${service.did}#`)).toBe(true);
    const verifier = createVerifier({
      trustedIssuers: [service.did],
      didResolver: { didWebFetcher: async (url) => (await fetch(url)).json(), allowInsecureDidWeb: true },
      status: { provider: { get: async (url) => (await fetch(url)).text() }, allowInsecureUrls: true },
    });
    const result = await verifier.verifyCredential(sdJwt);
    expect(result.verified, JSON.stringify(result)).toBe(true);
  });

  it('answers 404 for a token list that does not exist or is not a number', async () => {
    for (const path of ['/status/token/999', '/status/token/0', '/status/token/abc', '/status/token/01', '/status/token']) {
      const res = await fetch(`${service.base}${path}`);
      expect(res.status, path).toBe(404);
    }
  });
});
