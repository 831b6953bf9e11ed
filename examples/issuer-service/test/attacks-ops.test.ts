import { sign } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { openIssuer } from '@tradewind/issuer';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { didKey } from '../../../packages/verifier/test/helpers/producers.js';
import { StateStore } from '../src/state-store.js';
import { rawRequest } from './attack-helpers.js';
import { credentialDocument, post, SECRET, startTestService, type TestService } from './helpers.js';

// Attacks on the running service as a whole: the rate limit, a locked database, a
// shutdown under OpenID4VCI load, batch job ids.

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const sqlite3 = createRequire(import.meta.url)('sqlite3') as {
  Database: new (
    path: string,
    callback: (error: Error | null) => void,
  ) => {
    exec(sql: string, callback: (error: Error | null) => void): void;
    close(callback: () => void): void;
  };
};

/** Another connection holding SQLite's exclusive lock on `path` until released. */
function lockDatabase(path: string): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => {
      if (error) return reject(error);
      db.exec('BEGIN EXCLUSIVE', (e) =>
        e ? reject(e) : resolve(() => new Promise<void>((r) => db.exec('ROLLBACK', () => db.close(() => r())))),
      );
    });
  });
}

async function offerCode(service: TestService): Promise<string> {
  const res = await post(
    `${service.base}/offers`,
    { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Tomasz', familyName: 'Ng' } },
    service.adminKey,
  );
  expect(res.status).toBe(201);
  const offer = (await res.json()) as { credentialOffer: { grants: Record<string, { 'pre-authorized_code': string }> } };
  return offer.credentialOffer.grants[PRE_AUTH]?.['pre-authorized_code'] as string;
}

function token(service: TestService, code: string): Promise<Response> {
  return fetch(`${service.base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: PRE_AUTH, 'pre-authorized_code': code }).toString(),
  });
}

describe('rate limit', () => {
  it('counts by the connection address: forwarding headers and a wrong admin key do not reset or lift it, and a 429 tells nothing else', async () => {
    const service = await startTestService({ limits: { publicRequestsPerWindow: 2, windowMs: 60_000 } });
    try {
      for (let i = 0; i < 2; i++) expect((await fetch(`${service.base}/.well-known/did.json`)).status).toBe(200);
      const spoofs: Array<Array<[string, string]>> = [
        [['x-forwarded-for', '203.0.113.7']],
        [['x-real-ip', '203.0.113.8']],
        [['forwarded', 'for=203.0.113.9']],
        [['x-forwarded-for', '127.0.0.2, 203.0.113.10']],
        [['authorization', 'Bearer tw_wrong']],
        [['x-api-key', 'tw_wrong']],
      ];
      for (const headers of spoofs) {
        const res = await rawRequest(service.base, 'GET', '/.well-known/did.json', headers);
        expect(res.status, JSON.stringify(headers)).toBe(429);
        expect(JSON.parse(res.text)).toEqual({ errors: [{ code: 'RATE_LIMITED', message: 'more than 2 requests in 60 s' }] });
      }
    } finally {
      await service.stop();
    }
  });
});

describe('a locked state database', () => {
  it('answers a token request 503 server_error and spends nothing: the same code gets its token once the lock is gone', async () => {
    const service = await startTestService();
    try {
      const code = await offerCode(service);
      const release = await lockDatabase(service.config.stateDatabase);
      const refused = await token(service, code);
      await release();
      // In OAuth's shape, as every answer of the token endpoint, and never cached.
      expect(refused.status).toBe(503);
      expect(refused.headers.get('cache-control')).toBe('no-store');
      expect(await refused.json()).toEqual({
        error: 'server_error',
        error_description: 'the service cannot reach its storage; try again later',
      });
      const ok = await token(service, code);
      expect(ok.status).toBe(200);
      expect(service.logs.join('')).not.toContain(code);
    } finally {
      await service.stop();
    }
  }, 30_000);
});

describe('shutdown during OpenID4VCI credential requests', () => {
  it('every request is answered with a credential that is in the issuance log, or refused with its offer still open', async () => {
    const service = await startTestService();
    const holder = didKey();
    const requests: Array<{ code: string; token: string; nonce: string }> = [];
    for (let i = 0; i < 16; i++) {
      const code = await offerCode(service);
      const t = ((await (await token(service, code)).json()) as { access_token: string }).access_token;
      const n = ((await (await fetch(`${service.base}/nonce`, { method: 'POST' })).json()) as { c_nonce: string }).c_nonce;
      requests.push({ code, token: t, nonce: n });
    }
    // Close as soon as half of the requests have reached issuance.
    const issue = service.context.issue;
    let entered = 0;
    let reached: () => void = () => {};
    const halfReached = new Promise<void>((r) => {
      reached = r;
    });
    service.context.issue = (request) => {
      if (++entered === 8) reached();
      return issue(request);
    };
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const answers = requests.map(({ token: t, nonce: n }) => {
      const h = b64({ alg: 'EdDSA', typ: 'openid4vci-proof+jwt', kid: holder.kid });
      const p = b64({ aud: service.config.baseUrl, iat: Math.floor(Date.now() / 1000), nonce: n });
      const jwt = `${h}.${p}.${sign(null, Buffer.from(`${h}.${p}`), holder.privateKey).toString('base64url')}`;
      return fetch(`${service.base}/credential`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
        body: JSON.stringify({ credential_configuration_id: 'NationalIdCredential', proofs: { jwt: [jwt] } }),
      }).then(
        async (res) => ({
          status: res.status,
          body: (await res.json()) as { credentials?: Array<{ credential: string }>; error?: string },
        }),
        () => ({ status: 0, body: {} as { credentials?: Array<{ credential: string }>; error?: string } }),
      );
    });
    await halfReached;
    const closed = service.close();
    const results = await Promise.all(answers);
    await closed;

    const delivered = results
      .filter((r) => r.status === 200)
      .map((r) => decodeJwt(r.body.credentials?.[0]?.credential as string).jti as string);
    for (const r of results) {
      expect([200, 503, 0]).toContain(r.status);
      if (r.status === 503) expect(r.body.error).toBe('server_error');
    }
    const issuer = await openIssuer({ path: service.config.database, secret: SECRET });
    const state = await StateStore.open(service.config.stateDatabase);
    try {
      const logged = (await issuer.log()).map((l) => l.credentialId);
      expect(logged.sort()).toEqual([...delivered].sort());
      // An offer is either issued (with the credential the log holds) or open again for a retry: none is half-way.
      const offers = await state.all<{ issued_at: number | null; credential_id: string | null }>(
        'SELECT issued_at, credential_id FROM oid4vci_offer',
      );
      expect(offers).toHaveLength(16);
      for (const o of offers) {
        if (o.issued_at === null) expect(o.credential_id).toBeNull();
        else expect(logged).toContain(o.credential_id);
      }
      expect(offers.filter((o) => o.issued_at !== null)).toHaveLength(delivered.length);
      expect(delivered.length).toBe(entered);
      expect(delivered.length).toBeGreaterThanOrEqual(8);
    } finally {
      await state.close();
      await issuer.close();
      await service.stop();
    }
  });
});

describe('batch job ids', () => {
  it('answers 404 for ids that try to walk out of the jobs folder or into the database, and deletes nothing', async () => {
    const service = await startTestService();
    try {
      const auth = { authorization: `Bearer ${service.adminKey}` };
      for (const id of ['..%2f..', '..%2F..%2Fissuer.db', '..%5c..%5cstate.db', "'%20OR%201=1", '%00', 'a'.repeat(5000)]) {
        for (const suffix of ['', '/credentials']) {
          expect((await fetch(`${service.base}/batches/${id}${suffix}`, { headers: auth })).status, id.slice(0, 20)).toBe(404);
        }
        expect((await fetch(`${service.base}/batches/${id}`, { method: 'DELETE', headers: auth })).status).toBe(404);
      }
      expect((await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey)).status).toBe(201);
    } finally {
      await service.stop();
    }
  });
});

describe('shutdown against a slow client', () => {
  it('closes the connection of a request whose body never finishes after the grace period, and still finishes the issuances in flight', async () => {
    const service = await startTestService({}, '', { shutdownGraceMs: 300 });
    const url = new URL(service.base);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((r) => socket.once('connect', r));
    socket.on('error', () => {});
    const socketClosed = new Promise<void>((r) => socket.once('close', () => r()));
    // Headers and the start of a body that never comes: an unauthenticated client holding the request open.
    socket.write('POST /credentials/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"verif');
    // An issuance in flight when the shutdown begins.
    const issue = service.context.issue;
    let entered: () => void = () => {};
    const issuing = new Promise<void>((r) => {
      entered = r;
    });
    service.context.issue = (request) => {
      entered();
      return issue(request);
    };
    const issued = post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey);
    await issuing;
    await service.close();
    await socketClosed;
    expect((await issued).status).toBe(201);
    expect(service.logs.join('')).toContain('closing connections of requests still unfinished after the grace period');
    await service.stop();
  });
});

describe('a base path', () => {
  it('serves nothing outside it or through another spelling of it, and answers every 404 under it as JSON', async () => {
    const service = await startTestService({}, '/issuers/civil');
    try {
      const origin = new URL(service.base).origin;
      const body = JSON.stringify({ credential: credentialDocument() });
      const outside = [
        '/credentials/issue',
        '/issuers/civilx/credentials/issue',
        '/issuers%2Fcivil/credentials/issue',
        '/ISSUERS/civil/credentials/issue',
        '/.well-known/credentials/issuers/civil',
        '/.well-known/did.json/issuers/civil',
      ];
      for (const path of outside) {
        const res = await rawRequest(
          origin,
          'POST',
          path,
          [
            ['content-type', 'application/json'],
            ['authorization', `Bearer ${service.adminKey}`],
          ],
          body,
        );
        expect(res.status, path).toBe(404);
      }
      const inside = [
        '/issuers/civil//credentials/issue',
        '/issuers/civil/credentials/issue/',
        '/issuers/civil/.well-known/did.json',
        '/.well-known/%2e%2e/issuers/civil',
      ];
      for (const path of [...outside, ...inside]) {
        for (const method of ['GET', 'POST']) {
          const res = await rawRequest(origin, method, path, [['content-type', 'application/json']], method === 'POST' ? body : undefined);
          expect(res.status, `${method} ${path}`).toBe(404);
          expect((JSON.parse(res.text) as { errors: Array<{ code: string }> }).errors[0]?.code, `${method} ${path}`).toBe('NOT_FOUND');
        }
      }
    } finally {
      await service.stop();
    }
  });
});
