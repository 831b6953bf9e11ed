// A small VC-API (https://w3c-ccg.github.io/vc-api/) server over @tradewind/issuer and
// @tradewind/verifier, as an agency's integrator would put in front of them: issue a
// credential document as vc+jwt in an EnvelopedVerifiableCredential, or secured with a
// Data Integrity proof when the request's options name a cryptosuite; verify credentials
// and presentations (enveloped JWTs and Data Integrity documents); serve the issuer's
// status list credentials. It answers on loopback for conformance test suites and tests;
// it adds no authentication and is not meant to face a network.
//
//   POST /credentials/issue       { credential, options?: { cryptosuite?, status? } } → 201 { verifiableCredential }
//   POST /credentials/verify      { verifiableCredential, options? }  → 200 | 400 { verified, checks, warnings, errors }
//   POST /presentations/verify    { verifiablePresentation, options? } (options.challenge = nonce, options.domain = audience)
//   GET  <status list path>       the issuer's status list credential at that URL (Data Integrity JSON, or vc+jwt on Accept)
//
// Every refusal is JSON `{ errors: [{ code, message, path? }] }` with a code from
// the packages' ERROR_CODES (UNEXPECTED for a fault of the server itself, status 500).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { jsonTextProblem } from '@tradewind/issuer';
import { createVerifier, envelopeCredential, TradewindError } from '@tradewind/verifier';

/** Request bodies above this many bytes are refused with 413 (the verifier's own input bound is 256 KiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The Data Integrity cryptosuites the issue route secures with, and the key type each needs. */
export const CRYPTOSUITES = new Map([
  ['eddsa-rdfc-2022', 'Ed25519'],
  ['ecdsa-rdfc-2019', 'P-256'],
]);

