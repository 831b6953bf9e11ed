#!/usr/bin/env node
// Runs a W3C VC test suite against Tradewind and prints what passed and what failed. It
// is a report: it exits 0 when the suite ran, whatever the tests said, and non-zero only
// when the run itself broke.
//
//   node scripts/w3c-suite.mjs --suite <dir> [--target test-server|service] [--policy <file.json>] [--allow-high-s] [--report <file.json>] [--answers <file.jsonl>]
//
// <dir> is an extracted, npm-installed suite; the script tells them apart by the suite's
// package.json:
//
// - w3c/vc-data-model-2.0-test-suite: tags vc2.0 and EnvelopingProof (vc+jwt credentials in
//   EnvelopedVerifiableCredential; its presentation tests also send Data Integrity
//   presentations);
// - w3c/vc-bitstring-status-list-test-suite: tag BitstringStatusList (the test server
//   issues eddsa-rdfc-2022 credentials with a revocation entry and serves the lists as
//   Data Integrity JSON);
// - w3c/vc-di-eddsa-test-suite: tags eddsa-rdfc-2022 (issuer and verifier) and
//   eddsa-jcs-2022 (verifier), test server only;
// - w3c/vc-di-ecdsa-test-suite: tags ecdsa-rdfc-2019 (issuer with a P-256 did:key,
//   verifier for P-256 and P-384) and ecdsa-jcs-2019 (verifier), test server only.
//
// To get one (the suites depend on w3c/vc-test-suite-implementations, and the DI suites on
// w3c-ccg/data-integrity-test-suite-assertion, through GitHub URLs, which are installed
// here from local tarballs instead):
//
//   git clone https://github.com/w3c/vc-test-suite-implementations
//   (cd vc-test-suite-implementations && npm pack)      # → vc-test-suite-implementations-<v>.tgz
//   git clone https://github.com/w3c/vc-data-model-2.0-test-suite
//   cd vc-data-model-2.0-test-suite
//   # in package.json: "vc-test-suite-implementations": "file:../vc-test-suite-implementations/vc-test-suite-implementations-<v>.tgz"
//   # (the DI suites likewise "data-integrity-test-suite-assertion": "file:…/data-integrity-test-suite-assertion-<v>.tgz")
//   npm install
//
// The ECDSA suite: `npm install --ignore-scripts` (its postinstall clones w3c/vc-di-ecdsa;
// extract that repository at tests/input/vc-di-ecdsa instead) and, as its
// @digitalbazaar/did-io ^2.0.0 resolves to a release the registry no longer serves, pin
// it to 2.1.0 in package.json. It asks for Node 22; it runs on Node 20.
//
// Offline: mocha runs with scripts/w3c-suite-offline.mjs preloaded, which refuses every
// connection that is not to loopback and gives the suites' JSON-LD document loaders the
// contexts of the project's context packages (and the verifier's bundled examples
// context) instead of fetching them. What a suite still wanted from the network is
// printed (`offline: …`) and kept in the report.
//
// --target says what is tested:
//
// - test-server (the default): the VC-API server in test/vc-api/server.mjs over a
//   throw-away issuer database with two did:keys (Ed25519 and P-256) and its status lists
//   served at the server's own https URL. It is configured for the
//   suite's fixtures: it trusts any issuer whose DID resolves offline (the suite presents
//   credentials of its own did:key issuers), accepts high-S ES256 signatures (the suite's
//   fixtures have them), does not require presented credentials to be about the
//   holder and accepts presentations without credentials (VCDM 2.0 requires neither).
// - service: the example issuer service (examples/issuer-service) as an agency runs it,
//   with its own configuration checks and defaults: a did:web issuer for its https base
//   URL, status list entries (revocation and suspension) on every credential, status
//   lists published under the base URL, the admin API key required on
//   /credentials/issue (given to the suite in the endpoint's `headers`, which
//   vc-test-suite-implementations sends with every request to that endpoint), and its
//   verifier trusting only its own DID. It is served over https by a TLS front on
//   127.0.0.1 that passes requests to the service's http listener, the way an agency puts
//   a TLS terminator in front of it. --policy names a recognition policy file for the
//   service (its `recognition.policy` setting), e.g. to trust the suite's issuers;
//   --allow-high-s sets the service's `allowHighS` (the suite's ES256 issuer does not
//   normalise S).
//
// The script builds nothing: run `pnpm build` first (it imports the packages' and the
// service's dist). It creates a self-signed certificate for 127.0.0.1 (openssl), serves
// HTTPS on 127.0.0.1, writes the suite's localConfig.cjs (an existing one is put back
// after), runs mocha with the JSON reporter and NODE_TLS_REJECT_UNAUTHORIZED=0 for mocha
// only, and removes everything it made. --report writes the outcome (titles, states,
// first line of each error, the date and the commit; nothing of the suite's code or
// fixtures) as JSON. --answers (test server) appends one JSON line per answer the server
// gave: method, path, status and its errors' codes and messages, to see why a test failed.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The suites this script knows, by their package name: what they are called and which of
 * our endpoints they test with which tags. `endpoints(ids)` gives the implementation's
 * issuers, verifiers and presentation verifiers: `ids` are the target's DIDs by key type
 * (`Ed25519`, `P-256`); an issuer's `options` go in every issue request's `options` (the
 * test server secures a credential with Data Integrity when they name a `cryptosuite`).
 */
