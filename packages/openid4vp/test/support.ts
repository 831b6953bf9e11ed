// Real parts for the tests: issuers and a recognition list on temp SQLite files, a wallet
// holding one credential per format, and a node:http server on 127.0.0.1 handing POSTs
// to PresentationVerifier.handle.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { JsonObject } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import type { PresentationVerifier } from '@tradewind/openid4vp';
import type { RecognitionPolicy } from '@tradewind/verifier';
import { openWallet, type Wallet } from '@tradewind/wallet';

const kdf = { N: 2 ** 10, r: 8, p: 1 };

export interface World {
  dir: string;
  wallet: Wallet;
  holder: string;
  list: string;
  policy: RecognitionPolicy;
  /** Wallet ids of Asha's national ID in each format, and one from an issuer on no list. */
  ids: { sdJwt: string; jwtVc: string; vcJwt: string; di: string; outsider: string };
  close(): Promise<void>;
}

/** Trinidad and Tobago's registry on a CARICOM list, issuing Asha's national ID in every format. */
export async function world(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-openid4vp-'));
  const anchor = await openIssuer({ path: join(dir, 'anchor.db'), secret: 'a', kdf });
  const tt = await openIssuer({ path: join(dir, 'tt.db'), secret: 't', kdf });
  const outsider = await openIssuer({ path: join(dir, 'outsider.db'), secret: 'o', kdf });
  const wallet = await openWallet({ path: join(dir, 'wallet.db'), secret: 'w', kdf });
  const issuers: Issuer[] = [anchor, tt, outsider];
  try {
    const anchorDid = (await anchor.createDid()).did;
    const ttDid = (await tt.createDid()).did;
    await outsider.createDid();
    const holder = (await wallet.createDid()).did;
    const list = await anchor.signRecognitionList({
      sequence: 1,
      nextUpdate: new Date(Date.now() + 30 * 86_400_000),
      entries: [
        {
          id: ttDid,
          country: 'TT',
          name: 'Registrar General, Trinidad and Tobago',
          credentialTypes: ['NationalIdCredential'],
          assuranceLevel: 'substantial',
        },
      ],
    });
    const policy: RecognitionPolicy = {
      anchors: [anchorDid],
      accept: [{ countries: ['TT'], credentialTypes: ['NationalIdCredential'], minAssurance: 'substantial' }],
    };
    const validFrom = new Date(Date.now() - 86_400_000);
    const subject = { id: holder, given_name: 'Asha', family_name: 'Ramdial', nationality: 'TT' };
    const w3c = { id: holder, givenName: 'Asha', familyName: 'Ramdial', nationality: 'TT' };
    const base = { type: 'NationalIdCredential', status: [], validFrom };
    const receive = async (credential: string | JsonObject) => (await wallet.receive(credential)).credential.id;
    const ids = {
      sdJwt: await receive(
        (
          await tt.issue({
            ...base,
            format: 'dc+sd-jwt',
            credentialSubject: subject,
            disclose: ['/given_name', '/family_name', '/nationality'],
          })
        ).jwt,
      ),
      jwtVc: await receive((await tt.issue({ ...base, format: 'jwt_vc', credentialSubject: w3c })).jwt),
      vcJwt: await receive((await tt.issue({ ...base, format: 'vc+jwt', credentialSubject: w3c })).jwt),
      di: await receive(
        (
          await tt.issue({
            ...base,
            format: 'di',
            context: ['https://www.w3.org/ns/credentials/undefined-terms/v2'],
            credentialSubject: w3c,
          })
        ).credential as unknown as JsonObject,
      ),
      outsider: await receive((await outsider.issue({ ...base, format: 'vc+jwt', credentialSubject: w3c })).jwt),
    };
    for (const i of issuers) await i.close();
    return {
      dir,
      wallet,
      holder,
      list,
      policy,
      ids,
      async close() {
        await wallet.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const i of issuers) await i.close().catch(() => undefined);
    await wallet.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A node:http server on 127.0.0.1 (port 0) routing each path to a PresentationVerifier's handle. */
export async function serve(): Promise<{ base: string; routes: Map<string, PresentationVerifier>; close(): Promise<void> }> {
  const routes = new Map<string, PresentationVerifier>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const target = routes.get(url.pathname);
      if (!target) {
        res.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
      const response = await target.handle(new Request(url, { method: req.method, headers, body, duplex: 'half' } as RequestInit));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((e: unknown) => {
      res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POSTs a direct_post form to a response_uri, as a wallet does. */
export async function post(uri: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
