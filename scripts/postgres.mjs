// A throwaway PostgreSQL server for tests, the bench and trying the issuer on PostgreSQL:
// initdb into a temporary folder, trust authentication for 127.0.0.1 only, a free port,
// the unix socket inside that folder, and pg_ctl to start and stop it. Nothing here
// touches a system cluster.
//
//   import { startPostgres } from './scripts/postgres.mjs';
//   const pg = await startPostgres({ fsync: false });
//   const url = await pg.createDatabase(); // postgres://postgres@127.0.0.1:<port>/tw_<random>
//   await pg.stop();
//
// As a command, `node scripts/postgres.mjs start` prints the server's URL and keeps it
// running until SIGINT or SIGTERM (`--no-fsync` trades durability for speed).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SUPERUSER = 'postgres';
const MAX_CONNECTIONS = 300;
const INSTALL_HINT =
  "Install Debian's postgresql package (apt-get install -y --no-install-recommends postgresql, or run scripts/setup.sh).";

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const hasServerBinaries = (dir) => ['initdb', 'pg_ctl', 'postgres', 'psql'].every((b) => isExecutable(join(dir, b)));

/**
 * The folder holding initdb, pg_ctl, postgres and psql: `pg_config --bindir`, else the
 * newest /usr/lib/postgresql/<version>/bin, else the PATH. Throws when none has them.
 */
export function findPostgresBinaries() {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dir && hasServerBinaries(dir)) return dir;
  } catch {
    // no pg_config (or one from a client-only install): look further
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    for (const v of versions) {
      const dir = join(root, v, 'bin');
      if (hasServerBinaries(dir)) return dir;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && hasServerBinaries(dir)) return dir;
  }
  throw new Error(`PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) not found. ${INSTALL_HINT}`);
}

/** initdb refuses to run as root: as root, the server runs as the postgres user. */
function serverUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  let uid;
  let gid;
  try {
    uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    throw new Error(`Running as root, PostgreSQL must run as the "${SUPERUSER}" user, which does not exist. ${INSTALL_HINT}`);
  }
  return { name: SUPERUSER, uid, gid };
}

function command(user, file, args) {
  return user ? ['runuser', ['-u', user.name, '--', file, ...args]] : [file, args];
}

async function runAs(user, file, args) {
  const [cmd, argv] = command(user, file, args);
  try {
    return await run(cmd, argv, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = `${error.stderr ?? ''}${error.stdout ?? ''}`.trim();
    throw new Error(`${file.split('/').pop()} failed: ${output || error.message}`);
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Creates a database on a running server (trust authentication, as the server this
 * module starts has) and returns its URL. `serverUrl` is any URL of that server.
 */
export async function createDatabase(serverUrl, name = `tw_${randomBytes(6).toString('hex')}`, bindir) {
  if (!DATABASE_NAME.test(name)) throw new Error(`Not a plain database name: ${JSON.stringify(name)}`);
  const url = new URL(serverUrl);
  const psql = join(bindir ?? findPostgresBinaries(), 'psql');
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  try {
    await run(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', maintenance.href, '-c', `CREATE DATABASE "${name}"`], {
      encoding: 'utf8',
      env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
    });
  } catch (error) {
    throw new Error(`Could not create database ${name}: ${(error.stderr ?? '').trim() || error.message}`);
  }
  const created = new URL(url);
  created.pathname = `/${name}`;
  return created.href;
}

/**
 * Starts a PostgreSQL server in a temporary folder, listening on 127.0.0.1 only.
 * `fsync: false` turns off fsync, synchronous_commit and full_page_writes (for tests;
 * a crash of the machine loses the data, which tests throw away anyway).
 * Returns `{ url, host, port, dataDir, createDatabase(name?), stop() }`; the server is
 * also stopped when the process exits.
 */
export async function startPostgres({ fsync = true } = {}) {
  const bindir = findPostgresBinaries();
  const user = serverUser();
  const folder = mkdtempSync(join(tmpdir(), 'tw-pg-'));
  const dataDir = join(folder, 'data');
  const logFile = join(folder, 'server.log');
  const pgCtl = join(bindir, 'pg_ctl');
  let stopped = false;
  let running = false;

  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stopSync);
    if (running) {
      const [cmd, argv] = command(user, pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', '-s', 'stop']);
      try {
        execFileSync(cmd, argv, { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    rmSync(folder, { recursive: true, force: true });
  };
  process.on('exit', stopSync);

  try {
    if (user) chownSync(folder, user.uid, user.gid);
    writeFileSync(logFile, '');
    if (user) chownSync(logFile, user.uid, user.gid);
    const initdbArgs = ['-D', dataDir, '-U', SUPERUSER, '-E', 'UTF8', '--locale=C', '-A', 'trust'];
    if (!fsync) initdbArgs.push('--no-sync');
    await runAs(user, join(bindir, 'initdb'), initdbArgs);
    // Only TCP connections from 127.0.0.1 are accepted (no local-socket or other hosts).
    const hba = join(dataDir, 'pg_hba.conf');
    writeFileSync(hba, 'host all all 127.0.0.1/32 trust\n');
    if (user) chownSync(hba, user.uid, user.gid);
    const settings = [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${folder}'`,
      `max_connections = ${MAX_CONNECTIONS}`,
      "log_min_messages = 'warning'",
      ...(fsync ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
    ];
    const conf = join(dataDir, 'postgresql.conf');
    let port;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      await appendFile(conf, `\n# tradewind scripts/postgres.mjs\n${[...settings, `port = ${port}`].join('\n')}\n`);
      try {
        await runAs(user, pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-s', 'start']);
        running = true;
        break;
      } catch (error) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        // Another process took the port between the probe and the start: try another one.
        if (attempt < 5 && /could not (bind|create listen)|Address already in use/i.test(log)) continue;
        throw new Error(`${error.message}\n${log.trim()}`);
      }
    }
    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    return {
      url,
      host: '127.0.0.1',
      port,
      dataDir,
      createDatabase: (name) => createDatabase(url, name, bindir),
      // Stops the server but keeps its folder, to start it again on the same port (an outage).
      async pause() {
        await runAs(user, pgCtl, ['-D', dataDir, '-w', '-t', '60', '-m', 'fast', 'stop']);
      },
      async resume() {
        await runAs(user, pgCtl, ['-D', dataDir, '-w', '-t', '60', '-l', logFile, 'start']);
      },
      async stop() {
        stopSync();
      },
    };
  } catch (error) {
    stopSync();
    throw error;
  }
}

async function main(argv) {
  const [cmd, ...flags] = argv;
  if (cmd !== 'start' || flags.some((f) => f !== '--no-fsync')) {
    console.error('usage: node scripts/postgres.mjs start [--no-fsync]');
    process.exitCode = 2;
    return;
  }
  const server = await startPostgres({ fsync: !flags.includes('--no-fsync') });
  console.log(server.url);
  console.error(`PostgreSQL running in ${server.dataDir}; stop it with Ctrl-C.`);
  const keepAlive = setInterval(() => {}, 1 << 30);
  const shutdown = async () => {
    clearInterval(keepAlive);
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