const SUITES = {
  'vc-data-model-2.0-test-suite': {
    title: 'W3C VC Data Model 2.0 test suite',
    repo: 'w3c/vc-data-model-2.0-test-suite',
    tags: ['vc2.0', 'EnvelopingProof'],
    endpoints: (ids) => ({
      issuers: [{ id: ids.Ed25519, path: '/credentials/issue', tags: ['vc2.0', 'EnvelopingProof'] }],
      verifiers: [{ id: ids.Ed25519, path: '/credentials/verify', tags: ['vc2.0', 'EnvelopingProof'] }],
      vpVerifiers: [{ id: ids.Ed25519, path: '/presentations/verify', tags: ['vc2.0', 'EnvelopingProof'] }],
    }),
  },
  'vc-bitstring-status-list-test-suite': {
    title: 'W3C Bitstring Status List test suite',
    repo: 'w3c/vc-bitstring-status-list-test-suite',
    tags: ['BitstringStatusList'],
    endpoints: (ids, target) => ({
      issuers: [
        {
          id: ids.Ed25519,
          path: '/credentials/issue',
          tags: ['BitstringStatusList'],
          // The test server secures these with eddsa-rdfc-2022 and a revocation entry; the
          // service issues vc+jwt with its own defaults.
          ...(target === 'test-server' ? { options: { cryptosuite: 'eddsa-rdfc-2022', status: ['revocation'] } } : {}),
        },
      ],
      verifiers: [{ id: ids.Ed25519, path: '/credentials/verify', tags: ['BitstringStatusList'] }],
      vpVerifiers: [{ id: ids.Ed25519, path: '/presentations/verify', tags: ['BitstringStatusList'] }],
    }),
  },
  'vc-di-eddsa-test-suite': {
    title: 'W3C Data Integrity EdDSA test suite',
    repo: 'w3c/vc-di-eddsa-test-suite',
    tags: ['eddsa-rdfc-2022', 'eddsa-jcs-2022'],
    targets: ['test-server'],
    endpoints: (ids) => ({
      // Tradewind issues eddsa-rdfc-2022 (VCDM 2.0) and verifies both cryptosuites in both data models.
      issuers: [
        {
          id: ids.Ed25519,
          path: '/credentials/issue',
          tags: ['eddsa-rdfc-2022'],
          supports: { vc: ['2.0'] },
          options: { cryptosuite: 'eddsa-rdfc-2022' },
        },
      ],
      verifiers: [
        { id: ids.Ed25519, path: '/credentials/verify', tags: ['eddsa-rdfc-2022', 'eddsa-jcs-2022'], supports: { vc: ['1.1', '2.0'] } },
      ],
    }),
  },
  'vc-di-ecdsa-test-suite': {
    title: 'W3C Data Integrity ECDSA test suite',
    repo: 'w3c/vc-di-ecdsa-test-suite',
    tags: ['ecdsa-rdfc-2019', 'ecdsa-jcs-2019'],
    targets: ['test-server'],
    endpoints: (ids) => ({
      // Tradewind issues ecdsa-rdfc-2019 with P-256 keys (VCDM 2.0) and verifies P-256 and P-384 under both cryptosuites.
      issuers: [
        {
          id: ids['P-256'],
          path: '/credentials/issue',
          tags: ['ecdsa-rdfc-2019'],
          supportedEcdsaKeyTypes: ['P-256'],
          supports: { vc: ['2.0'] },
          options: { cryptosuite: 'ecdsa-rdfc-2019' },
        },
      ],
      verifiers: [
        {
          id: ids['P-256'],
          path: '/credentials/verify',
          tags: ['ecdsa-rdfc-2019', 'ecdsa-jcs-2019'],
          supportedEcdsaKeyTypes: ['P-256', 'P-384'],
          supports: { vc: ['1.1', '2.0'] },
        },
      ],
    }),
  },
};
const TARGETS = ['test-server', 'service'];

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node scripts/w3c-suite.mjs --suite <suite dir> [--target ${TARGETS.join('|')}] [--policy <file.json>] [--allow-high-s] [--report <file.json>] [--answers <file.jsonl>]\n`,
  );
  process.exit(2);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--allow-high-s') {
      args.allowHighS = true;
      continue;
    }
    if (!['--suite', '--report', '--target', '--policy', '--answers'].includes(name)) usage(`unknown argument ${JSON.stringify(name)}`);
    const value = argv[++i];
    if (value === undefined) usage(`${name} needs a value`);
    args[name.slice(2)] = value;
  }
  if (!args.suite) usage('--suite is required');
  args.target ??= 'test-server';
  if (!TARGETS.includes(args.target)) usage(`--target must be one of ${TARGETS.join(', ')}`);
  if (args.policy !== undefined && args.target !== 'service') usage('--policy is for --target service');
  if (args.allowHighS && args.target !== 'service') usage('--allow-high-s is for --target service');
  if (args.answers !== undefined && args.target !== 'test-server') usage('--answers is for --target test-server');
  return args;
}

function checkBuilt(target) {
  const needed = ['packages/core', 'packages/issuer', 'packages/verifier', ...(target === 'service' ? ['examples/issuer-service'] : [])];
  for (const dir of needed) {
    if (!existsSync(join(root, dir, 'dist', 'index.js'))) {
      process.stderr.write(`${dir}/dist is missing: run pnpm build first\n`);
      process.exit(2);
    }
  }
}

function checkSuite(suite) {
  const mocha = join(suite, 'node_modules', 'mocha', 'bin', 'mocha.js');
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(suite, 'package.json'), 'utf8'));
  } catch {
    usage(`${suite} has no readable package.json`);
  }
  const known = SUITES[pkg.name];
  if (!known) usage(`${suite} holds ${JSON.stringify(pkg.name)}, not one of ${Object.keys(SUITES).join(', ')}`);
  if (!existsSync(join(suite, 'tests')) || !existsSync(mocha)) usage(`${suite} is not npm-installed (no tests/ or node_modules/mocha)`);
  if (!existsSync(join(suite, 'node_modules', 'vc-test-suite-implementations')))
    usage(`${suite} has no node_modules/vc-test-suite-implementations: see the header of this script`);
  if (pkg.name === 'vc-di-ecdsa-test-suite' && !existsSync(join(suite, 'tests', 'input', 'vc-di-ecdsa', 'TestVectors')))
    usage(`${suite} has no tests/input/vc-di-ecdsa: extract w3c/vc-di-ecdsa there (see the header of this script)`);
  return { mocha, ...known, name: pkg.name, version: pkg.version };
}

function selfSignedCertificate(dir) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const run = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (run.error || run.status !== 0) throw new Error(`openssl could not make a certificate: ${run.error?.message ?? run.stderr}`);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/**
 * The suite's localConfig.cjs: our endpoints as the suite wants them (SUITES), at `base`;
 * `issuerHeaders` go with every request to an issuer endpoint (the admin key of the service).
 */
function localConfig({ suite, base, ids, target, issuerHeaders }) {
  const { issuers = [], verifiers = [], vpVerifiers = [] } = suite.endpoints(ids, target);
  const endpoint = ({ path, ...rest }, headers) => ({ ...rest, endpoint: base + path, ...(headers ? { headers } : {}) });
  const config = {
    settings: { enableInteropTests: false, testAllImplementations: false },
    implementations: [
      {
        name: 'Tradewind',
        implementation: 'Tradewind issuer service',
        issuers: issuers.map((e) => endpoint(e, issuerHeaders)),
        verifiers: verifiers.map((e) => endpoint(e)),
        vpVerifiers: vpVerifiers.map((e) => endpoint(e)),
      },
    ],
  };
  return `// Written by tradewind scripts/w3c-suite.mjs for one run; removed after it.\nmodule.exports = ${JSON.stringify(config, null, 2)};\n`;
}

