import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDatabaseLocation } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { z } from 'zod';
import { isAdminKeyHash } from './auth.js';
import type { CredentialConfiguration, ServiceConfig } from './context.js';

/**
 * What a fresh agency offers over OpenID4VCI unless its configuration says otherwise: the
 * national ID in both formats, as a VCDM 1.1 `jwt_vc_json` credential and as an SD-JWT VC
 * (`dc+sd-jwt`, vct `NationalIdCredential`) whose claims the holder discloses one by one.
 */
export const DEFAULT_CREDENTIAL_CONFIGURATIONS: Record<string, CredentialConfiguration> = {
  NationalIdCredential: {
    format: 'jwt_vc_json',
    types: ['VerifiableCredential', 'NationalIdCredential'],
    display: [{ name: 'National ID', locale: 'en' }],
    status: ['revocation', 'suspension'],
  },
  NationalIdCredential_sd_jwt: {
    format: 'dc+sd-jwt',
    type: 'NationalIdCredential',
    display: [{ name: 'National ID (selective disclosure)', locale: 'en' }],
    claims: [
      { path: ['given_name'], display: [{ name: 'Given name', locale: 'en' }] },
      { path: ['family_name'], display: [{ name: 'Family name', locale: 'en' }] },
      { path: ['birthdate'], display: [{ name: 'Date of birth', locale: 'en' }] },
      { path: ['age_over_18'], display: [{ name: 'Over 18', locale: 'en' }] },
      { path: ['nationality'], display: [{ name: 'Nationality', locale: 'en' }] },
      { path: ['place_of_birth'], display: [{ name: 'Place of birth', locale: 'en' }] },
      { path: ['address'], display: [{ name: 'Address', locale: 'en' }] },
    ],
    status: ['revocation', 'suspension'],
  },
};

/**
 * Defaults of every setting that has one (`baseUrl`, `secret` and `adminKeyHashes` have
 * none). With a PostgreSQL `database`, `stateDatabase` defaults to that same database and
 * `batchFolder` to `batch-jobs` in the config file's folder (else the working directory);
 * with a SQLite one, `batchFolder` is `batch-jobs` beside the state file.
 */
export const CONFIG_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  database: 'issuer-service.db',
  stateDatabase: 'issuer-service-state.db',
  databasePoolSize: 10,
  limits: { bodyBytes: 1024 * 1024, batchBytes: 64 * 1024 * 1024, publicRequestsPerWindow: 600, windowMs: 60_000 },
  statusListValidForSeconds: 86_400,
  statusListMaxAgeSeconds: 300,
  batchLeaseSeconds: 30,
  oid4vci: { offerTtlSeconds: 600, tokenTtlSeconds: 300, nonceTtlSeconds: 300 },
  allowInsecureHttp: false,
  allowHighS: false,
  logLevel: 'info',
} as const;

/**
 * Every environment variable the service reads, with the setting it fills (a dotted path
 * into {@link ServiceConfig}) and how its text is read. The environment overrides the
 * config file; `overrides` (tests) override both.
 */
