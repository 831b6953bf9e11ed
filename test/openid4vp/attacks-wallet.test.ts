// Attacks on the wallet side of OpenID4VP: requests that point the answer elsewhere,
// ask for more than they show, or are built to exhaust the wallet, and verifiers (on
// 127.0.0.1) that answer with endless, redirected or stalled bodies. Each refusal has an
// honest twin answered by a real PresentationVerifier.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TradewindError } from '@tradewind/core';
import { type CredentialNeed, PresentationVerifier } from '@tradewind/openid4vp';
import { createVerifier } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type World, world } from '../../packages/openid4vp/test/support.js';

let w: World;
let server: Awaited<ReturnType<typeof serve>>;
let oid4vp: PresentationVerifier;
const PID: CredentialNeed = { id: 'pid', vct: ['NationalIdCredential'], claims: ['given_name'], formats: ['dc+sd-jwt'] };
const VCT = { vct_values: ['NationalIdCredential'] };

beforeAll(async () => {
  w = await world();
  server = await serve();
  oid4vp = new PresentationVerifier({
    responseUri: `${server.base}/openid4vp/response`,
    clientName: 'Bank of Barbados',
    verifier: createVerifier({ policy: w.policy, recognitionLists: [w.list] }),
  });
  server.routes.set('/openid4vp/response', oid4vp);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await w?.close();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

/** A request URI by value with these parameters (JSON values stringified). */
function requestUri(params: Record<string, unknown>, scheme = 'openid4vp://'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) q.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return `${scheme}?${q}`;
}
const base = (responseUri: string, more: Record<string, unknown> = {}) => ({
  response_type: 'vp_token',
  response_mode: 'direct_post',
  client_id: `redirect_uri:${responseUri}`,
  response_uri: responseUri,
  nonce: 'n-0123456789abcdefghijk',
  state: 's-0123456789abcdefghijk',
  dcql_query: { credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: VCT, claims: [{ path: ['given_name'] }] }] },
  ...more,
});

