// A small VC-API (https://w3c-ccg.github.io/vc-api/) server over @tradewind/issuer and
// @tradewind/verifier, as an agency's integrator would put in front of them: issue a
// credential document as vc+jwt in an EnvelopedVerifiableCredential, verify enveloped
// credentials and presentations. It answers on loopback for conformance test suites and
// tests; it adds no authentication and is not meant to face a network.
//
//   POST /credentials/issue       { credential, options? }            → 201 { verifiableCredential }
//   POST /credentials/verify      { verifiableCredential, options? }  → 200 | 400 { verified, checks, warnings, errors }
//   POST /presentations/verify    { verifiablePresentation, options? } (options.challenge = nonce, options.domain = audience)
//
// Every refusal is JSON `{ errors: [{ code, message, path? }] }` with a code from
// @tradewind/core's ERROR_CODES (UNEXPECTED for a fault of the server itself, status 500).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { TradewindError } from '@tradewind/core';
import { createVerifier } from '@tradewind/verifier';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** Request bodies above this many bytes are refused with 413 (the verifier's own input bound is 256 KiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const ROUTES = new Map([
  ['/credentials/issue', issueRoute],
  ['/credentials/verify', verifyCredentialRoute],
  ['/presentations/verify', verifyPresentationRoute],
]);

