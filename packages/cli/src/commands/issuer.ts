import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inspectMigrations, parseDatabaseLocation } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { type DidMethod, ISSUER_MIGRATIONS, type Issuer, type KeyAlgorithm, type OpenIssuerOptions } from '@tradewind/issuer';
import { parseCommandArgs, parseIntegerFlag } from '../args.js';
import type { Command, CommandFamily } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { displayedDatabase, ISSUER_DB_HELP, ISSUER_DB_OPTIONS, issuerDatabase, withIssuer } from '../issuer/open-store.js';
import { printResult } from '../output.js';
import { UsageError } from '../usage-error.js';
import { migrateCommand } from './issuer-migrate.js';

/** Checks the DID flags shared by `issuer init` and `did create`. */
export function didFlags(values: { method?: string | undefined; 'key-type'?: string | undefined; domain?: string | undefined }): {
  method: DidMethod;
  keyType: KeyAlgorithm;
  domain?: string;
} {
  const method = (values.method ?? 'key') as DidMethod;
  if (!['key', 'jwk', 'web'].includes(method)) throw new UsageError(`--method takes key, jwk or web, got ${JSON.stringify(values.method)}`);
  const keyType = (values['key-type'] ?? 'Ed25519') as KeyAlgorithm;
  if (keyType !== 'Ed25519' && keyType !== 'P-256')
    throw new UsageError(`--key-type takes Ed25519 or P-256, got ${JSON.stringify(values['key-type'])}`);
  if (method === 'web' && !values.domain) throw new UsageError('--method web needs --domain (e.g. registry.gov.example)');
  return values.domain ? { method, keyType, domain: values.domain } : { method, keyType };
}

export const DID_FLAGS = {
  method: { type: 'string' },
  'key-type': { type: 'string' },
  domain: { type: 'string' },
} as const;

const INIT_USAGE = `Usage: tradewind issuer init --db FILE|URL --status-base-url URL [options]

Creates an issuer database (a SQLite file, or the tables in an empty PostgreSQL
database; keys encrypted with the secret) and its first DID, which becomes the
default issuer.

Options:
${ISSUER_DB_HELP}
  --status-base-url URL    where the status lists will be published
                           (list n is URL/n); needed to issue credentials with status
  --method key|jwk|web     DID method of the first DID (default key)
  --key-type Ed25519|P-256 key type (default Ed25519)
  --domain HOST[:PATH]     did:web host (and path, colon-separated)
  --no-did                 create the database without a DID
  --json                   print the result as JSON
  -h, --help               show this help`;

const init: Command = {
  name: 'init',
  summary: 'Create an issuer database and its first DID',
  usage: INIT_USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...ISSUER_DB_OPTIONS,
      ...DID_FLAGS,
      'status-base-url': { type: 'string' },
      'no-did': { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`issuer init takes no positional arguments, got ${positionals.join(' ')}`);
    const path = issuerDatabase(values, io);
    const flags = didFlags(values);
    const extra = values['status-base-url'] === undefined ? {} : { statusListBaseUrl: values['status-base-url'] };
    const result =
      parseDatabaseLocation(path).engine === 'postgres'
        ? await initPostgres(path, values, io, flags, extra)
        : await initSqlite(path, values, io, flags, extra);
    printResult(io, values.json, result, () =>
      [
        `Created issuer database ${result.db}`,
        result.did ? `Issuer DID: ${result.did}` : 'No DID yet: create one with tradewind did create',
        result.statusListBaseUrl
          ? `Status lists: ${result.statusListBaseUrl}/<n>`
          : 'Status lists: not configured (pass --status-base-url to issue with status)',
      ].join('\n'),
    );
    return EXIT.OK;
  },
};

// The migration that makes the issuer's tables: a database without it is not an issuer's.
const ISSUER_TABLES_MIGRATION = new ISSUER_MIGRATIONS[0]().name as string;

interface InitResult {
  db: string;
  did: string | undefined;
  verificationMethod: string | undefined;
  statusListBaseUrl: string | undefined;
}
type InitValues = Parameters<typeof withIssuer>[0] & { 'no-did'?: boolean | undefined };

async function createFirstDid(issuer: Issuer, db: string, values: InitValues, flags: ReturnType<typeof didFlags>): Promise<InitResult> {
  const did = values['no-did'] ? undefined : await issuer.createDid(flags);
  return { db, did: did?.did, verificationMethod: did?.verificationMethod, statusListBaseUrl: issuer.statusListBaseUrl };
}