/** A hostile verifier on 127.0.0.1 answering every request with `answer`. */
async function hostile(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer(answer);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/openid4vp/response`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

describe('where the answer goes', () => {
  it('a response_uri other than the redirect_uri: client_id names (host, port, path, case, slash): MALFORMED', async () => {
    const real = 'https://bank.example.bb/openid4vp/response';
    for (const other of [
      'https://evil.example/openid4vp/response',
      'https://bank.example.bb:8443/openid4vp/response',
      'https://bank.example.bb/openid4vp/response/',
      'https://BANK.example.bb/openid4vp/response',
      'https://bank.example.bb.evil.example/openid4vp/response',
      'https://bank.example.bb@evil.example/openid4vp/response',
    ]) {
      expect(await codeOf(w.wallet.parsePresentationRequest(requestUri(base(real, { response_uri: other }))))).toBe('MALFORMED');
      expect(await codeOf(w.wallet.parsePresentationRequest(requestUri(base(other, { client_id: `redirect_uri:${real}` }))))).toBe(
        'MALFORMED',
      );
    }
    expect((await w.wallet.parsePresentationRequest(requestUri(base(real)))).responseUri).toBe(real);
  });

  it('javascript:, file:, data:, ftp: and ws: response_uris, and http to a public host: MALFORMED; loopback http is answered', async () => {
    for (const uri of [
      'javascript:alert(1)//',
      'file:///etc/passwd',
      'data:text/html,<script>1</script>',
      'ftp://bank.example.bb/r',
      'ws://127.0.0.1/r',
      'http://bank.example.bb/openid4vp/response',
      'http://127.0.0.1.nip.io/openid4vp/response',
      'http://[::ffff:7f00:1]/openid4vp/response',
      // Resolved by whatever DNS the system uses: not necessarily this machine.
      'http://bank.localhost/openid4vp/response',
      'http://localhost.evil.example/openid4vp/response',
    ])
      expect(await codeOf(w.wallet.parsePresentationRequest(requestUri(base(uri))))).toBe('MALFORMED');
    const honest = await oid4vp.createRequest({ needs: [PID] });
    const parsed = await w.wallet.parsePresentationRequest(honest.uri);
    expect((await w.wallet.respondToPresentationRequest(parsed)).accepted).toBe(true);
  });

  it('client_id prefixes other than redirect_uri: (x509_san_dns:, did:, verifier_attestation:, none): MALFORMED', async () => {
    const real = 'https://bank.example.bb/openid4vp/response';
    for (const clientId of [
      'x509_san_dns:bank.example.bb',
      'decentralized_identifier:did:web:bank.example.bb',
      'verifier_attestation:bank',
      real,
    ])
      expect(await codeOf(w.wallet.parsePresentationRequest(requestUri(base(real, { client_id: clientId }))))).toBe('MALFORMED');
  });
});

describe('what is disclosed', () => {
  it('a request for every claim through wildcards and odd paths discloses only what a path reaches; given_name alone shows only it', async () => {
    const ask = async (claims: unknown[]) => {
      const r = await w.wallet.parsePresentationRequest(
        requestUri(
          base(oid4vp.clientId.slice('redirect_uri:'.length), {
            dcql_query: { credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: VCT, claims }] },
          }),
        ),
      );
      return (await w.wallet.matchPresentationRequest(r)).queries[0]?.candidates ?? [];
    };
    // Wildcards over an object, __proto__ and out-of-range indexes reach nothing: no candidate, nothing to send.
    for (const path of [[null], ['__proto__'], ['constructor'], ['given_name', null], ['given_name', 0], ['nationality', 99]])
      for (const c of await ask([{ path }])) expect(c.disclose.map((d) => d.path.join('.'))).not.toContain('family_name');
    const only = await ask([{ path: ['given_name'] }]);
    expect(only[0]?.disclose).toEqual([{ path: ['given_name'], value: 'Asha' }]);
    expect(only[0]?.withheld).toEqual(['/family_name', '/nationality']);
  });

  it('the SD-JWT sent carries exactly the disclosures the match showed, and the verifier learns only those', async () => {
    const s = await oid4vp.createRequest({ needs: [PID] });
    const parsed = await w.wallet.parsePresentationRequest(s.uri);
    const answer = await w.wallet.respondToPresentationRequest(parsed);
    expect(answer.accepted).toBe(true);
    expect(answer.presented[0]?.disclosed).toEqual(['given_name']);
    const claims = (await oid4vp.session(s.id))?.outcome?.credentials[0]?.claims ?? {};
    expect(claims.given_name).toBe('Asha');
    expect(claims.family_name).toBeUndefined();
    expect(claims.nationality).toBeUndefined();
  });
});

describe('requests built to exhaust the wallet', () => {
  it('a DCQL query with thousands of credential queries or claims, or a deep claims path: LIMIT_EXCEEDED before any matching; 64 and 32 are answered', async () => {
    const real = oid4vp.clientId.slice('redirect_uri:'.length);
    const withQuery = (credentials: unknown[]) => requestUri(base(real, { dcql_query: { credentials } }));
    const query = (claims: unknown[]) => ({ id: 'pid', format: 'dc+sd-jwt', meta: VCT, claims });
    const many = Array.from({ length: 10_000 }, (_, i) => ({ id: `q${i}`, format: 'dc+sd-jwt', meta: VCT }));
    expect(await codeOf(w.wallet.parsePresentationRequest(withQuery(many)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(w.wallet.parsePresentationRequest(withQuery(many.slice(0, 65))))).toBe('LIMIT_EXCEEDED');
    const claims = Array.from({ length: 65 }, (_, i) => ({ path: [`c${i}`] }));
    expect(await codeOf(w.wallet.parsePresentationRequest(withQuery([query(claims)])))).toBe('LIMIT_EXCEEDED');
    // Matching time grows faster than the path length: 3,000 segments fit in a URI, far more in a request object.
    const deep = (n: number) => [query([{ path: Array.from({ length: n }, () => 'a') }])];
    expect(await codeOf(w.wallet.parsePresentationRequest(withQuery(deep(3000))))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(w.wallet.parsePresentationRequest(withQuery(deep(33))))).toBe('LIMIT_EXCEEDED');
    const atLimit = await w.wallet.parsePresentationRequest(withQuery(deep(32)));
    expect((await w.wallet.matchPresentationRequest(atLimit)).queries[0]?.candidates).toEqual([]);
    const wide = await w.wallet.parsePresentationRequest(withQuery(many.slice(0, 64)));
    expect((await w.wallet.matchPresentationRequest(wide)).queries).toHaveLength(64);
  });

  it('a huge nonce or state: MALFORMED; control characters in them are sent back as given, never interpreted', async () => {
    const real = 'https://bank.example.bb/openid4vp/response';
    expect(await codeOf(w.wallet.parsePresentationRequest(requestUri(base(real, { nonce: 'n'.repeat(600) }))))).toBe('MALFORMED');
    expect(await codeOf(w.wallet.parsePresentationRequest(requestUri(base(real, { state: 's'.repeat(600) }))))).toBe('MALFORMED');
    const odd = await w.wallet.parsePresentationRequest(requestUri(base(real, { state: 'a\u001b[2Jb\r\n' })));
    expect(odd.state).toBe('a\u001b[2Jb\r\n');
  });

  it('a request_uri that streams an endless body: UNREACHABLE once past the limit, not read to its end', async () => {
    const h = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' });
      const chunk = 'a'.repeat(64 * 1024);
      const pump = () => {
        while (res.write(chunk)) {
          /* until the socket pushes back */
        }
        res.once('drain', pump);
      };
      pump();
    });
    try {
      const uri = `openid4vp://?client_id=${encodeURIComponent(`redirect_uri:${h.url}`)}&request_uri=${encodeURIComponent(h.url)}`;
      const e = await w.wallet.parsePresentationRequest(uri, { timeoutMs: 20_000 }).catch((x: unknown) => x);
      expect((e as TradewindError).code).toBe('UNREACHABLE');
      expect((e as TradewindError).message).toMatch(/larger than/);
    } finally {
      await h.close();
    }
  });
});