/**
 * Starts the server. `verifyOptions` are @tradewind/verifier options; unless they name
 * `trustedIssuers`, only the issuer's own DIDs are trusted (`trustedIssuers: null` trusts
 * any issuer whose DID resolves offline). The verifier is given no fetcher, so no DID or
 * status list is ever fetched from the network.
 *
 * `holderBinding: false` verifies presentations as VCDM 2.0 does, without requiring
 * every credential to be about the holder: a presentation whose only problems are
 * HOLDER_BINDING is then verified, those problems moved to `warnings`.
 *
 * @example
 * const server = await startVcApiServer({ issuer, port: 0 });
 * const res = await fetch(`${server.url}/credentials/issue`, { method: 'POST',
 *   headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential }) });
 * await server.close();
 *
 * @param {{ issuer: import('@tradewind/issuer').Issuer, verifyOptions?: object, tls?: { key: string | Buffer, cert: string | Buffer },
 *   port?: number, host?: string, maxBodyBytes?: number, holderBinding?: boolean }} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startVcApiServer(options) {
  const {
    issuer,
    verifyOptions = {},
    tls,
    port = 0,
    host = '127.0.0.1',
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    holderBinding = true,
  } = options;
  if (!issuer || typeof issuer.issue !== 'function') throw new TypeError('startVcApiServer needs an issuer from @tradewind/issuer');
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new TypeError('maxBodyBytes must be a positive integer');
  if (typeof holderBinding !== 'boolean') throw new TypeError('holderBinding must be a boolean');

  const { trustedIssuers, ...rest } = verifyOptions;
  const trusted =
    'trustedIssuers' in verifyOptions ? (trustedIssuers ?? undefined) : (await issuer.listDids()).map((managed) => managed.did);
  const verifier = createVerifier({ ...rest, ...(trusted === undefined ? {} : { trustedIssuers: trusted }) });
  const context = { issuer, verifier, holderBinding };

  const handler = (req, res) => {
    handle(context, req, res, maxBodyBytes).catch(() => {
      // handle() answers every failure itself; this only guards a socket that died mid-answer.
      if (!res.headersSent) send(res, 500, errorBody('UNEXPECTED', 'internal error'));
      else res.destroy();
    });
  };
  const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? 'https' : 'http'}://${hostPart}:${address.port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(context, req, res, maxBodyBytes) {
  const path = (req.url ?? '/').split('?')[0];
  const route = ROUTES.get(path);
  if (!route) {
    req.resume();
    return send(res, 404, errorBody('NOT_FOUND', `no route ${truncate(path)}`));
  }
  if (req.method !== 'POST') {
    req.resume();
    return send(res, 405, errorBody('INVALID_ARGUMENT', `${req.method} is not allowed on ${path}; use POST`), { allow: 'POST' });
  }
  const body = await readJsonBody(req, maxBodyBytes);
  if (body.error) return send(res, body.status, body.error, body.status === 413 ? { connection: 'close' } : {});
  try {
    const [status, answer] = await route(context, body.value);
    return send(res, status, answer);
  } catch (e) {
    if (e instanceof TradewindError) return send(res, statusOf(e.code), { errors: issuesOf(e) });
    return send(res, 500, errorBody('UNEXPECTED', 'internal error'));
  }
}

// POST /credentials/issue: the library's document form, always vc+jwt, no status entries.
async function issueRoute({ issuer }, body) {
  const { credential, options } = members(body, ['credential', 'options'], '');
  if (credential === null || typeof credential !== 'object' || Array.isArray(credential))
    throw new TradewindError('MALFORMED', 'credential must be a JSON object', { path: '/credential' });
  members(options ?? {}, [], '/options');
  const issued = await issuer.issue({ credential, format: 'vc+jwt', status: [] });
  return [201, { verifiableCredential: envelope('EnvelopedVerifiableCredential', 'application/vc+jwt', issued.jwt) }];
}

// POST /credentials/verify
async function verifyCredentialRoute({ verifier }, body) {
  const { verifiableCredential, options } = members(body, ['verifiableCredential', 'options'], '');
  checkVerifyOptions(options, ['checks']);
  const input = unwrap(verifiableCredential, 'EnvelopedVerifiableCredential', '/verifiableCredential');
  if (input.errors) return verificationAnswer({ verified: false, errors: input.errors });
  return verificationAnswer(await verifier.verifyCredential(input.value));
}

// POST /presentations/verify: challenge → expected nonce, domain → expected audience.
async function verifyPresentationRoute({ verifier, holderBinding }, body) {
  const { verifiablePresentation, options } = members(body, ['verifiablePresentation', 'options'], '');
  checkVerifyOptions(options, ['checks', 'challenge', 'domain']);
  const input = unwrap(verifiablePresentation, 'EnvelopedVerifiablePresentation', '/verifiablePresentation');
  if (input.errors) return verificationAnswer({ verified: false, errors: input.errors });
  const expected = {};
  if (options?.challenge !== undefined) expected.nonce = options.challenge;
  if (options?.domain !== undefined) expected.audience = options.domain;
  const result = await verifier.verifyPresentation(input.value, expected);
  if (!holderBinding && !result.verified && result.errors.every((e) => e.code === 'HOLDER_BINDING')) {
    // Every other check passed (the verifier reports HOLDER_BINDING only for credentials
    // that verified); VCDM 2.0 lets a holder present credentials about someone else.
    return verificationAnswer({ verified: true, warnings: result.errors, checks: result.checks });
  }
  return verificationAnswer(result);
}

function verificationAnswer(result) {
  const checks = result.checks ?? (result.verified ? ['proof'] : []);
  if (result.verified) return [200, { verified: true, checks, warnings: result.warnings ?? [], errors: [] }];
  return [400, { verified: false, checks, warnings: [], errors: result.errors }];
}

function checkVerifyOptions(options, allowed) {
  if (options === undefined) return;
  const o = members(options, allowed, '/options');
  if (o.checks !== undefined && !(Array.isArray(o.checks) && o.checks.every((c) => typeof c === 'string')))
    throw new TradewindError('INVALID_ARGUMENT', 'options.checks must be an array of strings', { path: '/options/checks' });
  for (const name of ['challenge', 'domain']) {
    if (o[name] !== undefined && typeof o[name] !== 'string')
      throw new TradewindError('INVALID_ARGUMENT', `options.${name} must be a string`, { path: `/options/${name}` });
  }
}

/**
 * The JWS inside an enveloped credential or presentation (VCDM 2.0 §4.13), after
 * checking the envelope's own members: `@context` with the base context first, `type`
 * exactly the envelope type, `id` a data: URL. Other objects go to the verifier as they
 * are (it refuses what it cannot read); a bare string is not a VC-API credential.
 */
