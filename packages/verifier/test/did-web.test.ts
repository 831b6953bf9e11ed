import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, verifyCredential } from '../src/index.js';
import { didKey, NOW, vcJwt } from './helpers/producers.js';

describe('did:web issuers through a caller-supplied fetcher', () => {
  const key = didKey();
  let server: Server;
  let did: string;
  let requests = 0;
  const fetcher = async (url: string) => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url !== '/.well-known/did.json') {
        res.writeHead(404).end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          '@context': ['https://www.w3.org/ns/did/v1'],
          id: did,
          verificationMethod: [{ id: `${did}#key-1`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: key.publicJwk }],
          assertionMethod: ['#key-1'],
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    did = `did:web:127.0.0.1%3A${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies with the hosted document and caches it', async () => {
    const verifier = createVerifier({ now: NOW, didResolver: { didWebFetcher: fetcher, allowInsecureDidWeb: true } });
    const jwt = await vcJwt({ ...key, did, kid: `${did}#key-1` });
    const before = requests;
    expect((await verifier.verifyCredential(jwt)).verified).toBe(true);
    expect((await verifier.verifyCredential(jwt)).verified).toBe(true);
    expect(requests - before).toBe(1);
  });

  it('refuses loopback hosts unless explicitly allowed, without fetching', async () => {
    const jwt = await vcJwt({ ...key, did, kid: `${did}#key-1` });
    const before = requests;
    const r = await verifyCredential(jwt, { now: NOW, didResolver: { didWebFetcher: fetcher } });
    expect(r.verified).toBe(false);
    if (!r.verified) expect(r.errors[0]?.code).toBe('DID_UNRESOLVABLE');
    expect(requests).toBe(before);
  });

  it('reports an unreachable document as DID_UNRESOLVABLE', async () => {
    const missing = `${did}:nobody`;
    const jwt = await vcJwt({ ...key, did: missing, kid: `${missing}#key-1` });
    const r = await verifyCredential(jwt, { now: NOW, didResolver: { didWebFetcher: fetcher, allowInsecureDidWeb: true } });
    expect(r.verified ? [] : r.errors.map((e) => e.code)).toEqual(['DID_UNRESOLVABLE']);
  });

  it('rejects a key that is listed but not authorised for assertionMethod (KEY_NOT_FOUND)', async () => {
    const doc = {
      id: 'did:web:registry.gov.tt',
      verificationMethod: [
        { id: 'did:web:registry.gov.tt#k', type: 'JsonWebKey2020', controller: 'did:web:registry.gov.tt', publicKeyJwk: key.publicJwk },
      ],
      authentication: ['#k'],
    };
    const jwt = await vcJwt({ ...key, did: doc.id, kid: `${doc.id}#k` });
    const r = await verifyCredential(jwt, { now: NOW, didResolver: { documents: [doc] } });
    expect(r.verified ? [] : r.errors.map((e) => e.code)).toEqual(['KEY_NOT_FOUND']);
  });
});