const STATUS_PURPOSES = ['revocation', 'suspension'];

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
 * Presentations are held to the verifier's `holderBinding` (by default every credential
 * must be about the holder; `verifyOptions: { holderBinding: 'none' }` follows VCDM 2.0,
 * which does not require it).
 *
 * @example
 * const server = await startVcApiServer({ issuer, port: 0 });
 * const res = await fetch(`${server.url}/credentials/issue`, { method: 'POST',
 *   headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential }) });
 * await server.close();
 *
 * `onAnswer` is told of every answer: method, path, status and its errors' codes and messages (a log of
 * what a test suite asked and what it got, without the documents).
 *
 * @param {{ issuer: import('@tradewind/issuer').Issuer, verifyOptions?: object, tls?: { key: string | Buffer, cert: string | Buffer },
 *   port?: number, host?: string, maxBodyBytes?: number, onAnswer?: (answer: { method: string, path: string, status: number, errors: Array<{ code: string, message: string }> }) => void }} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startVcApiServer(options) {
  const { issuer, verifyOptions = {}, tls, port = 0, host = '127.0.0.1', maxBodyBytes = DEFAULT_MAX_BODY_BYTES, onAnswer } = options;
  if (!issuer || typeof issuer.issue !== 'function') throw new TypeError('startVcApiServer needs an issuer from @tradewind/issuer');
  if (onAnswer !== undefined && typeof onAnswer !== 'function') throw new TypeError('onAnswer must be a function');
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new TypeError('maxBodyBytes must be a positive integer');

  const { trustedIssuers, ...rest } = verifyOptions;
  const trusted =
    'trustedIssuers' in verifyOptions ? (trustedIssuers ?? undefined) : (await issuer.listDids()).map((managed) => managed.did);
  // The issuer's own status lists are known in process (signed when asked, as Data
  // Integrity credentials); nothing else is, so nothing is fetched.
  const ownLists =
    rest.status === undefined && issuer.statusListBaseUrl !== undefined
      ? { status: { provider: { get: (url) => ownStatusList(issuer, url) }, allowInsecureUrls: true } }
      : {};
  const verifier = createVerifier({ ...ownLists, ...rest, ...(trusted === undefined ? {} : { trustedIssuers: trusted }) });
  const context = { issuer, verifier, keyTypes: new Map() };

  const handler = (req, res) => {
    handle(context, req, res, maxBodyBytes)
      .catch(() => {
        // handle() answers every failure itself; this only guards a socket that died mid-answer.
        if (!res.headersSent) send(res, 500, errorBody('UNEXPECTED', 'internal error'));
        else res.destroy();
      })
      .then(() => {
        const path = (req.url ?? '/').split('?')[0];
        onAnswer?.({ method: req.method, path, status: res.statusCode, errors: answered.get(res) ?? [] });
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
  if (!route && (req.method === 'GET' || req.method === 'HEAD') && context.issuer.statusListBaseUrl !== undefined) {
    req.resume();
    try {
      return await serveStatusList(context, req, res, path);
    } catch (e) {
      if (e instanceof TradewindError) return send(res, statusOf(e.code), { errors: issuesOf(e) });
      return send(res, 500, errorBody('UNEXPECTED', 'internal error'));
    }
  }
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

// POST /credentials/issue: the library's document form. vc+jwt in an envelope, unless
// options.cryptosuite asks for a Data Integrity proof (the credential's issuer must hold
// the key that cryptosuite signs with); options.status lists the status purposes to
// allocate entries for (none by default).
async function issueRoute(context, body) {
  const { credential, options } = members(body, ['credential', 'options'], '');
  if (credential === null || typeof credential !== 'object' || Array.isArray(credential))
    throw new TradewindError('MALFORMED', 'credential must be a JSON object', { path: '/credential' });
  const { cryptosuite, status = [] } = members(options ?? {}, ['cryptosuite', 'status'], '/options');
  if (!Array.isArray(status) || !status.every((p) => STATUS_PURPOSES.includes(p)) || new Set(status).size !== status.length)
    throw new TradewindError('INVALID_ARGUMENT', `options.status must list distinct purposes of ${STATUS_PURPOSES.join(', ')}`, {
      path: '/options/status',
    });
  if (cryptosuite === undefined) {
    const issued = await context.issuer.issue({ credential, format: 'vc+jwt', status });
    return [201, { verifiableCredential: envelopeCredential(issued.jwt) }];
  }
  const keyType = CRYPTOSUITES.get(cryptosuite);
  if (keyType === undefined)
    throw new TradewindError('UNSUPPORTED_ALGORITHM', `options.cryptosuite must be one of ${[...CRYPTOSUITES.keys()].join(', ')}`, {
      path: '/options/cryptosuite',
    });
  const issuerId = typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id;
  const held = typeof issuerId === 'string' ? await keyTypeOf(context, issuerId) : undefined;
  // An issuer that is not ours is the issuer's own refusal (its message names the DIDs it holds).
  if (held !== undefined && held !== keyType)
    throw new TradewindError('UNSUPPORTED_ALGORITHM', `${cryptosuite} signs with an ${keyType} key; ${issuerId} holds a ${held} key`, {
      path: '/options/cryptosuite',
    });
  const issued = await context.issuer.issue({ credential, format: 'di', status });
  return [201, { verifiableCredential: issued.credential }];
}

/** The key type of one of the issuer's DIDs, or undefined when the issuer does not hold it. */
async function keyTypeOf(context, did) {
  if (!context.keyTypes.has(did)) {
    for (const managed of await context.issuer.listDids()) context.keyTypes.set(managed.did, managed.keyType);
  }
  return context.keyTypes.get(did);
}

/** The issuer's status list credential published at `url`, Data Integrity-signed now, or undefined. */
async function ownStatusList(issuer, url) {
  const lists = await issuer.statusListCredentials({ format: 'di' });
  return lists.find((l) => l.url === url)?.credential;
}

// GET <path of a status list URL>: the list signed now, as Data Integrity JSON (the form a
// JSON-LD client asks for), or as vc+jwt when Accept names application/vc+jwt.
async function serveStatusList({ issuer }, req, res, path) {
  const jwt = /application\/vc\+jwt/i.test(req.headers.accept ?? '');
  const lists = await issuer.statusListCredentials({ format: jwt ? 'vc+jwt' : 'di' });
  const list = lists.find((l) => new URL(l.url).pathname === path);
  if (list === undefined) return send(res, 404, errorBody('NOT_FOUND', `no route ${truncate(path)}`));
  const type = jwt ? 'application/vc+jwt' : 'application/ld+json';
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(list.jwt), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : list.jwt);
}

// POST /credentials/verify. The verifier checks the envelope itself (VCDM 2.0 §4.13.1):
// its @context, its type, its data: URL and that what it carries is what it says.
async function verifyCredentialRoute({ verifier }, body) {
  const { verifiableCredential, options } = members(body, ['verifiableCredential', 'options'], '');
  checkVerifyOptions(options, ['checks']);
  const notObject = notAnObject(verifiableCredential, '/verifiableCredential');
  if (notObject) return verificationAnswer(notObject);
  return verificationAnswer(await verifier.verifyCredential(verifiableCredential));
}

// POST /presentations/verify: challenge → expected nonce, domain → expected audience.
async function verifyPresentationRoute({ verifier }, body) {
  const { verifiablePresentation, options } = members(body, ['verifiablePresentation', 'options'], '');
  checkVerifyOptions(options, ['checks', 'challenge', 'domain']);
  const notObject = notAnObject(verifiablePresentation, '/verifiablePresentation');
  if (notObject) return verificationAnswer(notObject);
  const expected = {};
  if (options?.challenge !== undefined) expected.nonce = options.challenge;
  if (options?.domain !== undefined) expected.audience = options.domain;
  return verificationAnswer(await verifier.verifyPresentation(verifiablePresentation, expected));
}

function verificationAnswer(result) {
  const checks = result.checks ?? [];
  if (result.verified) return [200, { verified: true, checks, warnings: result.warnings, errors: [] }];
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

/** VC-API carries credentials and presentations as JSON objects (an envelope for a JWT), never as a bare string. */
function notAnObject(value, path) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return undefined;
  return { verified: false, checks: [], errors: [{ code: 'MALFORMED', message: `${path.slice(1)} must be a JSON object`, path }] };
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

/** Reads a JSON request body: 415 unless it is JSON, 413 past the size bound, 400 for bytes that are not UTF-8 I-JSON. */
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
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { status: 400, error: errorBody('MALFORMED', `request body is not JSON: ${truncate(e.message)}`) };
  }
  // What JSON.parse keeps is not always what the text says (a repeated member name, an
  // integer past 2^53 - 1): such a body is refused rather than signed or verified as read.
  const problem = jsonTextProblem(text);
  if (problem) return { status: 400, error: { errors: [{ code: 'MALFORMED', message: problem.reason, path: problem.path }] } };
  return { value };
}

/** One entry per problem: the issues a data-model error lists (each with its path), else the error itself. */
function issuesOf(error) {
  const issues = Array.isArray(error.issues) ? error.issues.map((i) => pick(i)) : [];
  return issues.length > 0 ? issues : [pick(error)];
}

function pick({ code, message, path }) {
  return path === undefined ? { code, message } : { code, message, path };
}

function statusOf(code) {
  if (code === 'ALREADY_EXISTS') return 409;
  if (code === 'STORAGE_ERROR' || code === 'WRONG_SECRET') return 500;
  return 400;
}

function errorBody(code, message) {
  return { errors: [{ code, message }] };
}

function truncate(text) {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The errors of each answer (code and message), for `onAnswer`. */
const answered = new WeakMap();

function send(res, status, body, headers = {}) {
  if (Array.isArray(body?.errors))
    answered.set(
      res,
      body.errors.map((e) => ({ code: e.code, message: e.message })),
    );
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
