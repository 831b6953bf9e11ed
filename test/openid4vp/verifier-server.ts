// Tradewind's PresentationVerifier behind a real HTTP server on 127.0.0.1 (node:http,
// port 0): the response_uri wallets post to.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PresentationVerifier } from '@tradewind/openid4vp';
import type { Verifier } from '@tradewind/verifier';

export const RESPONSE_PATH = '/openid4vp/response';

export interface VerifierServer {
  presentations: PresentationVerifier;
  responseUri: string;
  close(): Promise<void>;
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

/** Starts the server and the verifier answering at `http://127.0.0.1:<port>/openid4vp/response`. */
export async function startVerifierServer(options: { verifier: Verifier; clientName?: string }): Promise<VerifierServer> {
  let presentations: PresentationVerifier | undefined;
  let origin = '';
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path !== RESPONSE_PATH || !presentations) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
        return;
      }
      const response = await presentations.handle(await toRequest(req, origin));
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const responseUri = `${origin}${RESPONSE_PATH}`;
  presentations = new PresentationVerifier({
    responseUri,
    verifier: options.verifier,
    ...(options.clientName ? { clientName: options.clientName } : {}),
  });
  return {
    presentations,
    responseUri,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