function unwrap(value, envelopeType, path) {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { errors: [{ code: 'MALFORMED', message: `${path.slice(1)} must be a JSON object`, path }] };
  const looksEnveloped = typesOf(value.type).some((t) => typeof t === 'string' && t.startsWith('Enveloped'));
  if (!looksEnveloped && !(typeof value.id === 'string' && value.id.startsWith('data:'))) return { value };
  const errors = [];
  const context = value['@context'];
  const first = Array.isArray(context) ? context[0] : context;
  if (first !== VC_V2_CONTEXT)
    errors.push({ code: 'MALFORMED', message: `@context must be ${VC_V2_CONTEXT} or a list starting with it`, path: `${path}/@context` });
  const types = typesOf(value.type);
  if (types.length !== 1 || types[0] !== envelopeType)
    errors.push({ code: 'MALFORMED', message: `type must be ${envelopeType}`, path: `${path}/type` });
  if (typeof value.id !== 'string' || !value.id.startsWith('data:'))
    errors.push({ code: 'MALFORMED', message: 'id must be a data: URL holding the secured document', path: `${path}/id` });
  if (errors.length > 0) return { errors };
  return { value };
}

function envelope(type, mediaType, jwt) {
  return { '@context': [VC_V2_CONTEXT], type, id: `data:${mediaType},${jwt}` };
}

/** The members of a request object, refusing any other (a misspelt `option` would be silently ignored otherwise). */
function members(value, allowed, path) {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TradewindError('MALFORMED', `${path ? path.slice(1) : 'request body'} must be a JSON object`, { path: path || '/' });
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw new TradewindError('INVALID_ARGUMENT', `unknown member ${truncate(JSON.stringify(key))}`, { path: `${path}/${key}` });
  }
  return value;
}

/** Reads a JSON request body: 415 unless it is JSON, 413 past the size bound, 400 for bytes that are not UTF-8 JSON. */
async function readJsonBody(req, maxBodyBytes) {
  const type = (req.headers['content-type'] ?? '').split(';');
  const mediaType = type[0].trim().toLowerCase();
  const charset = type
    .slice(1)
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='));
  if ((mediaType !== 'application/json' && mediaType !== 'application/ld+json') || (charset && !/^charset="?utf-8"?$/.test(charset))) {
    req.resume();
    return { status: 415, error: errorBody('UNSUPPORTED_FORMAT', 'Content-Type must be application/json (UTF-8)') };
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    req.resume();
    return { status: 413, error: errorBody('LIMIT_EXCEEDED', `request body over ${maxBodyBytes} bytes`) };
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxBodyBytes) {
      req.resume();
      return { status: 413, error: errorBody('LIMIT_EXCEEDED', `request body over ${maxBodyBytes} bytes`) };
    }
    chunks.push(chunk);
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Buffer.concat(chunks));
  } catch {
    return { status: 400, error: errorBody('MALFORMED', 'request body is not valid UTF-8') };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { status: 400, error: errorBody('MALFORMED', `request body is not JSON: ${truncate(e.message)}`) };
  }
}

function issuesOf(error) {
  const issues = Array.isArray(error.issues) ? error.issues.map((i) => pick(i)) : [];
  const head = pick(error);
  return issues.length > 0
    ? [head, ...issues.filter((i) => i.code !== head.code || i.message !== head.message || i.path !== head.path)]
    : [head];
}

function pick({ code, message, path }) {
  return path === undefined ? { code, message } : { code, message, path };
}

function statusOf(code) {
  if (code === 'ALREADY_EXISTS') return 409;
  if (code === 'STORAGE_ERROR' || code === 'WRONG_SECRET') return 500;
  return 400;
}

function typesOf(type) {
  return Array.isArray(type) ? type : type === undefined ? [] : [type];
}

function errorBody(code, message) {
  return { errors: [{ code, message }] };
}

function truncate(text) {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
