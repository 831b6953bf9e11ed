#!/usr/bin/env node
// Runs the W3C VC Data Model 2.0 test suite against Tradewind, through the VC-API server
// in test/vc-api/server.mjs (vc+jwt credentials in EnvelopedVerifiableCredential), and
// prints what passed and what failed. It is a report: it exits 0 when the suite ran,
// whatever the tests said, and non-zero only when the run itself broke.
//
//   node scripts/w3c-suite.mjs --suite <dir> [--report <file.json>]
//
// <dir> is an extracted, npm-installed w3c/vc-data-model-2.0-test-suite. To get one
// (the suite depends on w3c/vc-test-suite-implementations through a GitHub URL, which
// is installed here from a local tarball instead):
//
//   git clone https://github.com/w3c/vc-test-suite-implementations
//   (cd vc-test-suite-implementations && npm pack)      # → vc-test-suite-implementations-<v>.tgz
//   git clone https://github.com/w3c/vc-data-model-2.0-test-suite
//   cd vc-data-model-2.0-test-suite
//   # in package.json: "vc-test-suite-implementations": "file:../vc-test-suite-implementations/vc-test-suite-implementations-<v>.tgz"
//   npm install
//
// The script builds nothing: run `pnpm build` first (it imports the packages' dist). It
// creates a throw-away issuer database with one did:key (Ed25519), a self-signed
// certificate for 127.0.0.1 (openssl), serves HTTPS on 127.0.0.1, writes the suite's
// localConfig.cjs (tags vc2.0 and EnvelopingProof; an existing one is put back after),
// runs mocha with the JSON reporter and NODE_TLS_REJECT_UNAUTHORIZED=0 for mocha only,
// and removes everything it made. --report writes the outcome (titles, states, first
// line of each error; nothing of the suite's code or fixtures) as JSON.
//
// The server is configured for the suite's fixtures: it trusts any issuer whose DID
// resolves offline (the suite presents credentials of its own did:key issuers), accepts
// high-S ES256 signatures (the suite's fixtures have them) and does not require
// presented credentials to be about the holder (VCDM 2.0 does not).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TAGS = ['vc2.0', 'EnvelopingProof'];

function usage(message) {
  process.stderr.write(`${message}\nusage: node scripts/w3c-suite.mjs --suite <vc-data-model-2.0-test-suite dir> [--report <file.json>]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name !== '--suite' && name !== '--report') usage(`unknown argument ${JSON.stringify(name)}`);
    const value = argv[++i];
    if (value === undefined) usage(`${name} needs a value`);
    args[name.slice(2)] = value;
  }
  if (!args.suite) usage('--suite is required');
  return args;
}

function checkBuilt() {
  for (const pkg of ['core', 'issuer', 'verifier']) {
    if (!existsSync(join(root, 'packages', pkg, 'dist', 'index.js'))) {
      process.stderr.write(`packages/${pkg}/dist is missing: run pnpm build first\n`);
      process.exit(2);
    }
  }
}

function checkSuite(suite) {
  const mocha = join(suite, 'node_modules', 'mocha', 'bin', 'mocha.js');
  if (!existsSync(join(suite, 'tests')) || !existsSync(mocha))
    usage(`${suite} is not an npm-installed vc-data-model-2.0-test-suite (no tests/ or node_modules/mocha)`);
  if (!existsSync(join(suite, 'node_modules', 'vc-test-suite-implementations')))
    usage(`${suite} has no node_modules/vc-test-suite-implementations: see the header of this script`);
  return mocha;
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

function localConfig(base, did) {
  const endpoint = (path) => ({ id: did, endpoint: base + path, tags: TAGS });
  const config = {
    settings: { enableInteropTests: false, testAllImplementations: false },
    implementations: [
      {
        name: 'Tradewind',
        implementation: 'Tradewind issuer service',
        issuers: [endpoint('/credentials/issue')],
        verifiers: [endpoint('/credentials/verify')],
        vpVerifiers: [endpoint('/presentations/verify')],
      },
    ],
  };
  return `// Written by tradewind scripts/w3c-suite.mjs for one run; removed after it.\nmodule.exports = ${JSON.stringify(config, null, 2)};\n`;
}

let mochaProcess;

function runMocha(mocha, suite, output) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
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
      { cwd: suite, env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
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
  checkBuilt();
  const suite = resolve(args.suite);
  const mocha = checkSuite(suite);
  const { openIssuer } = await import(pathToFileURL(join(root, 'packages/issuer/dist/index.js')).href);
  const { startVcApiServer } = await import(pathToFileURL(join(root, 'test/vc-api/server.mjs')).href);

  const work = mkdtempSync(join(tmpdir(), 'tradewind-w3c-'));
  const configPath = join(suite, 'localConfig.cjs');
  const backupPath = join(suite, `localConfig.cjs.tradewind-${process.pid}`);
  let issuer;
  let server;
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
    issuer = await openIssuer({ path: join(work, 'issuer.db'), secret: randomBytes(16).toString('hex'), kdf: { N: 2 ** 10, r: 8, p: 1 } });
    const { did } = await issuer.createDid({ method: 'key', keyType: 'Ed25519' });
    server = await startVcApiServer({
      issuer,
      tls: selfSignedCertificate(work),
      verifyOptions: { trustedIssuers: null, allowHighS: true, holderBinding: 'none' },
    });
    if (existsSync(configPath)) renameSync(configPath, backupPath);
    configTaken = true;
    writeFileSync(configPath, localConfig(server.url, did));
    const output = join(work, 'mocha-report.json');
    process.stderr.write(`issuer ${did}, server ${server.url}; running the suite in ${suite}\n`);
    const run = await runMocha(mocha, suite, output);
    if (!existsSync(output)) throw new Error(`mocha wrote no report (exit ${run.code ?? run.signal}):\n${run.stderr}`);
    const summary = summarise(JSON.parse(readFileSync(output, 'utf8')));
    const suiteVersion = JSON.parse(readFileSync(join(suite, 'package.json'), 'utf8')).version;
    console.log(`W3C VC Data Model 2.0 test suite ${suiteVersion}, tags ${TAGS.join(', ')}`);
    console.log(`${summary.passed} passed, ${summary.failed} failed, ${summary.pending} pending`);
    for (const t of summary.tests.filter((x) => x.state === 'failed')) console.log(`\nFAILED ${t.title}\n  ${t.error}`);
    if (args.report) {
      writeFileSync(
        resolve(args.report),
        `${JSON.stringify({ suite: 'w3c/vc-data-model-2.0-test-suite', suiteVersion, tags: TAGS, date: new Date().toISOString(), ...summary }, null, 2)}\n`,
      );
    }
  } finally {
    restore();
    await server?.close();
    await issuer?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`w3c-suite: the run broke: ${e?.stack ?? e}\n`);
  process.exit(1);
});