/** A free TCP port on 127.0.0.1 (the service's base URL names its port, so it is chosen before the TLS front listens on it). */
async function freePort() {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * HTTPS on 127.0.0.1:`port` in front of an http origin: every request is passed on as it
 * came (method, path, headers, body) and the answer passed back.
 */
async function tlsFront({ port, tls, origin }) {
  const target = new URL(origin);
  const agent = new HttpAgent({ keepAlive: true });
  const server = createHttpsServer(tls, (req, res) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNEXPECTED","message":"the service did not answer"}]}');
    });
    req.pipe(upstream);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `https://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}

/** The VC-API test server over a fresh issuer database, for the suite's fixtures (see the header). */
async function startTestServer(work, answersFile) {
  const { openIssuer } = await import(pathToFileURL(join(root, 'packages/issuer/dist/index.js')).href);
  const { startVcApiServer } = await import(pathToFileURL(join(root, 'test/vc-api/server.mjs')).href);
  // The server serves the issuer's status lists under its own https URL, so the port is chosen first.
  const port = await freePort();
  const issuer = await openIssuer({
    path: join(work, 'issuer.db'),
    secret: randomBytes(16).toString('hex'),
    kdf: { N: 2 ** 10, r: 8, p: 1 },
    statusListBaseUrl: `https://127.0.0.1:${port}/status`,
  });
  try {
    const ids = {
      Ed25519: (await issuer.createDid({ method: 'key', keyType: 'Ed25519' })).did,
      'P-256': (await issuer.createDid({ method: 'key', keyType: 'P-256' })).did,
    };
    const server = await startVcApiServer({
      issuer,
      port,
      tls: selfSignedCertificate(work),
      ...(answersFile ? { onAnswer: (a) => appendFileSync(answersFile, `${JSON.stringify(a)}\n`) } : {}),
      verifyOptions: { trustedIssuers: null, allowHighS: true, holderBinding: 'none', allowEmpty: true },
    });
    return {
      url: server.url,
      ids,
      close: async () => {
        await server.close();
        await issuer.close();
      },
    };
  } catch (e) {
    await issuer.close();
    throw e;
  }
}