async function initSqlite(
  path: string,
  values: InitValues,
  io: Io,
  flags: ReturnType<typeof didFlags>,
  extra: Partial<OpenIssuerOptions>,
): Promise<InitResult> {
  if (existsSync(path)) throw new UsageError(`${path} already exists; an issuer database is created once`, { code: 'ALREADY_EXISTS' });
  // The database is built under a temporary name in the same folder and moved into
  // place only once it is complete (settings and first DID): a kill or a failure
  // half-way leaves no half-made database at --db that a second init would refuse
  // ("already exists") and that has no issuer DID.
  const building = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.init`);
  try {
    const result = await withIssuer({ ...values, db: building }, io, (issuer) => createFirstDid(issuer, path, values, flags), {
      create: true,
      extra,
    });
    await moveIntoPlace(building, path);
    return result;
  } catch (e) {
    // Messages name the file the user asked for, not the temporary one.
    if (e instanceof TradewindError && e.message.includes(building))
      throw new TradewindError(e.code, e.message.replaceAll(building, path), { cause: e });
    throw e;
  } finally {
    for (const file of [building, `${building}-wal`, `${building}-shm`, `${building}.init-lock`]) rmSync(file, { force: true });
  }
}

/**
 * On PostgreSQL the database itself is made by its administrator (CREATE DATABASE);
 * init fills an empty one: every table, the settings and the first DID. An init that
 * stopped half-way (its tables made, but no DID and nothing issued yet) is completed by
 * running init again with the same secret; a database with a DID or an issued
 * credential, or with tables that are not an issuer's, is refused, as an existing file is.
 */
async function initPostgres(
  url: string,
  values: InitValues,
  io: Io,
  flags: ReturnType<typeof didFlags>,
  extra: Partial<OpenIssuerOptions>,
): Promise<InitResult> {
  const shown = displayedDatabase(url);
  const inUse = () =>
    new UsageError(`${shown} already holds an issuer database; an issuer database is created once (into an empty database)`, {
      code: 'ALREADY_EXISTS',
    });
  const state = await inspectMigrations({ database: url, migrations: ISSUER_MIGRATIONS });
  if (!state.fresh) {
    if (!state.applied.includes(ISSUER_TABLES_MIGRATION))
      throw new UsageError(`${shown} holds tables that are not an issuer database's; give init an empty database`, {
        code: 'ALREADY_EXISTS',
      });
    const unfinished = await withIssuer(
      { ...values, db: url },
      io,
      async (issuer) => (await issuer.listDids()).length === 0 && (await issuer.log({ limit: 1 })).length === 0,
    );
    if (!unfinished) throw inUse();
  }
  // Two inits at once on one empty database: the first to take the lock creates the DID,
  // the second then finds it (under the lock) and is refused like any second init.
  return withIssuer(
    { ...values, db: url },
    io,
    (issuer) =>
      issuer.agent.transaction(async (q) => {
        await q('SELECT pg_advisory_xact_lock(?, hashtext(?))', [INIT_LOCK_NAMESPACE, 'tradewind issuer init']);
        if ((await issuer.listDids()).length > 0 || (await issuer.log({ limit: 1 })).length > 0) throw inUse();
        return createFirstDid(issuer, shown, values, flags);
      }),
    { create: true, extra },
  );
}

// Advisory lock namespace of `issuer init` on PostgreSQL ('twIN').
const INIT_LOCK_NAMESPACE = 0x7477494e;

/**
 * Gives the complete database at `building` its name `path`, without replacing a file
 * that appeared there meanwhile (another init): a hard link, which fails when `path`
 * exists, then the temporary name is dropped by the caller. Where the file system has
 * no hard links, a rename after a last check.
 */
async function moveIntoPlace(building: string, path: string): Promise<void> {
  // A closed SQLite database in WAL mode has folded its log into the file; a log left
  // behind would hold committed pages, so it moves first.
  if (existsSync(`${building}-wal`) && statSync(`${building}-wal`).size > 0) renameSync(`${building}-wal`, `${path}-wal`);
  try {
    linkSync(building, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${path} already exists; an issuer database is created once`, { code: 'ALREADY_EXISTS' });
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw e;
    if (existsSync(path)) throw new UsageError(`${path} already exists; an issuer database is created once`, { code: 'ALREADY_EXISTS' });
    renameSync(building, path);
  }
  syncFolder(dirname(path));
}

function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort: not every platform lets a folder be flushed
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const LOG_USAGE = `Usage: tradewind issuer log [options]

Lists what the issuer issued (the issuance log), oldest first, with current status
and how often a credential was re-emitted.

Options:
${ISSUER_DB_HELP}
  --type T                 only credentials of this type
  --subject ID             only credentials about this subject
  --since ISO              issued at or after (RFC 3339 with an offset)
  --limit N                at most N entries (default 100, at most 100000)
  --json                   print the entries as JSON
  -h, --help               show this help`;

const log: Command = {
  name: 'log',
  summary: 'List issued credentials and their status',
  usage: LOG_USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ...ISSUER_DB_OPTIONS,
      type: { type: 'string' },
      subject: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
    });
    const limit = parseIntegerFlag(values.limit, '--limit', 1, 100_000) ?? 100;
    const entries = await withIssuer(values, io, (issuer) =>
      issuer.log({
        limit,
        ...(values.type === undefined ? {} : { type: values.type }),
        ...(values.subject === undefined ? {} : { subjectId: values.subject }),
        ...(values.since === undefined ? {} : { since: values.since }),
      }),
    );
    printResult(io, values.json, entries, () =>
      entries.length === 0
        ? 'No credentials issued.'
        : entries
            .map(
              (e) =>
                `${e.issuedAt}  ${e.credentialId}  ${e.types.filter((t) => t !== 'VerifiableCredential').join(',')}  ${e.subjectId ?? '-'}${e.revoked ? '  REVOKED' : ''}${e.suspended ? '  SUSPENDED' : ''}${e.reemissions > 0 ? `  re-emitted ${e.reemissions}x` : ''}`,
            )
            .join('\n'),
    );
    return EXIT.OK;
  },
};

/** `tradewind issuer init|log|migrate`. */
export const issuerCommands: CommandFamily = {
  name: 'issuer',
  summary: 'Create, inspect and migrate an issuer database',
  subcommands: [init, log, migrateCommand],
};
