// The packages as a developer outside this repository gets them: `pnpm pack` of each,
// installed from the tarballs into a fresh project in a temp folder (offline, from the
// pnpm store), then imported there by Node and bundled for the browser with esbuild.
// Nothing resolves through the workspace: the project lies outside it and pnpm installs
// it with --ignore-workspace.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519DidKey, jwtVc, vcJwt } from '../bench/lib/fixtures.mjs';
import { installPacked, PACKAGES } from '../scripts/install-packed.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const license = readFileSync(join(root, 'LICENSE'), 'utf8');

let dir = '';
let app = '';
let tarballs: Record<string, string> = {};

/** A file of a tarball, read with tar (as npm and pnpm unpack it: under `package/`). */
const fromTarball = (tarball: string, path: string) => execFileSync('tar', ['-xzOf', tarball, `package/${path}`], { encoding: 'utf8' });
const listTarball = (tarball: string) =>
  execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((f) => f.replace(/^package\//, ''));

beforeAll(() => {
  // The packages are packed from their built output, as a publish would.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'tradewind-packed-'));
  ({ app, tarballs } = installPacked(dir));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('packed packages', () => {
  it('packs every package, and the fresh project lies outside the workspace', () => {
    expect(Object.keys(tarballs).sort()).toEqual(PACKAGES.map((p) => `@tradewind/${p}`).sort());
    expect(app.startsWith(root)).toBe(false);
  });

  it.each(PACKAGES)('@tradewind/%s ships its license, built code and types, and no workspace references', (pkg) => {
    const tarball = tarballs[`@tradewind/${pkg}`] as string;
    const files = listTarball(tarball);
    const manifest = JSON.parse(fromTarball(tarball, 'package.json'));
    expect(manifest.license).toBe('Apache-2.0');
    expect(fromTarball(tarball, 'LICENSE')).toBe(license);
    expect(manifest.files).toContain('dist');
    // Every dependency is a version a registry can serve, never a workspace link.
    for (const deps of [manifest.dependencies, manifest.peerDependencies, manifest.optionalDependencies]) {
      for (const [name, range] of Object.entries(deps ?? {})) expect(range, name).not.toMatch(/^(workspace|link|file):/);
    }
    // Every export condition points into dist, at a file the tarball holds; types too.
    const targets: string[] = [];
    const collect = (node: unknown) => {
      if (typeof node === 'string') targets.push(node);
      else if (node && typeof node === 'object') for (const v of Object.values(node)) collect(v);
    };
    collect(manifest.exports);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) {
      expect(t, `export ${t}`).toMatch(/^\.\/dist\//);
      expect(files, `export ${t}`).toContain(t.slice(2));
    }
    for (const entry of Object.values(manifest.exports as Record<string, { types?: string }>)) {
      expect(entry.types, 'each export has types').toMatch(/^\.\/dist\/.+\.d\.ts$/);
    }
    // Nothing of the build's own bookkeeping or of an interrupted write.
    expect(files.filter((f) => /\.tsbuildinfo$|\.tmp$/.test(f))).toEqual([]);
    for (const bin of Object.values((manifest.bin ?? {}) as Record<string, string>)) {
      expect(bin).toMatch(/^(\.\/)?(dist|bin)\//);
      expect(files).toContain(bin.replace(/^\.\//, ''));
    }
  });

  it('Node imports every package in the fresh project and verifies credentials with @tradewind/verifier', async () => {
    const issuer = ed25519DidKey();
    const holder = ed25519DidKey();
    const credentials = { jwtVc: await jwtVc(issuer, holder.did, 1), vcJwt: await vcJwt(issuer, holder.did, 2) };
    const script = `
      import { verifyCredential } from '@tradewind/verifier';
      import { ERROR_CODES } from '@tradewind/core';
      import { openIssuer } from '@tradewind/issuer';
      import { openWallet } from '@tradewind/wallet';
      import { openAgent } from '@tradewind/agent';
      import { main } from '@tradewind/cli';
      const given = JSON.parse(process.env.CREDENTIALS);
      const out = { resolved: import.meta.resolve('@tradewind/verifier'), codes: ERROR_CODES.length };
      for (const [k, jwt] of Object.entries(given)) out[k] = await verifyCredential(jwt);
      out.tampered = await verifyCredential(given.vcJwt.slice(0, -4) + 'AAAA');
      // The issuer on its SQLite store (native sqlite3 from the fresh install) issues one
      // that the verifier accepts.
      const iss = await openIssuer({ path: process.env.DB, secret: 'packed test secret' });
      await iss.createDid();
      const issued = await iss.issue({ type: 'NationalIdCredential', format: 'vc+jwt', status: [], credentialSubject: { id: '${holder.did}', givenName: 'Asha' } });
      out.issued = await verifyCredential(issued.jwt);
      await iss.close();
      out.functions = [typeof openWallet, typeof openAgent, typeof main];
      console.log(JSON.stringify(out));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, CREDENTIALS: JSON.stringify(credentials), DB: join(dir, 'issuer.db') },
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() as string);
    // Node takes the `node` export of the installed copy, not the workspace's.
    expect(out.resolved).toMatch(/node_modules\/@tradewind\/verifier\/dist\/bundle\/index\.js$/);
    expect(out.resolved).not.toContain(`${root}packages`);
    expect(out.codes).toBeGreaterThan(10);
    expect(out.jwtVc).toMatchObject({ verified: true, format: 'jwt_vc', issuer: issuer.did, subject: holder.did });
    expect(out.vcJwt).toMatchObject({ verified: true, format: 'vc+jwt', issuer: issuer.did });
    expect(out.tampered.verified).toBe(false);
    expect(out.tampered.errors[0].code).toBe('SIGNATURE_INVALID');
    expect(out.issued).toMatchObject({ verified: true, format: 'vc+jwt' });
    expect(out.functions).toEqual(['function', 'function', 'function']);
  }, 60_000);

  it('esbuild bundles @tradewind/verifier for the browser without node:* and the bundle verifies with WebCrypto alone', async () => {
    const issuer = ed25519DidKey();
    const credential = await vcJwt(issuer, ed25519DidKey().did, 3);
    writeFileSync(
      join(app, 'browser-entry.js'),
      "import { verifyCredential } from '@tradewind/verifier';\nglobalThis.verifyWithTradewind = verifyCredential;\n",
    );
    const result = await build({
      absWorkingDir: app,
      entryPoints: ['browser-entry.js'],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    // Bundled from the installed tarball, through the `default` (browser) export.
    expect(inputs.some((i) => i.includes('node_modules/@tradewind/verifier/dist/bundle/index.browser.js'))).toBe(true);
    expect(inputs.some((i) => i.includes('node_modules/@tradewind/verifier/dist/bundle/index.js'))).toBe(false);
    // Nothing of Node; the one module left out on purpose is key-did-resolver, which
    // @tradewind/core maps to nothing for browsers (package.json "browser").
    const disabled = inputs.filter((i) => i.includes('(disabled):'));
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    expect(disabled.length).toBe(1);
    expect(disabled[0]).toMatch(/key-did-resolver/);
    // secp256k1 and the NIST curves serve Data Integrity proofs only: with code splitting
    // (as an app bundles), they sit in the chunk loaded on demand, not in the entry's.
    const split = await build({
      absWorkingDir: app,
      entryPoints: ['browser-entry.js'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      splitting: true,
      outdir: 'split-out',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const entryOutput = Object.values(split.metafile.outputs).find((o) => o.entryPoint === 'browser-entry.js');
    const entryInputs = Object.keys(entryOutput?.inputs ?? {});
    expect(entryInputs.length).toBeGreaterThan(0);
    expect(entryInputs.some((i) => /node_modules\/@noble\/curves\/esm\/(secp256k1|nist|p256)\.js$/.test(i))).toBe(false);
    expect(entryInputs.some((i) => /node_modules\/jsonld\//.test(i))).toBe(false);
    expect(Object.keys(split.metafile.inputs).some((i) => /node_modules\/jsonld\//.test(i))).toBe(true);
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).not.toMatch(/require\(["']node:|from ["']node:/);

    // A context with what a browser offers and nothing of Node: no require, process, Buffer.
    const sandbox: Record<string, unknown> = {
      crypto: globalThis.crypto,
      TextEncoder,
      TextDecoder,
      atob,
      btoa,
      URL,
      console,
      setTimeout,
      clearTimeout,
      queueMicrotask,
    };
    sandbox.globalThis = sandbox;
    sandbox.self = sandbox;
    vm.runInNewContext(code, vm.createContext(sandbox), { filename: 'tradewind-browser-bundle.js' });
    const verify = sandbox.verifyWithTradewind as (jwt: string) => Promise<{ verified: boolean; issuer?: string }>;
    expect(typeof verify).toBe('function');
    const verified = await verify(credential);
    expect(verified.verified).toBe(true);
    expect(verified.issuer).toBe(issuer.did);
    expect((await verify(`${credential.slice(0, -4)}AAAA`)).verified).toBe(false);
  }, 30_000);
});