/** The example issuer service with its own defaults, behind a TLS front at its https base URL (see the header). */
async function startIssuerService(work, policy, allowHighS = false) {
  const service = await import(pathToFileURL(join(root, 'examples/issuer-service/dist/index.js')).href);
  const port = await freePort();
  const admin = service.newAdminKey();
  const config = service.loadConfig({
    env: {},
    overrides: {
      host: '127.0.0.1',
      port: 0,
      baseUrl: `https://127.0.0.1:${port}`,
      database: join(work, 'issuer.db'),
      stateDatabase: join(work, 'state.db'),
      secret: randomBytes(16).toString('hex'),
      adminKeyHashes: [admin.hash],
      kdf: { N: 2 ** 10, r: 8, p: 1 },
      logLevel: 'silent',
      ...(policy === undefined ? {} : { recognition: { policy: resolve(policy) } }),
      allowHighS,
    },
  });
  const running = await service.startService(config);
  let front;
  try {
    front = await tlsFront({ port, tls: selfSignedCertificate(work), origin: running.url });
  } catch (e) {
    await running.close();
    throw e;
  }
  return {
    url: front.url,
    ids: { Ed25519: running.did },
    issuerHeaders: { Authorization: `Bearer ${admin.key}` },
    close: async () => {
      await front.close();
      await running.close();
    },
  };
}

let mochaProcess;

