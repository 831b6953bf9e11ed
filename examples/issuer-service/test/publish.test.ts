import { DidKeyResolver, didWebUrl } from '@tradewind/core';
import { openIssuer } from '@tradewind/issuer';
import { createVerifier } from '@tradewind/verifier';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialDocument, post, SECRET, startTestService, type TestService } from './helpers.js';

async function issue(service: TestService): Promise<{ id: string; jwt: string; lists: string[] }> {
  const res = await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey);
  expect(res.status).toBe(201);
  const { verifiableCredential } = (await res.json()) as { verifiableCredential: { id: string } };
  const jwt = verifiableCredential.id.slice(verifiableCredential.id.indexOf(',') + 1);
  const payload = decodeJwt(jwt) as { id: string; credentialStatus: Array<{ statusListCredential: string }> };
  return { id: payload.id, jwt, lists: payload.credentialStatus.map((e) => e.statusListCredential) };
}

describe('status lists at the URLs the credentials name', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ statusListValidForSeconds: 3600, statusListMaxAgeSeconds: 120 });
  });
  afterAll(async () => {
    await service.stop();
  });

  it('serves each list as application/vc+jwt with a strong ETag, Cache-Control within validUntil, and 304 on If-None-Match', async () => {
    const { lists } = await issue(service);
    for (const url of lists) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vc+jwt');
      const etag = res.headers.get('etag') as string;
      expect(etag).toMatch(/^"sha256-[A-Za-z0-9_-]{43}"$/);
      const jwt = await res.text();
      const payload = decodeJwt(jwt) as { id: string; type: string[]; validFrom: string; validUntil: string; issuer: string };
      expect(payload.id).toBe(url);
      expect(payload.type).toContain('BitstringStatusListCredential');
      expect(payload.issuer).toBe(service.did);
      expect(Date.parse(payload.validUntil) - Date.parse(payload.validFrom)).toBe(3600_000);
      const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(120);
      expect(Date.now() + maxAge * 1000).toBeLessThanOrEqual(Date.parse(payload.validUntil));

      // The signed copy is kept: the same bytes (and ETag) until something changes.
      const again = await fetch(url);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe(jwt);
      const notModified = await fetch(url, { headers: { 'if-none-match': `"other", ${etag}` } });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get('etag')).toBe(etag);
      expect(await notModified.text()).toBe('');
      expect((await fetch(url, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    }
  });

  it('signs the list again when a status changed: a new ETag, and a verifier reading the list over HTTP sees REVOKED', async () => {
    const { id, jwt, lists } = await issue(service);
    const revocationList = lists[0] as string;
    const before = await fetch(revocationList);
    const etag = before.headers.get('etag') as string;
    const res = await post(
      `${service.base}/credentials/status`,
      { credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true },
      service.adminKey,
    );
    expect(res.status).toBe(200);
    const after = await fetch(revocationList, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    const changed = after.headers.get('etag') as string;
    expect(changed).not.toBe(etag);
    // Checked again against the database a second later: the bits did not change, nor does the ETag.
    await new Promise((r) => setTimeout(r, 1200));
    expect((await fetch(revocationList, { headers: { 'if-none-match': changed } })).status).toBe(304);

    // An independent verifier: the DID document and the status lists fetched from the service.
    const verifier = createVerifier({
      trustedIssuers: [service.did],
      didResolver: { didWebFetcher: async (url) => (await fetch(url)).json(), allowInsecureDidWeb: true },
      status: { provider: { get: async (url) => (await fetch(url)).text() }, allowInsecureUrls: true },
    });
    const result = await verifier.verifyCredential(jwt);
    expect(result.verified).toBe(false);
    expect(!result.verified && result.errors.map((e) => e.code)).toContain('REVOKED');
  });

  it('notices a status changed by another process on the same database, and signs the list again', async () => {
    const { id, jwt, lists } = await issue(service);
    const url = lists[0] as string;
    const etag = (await fetch(url)).headers.get('etag');
    const other = await openIssuer({ path: service.config.database, secret: SECRET });
    try {
      await other.revoke(id);
    } finally {
      await other.close();
    }
    let changed = etag;
    for (let i = 0; i < 100 && changed === etag; i++) {
      await new Promise((r) => setTimeout(r, 100));
      changed = (await fetch(url)).headers.get('etag');
    }
    expect(changed).not.toBe(etag);
    const res = await post(`${service.base}/credentials/verify`, {
      verifiableCredential: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: 'EnvelopedVerifiableCredential',
        id: `data:application/vc+jwt,${jwt}`,
      },
    });
    expect(((await res.json()) as { errors: Array<{ code: string }> }).errors.map((e) => e.code)).toContain('REVOKED');
  });

  it('answers 404 for a list number that does not exist or is not a number', async () => {
    for (const path of ['/status/999', '/status/0', '/status/abc', '/status/01']) {
      const res = await fetch(`${service.base}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('NOT_FOUND');
    }
  });

  it('keeps max-age within a short validUntil', async () => {
    const short = await startTestService({ statusListValidForSeconds: 60, statusListMaxAgeSeconds: 3600 });
    try {
      const { lists } = await issue(short);
      const res = await fetch(lists[0] as string);
      const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
      expect(maxAge).toBeLessThanOrEqual(60);
    } finally {
      await short.stop();
    }
  });
});

describe('did:web', () => {
  it('serves the DID document of did:web:127.0.0.1%3A<port> at /.well-known/did.json, where did:web resolution looks', async () => {
    const service = await startTestService();
    try {
      expect(service.did).toBe(`did:web:127.0.0.1%3A${service.config.port}`);
      // Loopback hosts resolve over http only where insecure did:web is allowed (tests).
      expect(didWebUrl(service.did, true).href).toBe(`http://127.0.0.1:${service.config.port}/.well-known/did.json`);
      const res = await fetch(`${service.base}/.well-known/did.json`);
      expect(res.status).toBe(200);
      const document = (await res.json()) as { id: string; assertionMethod: string[] };
      expect(document.id).toBe(service.did);
      expect(document.assertionMethod).toHaveLength(1);
      expect(service.publish.didDocument).toBe(`${service.config.baseUrl}/.well-known/did.json`);
    } finally {
      await service.stop();
    }
  });

  it('with a base path: did:web:<host>:<path segments>, its document at <base>/did.json, every route under the base path', async () => {
    const service = await startTestService({}, '/issuers/civil');
    try {
      expect(service.did).toBe(`did:web:127.0.0.1%3A${service.config.port}:issuers:civil`);
      const fetched: string[] = [];
      const resolver = new DidKeyResolver({
        allowInsecureDidWeb: true,
        didWebFetcher: async (url) => {
          fetched.push(url);
          return (await fetch(url)).json();
        },
      });
      const document = await resolver.resolve(service.did);
      expect(document.id).toBe(service.did);
      expect(fetched).toEqual([`http://127.0.0.1:${service.config.port}/issuers/civil/did.json`]);
      expect(service.publish.didDocument).toBe(`${service.config.baseUrl}/did.json`);

      const { jwt, lists } = await issue(service);
      expect(lists.every((l) => l.startsWith(`${service.config.baseUrl}/status/`))).toBe(true);
      expect((await fetch(lists[0] as string)).status).toBe(200);
      const verified = await post(`${service.base}/credentials/verify`, {
        verifiableCredential: {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: 'EnvelopedVerifiableCredential',
          id: `data:application/vc+jwt,${jwt}`,
        },
      });
      expect(verified.status).toBe(200);

      // Outside the base path there is nothing.
      expect((await fetch(`${service.url}/.well-known/did.json`)).status).toBe(404);
      expect((await post(`${service.url}/credentials/issue`, { credential: credentialDocument() }, service.adminKey)).status).toBe(404);
      expect((await fetch(`${service.url}/issuers/civilian/did.json`)).status).toBe(404);
    } finally {
      await service.stop();
    }
  });

  it('refuses to start a database for another base URL than the one it was created for', async () => {
    const service = await startTestService();
    const { config } = service;
    await service.close();
    const { startService } = await import('../src/service.js');
    const logger = pino({ level: 'silent' });
    await expect(startService({ ...config, baseUrl: 'http://127.0.0.1:1/other', port: 0 }, { logger })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('a database serves one base URL'),
    });
    const again = await startService({ ...config, port: 0 }, { logger });
    expect(again.firstStart).toBe(false);
    expect(again.did).toBe(service.did);
    await again.close();
    await service.stop().catch(() => {});
  });
});