describe('request objects fetched by reference', () => {
  it('a request_uri that redirects to another host: UNREACHABLE, the other host never asked; a request_uri on a public http host: MALFORMED', async () => {
    let followed = 0;
    const elsewhere = await hostile((_req, res) => {
      followed++;
      res.writeHead(200).end('x');
    });
    const redirecting = await hostile((_req, res) => {
      res.writeHead(302, { location: elsewhere.url }).end();
    });
    try {
      const uri = `openid4vp://?client_id=${encodeURIComponent(`redirect_uri:${redirecting.url}`)}&request_uri=${encodeURIComponent(redirecting.url)}`;
      expect(await codeOf(w.wallet.parsePresentationRequest(uri))).toBe('UNREACHABLE');
      expect(followed).toBe(0);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
    const plain = 'http://bank.example.bb/request';
    expect(
      await codeOf(
        w.wallet.parsePresentationRequest(
          `openid4vp://?client_id=${encodeURIComponent(`redirect_uri:${plain}`)}&request_uri=${encodeURIComponent(plain)}`,
        ),
      ),
    ).toBe('MALFORMED');
  });
});

describe('verifiers that answer badly', () => {
  /** Parses a request aimed at `url` (made by the honest verifier, then pointed elsewhere). */
  const requestAt = (url: string) =>
    w.wallet.parsePresentationRequest(
      requestUri(
        base(url, { dcql_query: { credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: VCT, claims: [{ path: ['given_name'] }] }] } }),
      ),
    );

  it('an endless answer, a redirect to another host, an answer that never comes: UNREACHABLE; an honest answer is read', async () => {
    const endless = await hostile((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = ' '.repeat(64 * 1024);
      const pump = () => {
        while (res.write(chunk)) {
          /* until the socket pushes back */
        }
        res.once('drain', pump);
      };
      pump();
    });
    const redirect = await hostile((req, res) => {
      req.resume();
      res.writeHead(307, { location: 'https://evil.example/collect' }).end();
    });
    const stalled = await hostile((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
    });
    const honest = await hostile((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
    });
    try {
      for (const h of [endless, redirect, stalled])
        expect(await codeOf(w.wallet.respondToPresentationRequest(await requestAt(h.url), { timeoutMs: 2000 }))).toBe('UNREACHABLE');
      const ok = await w.wallet.respondToPresentationRequest(await requestAt(honest.url), { timeoutMs: 2000 });
      expect(ok.accepted).toBe(true);
    } finally {
      for (const h of [endless, redirect, stalled, honest]) await h.close();
    }
  });

  it('a verifier claiming acceptance with another status or code is not taken as accepted', async () => {
    const fake = await hostile((req, res) => {
      req.resume();
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"status":"accepted","code":"__proto__"}');
    });
    try {
      const answer = await w.wallet.respondToPresentationRequest(await requestAt(fake.url));
      expect(answer.accepted).toBe(false);
      expect(answer.code).toBe('REFUSED');
    } finally {
      await fake.close();
    }
  });
});

describe('tradewind wallet respond, human output', () => {
  const cli = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

  it('a verifier name, query id and state with terminal escapes are printed escaped; a plain name is printed as it is', async () => {
    const s = await oid4vp.createRequest({ needs: [PID] });
    const evil = new URL(s.uri);
    evil.searchParams.set(
      'client_metadata',
      JSON.stringify({ client_name: 'Bank\u001b[2J\u001b[1;1HVERIFIED\r\u202eknaB', vp_formats_supported: {} }),
    );
    const run = (uri: string) =>
      promisify(execFile)(process.execPath, [cli, 'wallet', 'respond', uri, '--wallet', join(w.dir, 'wallet.db'), '--yes'], {
        env: { ...process.env, TRADEWIND_SECRET: 'w', TRADEWIND_WALLET_SECRET: 'w' },
      }).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
    const hostileRun = await run(evil.toString());
    expect(hostileRun.out).toContain('Bank');
    for (const control of ['\u001b', '\r', '\u202e']) expect(hostileRun.out.includes(control)).toBe(false);
    expect(hostileRun.out).toContain('\\u001B[2J');
    const fresh = await oid4vp.createRequest({ needs: [PID] });
    const plain = await run(fresh.uri);
    expect(plain.out).toContain('Bank of Barbados');
    expect(plain.code).toBe(0);
  });
});