/** The project's commit, with `+changes` when the working tree differs from it. */
function commitOf() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? '+changes' : ''}`;
}

/** The JSON-LD context packages of the project's dev dependencies, and the examples context bundled with the verifier. */
const CONTEXT_PACKAGES = [
  '@digitalbazaar/credentials-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  '@digitalbazaar/security-context',
  '@digitalbazaar/vc-status-list-context',
  'did-context',
  'ed25519-signature-2018-context',
  'ed25519-signature-2020-context',
];
const EXAMPLES_CONTEXT = {
  url: 'https://www.w3.org/ns/credentials/examples/v2',
  file: 'packages/verifier/src/di/contexts/credentials-examples-v2.json',
};

/** URL → context document for the suite's document loaders (scripts/w3c-suite-offline.mjs). */
async function offlineContexts() {
  const contexts = {};
  for (const name of CONTEXT_PACKAGES) {
    const mod = await import(name);
    const map = mod.contexts ?? mod.default?.contexts;
    if (!(map instanceof Map)) throw new Error(`${name} exports no contexts map`);
    for (const [url, document] of map) contexts[url] = document;
  }
  const examples = join(root, EXAMPLES_CONTEXT.file);
  if (existsSync(examples)) contexts[EXAMPLES_CONTEXT.url] = JSON.parse(readFileSync(examples, 'utf8'));
  return contexts;
}

function runMocha(mocha, suite, output, offline) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(root, 'scripts', 'w3c-suite-offline.mjs')).href,
        mocha,
        'tests/',
        '--timeout',
        '15000',
        '--preserve-symlinks',
        '--no-config',
        '--reporter',
        'json',
        '--reporter-option',
        `output=${output}`,
      ],
      {
        cwd: suite,
        env: {
          ...process.env,
          NODE_TLS_REJECT_UNAUTHORIZED: '0',
          TRADEWIND_W3C_CONTEXTS: offline.contexts,
          TRADEWIND_W3C_OFFLINE_LOG: offline.log,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    mochaProcess = child;
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-20_000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stderr }));
  });
}

/** The outcome without anything of the suite's code: titles, states, the first line of each error. */
function summarise(report) {
  const firstLine = (err) => {
    const text = String(err?.message ?? '');
    const line = text.split('\n')[0];
    return line.length > 300 ? `${line.slice(0, 300)}…` : line;
  };
  const state = (t) => (t.err && Object.keys(t.err).length > 0 ? 'failed' : t.pending ? 'pending' : 'passed');
  const tests = report.tests.map((t) => ({
    title: t.fullTitle ?? t.title,
    state: state(t),
    ...(state(t) === 'failed' ? { error: firstLine(t.err) } : {}),
  }));
  // Hook failures (a before() that threw) are in failures but not in tests.
  for (const f of report.failures) {
    if (!report.tests.some((t) => t.fullTitle === f.fullTitle))
      tests.push({ title: f.fullTitle ?? f.title, state: 'failed', error: firstLine(f.err) });
  }
  const count = (s) => tests.filter((t) => t.state === s).length;
  return { passed: count('passed'), failed: count('failed'), pending: count('pending'), tests };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  checkBuilt(args.target);
  const suite = resolve(args.suite);
  const known = checkSuite(suite);
  const { mocha, title, repo, tags, version: suiteVersion } = known;
  if (known.targets && !known.targets.includes(args.target)) usage(`${repo} runs against --target ${known.targets.join(' or ')}`);

  const work = mkdtempSync(join(tmpdir(), 'tradewind-w3c-'));
  const configPath = join(suite, 'localConfig.cjs');
  const backupPath = join(suite, `localConfig.cjs.tradewind-${process.pid}`);
  let target;
  // Set once the suite's own localConfig.cjs (if any) is moved aside: only then is the one at configPath ours to remove.
  let configTaken = false;
  const restore = () => {
    if (!configTaken) return;
    configTaken = false;
    rmSync(configPath, { force: true });
    if (existsSync(backupPath)) renameSync(backupPath, configPath);
  };
  const onSignal = (signal) => {
    mochaProcess?.kill('SIGTERM');
    restore();
    rmSync(work, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    target =
      args.target === 'service'
        ? await startIssuerService(work, args.policy, args.allowHighS === true)
        : await startTestServer(work, args.answers && resolve(args.answers));
    if (existsSync(configPath)) renameSync(configPath, backupPath);
    configTaken = true;
    writeFileSync(
      configPath,
      localConfig({ suite: known, base: target.url, ids: target.ids, target: args.target, issuerHeaders: target.issuerHeaders }),
    );
    const output = join(work, 'mocha-report.json');
    const offline = { contexts: join(work, 'contexts.json'), log: join(work, 'offline.log') };
    writeFileSync(offline.contexts, JSON.stringify(await offlineContexts()));
    const dids = Object.values(target.ids).join(', ');
    process.stderr.write(`${args.target}: issuer ${dids} at ${target.url}; running ${repo} in ${suite}\n`);
    const run = await runMocha(mocha, suite, output, offline);
    if (!existsSync(output)) throw new Error(`mocha wrote no report (exit ${run.code ?? run.signal}):\n${run.stderr}`);
    const summary = summarise(JSON.parse(readFileSync(output, 'utf8')));
    // What the suite wanted from the network and did not get (each once): contexts and hosts.
    const refused = existsSync(offline.log) ? [...new Set(readFileSync(offline.log, 'utf8').split('\n').filter(Boolean))] : [];
    console.log(`${title} ${suiteVersion}, tags ${tags.join(', ')}, against the ${args.target} (${commitOf()})`);
    console.log(`${summary.passed} passed, ${summary.failed} failed, ${summary.pending} pending`);
    for (const line of refused) console.log(`offline: ${line}`);
    for (const t of summary.tests.filter((x) => x.state === 'failed')) console.log(`\nFAILED ${t.title}\n  ${t.error}`);
    if (args.report) {
      const report = {
        suite: repo,
        suiteVersion,
        tags,
        target: args.target,
        date: new Date().toISOString(),
        commit: commitOf(),
        offline: refused,
        ...summary,
      };
      writeFileSync(resolve(args.report), `${JSON.stringify(report, null, 2)}\n`);
    }
  } finally {
    restore();
    await target?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`w3c-suite: the run broke: ${e?.stack ?? e}\n`);
  process.exit(1);
});