export const ENVIRONMENT: ReadonlyArray<{ name: string; setting: string; kind: 'string' | 'integer' | 'boolean' | 'list' }> = [
  { name: 'TRADEWIND_SERVICE_HOST', setting: 'host', kind: 'string' },
  { name: 'TRADEWIND_SERVICE_PORT', setting: 'port', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_BASE_URL', setting: 'baseUrl', kind: 'string' },
  { name: 'TRADEWIND_SERVICE_DATABASE', setting: 'database', kind: 'string' },
  { name: 'TRADEWIND_SERVICE_STATE_DATABASE', setting: 'stateDatabase', kind: 'string' },
  { name: 'TRADEWIND_SERVICE_BATCH_FOLDER', setting: 'batchFolder', kind: 'string' },
  { name: 'TRADEWIND_SERVICE_DATABASE_POOL_SIZE', setting: 'databasePoolSize', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_BATCH_LEASE', setting: 'batchLeaseSeconds', kind: 'integer' },
  { name: 'TRADEWIND_SECRET', setting: 'secret', kind: 'string' },
  { name: 'TRADEWIND_ADMIN_KEY_HASHES', setting: 'adminKeyHashes', kind: 'list' },
  { name: 'TRADEWIND_SERVICE_BODY_LIMIT', setting: 'limits.bodyBytes', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_BATCH_LIMIT', setting: 'limits.batchBytes', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_RATE_LIMIT', setting: 'limits.publicRequestsPerWindow', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_RATE_WINDOW_MS', setting: 'limits.windowMs', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_STATUS_LIST_VALID_FOR', setting: 'statusListValidForSeconds', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_STATUS_LIST_MAX_AGE', setting: 'statusListMaxAgeSeconds', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_OFFER_TTL', setting: 'oid4vci.offerTtlSeconds', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_TOKEN_TTL', setting: 'oid4vci.tokenTtlSeconds', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_NONCE_TTL', setting: 'oid4vci.nonceTtlSeconds', kind: 'integer' },
  { name: 'TRADEWIND_SERVICE_RECOGNITION_POLICY', setting: 'recognition.policy', kind: 'string' },
  { name: 'TRADEWIND_SERVICE_RECOGNITION_LISTS', setting: 'recognition.lists', kind: 'list' },
  { name: 'TRADEWIND_SERVICE_ALLOW_INSECURE_HTTP', setting: 'allowInsecureHttp', kind: 'boolean' },
  { name: 'TRADEWIND_SERVICE_ALLOW_HIGH_S', setting: 'allowHighS', kind: 'boolean' },
  { name: 'TRADEWIND_SERVICE_LOG_LEVEL', setting: 'logLevel', kind: 'string' },
];

/** The environment variable that names the config file (`--config FILE` takes precedence). */
export const CONFIG_FILE_VARIABLE = 'TRADEWIND_SERVICE_CONFIG';

const seconds = (max: number) => z.number().int().min(1).max(max);
const DAY = 86_400;

const display = z.array(z.strictObject({ name: z.string().min(1), locale: z.string().min(1).optional() }));
const statusPurposes = z
  .array(z.enum(['revocation', 'suspension']))
  .refine((p) => new Set(p).size === p.length, 'lists a purpose twice')
  .optional();
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_.:/#-]*$/;

const credentialConfiguration = z.discriminatedUnion(
  'format',
  [
    z.strictObject({
      format: z.literal('jwt_vc_json'),
      types: z
        .array(z.string().min(1))
        .min(2)
        .refine((t) => t[0] === 'VerifiableCredential', 'types must start with VerifiableCredential'),
      contexts: z.array(z.string().min(1)).optional(),
      display: display.optional(),
      status: statusPurposes,
    }),
    z.strictObject({
      format: z.literal('dc+sd-jwt'),
      type: z.string().regex(TYPE_NAME, 'must be a credential type name, such as NationalIdCredential'),
      vct: z.string().min(1).max(2048).optional(),
      disclose: z.array(z.string().regex(/^\/[^/]/, 'must be a JSON Pointer to a claim, such as /given_name')).optional(),
      holderBinding: z.enum(['jwk', 'kid']).optional(),
      display: display.optional(),
      claims: z
        .array(
          z.strictObject({
            path: z.array(z.union([z.string(), z.number().int().min(0), z.null()])).min(1),
            mandatory: z.boolean().optional(),
            display: display.optional(),
          }),
        )
        .optional(),
      status: statusPurposes.refine(
        (p) => p === undefined || p.length === 0 || p.includes('revocation'),
        "an SD-JWT VC's status is one Token Status List entry: ['revocation', 'suspension'], ['revocation'] or []",
      ),
    }),
  ],
  { error: 'format must be jwt_vc_json or dc+sd-jwt' },
);

const schema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65_535),
  baseUrl: z.string({ error: 'is required (the public https URL the service is reached at)' }).min(1),
  database: z.string().min(1),
  stateDatabase: z.string().min(1),
  batchFolder: z.string().min(1).optional(),
  databasePoolSize: z.number().int().min(1).max(1000),
  batchLeaseSeconds: seconds(3600),
  secret: z.string({ error: 'is required (TRADEWIND_SECRET: the secret that encrypts the issuer keys)' }).min(1, 'must not be empty'),
  adminKeyHashes: z
    .array(z.string().refine(isAdminKeyHash, 'must be sha256:<64 lowercase hex digits> (see: tradewind-issuer-service new-admin-key)'), {
      error: 'is required (at least one sha256:<hex> admin API key hash)',
    })
    .min(1, 'needs at least one admin API key hash'),
  limits: z.strictObject({
    bodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024),
    batchBytes: z
      .number()
      .int()
      .min(1024)
      .max(4 * 1024 * 1024 * 1024),
    publicRequestsPerWindow: z.number().int().min(1).max(100_000_000),
    windowMs: z
      .number()
      .int()
      .min(1000)
      .max(DAY * 1000),
  }),
  statusListValidForSeconds: seconds(366 * DAY),
  statusListMaxAgeSeconds: seconds(366 * DAY),
  oid4vci: z.strictObject({
    offerTtlSeconds: seconds(30 * DAY),
    tokenTtlSeconds: seconds(DAY),
    nonceTtlSeconds: seconds(DAY),
    credentialConfigurations: z
      .record(z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1 to 128 letters, digits or _ . : -'), credentialConfiguration)
      .refine((r) => Object.keys(r).length > 0, 'needs at least one credential configuration'),
  }),
  recognition: z.strictObject({ policy: z.string().min(1).optional(), lists: z.array(z.string().min(1)).optional() }).optional(),
  allowInsecureHttp: z.boolean(),
  allowHighS: z.boolean(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  kdf: z.strictObject({ N: z.number().int(), r: z.number().int(), p: z.number().int() }).optional(),
});

