// `node scripts/install-packed.mjs DIR`: what a developer outside this repository gets.
// Packs every package (`pnpm pack`, so `files`, `exports` and workspace:* → version are
// exactly what a publish would ship) into DIR/tarballs, then installs all of them into a
// fresh project DIR/app with pnpm, offline, from the pnpm store that `scripts/setup.sh`
// filled. Run `pnpm build` first. Prints a JSON summary: tarball paths by package name.
//
// Offline needs a lockfile: pnpm resolves version ranges from registry metadata, which a
// frozen-lockfile workspace install never downloads. The app's lockfile is therefore
// written here from the workspace's own: the same resolved versions of every third-party
// package (its `packages` and `snapshots` sections, verbatim), one importer for the app,
// and entries for the tarballs, whose dependencies are those the workspace resolved for
// each package. The app's package.json maps @tradewind/* to the tarballs with
// `pnpm.overrides`, as a consumer testing unpublished builds would.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGES = ['core', 'verifier', 'issuer', 'wallet', 'agent', 'cli'];

/**
 * The `dependencies` block of one importer of a pnpm v9 lockfile, read from its text:
 * `{ name: { specifier, version } }`. The format is pnpm's own and regular (two spaces
 * per level), so a line reader suffices and no YAML library is needed.
 */
export function importerDependencies(lockText, importer) {
  const lines = lockText.split('\n');
  const start = lines.indexOf(`  ${importer}:`);
  if (start === -1) throw new Error(`the workspace lockfile has no importer ${importer}`);
  const deps = {};
  let inDeps = false;
  let name;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    if (/^ {0,2}\S/.test(line)) break; // next importer or section
    if (/^ {4}\S/.test(line)) {
      inDeps = line === '    dependencies:';
      continue;
    }
    if (!inDeps) continue;
    const key = /^ {6}'?([^':]+(?::[^':]+)?)'?:$/.exec(line);
    if (key) {
      name = key[1];
      deps[name] = {};
      continue;
    }
    const field = /^ {8}(specifier|version): (.+)$/.exec(line);
    if (field && name) deps[name][field[1]] = field[2];
  }
  return deps;
}

const yamlKey = (s) => (/^[\w.-]+$/.test(s) ? s : `'${s}'`);
const sri = (file) => `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;

export function installPacked(dir, { log = () => {} } = {}) {
  const tarballs = join(dir, 'tarballs');
  const app = join(dir, 'app');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(tarballs, { recursive: true });
  mkdirSync(app, { recursive: true });

  log('pnpm pack …');
  const filter = PACKAGES.flatMap((p) => ['--filter', `./packages/${p}`]);
  execFileSync('pnpm', ['-r', ...filter, 'pack', '--pack-destination', tarballs], { cwd: ROOT, stdio: 'pipe' });
  const byName = {};
  for (const p of PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8'));
    const file = readdirSync(tarballs).find((f) => f === `tradewind-${p}-${manifest.version}.tgz`);
    if (!file) throw new Error(`pnpm pack made no tarball for ${manifest.name}`);
    byName[manifest.name] = { dir: p, manifest, tarball: join(tarballs, file) };
  }

  // The app's package.json: every package from its tarball, also as an override so a
  // @tradewind/* dependency of another package resolves to the tarball too.
  const spec = (name) => `file:${relative(app, byName[name].tarball)}`;
  const names = Object.keys(byName);
  const workspaceYaml = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const appManifest = {
    name: 'tradewind-consumer',
    private: true,
    type: 'module',
    dependencies: Object.fromEntries(names.map((n) => [n, spec(n)])),
    pnpm: {
      overrides: Object.fromEntries(names.map((n) => [n, spec(n)])),
      // The same allowances and fixes the workspace declares (pnpm-workspace.yaml): sqlite3
      // builds natively; @veramo/utils imports @noble/hashes without declaring it, which a
      // consumer on pnpm must also patch.
      onlyBuiltDependencies: ['sqlite3'],
      packageExtensions: { '@veramo/utils@7': { dependencies: { '@noble/hashes': '^1.8.0' } } },
    },
  };
  if (!workspaceYaml.includes('"@veramo/utils@7":') || !workspaceYaml.includes('"@noble/hashes": "^1.8.0"')) {
    throw new Error('pnpm-workspace.yaml packageExtensions changed: update the consumer app in scripts/install-packed.mjs');
  }
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(appManifest, null, 2)}\n`);

  // The app's lockfile, from the workspace's.
  const lock = readFileSync(join(ROOT, 'pnpm-lock.yaml'), 'utf8');
  const at = (marker) => {
    const i = lock.indexOf(`\n${marker}\n`);
    if (i === -1) throw new Error(`the workspace lockfile has no ${marker} section`);
    return i + 1;
  };
  const header = lock.slice(0, at('importers:'));
  const packagesSection = lock.slice(at('packages:'), at('snapshots:')).trimEnd();
  const snapshotsSection = lock.slice(at('snapshots:')).trimEnd();
  const ref = (name) => `${name}@${spec(name)}`;
  const importer = ['importers:', '', '  .:', '    dependencies:'];
  for (const n of names) importer.push(`      ${yamlKey(n)}:`, `        specifier: ${spec(n)}`, `        version: ${spec(n)}`);
  const extraPackages = [];
  const extraSnapshots = [];
  for (const n of names) {
    const { dir: p, manifest, tarball } = byName[n];
    extraPackages.push(
      `  '${ref(n)}':`,
      `    resolution: {integrity: ${sri(tarball)}, tarball: ${spec(n)}}`,
      `    version: ${manifest.version}`,
      ...(manifest.engines?.node ? [`    engines: {node: '${manifest.engines.node}'}`] : []),
      ...(manifest.bin ? ['    hasBin: true'] : []),
      '',
    );
    const deps = importerDependencies(lock, `packages/${p}`);
    extraSnapshots.push(`  '${ref(n)}':`);
    const entries = Object.entries(deps);
    if (entries.length > 0) extraSnapshots.push('    dependencies:');
    for (const [dep, { version }] of entries) {
      extraSnapshots.push(`      ${yamlKey(dep)}: ${version.startsWith('link:') ? spec(dep) : version}`);
    }
    extraSnapshots.push('');
  }
  const overrides = ['overrides:', ...names.map((n) => `  ${yamlKey(n)}: ${spec(n)}`), ''];
  const appLock = [
    header.replace(/\nimporters:\n?$/, '').trimEnd(),
    '',
    ...overrides,
    ...importer,
    '',
    packagesSection,
    '',
    ...extraPackages,
    snapshotsSection,
    '',
    ...extraSnapshots,
  ].join('\n');
  writeFileSync(join(app, 'pnpm-lock.yaml'), appLock);

  log('pnpm install --offline --frozen-lockfile …');
  const env = { ...process.env, npm_config_update_notifier: 'false' };
  execFileSync('pnpm', ['install', '--offline', '--frozen-lockfile', '--prod', '--ignore-workspace', '--reporter=append-only'], {
    cwd: app,
    env,
    stdio: 'pipe',
  });
  return { app, tarballs: Object.fromEntries(names.map((n) => [n, byName[n].tarball])) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node scripts/install-packed.mjs DIR');
    process.exit(2);
  }
  console.log(JSON.stringify(installPacked(resolve(dir), { log: (m) => console.error(m) }), null, 2));
}
