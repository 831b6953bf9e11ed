// `tradewind wallet accept-offer` against a malicious issuer on 127.0.0.1: bad offer URIs
// and issuer-supplied strings made to drive the terminal (escape sequences in an OAuth
// error description, in offered configuration ids, in the credential's types). Every one
// is printed escaped, with the documented exit status, and nothing is stored on refusal.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWallet } from '@tradewind/wallet';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletCommands } from '../src/commands/wallet.js';
import { didJwk } from './helpers/credentials.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-offer-'));
const db = join(dir, 'wallet.db');
const env = { TRADEWIND_SECRET: 'wallet secret', TRADEWIND_WALLET_DB: db };
const run = (argv: string[]) => runMain(['wallet', ...argv], { env, commands: [walletCommands] });
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const ESC = '\u001b';
const HOSTILE = `${ESC}]0;pwned\u0007${ESC}[2J\r\u009b31m\u202e`;
const TX_CODE = '730142';
/** The raw control characters a terminal acts on in `text` (line breaks aside). */
const controls = (text: string) =>
  [...text].filter((ch) => {
    const c = ch.codePointAt(0) as number;
    return (
      (c < 0x20 && c !== 0x0a) ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x2028 ||
      c === 0x2029 ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    );
  });

const key = didJwk();
let base = '';
let did = '';
let server: Server;
let mode: 'error' | 'configurations' | 'types' = 'error';
let holder = '';

function handle(req: IncomingMessage, res: ServerResponse): unknown {
  const send = (body: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const configurationId = mode === 'configurations' ? `Evil${HOSTILE}` : 'NationalIdCredential';
  if (req.url === '/.well-known/openid-credential-issuer')
    return send({
      credential_issuer: base,
      credential_endpoint: `${base}/credential`,
      nonce_endpoint: `${base}/nonce`,
      credential_configurations_supported: {
        [configurationId]: {
          format: mode === 'configurations' ? `dc+sd-jwt${HOSTILE}` : 'jwt_vc_json',
          // The credential sent in 'types' mode is of the (hostile) types the configuration offers.
          credential_definition: { type: ['VerifiableCredential', mode === 'types' ? `Evil${HOSTILE}` : 'NationalIdCredential'] },
        },
      },
    });
  if (req.url === '/.well-known/oauth-authorization-server') return send({ issuer: base, token_endpoint: `${base}/token` });
  if (req.url === '/token') {
    if (mode === 'error') return send({ error: 'invalid_grant', error_description: `code ${TX_CODE} refused ${HOSTILE}` }, 400);
    return send({ access_token: 't0ken', token_type: 'Bearer' });
  }
  if (req.url === '/nonce') return send({ c_nonce: 'n1' });
  if (req.url === '/credential') {
    void new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', `Evil${HOSTILE}`],
      issuer: did,
      validFrom: '2026-01-01T00:00:00Z',
      credentialSubject: { id: holder, name: `Asha${HOSTILE}` },
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: `${did}#key-1`, typ: 'vc+jwt' })
      .sign(key.privateKey)
      .then((credential) => send({ credentials: [{ credential }] }));
    return;
  }
  if (req.url === '/.well-known/did.json') {
    const { kty, crv, x } = key.privateKey.export({ format: 'jwk' });
    return send({
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: did,
      verificationMethod: [{ id: `${did}#key-1`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: { kty, crv, x } }],
      assertionMethod: [`${did}#key-1`],
    });
  }
  send({ error: 'not_found' }, 404);
}

const offerUri = (offer: Record<string, unknown> = {}) =>
  `openid-credential-offer://?credential_offer=${encodeURIComponent(
    JSON.stringify({
      credential_issuer: base,
      credential_configuration_ids: [mode === 'configurations' ? `Evil${HOSTILE}` : 'NationalIdCredential'],
      grants: { [PRE_AUTH]: { 'pre-authorized_code': 'c0de', tx_code: { length: 6 } } },
      ...offer,
    }),
  )}`;

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  did = `did:web:${encodeURIComponent(new URL(base).host)}`;
  const init = await run(['init', '--json']);
  expect(init.code).toBe(0);
  holder = JSON.parse(init.stdout).did;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function stored(): Promise<number> {
  const w = await openWallet({ path: db, secret: env.TRADEWIND_SECRET });
  try {
    return await w.count();
  } finally {
    await w.close();
  }
}

describe('tradewind wallet accept-offer against a malicious issuer', () => {
  it('bad offer URIs: usage errors (2) or refusals (1), every one printed escaped, nothing stored', async () => {
    for (const [uri, exit] of [
      ['not a uri', 2],
      [`${ESC}[2Jopenid`, 2],
      ['file:///etc/passwd', 1],
      [`openid-credential-offer://?credential_offer_uri=${encodeURIComponent('file:///etc/passwd')}`, 1],
      [`openid-credential-offer://?credential_offer=${encodeURIComponent(`{"x":"${HOSTILE}"`)}`, 1],
      [`openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`https://169.254.169.254/${HOSTILE}`)}`, 1],
    ] as const) {
      for (const json of [[], ['--json']]) {
        const r = await run(['accept-offer', uri, '--allow-insecure-http', ...json]);
        expect(r.code, uri).toBe(exit);
        expect(controls(r.stderr)).toEqual([]);
        expect(controls(r.stdout)).toEqual([]);
      }
    }
    // Without --allow-insecure-http an internal address is refused as such.
    const internal = await run(['accept-offer', offerUri({ credential_issuer: 'https://169.254.169.254' }), '--tx-code', TX_CODE]);
    expect(internal.code).toBe(1);
    expect(internal.stderr).toMatch(/MALFORMED: .*link-local/);
    expect(await stored()).toBe(0);
  });

  it('an OAuth error description with escape sequences (and the transaction code echoed) is printed escaped, exit 1', async () => {
    mode = 'error';
    for (const json of [[], ['--json']]) {
      const r = await run(['accept-offer', offerUri(), '--allow-insecure-http', '--tx-code', TX_CODE, ...json]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('REFUSED');
      expect(controls(r.stderr)).toEqual([]);
      expect(r.stderr).toContain(json.length ? '\\u001b' : '\\u001B');
      expect(r.stderr).not.toContain(TX_CODE);
    }
    // Without the transaction code the offer asks for: a usage error (2).
    const missing = await run(['accept-offer', offerUri(), '--allow-insecure-http']);
    expect(missing.code).toBe(2);
    expect(await stored()).toBe(0);
  });

  it('configuration ids and formats with escape sequences are printed escaped (UNSUPPORTED_FORMAT, exit 1)', async () => {
    mode = 'configurations';
    const r = await run(['accept-offer', offerUri(), '--allow-insecure-http', '--tx-code', TX_CODE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNSUPPORTED_FORMAT');
    expect(controls(r.stderr)).toEqual([]);
    expect(await stored()).toBe(0);
  });

  it('a stored credential whose types and claims carry escape sequences is listed escaped (exit 0)', async () => {
    mode = 'types';
    for (const json of [[], ['--json']]) {
      const r = await run(['accept-offer', offerUri(), '--allow-insecure-http', '--tx-code', TX_CODE, ...json]);
      expect(r.code, r.stderr).toBe(0);
      expect(controls(r.stdout)).toEqual([]);
      expect(r.stdout).toContain('Evil');
    }
    expect(await stored()).toBe(1);
  });
});