export interface LoadConfigOptions {
  /** A JSON config file (its relative paths are read from its own folder). Default: `TRADEWIND_SERVICE_CONFIG`. */
  file?: string;
  /** The environment (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Settings that win over the file and the environment (tests). */
  overrides?: DeepPartial<ServiceConfig>;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<unknown> ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * Reads the service's configuration: defaults, then the JSON config file, then the
 * environment, then `overrides`. Every problem is an `INVALID_ARGUMENT` TradewindError
 * whose message names the setting (and the environment variable or file it came from);
 * all problems are listed at once. The secret is never part of a message.
 *
 * @example
 * ```ts
 * const config = loadConfig({ file: 'issuer-service.json' });
 * const service = await startService(config);
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): ServiceConfig {
  const env = options.env ?? process.env;
  const sources = new Map<string, string>();
  const merged: Record<string, unknown> = structuredClone({
    ...CONFIG_DEFAULTS,
    oid4vci: { ...CONFIG_DEFAULTS.oid4vci, credentialConfigurations: DEFAULT_CREDENTIAL_CONFIGURATIONS },
  }) as Record<string, unknown>;

  const file = options.file ?? (env[CONFIG_FILE_VARIABLE] || undefined);
  let fileDir: string | undefined;
  if (file !== undefined) {
    const fromFile = readConfigFile(file);
    fileDir = dirname(resolve(file));
    mergeInto(merged, fromFile, '', (setting) => sources.set(setting, `${setting} in ${file}`));
  }
  const problems: string[] = [];
  for (const variable of ENVIRONMENT) {
    const text = env[variable.name];
    if (text === undefined || text === '') continue;
    const value = fromEnvironment(variable.kind, text);
    if (value === undefined) {
      problems.push(`${variable.name}: ${variable.kind === 'integer' ? 'must be a whole number' : 'must be true or false'}`);
      continue;
    }
    setPath(merged, variable.setting, value);
    sources.set(variable.setting, variable.name);
  }
  if (options.overrides) mergeInto(merged, options.overrides as Record<string, unknown>, '', (s) => sources.set(s, s));

  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const setting = issue.path.map(String).join('.');
      problems.push(`${nameOf(setting, sources)}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw configError(problems);
  const config = parsed.data;

  const baseProblem = baseUrlProblem(config.baseUrl, config.allowInsecureHttp);
  if (baseProblem) throw configError([`${nameOf('baseUrl', sources)}: ${baseProblem}`]);
  config.baseUrl = config.baseUrl.replace(/\/+$/, '');

  // A database is a SQLite path or a PostgreSQL URL; a bad URL is named without its password.
  for (const setting of ['database', 'stateDatabase'] as const) {
    try {
      parseDatabaseLocation(config[setting]);
    } catch (error) {
      problems.push(`${nameOf(setting, sources)}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw configError(problems);
  // The service's state goes into the issuer's PostgreSQL database unless it is given a place of its own.
  if (isPostgresUrl(config.database) && sourceOf('stateDatabase', sources) === undefined) config.stateDatabase = config.database;

  // Paths in a config file are read from the file's folder; others from the working directory.
  const place = (setting: string, path: string) =>
    isPostgresUrl(path)
      ? path
      : fileDir !== undefined && sourceOf(setting, sources)?.endsWith(` in ${file}`)
        ? resolve(fileDir, path)
        : resolve(path);
  config.database = place('database', config.database);
  config.stateDatabase = place('stateDatabase', config.stateDatabase);
  config.batchFolder =
    config.batchFolder !== undefined
      ? place('batchFolder', config.batchFolder)
      : isPostgresUrl(config.stateDatabase)
        ? resolve(fileDir ?? '.', 'batch-jobs')
        : join(dirname(config.stateDatabase), 'batch-jobs');
  if (config.recognition?.policy) config.recognition.policy = place('recognition.policy', config.recognition.policy);
  if (config.recognition?.lists) config.recognition.lists = config.recognition.lists.map((l) => place('recognition.lists', l));
  return config as ServiceConfig;
}

/**
 * Why `url` cannot be the service's base URL (or undefined): an absolute https URL (http
 * only with `allowInsecureHttp`) without user name, query or fragment, whose path
 * segments can be did:web path segments.
 */
function baseUrlProblem(url: string, allowInsecureHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL`;
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && allowInsecureHttp))
    return allowInsecureHttp ? 'must be an http(s) URL' : 'must be an https URL (http only with allowInsecureHttp, for tests)';
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  if (parsed.search || parsed.hash || url.includes('?') || url.includes('#')) return 'must not have a query or fragment';
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => !/^[A-Za-z0-9._~-]+$/.test(s) || s === '.' || s === '..'))
    return 'its path segments may only hold letters, digits and . _ ~ - (they become did:web path segments)';
  if (/\/\//.test(parsed.pathname.replace(/\/+$/, ''))) return 'must not have empty path segments';
  return undefined;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TradewindError('INVALID_ARGUMENT', `configuration: cannot read the config file ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TradewindError('INVALID_ARGUMENT', `configuration: ${file} is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TradewindError('INVALID_ARGUMENT', `configuration: ${file} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** Copies `from` onto `into` member by member (objects merged, anything else replaced), recording each setting set. */
function mergeInto(into: Record<string, unknown>, from: Record<string, unknown>, prefix: string, record: (setting: string) => void): void {
  for (const [key, value] of Object.entries(from)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const setting = prefix ? `${prefix}.${key}` : key;
    const target = into[key];
    if (
      isPlainObject(value) &&
      isPlainObject(target) &&
      // Credential configurations are replaced whole: a file that lists its own offers none of the defaults.
      setting !== 'oid4vci.credentialConfigurations'
    ) {
      mergeInto(target, value, setting, record);
    } else {
      into[key] = value;
      record(setting);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function fromEnvironment(kind: 'string' | 'integer' | 'boolean' | 'list', text: string): unknown {
  if (kind === 'string') return text;
  if (kind === 'list')
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  if (kind === 'boolean') return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : undefined;
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/** Where a setting (or the object holding it) was set, if not by a default. */
function sourceOf(setting: string, sources: Map<string, string>): string | undefined {
  for (let s = setting; s !== ''; s = s.includes('.') ? s.slice(0, s.lastIndexOf('.')) : '') {
    const source = sources.get(s);
    if (source !== undefined) return source === s ? setting : source;
  }
  return undefined;
}

/** The name a problem is reported under: the environment variable or file that set it, else the setting. */
function nameOf(setting: string, sources: Map<string, string>): string {
  const source = sourceOf(setting, sources);
  if (source !== undefined) return source === setting ? setting : `${setting} (${source})`;
  const variable = ENVIRONMENT.find((v) => v.setting === setting);
  return variable ? `${setting} (${variable.name})` : setting;
}

/** Whether a database setting names PostgreSQL (a `postgres://` or `postgresql://` URL) rather than a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

function configError(problems: string[]): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', `configuration: ${problems.join('; ')}`);
}

/**
 * Reads only where the service keeps its data (`database`, `stateDatabase`), from the
 * same sources as {@link loadConfig}, for `tradewind-issuer-service migrate`: the settings
 * a start needs besides (base URL, secret, admin keys) may be left out.
 */
export function loadDatabaseSettings(options: LoadConfigOptions = {}): { database: string; stateDatabase: string } {
  const stand = { baseUrl: 'https://migrate.invalid', secret: 'unused', adminKeyHashes: [`sha256:${'0'.repeat(64)}`] };
  const env = { ...(options.env ?? process.env) };
  const file = options.file ?? (env[CONFIG_FILE_VARIABLE] || undefined);
  const fromFile = file === undefined ? {} : readConfigFile(file);
  // Stand-ins only where nothing sets the setting (what is set is still checked).
  const fill: Record<string, unknown> = {};
  if (fromFile.baseUrl === undefined && !env.TRADEWIND_SERVICE_BASE_URL) fill.baseUrl = stand.baseUrl;
  if (fromFile.secret === undefined && !env.TRADEWIND_SECRET) fill.secret = stand.secret;
  if (fromFile.adminKeyHashes === undefined && !env.TRADEWIND_ADMIN_KEY_HASHES) fill.adminKeyHashes = stand.adminKeyHashes;
  const config = loadConfig({ ...options, ...(file === undefined ? {} : { file }), env, overrides: { ...fill, ...options.overrides } });
  return { database: config.database, stateDatabase: config.stateDatabase };
}
